/**
 * Field transcoders: one non-NULL field of a binary COPY tuple (postgres-binary-values.ts describes
 * the send formats) written straight in AVRO's binary encoding, the bytes avsc writes for the value
 * read() would produce. Common values never become JS objects: integers and times are re-encoded
 * from their 32-bit halves, decimals from their base-10000 digits, text is copied as it comes —
 * valid UTF-8, since the read sets client_encoding UTF8 (postgres-sql.ts readSettings) and the
 * server converts to it or, from a SQL_ASCII database, verifies it: valid UTF-8 decoded and
 * re-encoded, as read() and avsc do, is the same bytes.
 * Rare shapes (unsafe decimals, intervals, int64 read through numeric) decode with read()'s own
 * decoder and encode the result. A value that does not fit throws, and the tuple transcoder
 * rebuilds read()'s message (postgres-avro-tuples.ts).
 */
import type { Column } from '../../model/column.js';
import { MAX_DAYS, MIN_DAYS } from '../../model/temporal.js';
import { ValueError } from '../../model/value-error.js';
import type { AvroRecordBuffer } from './postgres-avro-buffer.js';
import { binaryDecoder, epochMicros, numericDecimal, PG_EPOCH_DAYS, PG_EPOCH_MICROS } from './postgres-binary-values.js';
import { wireOf } from './postgres-wire.js';

/** Writes one non-NULL field of `length` bytes at `offset`. */
export type FieldTranscoder = (buf: Buffer, offset: number, length: number, out: AvroRecordBuffer) => void;

const TWO_32 = 4_294_967_296;
/** 2000-01-01 in microseconds since 1970-01-01, as the two halves of an int64. */
const EPOCH_HI = Math.floor(PG_EPOCH_MICROS / TWO_32);
const EPOCH_LO = PG_EPOCH_MICROS - EPOCH_HI * TWO_32;
const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

/** Big-endian int32 at `o`, without Buffer's bounds checks (the parser has checked the length). */
function int32(buf: Buffer, o: number): number {
  return (buf[o]! << 24) | (buf[o + 1]! << 16) | (buf[o + 2]! << 8) | buf[o + 3]!;
}

/** Big-endian uint16 at `o`. */
function uint16(buf: Buffer, o: number): number {
  return (buf[o]! << 8) | buf[o + 1]!;
}

const int8: FieldTranscoder = (buf, o, _n, out) => out.writeLongParts(int32(buf, o), int32(buf, o + 4) >>> 0);

/**
 * timestamp / timestamptz: µs since 2000-01-01 shifted to 1970-01-01 in 32-bit halves. Within
 * ±2^53 µs of 2000 (1715–2285) a value is always inside 0001..9999; anything further out,
 * infinity included, goes through read()'s epochMicros for its range check.
 */
function timestamp(kind: 'datetime' | 'timestamp'): FieldTranscoder {
  return (buf, o, _n, out) => {
    const hi = int32(buf, o);
    if (hi >= -0x200000 && hi < 0x200000) {
      const lo = (int32(buf, o + 4) >>> 0) + EPOCH_LO;
      const carry = lo >= TWO_32 ? 1 : 0;
      out.writeLongParts(hi + EPOCH_HI + carry, lo - carry * TWO_32);
    } else {
      out.writeLongValue(epochMicros(buf, o, kind));
    }
  };
}

const date: FieldTranscoder = (buf, o, _n, out) => {
  const days = int32(buf, o) + PG_EPOCH_DAYS;
  // Also catches ±infinity (int32 extremes); read()'s dateDays words the error.
  if (days < MIN_DAYS || days > MAX_DAYS) throw new ValueError('date outside 0001-01-01..9999-12-31');
  out.writeLong(days);
};

/**
 * The unscaled value of a binary numeric (int16 ndigits, int16 weight, uint16 sign, int16 dscale,
 * base-10000 digits) at `scale`, when it plainly fits decimal(precision, scale) and is a safe
 * integer; NaN when it must take read()'s exact path (big values, more fraction digits than the
 * scale, NaN/Infinity, values that do not fit — which that path then reports).
 */
