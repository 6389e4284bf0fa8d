import { describe, expect, test } from 'vitest';
import {
  bytesToUnscaled, decimalBytesToText, decimalTextToBytes, decimalTextToSafeUnscaled, unscaledToBytes,
} from '../../../shared/avro/decimal.js';
import { ValueError } from '../../../shared/model/value-error.js';

/** Reference: minimal two's complement through BigInt.asIntN, independent of the code under test. */
function reference(unscaled: bigint): string {
  for (let size = 1; ; size++) {
    if (BigInt.asIntN(size * 8, unscaled) === unscaled) {
      const unsigned = BigInt.asUintN(size * 8, unscaled);
      return unsigned.toString(16).padStart(size * 2, '0');
    }
  }
}

const hex = (buffer: Buffer): string => buffer.toString('hex');

describe('decimalTextToBytes', () => {
  // Expected bytes computed with Python's int.to_bytes(signed=True) at minimal length.
  test.each([
    ['0', 10, 0, '00'], ['-0', 10, 0, '00'], ['+0', 10, 0, '00'], ['0.00', 10, 2, '00'], ['-1', 10, 0, 'ff'],
    ['127', 10, 0, '7f'], ['128', 10, 0, '0080'], ['-128', 10, 0, '80'], ['-129', 10, 0, 'ff7f'],
    ['255', 10, 0, '00ff'], ['256', 10, 0, '0100'],
    ['99999999999999999999999999999999999999', 38, 0, '4b3b4ca85a86c47a098a223fffffffff'],
    ['-99999999999999999999999999999999999999', 38, 0, 'b4c4b357a5793b85f675ddc000000001'],
    ['-.05', 18, 2, 'fb'], ['.5', 18, 2, '32'], ['123.4500', 18, 2, '3039'], ['+7', 5, 2, '02bc'],
    ['000123.45', 5, 2, '3039'], ['5.', 5, 2, '01f4'], ['-0.0', 5, 2, '00'],
    ['140737488355328', 15, 0, '00800000000000'], ['-140737488355329', 15, 0, 'ff7fffffffffff'],
    ['999999999999999', 15, 0, '038d7ea4c67fff'], ['-9999999999999.99', 15, 2, 'fc72815b398001'],
    ['9999999999999999', 16, 0, '2386f26fc0ffff'], ['36028797018963968', 20, 0, '0080000000000000'],
    ['-36028797018963968', 20, 0, '80000000000000'], ['9223372036854775807', 19, 0, '7fffffffffffffff'],
  ])('%s at decimal(%i,%i) → %s', (text, precision, scale, expected) => {
    expect(hex(decimalTextToBytes(text, precision, scale))).toBe(expected);
  });

  test.each([
    ['123.456', 18, 2, '123.456 does not fit decimal(18,2): 3 fraction digits, at most 2 (rounding would change the value)'],
    ['0.0010', 5, 2, '0.0010 does not fit decimal(5,2): 3 fraction digits, at most 2 (rounding would change the value)'],
    ['1234', 5, 2, '1234 does not fit decimal(5,2): 4 integer digits, at most 3'],
    ['-1000.5', 5, 2, '-1000.5 does not fit decimal(5,2): 4 integer digits, at most 3'],
    ['1', 2, 2, '1 does not fit decimal(2,2): 1 integer digits, at most 0'],
    ['-1e126', 38, 0, "-1e126 is Oracle's negative infinity, which a decimal cannot hold"],
    ['~', 38, 0, "~ is Oracle's positive infinity, which a decimal cannot hold"],
    ['NaN', 38, 0, 'NaN is not a number (NaN), which a decimal cannot hold'],
    ['1e5', 38, 0, 'not a decimal number: "1e5" (expected digits with an optional sign and point, no exponent)'],
    ['', 38, 0, 'not a decimal number: "" (expected digits with an optional sign and point, no exponent)'],
    ['.', 38, 0, 'not a decimal number: "." (expected digits with an optional sign and point, no exponent)'],
    ['-', 38, 0, 'not a decimal number: "-" (expected digits with an optional sign and point, no exponent)'],
    [' 1', 38, 0, 'not a decimal number: " 1" (expected digits with an optional sign and point, no exponent)'],
    ['1.2.3', 38, 0, 'not a decimal number: "1.2.3" (expected digits with an optional sign and point, no exponent)'],
    ['+-1', 38, 0, 'not a decimal number: "+-1" (expected digits with an optional sign and point, no exponent)'],
    ['1,5', 38, 0, 'not a decimal number: "1,5" (expected digits with an optional sign and point, no exponent)'],
  ])('rejects %j at decimal(%i,%i)', (text, precision, scale, message) => {
    expect(() => decimalTextToBytes(text, precision, scale)).toThrow(new ValueError(message));
  });

  test('extra fraction digits are accepted only when they are zeros', () => {
    expect(hex(decimalTextToBytes('12.300000', 4, 2))).toBe(hex(decimalTextToBytes('12.3', 4, 2)));
    expect(() => decimalTextToBytes('12.300001', 4, 2)).toThrow(ValueError);
  });

  test('random values agree with the BigInt reference on both sides of the 15-digit fast path', () => {
    let seed = 7;
    const digit = (): number => (seed = (seed * 48271) % 2147483647) % 10;
    for (let i = 0; i < 5000; i++) {
      const scale = i % 6;
      const length = 1 + (i % 38);
      let digits = '';
      for (let k = 0; k < length; k++) digits += String(digit());
      const negative = i % 3 === 0;
      const precision = Math.max(length, scale + 1);
      const text = `${negative ? '-' : ''}${digits.slice(0, length - Math.min(scale, length))}.${digits.slice(length - Math.min(scale, length))}`;
      const unscaled = BigInt(`${negative ? '-' : ''}${digits}`) * 10n ** BigInt(scale - Math.min(scale, length));
      const bytes = decimalTextToBytes(text, precision, scale);
      expect(hex(bytes), text).toBe(reference(unscaled));
      expect(BigInt(bytesToUnscaled(bytes))).toBe(unscaled);
    }
  });
});

