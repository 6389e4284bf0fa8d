import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../../shared/errors.js';
import { compareWatermarks, maxWatermark, watermarkText, windowLow, type Lookback } from '../../../shared/pipeline/watermark.js';

const HOUR = 3_600_000_000n;
const DAY = 24n * HOUR;
const hours = (n: bigint): Lookback => ({ kind: 'duration', micros: n * HOUR });
const count = (n: bigint): Lookback => ({ kind: 'integer', value: n });

// Day and microsecond numbers computed independently with Python's datetime (proleptic Gregorian).
describe('watermarkText', () => {
  it('writes integers exactly, past 2^53 too', () => {
    expect(watermarkText('int64', 12345)).toBe('12345');
    expect(watermarkText('int64', -7)).toBe('-7');
    expect(watermarkText('int64', 9_007_199_254_740_993n)).toBe('9007199254740993');
  });

  it('writes dates from days since 1970-01-01', () => {
    expect(watermarkText('date', 19753)).toBe('2024-01-31');
    expect(watermarkText('date', 0)).toBe('1970-01-01');
    expect(watermarkText('date', -719162)).toBe('0001-01-01');
    expect(watermarkText('date', 2_932_896n)).toBe('9999-12-31');
  });

  it('writes datetimes and timestamps from microseconds, always 6 fraction digits, Z only on timestamps', () => {
    expect(watermarkText('datetime', 1_706_695_872_123_456)).toBe('2024-01-31T10:11:12.123456');
    expect(watermarkText('timestamp', 1_706_695_872_123_456)).toBe('2024-01-31T10:11:12.123456Z');
    expect(watermarkText('datetime', 0)).toBe('1970-01-01T00:00:00.000000');
    expect(watermarkText('timestamp', 253_402_300_799_999_999n)).toBe('9999-12-31T23:59:59.999999Z');
    expect(watermarkText('datetime', -62_135_596_800_000_000n)).toBe('0001-01-01T00:00:00.000000');
  });
});

describe('compareWatermarks', () => {
  it('orders integers numerically, not as text', () => {
    expect(compareWatermarks('int64', '9', '10')).toBe(-1);
    expect(compareWatermarks('int64', '10', '9')).toBe(1);
    expect(compareWatermarks('int64', '-2', '-10')).toBe(1);
    expect(compareWatermarks('int64', '9007199254740993', '9007199254740992')).toBe(1);
    expect(compareWatermarks('int64', '42', '42')).toBe(0);
  });

  it('orders dates by day', () => {
    expect(compareWatermarks('date', '2024-01-31', '2024-02-01')).toBe(-1);
    expect(compareWatermarks('date', '0999-12-31', '1000-01-01')).toBe(-1);
    expect(compareWatermarks('date', '2024-02-29', '2024-02-29')).toBe(0);
  });

  it('orders datetimes by microsecond, whatever the number of fraction digits', () => {
    expect(compareWatermarks('datetime', '2024-01-31T10:11:12.5', '2024-01-31T10:11:12.123456')).toBe(1);
    expect(compareWatermarks('datetime', '2024-01-31T10:11:12.000001', '2024-01-31T10:11:12')).toBe(1);
    expect(compareWatermarks('datetime', '2024-01-31 10:11:12.1', '2024-01-31T10:11:12.100000')).toBe(0);
  });

  it('orders timestamps as instants, applying their offsets', () => {
    expect(compareWatermarks('timestamp', '2024-01-31T10:00:00+01:00', '2024-01-31T09:00:00.000000Z')).toBe(0);
    expect(compareWatermarks('timestamp', '2024-01-31T10:00:00+01:00', '2024-01-31T09:30:00Z')).toBe(-1);
    expect(compareWatermarks('timestamp', '2024-01-31T00:00:00-08:00', '2024-01-31T07:59:59.999999Z')).toBe(1);
  });
});

describe('maxWatermark', () => {
  it('treats null as "none yet"', () => {
    expect(maxWatermark('int64', null, null)).toBeNull();
    expect(maxWatermark('int64', null, '5')).toBe('5');
    expect(maxWatermark('int64', '5', null)).toBe('5');
  });

  it('returns the later watermark by value, keeping its text', () => {
    expect(maxWatermark('int64', '9', '10')).toBe('10');
    expect(maxWatermark('int64', '10', '9')).toBe('10');
    expect(maxWatermark('date', '2024-12-31', '2025-01-01')).toBe('2025-01-01');
    expect(maxWatermark('datetime', '2024-01-31T10:11:12.5', '2024-01-31T10:11:12.123456')).toBe('2024-01-31T10:11:12.5');
    expect(maxWatermark('timestamp', '2024-01-31T10:00:00+01:00', '2024-01-31T09:30:00Z')).toBe('2024-01-31T09:30:00Z');
  });

  it('keeps the first of two equal watermarks', () => {
    expect(maxWatermark('timestamp', '2024-01-31T10:00:00+01:00', '2024-01-31T09:00:00Z')).toBe('2024-01-31T10:00:00+01:00');
  });
});

