import { describe, expect, test } from 'vitest';
import {
  dateTextToDays, datetimeTextToMicros, datetimeTextToMicrosAt, daysToDateText, MAX_DAYS, microsToDatetimeText,
  microsToTimestampText, MIN_DAYS, timestampTextToMicros,
} from '../../../shared/model/temporal.js';
import { ValueError } from '../../../shared/model/value-error.js';

// Expected numbers computed independently with Python's datetime (proleptic Gregorian).
describe('dates', () => {
  test.each([
    ['1970-01-01', 0], ['1969-12-31', -1], ['1900-02-28', -25509], ['1900-03-01', -25508],
    ['2000-02-29', 11016], ['2000-03-01', 11017], ['2024-01-31', 19753], ['2024-02-29', 19782],
    ['1582-10-15', -141427], ['0001-01-01', -719162], ['9999-12-31', 2932896],
  ])('%s is day %i and back', (text, days) => {
    expect(dateTextToDays(text)).toBe(days);
    expect(daysToDateText(days)).toBe(text);
  });

  test('the range constants are the first and last day', () => {
    expect([MIN_DAYS, MAX_DAYS]).toEqual([-719162, 2932896]);
  });

  test('every day agrees with an independent calendar (UTC Date arithmetic, whole days only)', () => {
    const check = (days: number): void => {
      const oracle = new Date(0);
      oracle.setUTCDate(1 + days);
      const expected = `${String(oracle.getUTCFullYear()).padStart(4, '0')}-${String(oracle.getUTCMonth() + 1).padStart(2, '0')}-${String(oracle.getUTCDate()).padStart(2, '0')}`;
      const text = daysToDateText(days);
      if (text !== expected || dateTextToDays(text) !== days) throw new Error(`day ${days}: ${text} vs ${expected}`);
    };
    for (let days = MIN_DAYS; days <= MAX_DAYS; days += 7) check(days);
    for (let days = -25600; days <= 11100; days++) check(days); // 1899-12 … 2000-05, both century rules
    for (let days = MAX_DAYS - 400; days <= MAX_DAYS; days++) check(days);
  });

  test('every day of 0001..9999 parses back to the day it was formatted from', () => {
    for (let days = MIN_DAYS; days <= MAX_DAYS; days++) {
      const text = daysToDateText(days);
      if (dateTextToDays(text) !== days) throw new Error(`day ${days}: ${text} parses as ${dateTextToDays(text)}`);
    }
  });

  test.each([
    ['2024-02-30', 'not a date: "2024-02-30" (2024-02 has 29 days)'],
    ['1900-02-29', 'not a date: "1900-02-29" (1900-02 has 28 days)'],
    ['2024-13-01', 'not a date: "2024-13-01"'],
    ['2024-00-10', 'not a date: "2024-00-10"'],
    ['0000-12-31', 'date "0000-12-31" is before 0001-01-01'],
    ['2024-1-31', 'not a date (YYYY-MM-DD): "2024-1-31"'],
    [' 2024-01-31', 'not a date (YYYY-MM-DD): " 2024-01-31"'],
    ['2024-01-31T00:00:00', 'not a date (YYYY-MM-DD): "2024-01-31T00:00:00"'],
  ])('rejects %j', (text, message) => {
    expect(() => dateTextToDays(text)).toThrow(new ValueError(message));
  });

  test('rejects days outside 0001-01-01..9999-12-31 and fractions', () => {
    expect(() => daysToDateText(MIN_DAYS - 1)).toThrow('date -719163 (days since 1970-01-01) is outside 0001-01-01..9999-12-31');
    expect(() => daysToDateText(MAX_DAYS + 1)).toThrow('date 2932897 (days since 1970-01-01) is outside 0001-01-01..9999-12-31');
    expect(() => daysToDateText(1.5)).toThrow(ValueError);
  });
});

