import { ValueError } from '../model/value-error.js';

/**
 * Exact decimal text ⇄ AVRO `decimal` bytes: the big-endian two's-complement unscaled value,
 * minimal length (Avro 1.12 specification, logical type decimal).
 *
 * Text is what the sources hand over: Oracle Thin's NUMBER strings (`.5`, `-.05`, no leading
 * zero, no exponent) and PostgreSQL numeric text (`123.4500`).
 * Nothing is rounded: extra fraction digits must be zeros and the integer part must fit
 * decimal(p,s), else a ValueError says why. Up to 15 significant digits the conversion stays in
 * double arithmetic (exact below 2^53); longer values go through BigInt.
 */

const ZERO = 0x30;
const DOT = 0x2e;
const PLUS = 0x2b;
const MINUS = 0x2d;
/** Below 10^15 every unscaled value is an exact double. */
const FAST_DIGITS = 15;
const TWO_32 = 4_294_967_296;
/** 10^0 … 10^15, exact doubles. */
const POWERS_OF_TEN = Array.from({ length: FAST_DIGITS + 1 }, (_, k) => 10 ** k);

/** Texts that are numbers in the source but have no decimal value. */
const SPECIALS: Record<string, string> = {
  '-1e126': "Oracle's negative infinity",
  '~': "Oracle's positive infinity",
  NaN: 'not a number (NaN)',
  Infinity: 'infinity',
  '-Infinity': 'negative infinity',
};

/** `-.05` at decimal(18,2) → `<FB>` (unscaled −5). */
export function decimalTextToBytes(text: string, precision: number, scale: number): Buffer {
  const unscaled = decimalTextToSafeUnscaled(text, precision, scale);
  if (!Number.isNaN(unscaled)) return safeToBytes(unscaled);
  return unscaledToBytes(bigUnscaled(text, scale));
}

/**
 * The unscaled value of `text` at decimal(p,s) as a number when it has at most 15 significant
 * digits (exact in double arithmetic), NaN when it has more (decimalTextToBytes takes BigInt
 * then). A ValueError when the text does not fit decimal(p,s) or is not a decimal. Nothing is
 * allocated: a writer can encode the value without an intermediate Buffer.
 */
export function decimalTextToSafeUnscaled(text: string, precision: number, scale: number): number {
  const length = text.length;
  let i = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === MINUS || first === PLUS) {
    negative = first === MINUS;
    i = 1;
  }
  while (i < length && text.charCodeAt(i) === ZERO) i++; // leading zeros carry no value
  const intStart = i;
  while (i < length && isDigit(text.charCodeAt(i))) i++;
  const intEnd = i;
  let fracStart = i;
  let fracEnd = i;
  if (i < length && text.charCodeAt(i) === DOT) {
    fracStart = ++i;
    while (i < length && isDigit(text.charCodeAt(i))) i++;
    fracEnd = i;
  }
  const sawDigit = intEnd > (first === MINUS || first === PLUS ? 1 : 0) || fracEnd > fracStart;
  if (i !== length || !sawDigit) throw notDecimal(text);

  const intDigits = intEnd - intStart;
  if (intDigits > precision - scale) {
    throw new ValueError(`${text} does not fit decimal(${precision},${scale}): ${intDigits} integer digits, at most ${precision - scale}`);
  }
  let fracDigits = fracEnd - fracStart;
  if (fracDigits > scale) {
    let last = fracEnd;
    while (last > fracStart + scale && text.charCodeAt(last - 1) === ZERO) last--;
    if (last > fracStart + scale) {
      throw new ValueError(`${text} does not fit decimal(${precision},${scale}): ${last - fracStart} fraction digits, at most ${scale} (rounding would change the value)`);
    }
    fracDigits = scale;
  }
  if (intDigits + scale > FAST_DIGITS) return NaN;
  let unscaled = 0;
  for (let k = intStart; k < intEnd; k++) unscaled = unscaled * 10 + (text.charCodeAt(k) - ZERO);
  for (let k = fracStart; k < fracStart + fracDigits; k++) unscaled = unscaled * 10 + (text.charCodeAt(k) - ZERO);
  unscaled *= POWERS_OF_TEN[scale - fracDigits]!;
  return negative ? -unscaled : unscaled;
}

