/**
 * Exact parsing of the NUMBER text node-oracledb Thin hands over when NUMBER is fetched as a
 * string (fetchTypeHandler `{ type: oracledb.STRING }`): no exponent, no leading zero (`.5`,
 * `-.05`), `0` for zero (node-oracledb lib/impl/datahandlers/buffer.js, parseOracleNumber;).
 * Oracle's infinities arrive in two shapes: negative infinity (the
 * one-byte encoding) as `-1e126`, positive infinity (0xFF 0x65) through the general path as `1`
 * followed by 126 zeros — 10^126, which no finite NUMBER reaches (they stop below 10^126), so that
 * text can only be +∞ (checked by running parseOracleNumber on both encodings).
 * Nothing here goes through a double unless the value is a safe integer.
 */
import { ValueError } from '../../model/value-error.js';

const NUMBER_TEXT = /^(-?)(\d*)(?:\.(\d*))?$/;
const MINUS = 0x2d;

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}
const INT64_MAX = 9_223_372_036_854_775_807n;
const INT64_MIN = -9_223_372_036_854_775_808n;

/** Oracle's infinities as the driver or TO_CHAR spells them; no decimal or integer holds them. */
const SPECIALS: Record<string, string> = {
  '-1e126': "Oracle's negative infinity",
  '~': "Oracle's positive infinity",
  '-~': "Oracle's negative infinity",
};

/** Thin's text of Oracle's positive infinity: 10^126, one past the largest finite NUMBER. */
const POSITIVE_INFINITY_TEXT = `1${'0'.repeat(126)}`;

/** 1 for Oracle's positive infinity, −1 for its negative infinity (as Thin delivers them), else 0. */
export function infinitySign(text: string): 1 | -1 | 0 {
  if (text === '-1e126') return -1;
  return text.length === 127 && text === POSITIVE_INFINITY_TEXT ? 1 : 0;
}

/** The text itself when it is a finite NUMBER, else a ValueError naming the infinity. */
export function finiteNumberText(text: string): string {
  const sign = infinitySign(text);
  if (sign === 0) return text;
  throw new ValueError(sign > 0 ? "1e126 is Oracle's positive infinity, which no number type holds" : "-1e126 is Oracle's negative infinity, which no number type holds");
}

interface NumberParts {
  negative: boolean;
  /** Integer digits without leading zeros ('' for |x| < 1). */
  integer: string;
  /** Fraction digits without trailing zeros. */
  fraction: string;
}

function parts(text: string): NumberParts {
  finiteNumberText(text);
  const match = NUMBER_TEXT.exec(text);
  const integer = match?.[2] ?? '';
  const rawFraction = match?.[3] ?? '';
  if (!match || (integer === '' && rawFraction === '')) {
    const special = SPECIALS[text.trim()];
    if (special) throw new ValueError(`${text} is ${special}, which no number type holds`);
    const shown = JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
    throw new ValueError(`not an Oracle NUMBER text: ${shown}`);
  }
  return { negative: match[1] === '-', integer: integer.replace(/^0+/, ''), fraction: rawFraction.replace(/0+$/, '') };
}

/** `.5` → `0.5`, `-.05` → `-0.05`, `-0` → `0`, `12.50` → `12.5`: the canonical exact text. */
export function numberTextToCanonical(text: string): string {
  const { negative, integer, fraction } = parts(text);
  if (integer === '' && fraction === '') return '0';
  return `${negative ? '-' : ''}${integer || '0'}${fraction ? `.${fraction}` : ''}`;
}

/** The text of a NUMBER read as a string: its canonical text, and `Infinity` / `-Infinity` for Oracle's infinities. */
export function numberTextToString(text: string): string {
  const sign = infinitySign(text);
  if (sign !== 0) return sign > 0 ? 'Infinity' : '-Infinity';
  return numberTextToCanonical(text);
}

/**
 * An integral NUMBER text → int64 in the row convention (number when safe, else bigint).
 * A fraction or a value beyond ±2^63 is a ValueError: rounding or wrapping would change it.
 */
export function numberTextToInt64(text: string): number | bigint {
  // The common case, an id or count: at most 15 plain digits, exact as a double (no regex, no BigInt).
  const start = text.charCodeAt(0) === MINUS ? 1 : 0;
  if (text.length > start && text.length - start <= 15) {
    let i = start;
    while (i < text.length && isDigit(text.charCodeAt(i))) i++;
    if (i === text.length) {
      const value = Number(text);
      return value === 0 ? 0 : value; // -0 is 0
    }
  }
  const { negative, integer, fraction } = parts(text);
  if (fraction !== '') throw new ValueError(`${text} is not an integer, so int64 cannot hold it`);
  if (integer.length <= 15) {
    const value = integer === '' ? 0 : Number(integer);
    return negative && value !== 0 ? -value : value;
  }
  const big = BigInt(integer);
  const value = negative ? -big : big;
  if (value > INT64_MAX || value < INT64_MIN) throw new ValueError(`${text} does not fit int64 (±9223372036854775807)`);
  const small = Number(value);
  return Number.isSafeInteger(small) ? small : value;
}

/**
 * A NUMBER text read as float64 (FLOAT(b) columns): accepted only when it round-trips through
 * the double — the double's shortest text is the same decimal — else a ValueError, never a
 * rounding. Oracle's infinities are a double's infinities.
 */
export function numberTextToFloat64(text: string): number {
  const sign = infinitySign(text);
  if (sign !== 0) return sign * Infinity;
  const canonical = numberTextToCanonical(text);
  const value = Number(canonical);
  if (sameDecimal(canonical, value)) return value;
  throw new ValueError(`${numberTextToCanonical(text)} has more significant digits than a float64 round-trips (it would read back as ${String(value)})`);
}

/** True when the double's shortest round-trip text names the same decimal as `canonical`. */
function sameDecimal(canonical: string, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  // String(value) is the shortest text that reads back as the same double (ECMAScript Number::toString).
  const shortest = String(value);
  const plain = /e/i.test(shortest) ? expandExponent(shortest) : shortest;
  return numberTextToCanonical(plain) === canonical;
}

/** `1.5e-7` → `0.00000015`, `1e+21` → `1000000000000000000000` (digits exact, no arithmetic). */
function expandExponent(text: string): string {
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/i.exec(text);
  if (!match) return text;
  const digits = `${match[2] ?? ''}${match[3] ?? ''}`;
  const point = 1 + Number(match[4]);
  const body = point <= 0 ? `0.${'0'.repeat(-point)}${digits}`
    : point >= digits.length ? digits + '0'.repeat(point - digits.length)
      : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${match[1] ?? ''}${body}`;
}

/** Integer digits and scale of a NUMBER text (`-.05` → 0 and 2, `120.50` → 3 and 1), as profiling counts them. */
export function numberTextShape(text: string): { integerDigits: number; scale: number } {
  const { integer, fraction } = parts(text);
  return { integerDigits: integer.length, scale: fraction.length };
}