describe('decimalTextToSafeUnscaled', () => {
  test.each([
    ['-.05', 18, 2, -5],
    ['.5', 18, 2, 50],
    ['0', 18, 2, 0],
    ['12.50', 18, 2, 1250],
    ['+7', 5, 0, 7],
    ['1.000', 18, 2, 100],
    ['9999999999999.99', 18, 2, 999999999999999],
    ['-9999999999999.99', 18, 2, -999999999999999],
    ['-999999999999999', 15, 0, -999999999999999],
    ['.000000000000001', 15, 15, 1],
  ] as const)('%s at decimal(%i,%i) → %i', (text, precision, scale, unscaled) => {
    expect(decimalTextToSafeUnscaled(text, precision, scale)).toBe(unscaled);
  });

  test('is NaN past 15 significant digits, where decimalTextToBytes takes BigInt', () => {
    expect(decimalTextToSafeUnscaled('99999999999999.99', 18, 2)).toBeNaN();
    expect(decimalTextToSafeUnscaled('1', 38, 14)).toBe(100_000_000_000_000);
    expect(decimalTextToSafeUnscaled('1', 38, 15)).toBeNaN();
    expect(hex(decimalTextToBytes('-9999999999999999.99', 18, 2))).toBe(reference(-999999999999999999n));
    expect(hex(decimalTextToBytes('+0012345678901234567890.1200', 38, 4))).toBe(reference(123456789012345678901200n));
  });

  test('refuses what decimalTextToBytes refuses, with the same message', () => {
    for (const [text, precision, scale] of [['1.005', 18, 2], ['123', 3, 1], ['-1e126', 38, 0], ['.', 5, 2], ['', 5, 2]] as const) {
      expect(() => decimalTextToSafeUnscaled(text, precision, scale)).toThrow(ValueError);
      expect(() => decimalTextToSafeUnscaled(text, precision, scale)).toThrow(
        (() => { try { decimalTextToBytes(text, precision, scale); } catch (e) { return (e as Error).message; } return 'no error'; })());
    }
  });
});

describe('decimalBytesToText', () => {
  test.each([
    ['fb', 2, '-0.05'], ['32', 2, '0.50'], ['04ce', 2, '12.30'], ['00', 2, '0.00'], ['ff', 0, '-1'],
    ['', 3, '0.000'], ['3039', 0, '12345'], ['3039', 7, '0.0012345'],
    ['4b3b4ca85a86c47a098a223fffffffff', 0, '99999999999999999999999999999999999999'],
    ['b4c4b357a5793b85f675ddc000000001', 38, '-0.99999999999999999999999999999999999999'],
  ])('%s at scale %i → %s', (bytes, scale, text) => {
    expect(decimalBytesToText(Buffer.from(bytes, 'hex'), scale)).toBe(text);
  });

  test('text → bytes → text keeps every digit and the declared scale', () => {
    expect(decimalBytesToText(decimalTextToBytes('-.05', 18, 2), 2)).toBe('-0.05');
    expect(decimalBytesToText(decimalTextToBytes('123.4500', 18, 4), 4)).toBe('123.4500');
    expect(decimalBytesToText(decimalTextToBytes('12345678901234567890.123456789012345678', 38, 18), 18))
      .toBe('12345678901234567890.123456789012345678');
  });
});

describe('unscaledToBytes / bytesToUnscaled', () => {
  test.each([0n, -1n, 127n, 128n, -128n, -129n, 2n ** 53n - 1n, 2n ** 53n, -(2n ** 53n) - 1n, 2n ** 127n - 1n, -(2n ** 127n)])(
    '%s matches the reference and reads back', (value) => {
      const bytes = unscaledToBytes(value);
      expect(hex(bytes)).toBe(reference(value));
      const back = bytesToUnscaled(bytes);
      expect(BigInt(back)).toBe(value);
      expect(typeof back).toBe(Number.isSafeInteger(Number(value)) && BigInt(Number(value)) === value ? 'number' : 'bigint');
    });
});
