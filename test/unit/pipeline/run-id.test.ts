import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../../shared/errors.js';
import { newRunId, normalizeRunId, parseChunk } from '../../../shared/pipeline/run-id.js';

describe('newRunId', () => {
  it('is the UTC time to the millisecond plus six hex digits', () => {
    expect(newRunId(new Date('2026-11-26T02:00:00.123Z'))).toMatch(/^20261126T020000123Z-[0-9a-f]{6}$/);
    expect(newRunId(new Date('2026-01-02T03:04:05.006+05:00'))).toMatch(/^20260101T220405006Z-[0-9a-f]{6}$/);
  });

  it('sorts by start time as text', () => {
    const starts = ['2026-11-26T02:00:00.123Z', '2026-11-26T02:00:00.124Z', '2026-11-26T02:00:01.000Z', '2026-11-27T00:00:00.000Z', '2027-01-01T00:00:00.000Z'];
    const ids = starts.map((start) => newRunId(new Date(start)));
    expect([...ids].reverse().sort()).toEqual(ids);
  });

  it('differs between runs started in the same millisecond', () => {
    const now = new Date('2026-11-26T02:00:00.123Z');
    const ids = new Set(Array.from({ length: 50 }, () => newRunId(now)));
    expect(ids.size).toBe(50);
  });

  it('is already a usable run id', () => {
    const id = newRunId();
    expect(normalizeRunId(id)).toBe(id);
  });
});

describe('normalizeRunId', () => {
  it("maps Airflow's run ids to safe characters, deterministically", () => {
    expect(normalizeRunId('scheduled__2026-11-26T02:00:00+00:00')).toBe('scheduled__2026-11-26T02_00_00_00_00');
    expect(normalizeRunId('manual__2026-11-26T09:15:30.123456+00:00')).toBe('manual__2026-11-26T09_15_30.123456_00_00');
    expect(normalizeRunId('backfill__2026-01-01T00:00:00+00:00')).toBe(normalizeRunId('backfill__2026-01-01T00:00:00+00:00'));
  });

  it('keeps ids that are already safe, trimming surrounding space', () => {
    expect(normalizeRunId('20261126T020000123Z-9f3a1c')).toBe('20261126T020000123Z-9f3a1c');
    expect(normalizeRunId('  nightly-1.2_b \n')).toBe('nightly-1.2_b');
    expect(normalizeRunId('a/b c')).toBe('a_b_c');
    expect(normalizeRunId('x'.repeat(128))).toBe('x'.repeat(128));
  });

  it.each([
    [''],
    ['   '],
    ['_leading'],
    ['.hidden'],
    ['-dash'],
    ['../escape'],
    ['/abs'],
    ['+00:00'],
    ['x'.repeat(129)],
  ])('rejects %j', (raw) => {
    expect(() => normalizeRunId(raw)).toThrow(
      new TerminalError(`--run-id "${raw}" is not usable: give 1–128 characters starting with a letter or digit`),
    );
  });
});

describe('parseChunk', () => {
  it('turns the 1-based i/n a person writes into a 0-based index and a count', () => {
    expect(parseChunk('2/8')).toEqual({ index: 1, count: 8 });
    expect(parseChunk('1/1')).toEqual({ index: 0, count: 1 });
    expect(parseChunk('8/8')).toEqual({ index: 7, count: 8 });
    expect(parseChunk(' 3/4 ')).toEqual({ index: 2, count: 4 });
    expect(parseChunk('02/08')).toEqual({ index: 1, count: 8 });
    expect(parseChunk('4096/4096')).toEqual({ index: 4095, count: 4096 });
  });

  it.each([
    ['0/8'], ['9/8'], ['1/0'], ['0/0'], ['1/4097'], ['-1/8'], ['1.5/8'], ['2-8'], ['2 / 8'], ['2/'], ['/8'], ['a/b'], [''], ['2/8/1'],
  ])('rejects %j', (text) => {
    expect(() => parseChunk(text)).toThrow(
      new TerminalError(`--chunk "${text}" is not usable: write i/n with 1 ≤ i ≤ n ≤ 4096, e.g. --chunk 2/8`),
    );
  });
});
