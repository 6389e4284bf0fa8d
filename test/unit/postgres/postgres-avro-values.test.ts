/**
 * The COPY → AVRO field transcoders against the reference they must equal byte for byte: read()'s
 * binary decoder, then avsc encoding the decoded value with the table's AVRO type (long-type.ts's
 * BigInt-safe long). Random and edge values; every refusal must be one read() also makes.
 */
import type { Type } from 'avsc';
import { describe, expect, it } from 'vitest';
import { avroValueType } from '../../../shared/avro/avsc-schema.js';
import { avroTypeFor } from '../../../shared/avro/long-type.js';
import type { Column } from '../../../shared/model/column.js';
import { AvroRecordBuffer } from '../../../shared/sources/postgres/postgres-avro-buffer.js';
import { fieldTranscoder, numericUnscaled } from '../../../shared/sources/postgres/postgres-avro-values.js';
import { binaryDecoder } from '../../../shared/sources/postgres/postgres-binary-values.js';

const hex = (h: string) => Buffer.from(h, 'hex');

/** A deterministic xorshift32, so a failure replays. */
function randomSource(seed: number) {
  let state = seed;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  return {
    int: (n: number) => next() % n,
    bytes: (n: number) => Buffer.from(Array.from({ length: n }, () => next() & 0xff)),
  };
}

function col(sourceType: string, type: Column['type']): Column {
  return { name: 'v', sourceName: 'V', sourceType, type, nullable: false };
}

const typeCache = new Map<string, Type>();
function avroType(column: Column): Type {
  const key = JSON.stringify(column.type);
  let type = typeCache.get(key);
  if (!type) typeCache.set(key, (type = avroTypeFor(avroValueType(column.type))));
  return type;
}

/** read()'s value, encoded by avsc — or read()'s error message. */
function viaRead(column: Column, field: Buffer): Buffer | string {
  try {
    return avroType(column).toBuffer(binaryDecoder(column)(field, 0, field.length));
  } catch (error) {
    return `refused: ${(error as Error).constructor.name}`;
  }
}

/** The transcoder's bytes for the field placed at an odd offset inside a larger buffer, or 'refused'. */
function viaTranscoder(column: Column, field: Buffer): Buffer | string {
  const input = Buffer.concat([hex('a5a5a5'), field, hex('5a5a')]);
  const out = new AvroRecordBuffer(4, 64);
  out.writeLong(7); // something before, to catch position mistakes
  try {
    fieldTranscoder(column)(input, 3, field.length, out);
  } catch (error) {
    return `refused: ${(error as Error).constructor.name}`;
  }
  const bytes = out.take();
  expect(bytes[0]).toBe(14);
  return bytes.subarray(1);
}

function agree(column: Column, fields: Buffer[]): void {
  for (const field of fields) {
    const expected = viaRead(column, field);
    expect(viaTranscoder(column, field), `${column.sourceType} ${field.toString('hex')}`).toEqual(expected);
  }
}

const int64Bytes = (value: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(value);
  return b;
};

describe('longs (int8 → long)', () => {
  const column = col('bigint', { kind: 'int64' });
  it('edge values: zero, varint byte boundaries, ±2^30/2^31/2^32, ±2^52, ±2^53±1, ±2^63', () => {
    const edges: bigint[] = [0n, 1n, -1n, 63n, -64n, 64n, -65n, 8191n, -8192n, 8192n];
    for (const e of [30n, 31n, 32n, 52n, 53n, 62n]) {
      for (const d of [-1n, 0n, 1n]) edges.push((1n << e) + d, -(1n << e) + d);
    }
    edges.push((1n << 63n) - 1n, -(1n << 63n), -(1n << 63n) + 1n);
    agree(column, edges.map(int64Bytes));
  });
  it('random 64-bit values of every magnitude', () => {
    const random = randomSource(11);
    const fields = Array.from({ length: 4000 }, () => {
      const b = random.bytes(8);
      const keep = random.int(9); // zero the top bytes to spread magnitudes
      const sign = random.int(2) ? 0xff : 0;
      for (let i = 0; i < 8 - keep; i++) b[i] = sign;
      return b;
    });
    agree(column, fields);
  });
  it('writeLong and writeLongValue agree with avsc for numbers and bigints', () => {
    const long = avroTypeFor('long');
    const random = randomSource(5);
    const values: (number | bigint)[] = [0, -1, 2 ** 52, -(2 ** 52), 2 ** 53 - 1, -(2 ** 53 - 1), 2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n)];
    for (let i = 0; i < 2000; i++) values.push((random.int(2) ? -1 : 1) * Math.floor((random.int(2 ** 30) / 2 ** 30) * 2 ** random.int(54)));
    for (const value of values) {
      const out = new AvroRecordBuffer(1, 16);
      if (typeof value === 'number') out.writeLong(value);
      else out.writeLongValue(value);
      expect(out.take(), String(value)).toEqual(long.toBuffer(value));
    }
  });
});