export function numericUnscaled(buf: Buffer, o: number, precision: number, scale: number): number {
  const ndigits = uint16(buf, o);
  const weight = (uint16(buf, o + 2) << 16) >> 16;
  const sign = uint16(buf, o + 4);
  const dscale = uint16(buf, o + 6);
  if ((sign !== 0 && sign !== 0x4000) || dscale > scale || ndigits > 0x7fff) return NaN;
  if (ndigits === 0) return 0;
  const lead = uint16(buf, o + 8);
  const intDigits = weight < 0 ? 0 : 4 * weight + (lead >= 1000 ? 4 : lead >= 100 ? 3 : lead >= 10 ? 2 : 1);
  if (intDigits > precision - scale) return NaN;
  // Horner over the digits; the last one stands for 10000^(weight − ndigits + 1) and carries
  // exponent < 0 fraction digits past the scale, zeros since dscale ≤ scale: those are dropped.
  const last = ndigits - 1;
  let unscaled = 0;
  for (let i = 0; i < last; i++) unscaled = appendDigits(unscaled, 10000, uint16(buf, o + 8 + 2 * i));
  const exponent = 4 * (weight - last) + scale;
  const lastDigit = uint16(buf, o + 8 + 2 * last);
  if (exponent >= 0) {
    unscaled = appendDigits(unscaled, 10000, lastDigit);
    if (exponent > 0) unscaled = exponent < POW10.length ? appendDigits(unscaled, POW10[exponent]!, 0) : NaN;
  } else if (exponent > -4) {
    const kept = lastDigit / POW10[-exponent]!;
    unscaled = Number.isInteger(kept) ? appendDigits(unscaled, POW10[4 + exponent]!, kept) : NaN;
  } else {
    unscaled = NaN;
  }
  return sign === 0x4000 ? -unscaled : unscaled;
}

/**
 * `value × scale + digits` while it stays a safe integer, else NaN (which stays NaN). A true
 * result past 2^53 − 1 rounds to at least 2^53, so the final check catches every inexact one.
 */
function appendDigits(value: number, scale: number, digits: number): number {
  if (!(value <= Number.MAX_SAFE_INTEGER / scale)) return NaN;
  const next = value * scale + digits;
  return next <= Number.MAX_SAFE_INTEGER ? next : NaN;
}

function decimal(precision: number, scale: number): FieldTranscoder {
  return (buf, o, _n, out) => {
    const unscaled = numericUnscaled(buf, o, precision, scale);
    if (unscaled === unscaled) {
      out.writeDecimal(unscaled);
    } else {
      const bytes = numericDecimal(buf, o, precision, scale);
      out.writeBytes(bytes, 0, bytes.length);
    }
  };
}

const bytes: FieldTranscoder = (buf, o, n, out) => out.writeBytes(buf, o, o + n);

/** A string from read()'s own decoder (intervals). */
function decodedString(column: Column): FieldTranscoder {
  const decode = binaryDecoder(column);
  return (buf, o, n, out) => out.writeString(decode(buf, o, n) as string);
}

/** An int64 from read()'s own decoder (a numeric read as int64 must be checked to be whole). */
function decodedLong(column: Column): FieldTranscoder {
  const decode = binaryDecoder(column);
  return (buf, o, n, out) => out.writeLongValue(decode(buf, o, n) as number | bigint);
}

/** The transcoder for a column, by its wire type and canonical kind (mirrors binaryDecoder). */
export function fieldTranscoder(column: Column): FieldTranscoder {
  const type = column.type;
  switch (wireOf(column).type) {
    case 'bool': return (buf, o, _n, out) => { out.buf[out.pos++] = buf[o] !== 0 ? 1 : 0; };
    case 'int8': return int8;
    case 'float4': return (buf, o, _n, out) => out.writeFloat(buf.readFloatBE(o));
    case 'float8': return (buf, o, _n, out) => out.writeDouble(buf.readDoubleBE(o));
    case 'numeric': return type.kind === 'decimal' ? decimal(type.precision, type.scale) : decodedLong(column);
    case 'text': return bytes;
    case 'bytea': return bytes;
    case 'date': return date;
    case 'timestamp': return timestamp('datetime');
    case 'timestamptz': return timestamp('timestamp');
    case 'interval': return decodedString(column);
  }
}

/**
 * Most bytes a field writes besides a variable-length payload it reserves for itself: the union
 * index, and a long varint (10) or double (8) or length prefix (5) or short decimal (8).
 */
export const FIELD_HEADROOM_BYTES = 11;
