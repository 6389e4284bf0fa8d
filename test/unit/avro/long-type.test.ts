import avro from 'avsc';
import { describe, expect, test } from 'vitest';
import { avroTypeFor, bigIntLongType } from '../../../shared/avro/long-type.js';

/** Reference zigzag varint (Avro specification, "Binary encoding"), computed with BigInt. */
function referenceVarint(value: bigint): string {
  let zigzag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const bytes: number[] = [];
  do {
    let byte = Number(zigzag & 0x7fn);
    zigzag >>= 7n;
    if (zigzag !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (zigzag !== 0n);
  return Buffer.from(bytes).toString('hex');
}

const P52 = 2n ** 52n;
const P53 = 2n ** 53n;
const MAX64 = 2n ** 63n - 1n;
const MIN64 = -(2n ** 63n);

const edges: bigint[] = [
  0n, 1n, -1n, 63n, -64n, 64n, -65n, 2n ** 31n - 1n, -(2n ** 31n), 2n ** 31n, 2n ** 32n,
  P52 - 1n, P52, P52 + 1n, -P52 + 1n, -P52, -P52 - 1n,
  P53 - 1n, P53, P53 + 1n, -P53 + 1n, -P53, -P53 - 1n,
  MAX64, MAX64 - 1n, MIN64, MIN64 + 1n,
  253402300799999999n, -62135596800000000n,
];

const asRowValue = (value: bigint): number | bigint => (value >= -(P53 - 1n) && value <= P53 - 1n ? Number(value) : value);

describe('bigIntLongType', () => {
  test.each(edges)('%s encodes like the reference and decodes to the row convention', (value) => {
    const input = asRowValue(value);
    expect(bigIntLongType.toBuffer(input).toString('hex')).toBe(referenceVarint(value));
    expect(bigIntLongType.toBuffer(value).toString('hex')).toBe(referenceVarint(value));
    const back = bigIntLongType.fromBuffer(Buffer.from(referenceVarint(value), 'hex')) as number | bigint;
    expect(back).toBe(input);
  });

  test('random values across every magnitude agree with the reference', () => {
    let state = 0x9e3779b97f4a7c15n;
    for (let i = 0; i < 20000; i++) {
      state = BigInt.asUintN(64, state * 6364136223846793005n + 1442695040888963407n);
      const value = BigInt.asIntN(64, state) >> BigInt(i % 64);
      const input = asRowValue(value);
      const encoded = bigIntLongType.toBuffer(input);
      expect(encoded.toString('hex')).toBe(referenceVarint(value));
      expect(bigIntLongType.fromBuffer(encoded)).toBe(input);
    }
  });

  test('a safe bigint decodes as a number', () => {
    expect(bigIntLongType.fromBuffer(bigIntLongType.toBuffer(42n))).toBe(42);
  });

  test.each([
    [2 ** 53, 'invalid "long": 9007199254740992'],
    [1.5, 'invalid "long": 1.5'],
    [Number.NaN, 'invalid "long": null'], // avsc prints the value as JSON
    ['5', 'invalid "long": "5"'],
  ])('rejects %j (unsafe or not an integer)', (value, message) => {
    expect(bigIntLongType.isValid(value)).toBe(false);
    expect(() => bigIntLongType.toBuffer(value)).toThrow(message);
  });

  test('rejects bigints outside the signed 64-bit range', () => {
    expect(bigIntLongType.isValid(MAX64 + 1n)).toBe(false);
    expect(bigIntLongType.isValid(MIN64 - 1n)).toBe(false);
    expect(() => bigIntLongType.toBuffer(MAX64 + 1n)).toThrow('invalid "long": 9223372036854775808n is outside the signed 64-bit range');
    expect(() => bigIntLongType.toBuffer(MIN64 - 1n)).toThrow('invalid "long": -9223372036854775809n is outside the signed 64-bit range');
  });

  test('avsc\'s default long refuses what this type accepts (why it exists)', () => {
    const plain = avro.Type.forSchema('long');
    expect(() => plain.toBuffer(253402300799999999n)).toThrow();
    expect(bigIntLongType.toBuffer(253402300799999999n).toString('hex')).toBe(referenceVarint(253402300799999999n));
  });
});

describe('avroTypeFor', () => {
  const schema = {
    type: 'record', name: 'r', fields: [
      { name: 'plain', type: 'long' },
      { name: 'maybe', type: ['null', 'long'], default: null },
      { name: 'at', type: { type: 'long', logicalType: 'local-timestamp-micros' } },
      { name: 'utc', type: ['null', { type: 'long', logicalType: 'timestamp-micros' }], default: null },
    ],
  };
  const type = avroTypeFor(schema);

  test('every long, logical or in a union, is BigInt-safe', () => {
    const row = { plain: MAX64, maybe: MIN64, at: 253402300799999999n, utc: -62135596800000000n };
    expect({ ...type.fromBuffer(type.toBuffer(row)) }).toEqual(row);
    const small = { plain: 1, maybe: null, at: -1, utc: null };
    expect({ ...type.fromBuffer(type.toBuffer(small)) }).toEqual(small);
  });

  test('the encoding matches avsc\'s default long wherever that one works', () => {
    const plain = avro.Type.forSchema(schema as avro.Schema);
    const row = { plain: 2 ** 52 - 1, maybe: -(2 ** 52), at: 1706695872500000, utc: 0 };
    expect(type.toBuffer(row).toString('hex')).toBe(plain.toBuffer(row).toString('hex'));
  });
});