/** The unscaled value of a text decimalTextToSafeUnscaled accepted (digits past `scale` are zeros). */
function bigUnscaled(text: string, scale: number): bigint {
  const negative = text.charCodeAt(0) === MINUS;
  const body = negative || text.charCodeAt(0) === PLUS ? text.slice(1) : text;
  const point = body.indexOf('.');
  const integer = point < 0 ? body : body.slice(0, point);
  const fraction = point < 0 ? '' : body.slice(point + 1, point + 1 + scale);
  const unscaled = BigInt(`${integer}${fraction.padEnd(scale, '0')}` || '0');
  return negative ? -unscaled : unscaled;
}

/** AVRO decimal bytes → canonical text with exactly `scale` fraction digits (`-0.05`, `12.30`). */
export function decimalBytesToText(bytes: Buffer, scale: number): string {
  const unscaled = bytesToUnscaled(bytes);
  const negative = unscaled < 0;
  const digits = (negative ? -unscaled : unscaled).toString();
  const sign = negative ? '-' : '';
  if (scale === 0) return sign + digits;
  const padded = digits.padStart(scale + 1, '0');
  return `${sign}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

/** An unscaled integer → minimal big-endian two's-complement bytes (0 → `<00>`, −1 → `<FF>`). */
export function unscaledToBytes(unscaled: bigint): Buffer {
  const small = Number(unscaled);
  if (Number.isSafeInteger(small)) return safeToBytes(small);
  // ~v = −v − 1 is non-negative for a negative v; its bytes, inverted, are v's two's complement.
  const negative = unscaled < 0n;
  const magnitude = negative ? -unscaled - 1n : unscaled;
  let hex = magnitude.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  if (parseInt(hex[0] ?? '0', 16) >= 8) hex = `00${hex}`; // keep the sign bit clear
  const bytes = Buffer.from(hex, 'hex');
  if (negative) for (let k = 0; k < bytes.length; k++) bytes[k] = ~(bytes[k] ?? 0) & 0xff;
  return bytes;
}

/** Big-endian two's-complement bytes → the unscaled value (a number when it is safe). */
export function bytesToUnscaled(bytes: Buffer): number | bigint {
  if (bytes.length === 0) return 0;
  if (bytes.length <= 6) return bytes.readIntBE(0, bytes.length);
  const value = BigInt(`0x${bytes.toString('hex')}`);
  const signed = (bytes[0] ?? 0) >= 0x80 ? value - (1n << BigInt(bytes.length * 8)) : value;
  const small = Number(signed);
  return Number.isSafeInteger(small) ? small : signed;
}

/** Sign-bit limits of 1..7 byte two's complement: a value v needs k bytes when −L[k] ≤ v < L[k]. */
const LIMITS = [0, 2 ** 7, 2 ** 15, 2 ** 23, 2 ** 31, 2 ** 39, 2 ** 47, 2 ** 55];

/** Minimal two's-complement bytes of a safe integer, without BigInt. */
function safeToBytes(value: number): Buffer {
  let size = 1;
  while (size < 7 && (value >= (LIMITS[size] ?? 0) || value < -(LIMITS[size] ?? 0))) size++;
  if (size <= 6) {
    const bytes = Buffer.allocUnsafe(size);
    bytes.writeIntBE(value, 0, size);
    return bytes;
  }
  if (value >= (LIMITS[7] ?? 0) || value < -(LIMITS[7] ?? 0)) return unscaledToBytes(BigInt(value));
  // 7 bytes: writeIntBE stops at 48 bits, so split into a signed high 3 bytes and a low 4.
  const high = Math.floor(value / TWO_32);
  const bytes = Buffer.allocUnsafe(7);
  bytes.writeIntBE(high, 0, 3);
  bytes.writeUInt32BE(value - high * TWO_32, 3);
  return bytes;
}

function isDigit(code: number): boolean {
  return code >= ZERO && code <= ZERO + 9;
}

function notDecimal(text: string): ValueError {
  const special = SPECIALS[text.trim()];
  if (special) return new ValueError(`${text} is ${special}, which a decimal cannot hold`);
  const shown = JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
  return new ValueError(`not a decimal number: ${shown} (expected digits with an optional sign and point, no exponent)`);
}