describe('datetimes (no zone)', () => {
  test.each([
    ['1970-01-01T00:00:00', 0, '1970-01-01T00:00:00.000000'],
    ['1969-12-31T23:59:59.999999', -1, '1969-12-31T23:59:59.999999'],
    ['2024-01-31 10:11:12.5', 1706695872500000, '2024-01-31T10:11:12.500000'],
    ['1900-02-28T23:59:59.999999', -2203891200000001, '1900-02-28T23:59:59.999999'],
    ['1900-03-01T00:00:00', -2203891200000000, '1900-03-01T00:00:00.000000'],
    ['2255-06-05T23:47:34.740991', 9007199254740991, '2255-06-05T23:47:34.740991'],
    ['1684-07-28T00:12:25.259009', -9007199254740991, '1684-07-28T00:12:25.259009'],
  ])('%s ⇄ %d (a number: it is a safe integer)', (text, micros, canonical) => {
    const value = datetimeTextToMicros(text);
    expect(value).toBe(micros);
    expect(microsToDatetimeText(micros)).toBe(canonical);
    expect(microsToDatetimeText(BigInt(micros))).toBe(canonical);
  });

  test.each([
    ['0001-01-01T00:00:00.000000', -62135596800000000n],
    ['9999-12-31T23:59:59.999999', 253402300799999999n],
    ['2255-06-05T23:47:34.740992', 2n ** 53n],
    ['1684-07-28T00:12:25.259008', -(2n ** 53n)],
  ])('%s ⇄ %s as a bigint (beyond 2^53 − 1)', (text, micros) => {
    expect(datetimeTextToMicros(text)).toBe(micros);
    expect(microsToDatetimeText(micros)).toBe(text);
  });

  test('fractions: 1 to 9 digits, sub-microsecond digits only when zero or with truncate', () => {
    expect(datetimeTextToMicros('1970-01-01T00:00:00.1')).toBe(100000);
    expect(datetimeTextToMicros('1970-01-01T00:00:00.000001')).toBe(1);
    expect(datetimeTextToMicros('1970-01-01T00:00:00.123456000')).toBe(123456);
    expect(() => datetimeTextToMicros('1970-01-01T00:00:00.123456789')).toThrow(new ValueError(
      'datetime "1970-01-01T00:00:00.123456789" has sub-microsecond digits; AVRO keeps microseconds (truncating would change the value)'));
    expect(datetimeTextToMicros('1970-01-01T00:00:00.123456789', { truncate: true })).toBe(123456);
    expect(datetimeTextToMicros('1969-12-31T23:59:59.999999999', { truncate: true })).toBe(-1);
    expect(() => datetimeTextToMicros('1970-01-01T00:00:00.')).toThrow('not a datetime: "1970-01-01T00:00:00." (the fraction must have 1 to 9 digits)');
    expect(() => datetimeTextToMicros('1970-01-01T00:00:00.1234567890')).toThrow('(the fraction must have 1 to 9 digits)');
  });

  test.each([
    ['2024-01-31T24:00:00', 'not a datetime: "2024-01-31T24:00:00" (time of day out of range)'],
    ['2024-01-31T10:60:00', 'not a datetime: "2024-01-31T10:60:00" (time of day out of range)'],
    ['2024-01-31T10:11:60', 'not a datetime: "2024-01-31T10:11:60" (time of day out of range)'],
    ['2024-01-31T10:11', 'not a datetime (YYYY-MM-DDTHH:MM:SS[.ffffff]): "2024-01-31T10:11"'],
    ['2024-01-31X10:11:12', 'not a datetime (YYYY-MM-DDTHH:MM:SS[.ffffff]): "2024-01-31X10:11:12"'],
    ['2024-01-31T10:11:12Z', 'not a datetime (YYYY-MM-DDTHH:MM:SS[.ffffff], no zone): "2024-01-31T10:11:12Z"'],
    ['2023-02-29T00:00:00', 'not a datetime: "2023-02-29T00:00:00" (2023-02 has 28 days)'],
  ])('rejects %j', (text, message) => {
    expect(() => datetimeTextToMicros(text)).toThrow(new ValueError(message));
  });

  test.each([
    [' 2024-01-31T10:11:12.123456789', 1],
    ['+0001-01-01T00:00:00', 1],
    [' 9999-12-31T23:59:59.999999999', 1],
    ['xx1969-12-31T23:59:59.999999', 2],
    ['1684-06-30T12:00:00.5', 0],
  ])('parses %j from offset %i as the text without its prefix', (text, start) => {
    expect(datetimeTextToMicrosAt(text, start, { truncate: true })).toBe(datetimeTextToMicros(text.slice(start), { truncate: true }));
  });

  test('from an offset, rejects as the unprefixed text is rejected, quoting the whole text', () => {
    expect(() => datetimeTextToMicrosAt(' 2023-02-29T00:00:00', 1)).toThrow(new ValueError('not a datetime: " 2023-02-29T00:00:00" (2023-02 has 28 days)'));
    expect(() => datetimeTextToMicrosAt(' 0000-01-01T00:00:00', 1)).toThrow(new ValueError('datetime " 0000-01-01T00:00:00" is before 0001-01-01'));
    expect(() => datetimeTextToMicrosAt(' 2024-01-31T10:11:12.1234567', 1)).toThrow(ValueError);
    expect(() => datetimeTextToMicrosAt(' 2024-01-31T10:11:1', 1)).toThrow(ValueError);
    expect(() => datetimeTextToMicrosAt('-2024-01-31T10:11:12', 0)).toThrow(ValueError);
  });

  test('formatting rejects what it cannot represent exactly', () => {
    expect(() => microsToDatetimeText(-62135596800000001n)).toThrow(
      'datetime -62135596800000001 µs since 1970-01-01 is outside 0001-01-01..9999-12-31');
    expect(() => microsToDatetimeText(253402300800000000n)).toThrow(ValueError);
    expect(() => microsToDatetimeText(2 ** 53)).toThrow('datetime 9007199254740992 µs is not a safe integer (pass a bigint)');
    expect(() => microsToDatetimeText(0.5)).toThrow(ValueError);
  });

  test('random instants round-trip exactly (numbers and bigints)', () => {
    let seed = 12345;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const span = 253402300799999999n + 62135596800000000n;
    for (let i = 0; i < 20000; i++) {
      const micros = -62135596800000000n + (BigInt(Math.floor(next() * 2 ** 30)) * BigInt(Math.floor(next() * 2 ** 30)) * 241n) % span;
      const text = microsToDatetimeText(micros);
      const back = datetimeTextToMicros(text);
      expect(BigInt(back)).toBe(micros);
      expect(typeof back).toBe(Number.isSafeInteger(Number(micros)) ? 'number' : 'bigint');
    }
  });
});

