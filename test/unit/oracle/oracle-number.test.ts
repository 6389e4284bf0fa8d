/** NUMBER text as node-oracledb Thin returns it (no leading zero, no exponent, `-1e126`) parsed exactly. */
import { describe, expect, it } from 'vitest';
import { ValueError } from '../../../shared/model/value-error.js';
import {
  finiteNumberText, infinitySign, numberTextShape, numberTextToCanonical, numberTextToFloat64, numberTextToInt64, numberTextToString,
} from '../../../shared/sources/oracle/oracle-number.js';

/** Oracle's positive infinity as Thin's parseOracleNumber spells it (0xFF 0x65 → 10^126). */
const PLUS_INFINITY = `1${'0'.repeat(126)}`;

describe('numberTextToCanonical', () => {
  it('adds the leading zero and drops nothing else', () => {
    expect(['.5', '-.05', '0', '-0', '12.50', '007', '123456789012345678901234567890.123456789'].map(numberTextToCanonical))
      .toEqual(['0.5', '-0.05', '0', '0', '12.5', '7', '123456789012345678901234567890.123456789']);
  });

  it('rejects infinities and anything that is not NUMBER text', () => {
    expect(() => numberTextToCanonical('-1e126')).toThrow(new ValueError("-1e126 is Oracle's negative infinity, which no number type holds"));
    expect(() => numberTextToCanonical('~')).toThrow(new ValueError("~ is Oracle's positive infinity, which no number type holds"));
    expect(() => numberTextToCanonical('1e5')).toThrow(new ValueError('not an Oracle NUMBER text: "1e5"'));
    expect(() => numberTextToCanonical('.')).toThrow(new ValueError('not an Oracle NUMBER text: "."'));
    expect(() => numberTextToCanonical('')).toThrow(ValueError);
  });
});

describe('infinities as Thin delivers them', () => {
  it('recognises -1e126 and 10^126 (no finite NUMBER reaches it) and nothing else', () => {
    expect([PLUS_INFINITY, '-1e126', `9${'9'.repeat(125)}`, '1e126', `-${PLUS_INFINITY}`].map(infinitySign)).toEqual([1, -1, 0, 0, 0]);
    expect(finiteNumberText('-.5')).toBe('-.5');
    expect(() => finiteNumberText(PLUS_INFINITY)).toThrow(new ValueError("1e126 is Oracle's positive infinity, which no number type holds"));
  });

  it('reads them as Infinity text, double infinities, and never as an integer or decimal', () => {
    expect([PLUS_INFINITY, '-1e126', '.5'].map(numberTextToString)).toEqual(['Infinity', '-Infinity', '0.5']);
    expect(numberTextToFloat64(PLUS_INFINITY)).toBe(Infinity);
    expect(numberTextToFloat64('-1e126')).toBe(-Infinity);
    expect(() => numberTextToInt64(PLUS_INFINITY)).toThrow(new ValueError("1e126 is Oracle's positive infinity, which no number type holds"));
    expect(() => numberTextToCanonical(PLUS_INFINITY)).toThrow(ValueError);
  });
});

describe('numberTextToInt64', () => {
  it('keeps safe integers as numbers and larger ones as exact bigints', () => {
    expect(numberTextToInt64('0')).toBe(0);
    expect(numberTextToInt64('-42')).toBe(-42);
    expect(numberTextToInt64('9007199254740991')).toBe(9007199254740991);
    expect(numberTextToInt64('9007199254740993')).toBe(9007199254740993n);
    expect(numberTextToInt64('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(numberTextToInt64('12.000')).toBe(12);
    expect(Object.is(numberTextToInt64('-0'), 0)).toBe(true);
    expect(numberTextToInt64('-999999999999999')).toBe(-999999999999999);
    expect(numberTextToInt64('9999999999999999')).toBe(9999999999999999n);
    expect(() => numberTextToInt64('-')).toThrow(new ValueError('not an Oracle NUMBER text: "-"'));
    expect(() => numberTextToInt64('')).toThrow(ValueError);
  });

  it('refuses fractions, overflow and infinities', () => {
    expect(() => numberTextToInt64('.5')).toThrow(new ValueError('.5 is not an integer, so int64 cannot hold it'));
    expect(() => numberTextToInt64('9223372036854775808')).toThrow(new ValueError('9223372036854775808 does not fit int64 (±9223372036854775807)'));
    expect(() => numberTextToInt64('-1e126')).toThrow(ValueError);
  });
});

describe('numberTextToFloat64', () => {
  it('accepts values that round-trip through a double', () => {
    expect(numberTextToFloat64('.1')).toBe(0.1);
    expect(numberTextToFloat64('-1234.5678')).toBe(-1234.5678);
    expect(numberTextToFloat64('.00000015')).toBe(1.5e-7);
    expect(numberTextToFloat64('1000000000000000000000')).toBe(1e21);
  });

  it('refuses digits a double would round away', () => {
    expect(() => numberTextToFloat64('12345678901234567890.1')).toThrow(
      new ValueError('12345678901234567890.1 has more significant digits than a float64 round-trips (it would read back as 12345678901234567000)'));
  });
});

describe('numberTextShape', () => {
  it('counts integer digits and scale as profiling does', () => {
    expect(numberTextShape('-.05')).toEqual({ integerDigits: 0, scale: 2 });
    expect(numberTextShape('120.50')).toEqual({ integerDigits: 3, scale: 1 });
    expect(numberTextShape('1'.repeat(40))).toEqual({ integerDigits: 40, scale: 0 });
  });
});
