import {
  DuckDBBlobValue, DuckDBDateValue, DuckDBDecimalValue, DuckDBTimestampTZValue, DuckDBTimestampValue,
} from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { unscaledToBytes } from '../../../shared/avro/decimal.js';
import { ValueError } from '../../../shared/model/value-error.js';
import { toDuckDbValue } from '../../../shared/warehouses/duckdb/duckdb-values.js';

const MAX_38 = 10n ** 38n - 1n;

describe('toDuckDbValue', () => {
  it('passes booleans, numbers and strings through', () => {
    expect(toDuckDbValue({ kind: 'boolean' })(false)).toBe(false);
    expect(toDuckDbValue({ kind: 'float64' })(-0.1)).toBe(-0.1);
    expect(toDuckDbValue({ kind: 'float32' })(1.5)).toBe(1.5);
    expect(toDuckDbValue({ kind: 'string' })('ñandú ✓ \u0000')).toBe('ñandú ✓ \u0000');
    expect(toDuckDbValue({ kind: 'json' })('{"a":1}')).toBe('{"a":1}');
    expect(toDuckDbValue({ kind: 'interval' })('P1DT2H')).toBe('P1DT2H');
  });

  it('turns int64 numbers and bigints into bigints', () => {
    const int64 = toDuckDbValue({ kind: 'int64' });
    expect(int64(42)).toBe(42n);
    expect(int64(-(2n ** 63n))).toBe(-(2n ** 63n));
    expect(int64(2n ** 63n - 1n)).toBe(2n ** 63n - 1n);
    expect(() => int64(2n ** 63n)).toThrow('expected an int64, got bigint 9223372036854775808');
    expect(() => int64(1.5)).toThrow('expected an int64, got number 1.5');
  });

  it('reads decimal bytes as the exact unscaled value', () => {
    const wide = toDuckDbValue({ kind: 'decimal', precision: 38, scale: 10 });
    expect(wide(unscaledToBytes(MAX_38))).toEqual(new DuckDBDecimalValue(MAX_38, 38, 10));
    expect(wide(unscaledToBytes(-MAX_38))).toEqual(new DuckDBDecimalValue(-MAX_38, 38, 10));
    expect(wide(Buffer.from([0xff]))).toEqual(new DuckDBDecimalValue(-1n, 38, 10));
    expect(wide(Buffer.alloc(0))).toEqual(new DuckDBDecimalValue(0n, 38, 10));
    expect(toDuckDbValue({ kind: 'decimal', precision: 18, scale: 2 })(Buffer.from([0xfb]))).toEqual(new DuckDBDecimalValue(-5n, 18, 2));
  });

  it('refuses a decimal with more digits than its precision', () => {
    const small = toDuckDbValue({ kind: 'decimal', precision: 5, scale: 2 });
    expect(small(unscaledToBytes(99999n))).toEqual(new DuckDBDecimalValue(99999n, 5, 2));
    expect(() => small(unscaledToBytes(100000n))).toThrow(ValueError);
    expect(() => small(unscaledToBytes(-100000n))).toThrow('-1000.00 has more than 5 digits, it does not fit decimal(5,2)');
    expect(() => small('1.5')).toThrow('expected decimal bytes, got string 1.5');
  });

  it('wraps bytes, dates and timestamps in DuckDB values', () => {
    const bytes = Buffer.from([0, 1, 0]);
    expect(toDuckDbValue({ kind: 'bytes' })(bytes)).toEqual(new DuckDBBlobValue(bytes));
    expect(toDuckDbValue({ kind: 'date' })(-719162)).toEqual(new DuckDBDateValue(-719162));
    expect(toDuckDbValue({ kind: 'datetime' })(253402300799999999n)).toEqual(new DuckDBTimestampValue(253402300799999999n));
    expect(toDuckDbValue({ kind: 'timestamp' })(-62135596800000000n)).toEqual(new DuckDBTimestampTZValue(-62135596800000000n));
    expect(toDuckDbValue({ kind: 'timestamp' })(1_700_000_000_000_000)).toEqual(new DuckDBTimestampTZValue(1_700_000_000_000_000n));
    // Past 2^53 a number may already have lost digits; the row contract says such values are bigints.
    expect(() => toDuckDbValue({ kind: 'timestamp' })(-62135596800000000)).toThrow('expected microseconds since 1970-01-01, got number -62135596800000000');
    expect(() => toDuckDbValue({ kind: 'date' })(1.5)).toThrow('expected days since 1970-01-01, got number 1.5');
    expect(() => toDuckDbValue({ kind: 'datetime' })('2024-01-01')).toThrow('expected microseconds since 1970-01-01, got string 2024-01-01');
    expect(() => toDuckDbValue({ kind: 'bytes' })('00')).toThrow('expected bytes, got string 00');
    expect(() => toDuckDbValue({ kind: 'boolean' })(Buffer.from([1, 2]))).toThrow('expected a boolean, got 2 bytes');
  });
});
