import { describe, expect, test } from 'vitest';
import { decimalTextToBytes, unscaledToBytes } from '../../../shared/avro/decimal.js';
import {
  dateTextFormatter, decimalText, hexText, MAX_HEX_BYTES, microsTextFormatter, varcharText,
} from '../../../shared/avro/redshift-text-values.js';
import { MAX_DAYS, MIN_DAYS } from '../../../shared/model/temporal.js';
import { ValueError } from '../../../shared/model/value-error.js';

/**
 * Every redshift-text form (docs/encodings.md) at its range ends and on ordinary values, against
 * hand-written strings. Expected date/time strings were computed independently with Python's
 * datetime (date(1970,1,1) + timedelta(...)); redshift-text-python.test.ts repeats that check
 * over thousands of random values.
 */

const NINES_38 = '9'.repeat(38);

describe('decimalText', () => {
  test.each<[string, number, number, string]>([
    ['-.05', 18, 2, '-0.05'],
    ['.5', 18, 2, '0.50'],
    ['12.3', 18, 2, '12.30'],
    ['-1', 18, 2, '-1.00'],
    ['0', 18, 2, '0.00'],
    ['-0', 18, 2, '0.00'], // a decimal has no negative zero
    ['-0.00', 18, 2, '0.00'],
    ['0', 10, 0, '0'],
    ['-7', 10, 0, '-7'],
    ['9999999999999999.99', 18, 2, '9999999999999999.99'],
    ['123456.7890', 20, 4, '123456.7890'],
    [NINES_38, 38, 0, NINES_38],
    [`-${NINES_38}`, 38, 0, `-${NINES_38}`],
    [`${'9'.repeat(36)}.99`, 38, 2, `${'9'.repeat(36)}.99`],
    [`0.${NINES_38}`, 38, 38, `0.${NINES_38}`],
    [`-0.${NINES_38}`, 38, 38, `-0.${NINES_38}`],
    [`0.${'0'.repeat(37)}1`, 38, 38, `0.${'0'.repeat(37)}1`],
    ['.99', 2, 2, '0.99'],
    ['-.01', 2, 2, '-0.01'],
    ['0', 2, 2, '0.00'],
    ['9', 1, 0, '9'],
    [`${NINES_38}.${NINES_38}`, 76, 38, `${NINES_38}.${NINES_38}`], // wider than Redshift's 38: kept as text
    ['-1', 76, 38, `-1.${'0'.repeat(38)}`],
  ])('%s at decimal(%i,%i) → %s', (input, precision, scale, expected) => {
    expect(decimalText(decimalTextToBytes(input, precision, scale), precision, scale)).toBe(expected);
  });

  test('reads any two\'s-complement bytes: non-minimal, sign-extended, empty, past 2^53', () => {
    expect(decimalText(Buffer.from([0x00, 0x00, 0x05]), 18, 2)).toBe('0.05');
    expect(decimalText(Buffer.from([0xff, 0xff, 0xfb]), 18, 2)).toBe('-0.05');
    expect(decimalText(Buffer.alloc(0), 18, 2)).toBe('0.00');
    expect(decimalText(unscaledToBytes(2n ** 53n + 1n), 20, 3)).toBe('9007199254740.993');
    expect(decimalText(unscaledToBytes(-(10n ** 38n - 1n)), 38, 10)).toBe(`-${'9'.repeat(28)}.${'9'.repeat(10)}`);
  });

  test.each<[bigint, number, number, string]>([
    // Up to 6 bytes the text is built in double arithmetic: every scale it takes, and its digit check.
    [999n, 3, 1, '99.9'],
    [-999n, 3, 3, '-0.999'],
    [12_345n, 15, 4, '1.2345'],
    [-5n, 16, 16, '-0.0000000000000005'],
    [1n, 20, 15, '0.000000000000001'],
    [2n ** 47n - 1n, 15, 15, '0.140737488355327'],
    [-(2n ** 47n), 15, 0, '-140737488355328'],
    [2n ** 47n - 1n, 20, 19, '0.0000140737488355327'],
    [123_456_789n, 12, 3, '123456.789'],
    [7n, 5, 1, '0.7'],
  ])('unscaled %s at decimal(%i,%i) → %s', (unscaled, precision, scale, expected) => {
    expect(decimalText(unscaledToBytes(unscaled), precision, scale)).toBe(expected);
  });

  test('a value with more digits than its precision is a ValueError, not a longer text', () => {
    expect(() => decimalText(unscaledToBytes(1000n), 3, 1)).toThrow(new ValueError('value 100.0 has 4 digits, more than decimal(3,1) holds'));
    expect(() => decimalText(unscaledToBytes(-(10n ** 15n)), 15, 2)).toThrow(new ValueError('value -10000000000000.00 has 16 digits, more than decimal(15,2) holds'));
    expect(() => decimalText(unscaledToBytes(10n ** 18n), 18, 2)).toThrow(new ValueError('value 10000000000000000.00 has 19 digits, more than decimal(18,2) holds'));
    expect(() => decimalText(unscaledToBytes(-(10n ** 38n)), 38, 38)).toThrow(new ValueError(`value -1.${'0'.repeat(38)} has 39 digits, more than decimal(38,38) holds`));
  });
});