describe('floats and doubles', () => {
  const random = randomSource(3);
  it('float4: random bit patterns, NaNs, ±0, subnormals, ±Infinity, extremes', () => {
    const edges = ['00000000', '80000000', '7fc00000', 'ffc00000', '7f800001', '7fffffff', 'ff800000', '7f800000',
      '00000001', '80000001', '007fffff', '7f7fffff', 'ff7fffff', '3dcccccd'].map(hex);
    agree(col('real', { kind: 'float32' }), [...edges, ...Array.from({ length: 3000 }, () => random.bytes(4))]);
  });
  it('float8: random bit patterns, NaNs, ±0, subnormals, ±Infinity, extremes', () => {
    const edges = ['0000000000000000', '8000000000000000', '7ff8000000000000', 'fff8000000000000', '7ff0000000000001',
      'fff0000000000000', '7ff0000000000000', '0000000000000001', '800fffffffffffff', '7fefffffffffffff', '3fb999999999999a'].map(hex);
    agree(col('double precision', { kind: 'float64' }), [...edges, ...Array.from({ length: 3000 }, () => random.bytes(8))]);
  });
});

/** numeric_send's bytes of a plain decimal text (sign, base-10000 digits, weight, dscale). */
function numericSend(text: string): Buffer {
  const negative = text.startsWith('-');
  const [int = '', frac = ''] = text.replace('-', '').split('.');
  const intDigits = int.replace(/^0+/, '');
  const intPadded = intDigits.padStart(Math.ceil(intDigits.length / 4) * 4, '0');
  const fracPadded = frac.padEnd(Math.ceil(frac.length / 4) * 4, '0');
  let groups = (intPadded + fracPadded).match(/.{4}/g)?.map(Number) ?? [];
  let weight = intPadded.length / 4 - 1;
  while (groups.length > 0 && groups[0] === 0) { groups = groups.slice(1); weight--; }
  while (groups.length > 0 && groups[groups.length - 1] === 0) groups = groups.slice(0, -1);
  if (groups.length === 0) weight = 0;
  const buf = Buffer.alloc(8 + 2 * groups.length);
  buf.writeInt16BE(groups.length, 0);
  buf.writeInt16BE(weight, 2);
  buf.writeUInt16BE(negative && groups.length > 0 ? 0x4000 : 0, 4);
  buf.writeInt16BE(frac.length, 6);
  groups.forEach((g, i) => buf.writeInt16BE(g, 8 + 2 * i));
  return buf;
}

describe('numeric → decimal bytes', () => {
  const decimal = (precision: number, scale: number) => col(`numeric(${precision},${scale})`, { kind: 'decimal', precision, scale });
  it('the base-10000 fast path covers every safe unscaled value exactly', () => {
    expect(numericUnscaled(numericSend('9007199254740991'), 0, 16, 0)).toBe(9007199254740991);
    expect(numericUnscaled(numericSend('-90071992547409.91'), 0, 18, 2)).toBe(-9007199254740991);
    expect(numericUnscaled(numericSend('9007199254740992'), 0, 16, 0)).toBeNaN(); // 2^53: exact path
    expect(numericUnscaled(numericSend('0.0001'), 0, 38, 30)).toBeNaN(); // 10^26 unscaled
    expect(numericUnscaled(numericSend('12.50'), 0, 4, 2)).toBe(1250);
    expect(numericUnscaled(numericSend('-0.01'), 0, 12, 2)).toBe(-1);
    expect(numericUnscaled(numericSend('123.456'), 0, 12, 2)).toBeNaN(); // dscale 3 > scale 2
    expect(numericUnscaled(hex('00000000c0000000'), 0, 12, 2)).toBeNaN(); // NaN
  });
  it('edge values at the precision limits, 2^53 and the byte-length boundaries', () => {
    const cases: [string, number, number][] = [
      ['0', 1, 0], ['0.00', 12, 2], ['-0.01', 12, 2], ['1', 38, 37], ['-1', 38, 37],
      ['9999999999999999999999999999.9999999999', 38, 10], ['-9999999999999999999999999999.9999999999', 38, 10],
      ['99999999999999999999999999999999999999', 38, 0], ['0.99999999999999999999999999999999999999', 38, 38],
      ['9007199254740991', 16, 0], ['-9007199254740991', 16, 0], ['9007199254740992', 16, 0], ['-9007199254740992', 16, 0],
      ['9007199254740993', 18, 0], ['90071992547409.93', 18, 2], ['999999999999999.9', 16, 1], ['9999999999999999', 16, 0],
      ['127', 3, 0], ['128', 3, 0], ['-128', 3, 0], ['-129', 3, 0], ['32767', 5, 0], ['32768', 5, 0], ['-32769', 5, 0],
      ['8388607', 7, 0], ['8388608', 7, 0], ['2147483647', 10, 0], ['2147483648', 10, 0], ['-2147483648', 10, 0], ['-2147483649', 10, 0],
      ['549755813887', 12, 0], ['549755813888', 12, 0], ['-549755813889', 12, 0], ['140737488355327', 15, 0], ['140737488355328', 15, 0],
      ['36028797018963967', 17, 0], ['36028797018963968', 17, 0],
      // what read() refuses: too many digits either side, NaN, ±Infinity
      ['123456.789', 8, 2], ['1000000', 8, 2], ['0.001', 8, 2], ['10', 1, 0],
    ];
    for (const [text, precision, scale] of cases) agree(decimal(precision, scale), [numericSend(text)]);
    agree(decimal(12, 2), [hex('00000000c0000000'), hex('00000000d0000000'), hex('00000000f0000000')]);
  });
  it('random values at random precisions and scales', () => {
    const random = randomSource(17);
    const digits = (n: number) => Array.from({ length: n }, () => random.int(10)).join('');
    for (let i = 0; i < 6000; i++) {
      const intPart = digits(random.int(20)).replace(/^0+(?=\d)/, '') || '0';
      const fracPart = digits(random.int(12));
      const text = `${random.int(2) ? '-' : ''}${intPart}${fracPart ? `.${fracPart}` : ''}`;
      const scale = random.int(14);
      const precision = Math.min(38, scale + random.int(22) + 1);
      agree(decimal(precision, scale), [numericSend(text)]);
    }
  });
  it('an int64 read through numeric must be whole, as read() checks', () => {
    agree(col('numeric', { kind: 'int64' }), ['10000', '-12.5', '9223372036854775807', '9223372036854775808', '12.000'].map(numericSend));
  });
});