describe('windowLow', () => {
  it('is the watermark itself without a lookback', () => {
    expect(windowLow('int64', '100', undefined, 'ID')).toBe('100');
    expect(windowLow('datetime', '2024-01-31T10:11:12.5', undefined, 'FECHA')).toBe('2024-01-31T10:11:12.5');
  });

  it('subtracts a count from an integer watermark, exactly past 2^53', () => {
    expect(windowLow('int64', '1000', count(250n), 'ID')).toBe('750');
    expect(windowLow('int64', '9007199254740993', count(1n), 'ID')).toBe('9007199254740992');
    expect(windowLow('int64', '10', count(0n), 'ID')).toBe('10');
    expect(windowLow('int64', '10', count(25n), 'ID')).toBe('-15');
  });

  it('subtracts a duration from datetimes and timestamps, to the microsecond', () => {
    expect(windowLow('datetime', '2024-03-01T01:30:00', hours(2n), 'FECHA')).toBe('2024-02-29T23:30:00.000000');
    expect(windowLow('timestamp', '2024-01-31T10:00:00+01:00', hours(6n), 'TS')).toBe('2024-01-31T03:00:00.000000Z');
    expect(windowLow('datetime', '2024-01-31T10:11:12.123456', { kind: 'duration', micros: 123_457n }, 'FECHA')).toBe('2024-01-31T10:11:11.999999');
    expect(windowLow('timestamp', '2024-01-31T10:11:12Z', { kind: 'duration', micros: 0n }, 'TS')).toBe('2024-01-31T10:11:12.000000Z');
  });

  it('rounds a lookback on a date column up to whole days', () => {
    expect(windowLow('date', '2024-03-01', hours(1n), 'DIA')).toBe('2024-02-29');
    expect(windowLow('date', '2024-03-01', hours(24n), 'DIA')).toBe('2024-02-29');
    expect(windowLow('date', '2024-03-01', hours(25n), 'DIA')).toBe('2024-02-28');
    expect(windowLow('date', '2024-03-01', { kind: 'duration', micros: 2n * DAY }, 'DIA')).toBe('2024-02-28');
    expect(windowLow('date', '2024-03-01', { kind: 'duration', micros: 2n * DAY + 1n }, 'DIA')).toBe('2024-02-27');
    expect(windowLow('date', '2024-03-01', { kind: 'duration', micros: 0n }, 'DIA')).toBe('2024-03-01');
  });

  it('clamps at 0001-01-01 instead of leaving the calendar', () => {
    expect(windowLow('date', '0001-01-03', { kind: 'duration', micros: 5n * DAY }, 'DIA')).toBe('0001-01-01');
    expect(windowLow('date', '0001-01-03', { kind: 'duration', micros: 2n * DAY }, 'DIA')).toBe('0001-01-01');
    expect(windowLow('datetime', '0001-01-01T01:00:00', hours(2n), 'FECHA')).toBe('0001-01-01T00:00:00.000000');
    expect(windowLow('timestamp', '0001-01-02T00:00:00Z', hours(100n), 'TS')).toBe('0001-01-01T00:00:00.000000Z');
    expect(windowLow('datetime', '0001-01-01T01:00:00', hours(1n), 'FECHA')).toBe('0001-01-01T00:00:00.000000');
  });

  it('rejects a duration on an integer column, naming the column', () => {
    expect(() => windowLow('int64', '100', hours(2n), 'ID_VENTA')).toThrow(
      new TerminalError('ID_VENTA: lookback must be a whole number for an integer partition column (got a duration) — e.g. lookback: 1000'),
    );
  });

  it('rejects a count on a date or time column, naming the column and its kind', () => {
    for (const [kind, watermark] of [['date', '2024-01-31'], ['datetime', '2024-01-31T10:11:12'], ['timestamp', '2024-01-31T10:11:12Z']] as const) {
      expect(() => windowLow(kind, watermark, count(500n), 'FECHA_VENTA')).toThrow(
        new TerminalError(`FECHA_VENTA: lookback must be a duration for a ${kind} partition column — e.g. lookback: 2d, 6h or 30m`),
      );
    }
  });
});