describe('dateTextFormatter', () => {
  test.each<[number, string]>([
    [MIN_DAYS, '0001-01-01'],
    [MAX_DAYS, '9999-12-31'],
    [0, '1970-01-01'],
    [-1, '1969-12-31'],
    [11_016, '2000-02-29'],
    [-25_509, '1900-02-28'],
    [-25_508, '1900-03-01'],
    [19_753, '2024-01-31'],
  ])('day %i → %s', (days, expected) => {
    expect(dateTextFormatter()(days)).toBe(expected);
  });

  test('remembers only its last day: repeated and alternating days give the right text', () => {
    const format = dateTextFormatter();
    expect([19_753, 19_753, 0, 19_753, MAX_DAYS, MAX_DAYS].map(format)).toEqual(['2024-01-31', '2024-01-31', '1970-01-01', '2024-01-31', '9999-12-31', '9999-12-31']);
  });

  test('days outside 0001-01-01..9999-12-31 are a ValueError', () => {
    const format = dateTextFormatter();
    expect(() => format(MIN_DAYS - 1)).toThrow(new ValueError('date -719163 (days since 1970-01-01) is outside 0001-01-01..9999-12-31'));
    expect(() => format(MAX_DAYS + 1)).toThrow(new ValueError('date 2932897 (days since 1970-01-01) is outside 0001-01-01..9999-12-31'));
  });
});

describe('microsTextFormatter', () => {
  const datetime = microsTextFormatter('datetime', '');
  const timestamp = microsTextFormatter('timestamp', '+00');

  test.each<[number | bigint, string]>([
    [-62_135_596_800_000_000n, '0001-01-01 00:00:00.000000'],
    [253_402_300_799_999_999n, '9999-12-31 23:59:59.999999'],
    [0, '1970-01-01 00:00:00.000000'],
    [-1, '1969-12-31 23:59:59.999999'],
    [-86_400_000_000, '1969-12-31 00:00:00.000000'],
    [951_782_400_000_000, '2000-02-29 00:00:00.000000'],
    [1_706_695_872_123_456, '2024-01-31 10:11:12.123456'],
    [Number.MAX_SAFE_INTEGER, '2255-06-05 23:47:34.740991'],
    [-Number.MAX_SAFE_INTEGER, '1684-07-28 00:12:25.259009'],
    [2n ** 53n, '2255-06-05 23:47:34.740992'],
    [-(2n ** 53n), '1684-07-28 00:12:25.259008'],
  ])('%s µs → %s (datetime) and …+00 (timestamp)', (micros, expected) => {
    expect(datetime(micros)).toBe(expected);
    expect(timestamp(micros)).toBe(`${expected}+00`);
  });

  test('a number and a bigint of the same instant give the same text', () => {
    expect(datetime(1_706_695_872_000_001n)).toBe(datetime(1_706_695_872_000_001));
    expect(timestamp(-1n)).toBe('1969-12-31 23:59:59.999999+00');
  });

  test('instants outside 0001-01-01..9999-12-31 are a ValueError naming the kind', () => {
    expect(() => datetime(253_402_300_800_000_000n)).toThrow(new ValueError('datetime 253402300800000000 µs since 1970-01-01 is outside 0001-01-01 00:00:00..9999-12-31 23:59:59.999999'));
    expect(() => timestamp(-62_135_596_800_000_001n)).toThrow(new ValueError('timestamp -62135596800000001 µs since 1970-01-01 is outside 0001-01-01 00:00:00..9999-12-31 23:59:59.999999'));
  });
});

describe('hexText', () => {
  test('lowercase pairs, empty for no bytes', () => {
    expect(hexText(Buffer.from([0x00, 0x01, 0xab, 0xfe, 0xff]))).toBe('0001abfeff');
    expect(hexText(Buffer.alloc(0))).toBe('');
  });

  test('32,767 bytes fit a VARCHAR as hex; one more is a ValueError', () => {
    expect(MAX_HEX_BYTES).toBe(32_767);
    expect(hexText(Buffer.alloc(32_767, 0xab))).toHaveLength(65_534);
    expect(() => hexText(Buffer.alloc(32_768))).toThrow(new ValueError('32,768 bytes are 65,536 hex characters, more than the 65,535 a Redshift VARCHAR holds (values up to 32,767 bytes load)'));
  });
});

describe('varcharText', () => {
  test.each<[string, string, number]>([
    ['ASCII', 'a', 65_535],
    ['3-byte characters', '€', 21_845],
    ['4-byte characters', '🚀', 16_383],
  ])('%s up to 65,535 UTF-8 bytes pass unchanged', (_what, unit, count) => {
    const text = unit.repeat(count);
    expect(varcharText(text)).toBe(text);
  });

  test.each<[string, string, number, string]>([
    ['ASCII', 'a', 65_536, '65,536'],
    ['3-byte characters', '€', 21_846, '65,538'],
    ['4-byte characters', '🚀', 16_384, '65,536'],
    ['mixed text', 'ñ€🚀a', 6_554, '65,540'],
  ])('%s past 65,535 UTF-8 bytes are a ValueError', (_what, unit, count, bytes) => {
    expect(() => varcharText(unit.repeat(count))).toThrow(new ValueError(`a text of ${bytes} UTF-8 bytes is longer than the 65,535 a Redshift VARCHAR holds`));
  });
});
