/**
 * Decoders for PostgreSQL's binary send formats (the field bytes of a binary COPY), one per wire
 * type, straight into AVRO-ready values (shared/model/column.ts). Formats: src/backend/utils/adt
 * `*_send` functions; summarised in https://www.postgresql.org/docs/current/sql-copy.html (binary
 * format) — all integers big-endian, dates and timestamps counted from 2000-01-01.
 */
import { decimalTextToBytes, unscaledToBytes } from '../../avro/decimal.js';
import type { AvroValue, Column } from '../../model/column.js';
import { MAX_DAYS, MIN_DAYS } from '../../model/temporal.js';
import { ValueError } from '../../model/value-error.js';
import { intervalIso, type IntervalParts } from './postgres-interval.js';
import { wireOf } from './postgres-wire.js';

/** Decodes one non-NULL field of `length` bytes at `offset`. */
export type BinaryDecoder = (buf: Buffer, offset: number, length: number) => AvroValue;

/** Days from 1970-01-01 to PostgreSQL's epoch 2000-01-01. */
export const PG_EPOCH_DAYS = 10_957;
/** Microseconds from 1970-01-01 to 2000-01-01. */
export const PG_EPOCH_MICROS = 946_684_800_000_000;

/** The canonical range (0001-01-01 … 9999-12-31), which every warehouse's DATE/TIMESTAMP holds. */
const MIN_MICROS = -62_135_596_800_000_000n;
const MAX_MICROS = 253_402_300_799_999_999n;
const TWO_32 = 4_294_967_296;

/** A big-endian int64 as a number when safe, else a bigint (column.ts's int64 representation). */
export function readInt64(buf: Buffer, offset: number): number | bigint {
  const hi = buf.readInt32BE(offset);
  const lo = buf.readUInt32BE(offset + 4);
  // -2^21 ≤ hi < 2^21 keeps hi·2^32 + lo exact, within [-2^53, 2^53); only -2^53 itself is unsafe.
  if (hi >= -0x200000 && hi < 0x200000) {
    const value = hi * TWO_32 + lo;
    if (value !== -9_007_199_254_740_992) return value;
  }
  return buf.readBigInt64BE(offset);
}

/**
 * The exact decimal text of a binary numeric: int16 ndigits, int16 weight (base-10000 exponent of
 * the first digit), uint16 sign, int16 dscale (digits after the point), then ndigits base-10000
 * digits. NaN and ±Infinity have no decimal text and raise ValueError.
 */
export function numericText(buf: Buffer, offset: number): string {
  const ndigits = buf.readInt16BE(offset);
  const weight = buf.readInt16BE(offset + 2);
  const sign = buf.readUInt16BE(offset + 4);
  const dscale = buf.readInt16BE(offset + 6);
  if (sign === 0xc000) throw new ValueError('value NaN has no decimal form');
  if (sign === 0xd000 || sign === 0xf000) throw new ValueError(`value ${sign === 0xd000 ? 'Infinity' : '-Infinity'} has no decimal form`);
  const first = offset + 8;
  // PostgreSQL never sends a negative zero (zero has no digits), so the sign alone decides.
  let text = sign === 0x4000 && ndigits > 0 ? '-' : '';
  if (weight < 0) text += '0';
  else {
    text += ndigits > 0 ? buf.readInt16BE(first) : 0;
    for (let i = 1; i <= weight; i++) text += base10000(buf, first, ndigits, i);
  }
  if (dscale > 0) {
    let frac = '';
    for (let i = weight + 1; frac.length < dscale; i++) frac += base10000(buf, first, ndigits, i);
    text += `.${frac.length === dscale ? frac : frac.slice(0, dscale)}`;
  }
  return text;
}

/** Base-10000 digit `i` (zero outside the stored digits) as four decimal digits. */
function base10000(buf: Buffer, first: number, ndigits: number, i: number): string {
  const digit = i >= 0 && i < ndigits ? buf.readInt16BE(first + 2 * i) : 0;
  return digit >= 1000 ? String(digit) : digit >= 100 ? `0${digit}` : digit >= 10 ? `00${digit}` : `000${digit}`;
}

const POW10 = Array.from({ length: 20 }, (_, i) => 10 ** i);

/**
 * A binary numeric as AVRO decimal bytes at (precision, scale). When the value plainly fits
 * (no more fraction digits than the scale, few enough integer digits) and its unscaled form is
 * below 10^15, the unscaled value is summed from the base-10000 digits in exact double arithmetic
 * — five times faster than text; anything else goes through the exact text and decimalTextToBytes,
 * which also words the error when the value does not fit.
 */
export function numericDecimal(buf: Buffer, offset: number, precision: number, scale: number): Buffer {
  const ndigits = buf.readInt16BE(offset);
  const weight = buf.readInt16BE(offset + 2);
  const sign = buf.readUInt16BE(offset + 4);
  const dscale = buf.readInt16BE(offset + 6);
  if ((sign === 0 || sign === 0x4000) && dscale <= scale) {
    const lead = ndigits > 0 ? buf.readInt16BE(offset + 8) : 0;
    const intDigits = weight < 0 || ndigits === 0 ? 0 : 4 * weight + (lead >= 1000 ? 4 : lead >= 100 ? 3 : lead >= 10 ? 2 : 1);
    if (intDigits <= precision - scale && intDigits + scale <= 15) {
      let unscaled = 0;
      for (let i = 0; i < ndigits; i++) {
        const digit = buf.readInt16BE(offset + 8 + 2 * i);
        const exponent = 4 * (weight - i) + scale;
        // A negative exponent only meets digits past dscale, which are zeros: the division is exact.
        unscaled += exponent >= 0 ? digit * POW10[exponent]! : digit / POW10[-exponent]!;
      }
      return unscaledToBytes(BigInt(sign === 0x4000 ? -unscaled : unscaled));
    }
  }
  return decimalBytes(numericText(buf, offset), precision, scale);
}

