import avro from 'avsc';
import type { Schema, Type } from 'avsc';

/**
 * AVRO `long` over the full signed 64-bit range. avsc's default long throws beyond ±2^53
 * (`LongType._write`), which rejects datetimes outside 1685–2255 such as 9999-12-31 sentinels
 * (avsc's README, "long"). Writes accept a safe-integer number or a bigint; reads return a
 * number when it is a safe integer, else a bigint — the int64 convention of `AvroValue`.
 */

const TWO_32 = 4_294_967_296;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** avsc's own varint writer is exact while the zigzag value stays below 2^53. */
const FAST_LIMIT = 2 ** 52;

/** The part of avsc's internal Tap the fast path touches. */
interface Tap {
  writeLong(value: number): void;
}

/** The internal method the fast path overrides (not in avsc's published typings). */
interface TapWriter {
  _write(tap: Tap, value: unknown): void;
}

/** Scratch for `toBuffer`: avsc packs it into the varint immediately, so one buffer is reused. */
const scratch = Buffer.alloc(8);

function isInt64(value: unknown): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value);
  return typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX;
}

/** `long` through avsc's documented custom-long hook (wiki "Advanced usage", custom long types). */
const documentedLong = avro.types.LongType.__with({
  isValid: isInt64,
  // Little-endian two's complement, split in 32-bit halves so safe numbers never touch BigInt.
  toBuffer(value: number | bigint): Buffer {
    if (typeof value === 'number') {
      const high = Math.floor(value / TWO_32);
      scratch.writeUInt32LE(value - high * TWO_32, 0);
      scratch.writeInt32LE(high, 4);
    } else {
      scratch.writeBigInt64LE(value, 0);
    }
    return scratch;
  },
  fromBuffer(buf: Buffer): number | bigint {
    const value = buf.readInt32LE(4) * TWO_32 + buf.readUInt32LE(0);
    return Number.isSafeInteger(value) ? value : buf.readBigInt64LE(0);
  },
  // JSON cannot hold a 64-bit integer exactly: large values travel as decimal strings.
  toJSON(value: number | bigint): number | string {
    return typeof value === 'number' ? value : normalize(value).toString();
  },
  fromJSON(json: unknown): number | bigint {
    if (typeof json === 'number' && Number.isSafeInteger(json)) return json;
    if ((typeof json === 'string' && /^-?\d{1,19}$/.test(json)) || typeof json === 'bigint') {
      const value = BigInt(json);
      if (isInt64(value)) return normalize(value);
    }
    throw new Error(`not a 64-bit integer: ${String(json)}`);
  },
  compare(a: number | bigint, b: number | bigint): number {
    return a < b ? -1 : a > b ? 1 : 0;
  },
});

/**
 * The hot path: a record with a few longs is encoded hundreds of thousands of times a second.
 * The documented hook allocates and packs 8 bytes per value (≈2.5× slower on a typical row), so
 * numbers whose zigzag form stays below 2^53 go straight to avsc's varint writer; everything
 * else (bigints, numbers near ±2^53, invalid values) takes the documented path, which validates.
 */
const fastLong = Object.create(documentedLong) as TapWriter;
fastLong._write = function writeLong(tap: Tap, value: unknown): void {
  if (typeof value === 'number' && value >= -FAST_LIMIT && value < FAST_LIMIT && Number.isInteger(value)) {
    tap.writeLong(value);
  } else if (typeof value === 'bigint' && !isInt64(value)) {
    // avsc's own message would JSON.stringify the bigint, which throws an unrelated TypeError.
    throw new Error(`invalid "long": ${value}n is outside the signed 64-bit range`);
  } else {
    (documentedLong as unknown as TapWriter)._write(tap, value);
  }
};

/** The BigInt-safe long type, shared: avsc types are immutable once built. */
export const bigIntLongType = fastLong as unknown as Type;

/** A bigint that fits a safe integer becomes a number, as the row convention requires. */
function normalize(value: bigint): number | bigint {
  const small = Number(value);
  return Number.isSafeInteger(small) ? small : value;
}

/**
 * `typeHook` for `Type.forSchema`: every `long`, with or without a logical type, becomes the
 * BigInt-safe long. A `registry: { long }` entry alone would miss `{type: 'long', logicalType: …}`,
 * which avsc builds from its own class without consulting the registry.
 */
export function bigIntLongHook(schema: Schema): Type | undefined {
  if (schema === 'long') return bigIntLongType;
  if (typeof schema === 'object' && schema !== null && !Array.isArray(schema) && (schema as { type?: unknown }).type === 'long') {
    return bigIntLongType;
  }
  return undefined;
}

/** Parses a schema with the BigInt-safe long; logical types fall back to their underlying types. */
export function avroTypeFor(schema: unknown): Type {
  return avro.Type.forSchema(schema as Schema, { typeHook: bigIntLongHook, wrapUnions: 'auto' });
}