describe('dates and timestamps', () => {
  const random = randomSource(23);
  const int32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeInt32BE(n);
    return b;
  };
  it('date: the canonical range edges, infinity, and random days', () => {
    const days = [0, -10_957, 2_932_896 - 10_957, 2_932_897 - 10_957, -719_162 - 10_957, -719_163 - 10_957, 0x7fffffff, -0x80000000];
    for (let i = 0; i < 2000; i++) days.push(random.int(4_000_000) - 2_000_000);
    agree(col('date', { kind: 'date' }), days.map(int32));
  });
  it('timestamp and timestamptz: 1715–2285 fast, further out exact, infinity and the range edges refused', () => {
    const micros: bigint[] = [0n, -1n, 1n, 0x7fffffffffffffffn, -0x8000000000000000n,
      253_402_300_799_999_999n - 946_684_800_000_000n, 253_402_300_800_000_000n - 946_684_800_000_000n,
      -62_135_596_800_000_000n - 946_684_800_000_000n, -62_135_596_800_000_001n - 946_684_800_000_000n,
      (1n << 53n) - 1n, 1n << 53n, -(1n << 53n), -(1n << 53n) - 1n, 4_294_967_295n, 4_294_967_296n, -4_294_967_296n];
    for (let i = 0; i < 3000; i++) {
      const range = [1n << 40n, 1n << 53n, 1n << 58n][random.int(3)]!;
      micros.push((BigInt(random.int(2 ** 30)) * BigInt(random.int(2 ** 30)) * BigInt(random.int(2 ** 10))) % range * (random.int(2) ? 1n : -1n));
    }
    for (const kind of ['datetime', 'timestamp'] as const) {
      agree(col(kind === 'datetime' ? 'timestamp without time zone' : 'timestamp with time zone', { kind }), micros.map(int64Bytes));
    }
  });
});

describe('strings, bytes, booleans, intervals', () => {
  const random = randomSource(29);
  it('text is copied as UTF-8: ASCII, multi-byte, emoji, empty, and long (the Buffer#copy path)', () => {
    const texts = ['', 'a', 'café ñandú 🎉', 'x'.repeat(48), 'y'.repeat(49), 'ü'.repeat(5000), '{"a": [1, 2.50]}'];
    agree(col('text', { kind: 'string' }), texts.map((t) => Buffer.from(t)));
  });
  it('bytea, any bytes and lengths', () => {
    agree(col('bytea', { kind: 'bytes' }), [Buffer.alloc(0), hex('00ff0001'), ...Array.from({ length: 200 }, () => random.bytes(random.int(300)))]);
  });
  it('boolean: any non-zero byte is true', () => {
    agree(col('boolean', { kind: 'boolean' }), [hex('00'), hex('01'), hex('ff')]);
  });
  it('interval: the ISO-8601 text read() builds; infinity refused', () => {
    agree(col('interval', { kind: 'interval' }), ['000000036c9361a0000000030000000e', 'fffffffc93743f7ffffffffdfffffff6',
      '00000000000000000000000000000000', '7fffffffffffffff7fffffff7fffffff'].map(hex));
  });
});

describe('AvroRecordBuffer', () => {
  it('grows past its capacity keeping what it holds, and take() hands over exactly the bytes written', () => {
    const out = new AvroRecordBuffer(4, 8);
    const big = Buffer.from('z'.repeat(1000));
    out.writeLong(1);
    out.writeBytes(big, 0, big.length);
    out.writeDecimal(-1);
    const taken = out.take();
    expect(taken).toEqual(Buffer.concat([hex('02'), hex('d00f'), big, hex('02ff')]));
    out.append(hex('0102'));
    expect(out.take()).toEqual(hex('0102'));
    expect(taken.subarray(0, 1)).toEqual(hex('02')); // the handed-over bytes are not reused
  });
});
