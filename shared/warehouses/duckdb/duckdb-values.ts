import {
  DuckDBBlobValue, DuckDBDateValue, DuckDBDecimalValue, DuckDBTimestampTZValue, DuckDBTimestampValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import { bytesToUnscaled, decimalBytesToText } from '../../avro/decimal.js';
import type { AvroValue, CanonicalType } from '../../model/column.js';
import { ValueError } from '../../model/value-error.js';

/** Turns one non-null AVRO value (column.ts, AvroValue table) into what a DuckDB vector stores. */
export type ToDuckDbValue = (value: Exclude<AvroValue, null>) => DuckDBValue;

/**
 * The converter for a column's canonical type, chosen once per load so the per-row path is a
 * typeof check and at most one small wrapper object. A value of the wrong JS type or out of the
 * type's range throws a ValueError with the reason; the caller adds table, part and row.
 */
export function toDuckDbValue(type: CanonicalType): ToDuckDbValue {
  switch (type.kind) {
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? v : mismatch('a boolean', v));
    case 'int64':
      return toInt64;
    case 'float32':
    case 'float64':
      return (v) => (typeof v === 'number' ? v : mismatch('a number', v));
    case 'decimal': {
      const { precision, scale } = type;
      const limit = 10n ** BigInt(precision);
      return (v) => {
        if (!Buffer.isBuffer(v)) return mismatch('decimal bytes', v);
        const raw = bytesToUnscaled(v);
        const unscaled = typeof raw === 'bigint' ? raw : BigInt(raw);
        if (unscaled >= limit || unscaled <= -limit) {
          throw new ValueError(`${decimalBytesToText(v, scale)} has more than ${precision} digits, it does not fit decimal(${precision},${scale})`);
        }
        return new DuckDBDecimalValue(unscaled, precision, scale);
      };
    }
    case 'string':
    case 'json':
    case 'interval':
      return (v) => (typeof v === 'string' ? v : mismatch('a string', v));
    case 'bytes':
      return (v) => (Buffer.isBuffer(v) ? new DuckDBBlobValue(v) : mismatch('bytes', v));
    case 'date':
      return (v) => (typeof v === 'number' && Number.isInteger(v) ? new DuckDBDateValue(v) : mismatch('days since 1970-01-01', v));
    case 'datetime':
      return (v) => new DuckDBTimestampValue(toMicros(v));
    case 'timestamp':
      return (v) => new DuckDBTimestampTZValue(toMicros(v));
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function toInt64(v: Exclude<AvroValue, null>): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX) return v;
  return mismatch('an int64', v);
}

function toMicros(v: Exclude<AvroValue, null>): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX) return v;
  return mismatch('microseconds since 1970-01-01', v);
}

function mismatch(expected: string, value: unknown): never {
  const shown = Buffer.isBuffer(value) ? `${value.length} bytes` : `${typeof value} ${String(value).slice(0, 40)}`;
  throw new ValueError(`expected ${expected}, got ${shown}`);
}