describe('timestamps (UTC instants)', () => {
  test.each([
    '2024-01-31T10:11:12Z', '2024-01-31 10:11:12Z', '2024-01-31T10:11:12+00:00', '2024-01-31 10:11:12+00',
    '2024-01-31T15:41:12+05:30', '2024-01-31T15:41:12+0530', '2024-01-31T02:11:12-08:00', '2024-01-30T23:11:12-11',
    '2024-01-31T10:20:33+00:09:21',
  ])('%s is 2024-01-31T10:11:12Z', (text) => {
    expect(timestampTextToMicros(text)).toBe(1706695872000000);
  });

  test('keeps fractions and formats with Z', () => {
    expect(timestampTextToMicros('2024-01-31T10:11:12.000123Z')).toBe(1706695872000123);
    expect(microsToTimestampText(1706695872000123)).toBe('2024-01-31T10:11:12.000123Z');
    expect(timestampTextToMicros('9999-12-31T23:59:59.999999Z')).toBe(253402300799999999n);
    expect(microsToTimestampText(253402300799999999n)).toBe('9999-12-31T23:59:59.999999Z');
    expect(timestampTextToMicros('0001-01-01T00:00:00Z')).toBe(-62135596800000000n);
    expect(timestampTextToMicros('0001-01-01T05:00:00+05:00')).toBe(-62135596800000000n);
    expect(timestampTextToMicros('2024-01-31T10:11:12.123456789Z', { truncate: true })).toBe(1706695872123456);
  });

  test('an offset that moves the instant to a safe integer gives a number', () => {
    // 2255-06-05T23:47:34.740992 local is 2^53 µs; an hour east of UTC it is safe again.
    expect(timestampTextToMicros('2255-06-05T23:47:34.740992+01:00')).toBe(2 ** 53 - 3_600_000_000);
  });

  test.each([
    ['2024-01-31T10:11:12', 'timestamp "2024-01-31T10:11:12" has no UTC offset (add Z or ±HH:MM)'],
    ['2024-01-31T10:11:12+5:30', 'not a timestamp: "2024-01-31T10:11:12+5:30" (bad UTC offset "+5:30")'],
    ['2024-01-31T10:11:12+19:00', 'not a timestamp: "2024-01-31T10:11:12+19:00" (bad UTC offset "+19:00")'],
    ['2024-01-31T10:11:12 UTC', 'not a timestamp: "2024-01-31T10:11:12 UTC" (bad UTC offset " UTC")'],
    ['0001-01-01T00:30:00+01:00', 'timestamp "0001-01-01T00:30:00+01:00" is outside 0001-01-01..9999-12-31 in UTC'],
    ['9999-12-31T23:30:00-01:00', 'timestamp "9999-12-31T23:30:00-01:00" is outside 0001-01-01..9999-12-31 in UTC'],
  ])('rejects %j', (text, message) => {
    expect(() => timestampTextToMicros(text)).toThrow(new ValueError(message));
  });
});