/**
 * decimalTextToBytes, with its reason phrased as the row converter reports it
 * (`value 123456.789 does not fit decimal(8,2): …`).
 */
export function decimalBytes(text: string, precision: number, scale: number): Buffer {
  try {
    return decimalTextToBytes(text, precision, scale);
  } catch (error) {
    if (error instanceof ValueError && error.message.startsWith(text)) throw new ValueError(`value ${error.message}`);
    throw error;
  }
}

/** An integer's text as column.ts's int64 value (number when safe, else bigint). */
export function int64FromText(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

/** A whole-number decimal text as int64; a fraction or more than 64 bits raises ValueError. */
export function wholeNumber(text: string): number | bigint {
  const match = /^(-?\d+)(?:\.0*)?$/.exec(text);
  if (!match?.[1]) throw new ValueError(`value ${text} is not a whole number, so it does not fit int64`);
  const value = int64FromText(match[1]);
  if (typeof value === 'bigint' && (value > 0x7fffffffffffffffn || value < -0x8000000000000000n)) {
    throw new ValueError(`value ${text} does not fit int64`);
  }
  return value;
}

/** Days since 1970-01-01 from PostgreSQL's int32 days since 2000-01-01, range-checked. */
export function dateDays(pgDays: number): number {
  if (pgDays === 0x7fffffff || pgDays === -0x80000000) throw new ValueError(`value ${pgDays > 0 ? 'infinity' : '-infinity'} does not fit date`);
  const days = pgDays + PG_EPOCH_DAYS;
  if (days < MIN_DAYS || days > MAX_DAYS) throw new ValueError(`value ${days} days since 1970-01-01 is outside 0001-01-01..9999-12-31, so it does not fit date`);
  return days;
}

/** Microseconds since 1970-01-01 from an int64 of microseconds since 2000-01-01, range-checked. */
export function epochMicros(buf: Buffer, offset: number, kind: 'datetime' | 'timestamp'): number | bigint {
  const hi = buf.readInt32BE(offset);
  const lo = buf.readUInt32BE(offset + 4);
  if (hi >= -0x200000 && hi < 0x200000) {
    // ±2^53 µs around 2000 spans 1715–2285: always inside the canonical range.
    const micros = hi * TWO_32 + lo + PG_EPOCH_MICROS;
    if (Number.isSafeInteger(micros)) return micros;
    return BigInt(hi * TWO_32 + lo) + BigInt(PG_EPOCH_MICROS);
  }
  const raw = buf.readBigInt64BE(offset);
  if (raw === 0x7fffffffffffffffn || raw === -0x8000000000000000n) {
    throw new ValueError(`value ${raw > 0n ? 'infinity' : '-infinity'} does not fit ${kind}`);
  }
  const micros = raw + BigInt(PG_EPOCH_MICROS);
  if (micros < MIN_MICROS || micros > MAX_MICROS) {
    throw new ValueError(`value ${micros} µs since 1970-01-01 is outside 0001-01-01..9999-12-31, so it does not fit ${kind}`);
  }
  return micros;
}

/** An interval's parts: int64 µs of time, int32 days, int32 months. */
export function intervalParts(buf: Buffer, offset: number): IntervalParts {
  return { micros: buf.readBigInt64BE(offset), days: buf.readInt32BE(offset + 8), months: buf.readInt32BE(offset + 12) };
}

/**
 * UTF-8 text of a field. Buffer's own `utf8Slice` (undocumented, present since Node 0.x) skips
 * `toString`'s argument checks, which cost as much as the decoding for short strings.
 */
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice?: (this: Buffer, start: number, end: number) => string }).utf8Slice;
const utf8: BinaryDecoder = utf8Slice
  ? (buf, o, n) => utf8Slice.call(buf, o, o + n)
  : (buf, o, n) => buf.toString('utf8', o, o + n);

/** The decoder for a column, by its wire type and canonical kind. */
export function binaryDecoder(column: Column): BinaryDecoder {
  const type = column.type;
  switch (wireOf(column).type) {
    case 'bool': return (buf, o) => buf[o] !== 0;
    case 'int8': return (buf, o) => readInt64(buf, o);
    case 'float4': return (buf, o) => buf.readFloatBE(o);
    case 'float8': return (buf, o) => buf.readDoubleBE(o);
    case 'numeric':
      if (type.kind === 'decimal') {
        const { precision, scale } = type;
        return (buf, o) => numericDecimal(buf, o, precision, scale);
      }
      return (buf, o) => wholeNumber(numericText(buf, o));
    case 'text': return utf8;
    case 'bytea': return (buf, o, n) => Buffer.from(buf.subarray(o, o + n));
    case 'date': return (buf, o) => dateDays(buf.readInt32BE(o));
    case 'timestamp': return (buf, o) => epochMicros(buf, o, 'datetime');
    case 'timestamptz': return (buf, o) => epochMicros(buf, o, 'timestamp');
    case 'interval': return (buf, o) => intervalIso(intervalParts(buf, o));
  }
}
