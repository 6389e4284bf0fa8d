import { MAX_DAYS, MIN_DAYS, daysToDateText } from '../model/temporal.js';
import { ValueError } from '../model/value-error.js';
import { REDSHIFT_VARCHAR_MAX_BYTES } from './avro-encoding.js';
import { bytesToUnscaled } from './decimal.js';

/**
 * The `redshift-text` forms of row values (docs/encodings.md): Redshift's default input formats,
 * which its casts read back exactly (https://docs.aws.amazon.com/redshift/latest/dg/r_DATEFORMAT_and_TIMEFORMAT_strings.html).
 * Every function takes a value of the right JS type (the row encoder checks that) and throws a
 * ValueError, with the reason only, for a value the form or a Redshift VARCHAR cannot hold.
 * No JS Date: days and microseconds are split with exact integer arithmetic and the calendar is
 * temporal.ts's proleptic Gregorian one.
 */

const MICROS_PER_DAY = 86_400_000_000;
const MICROS_PER_DAY_N = 86_400_000_000n;
const MICROS_PER_SECOND = 1_000_000;
/**
 * `00`…`99` and `000`…`999`: fixed-width digits by lookup. Number-to-string conversion is the
 * largest cost of these forms, so the hot paths avoid it where a table does.
 */
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);
/** Raw bytes whose hex text still fits a VARCHAR: 32,767. */
export const MAX_HEX_BYTES = Math.floor(REDSHIFT_VARCHAR_MAX_BYTES / 2);
/** A UTF-16 code unit is at most 3 UTF-8 bytes, so a string this short always fits a VARCHAR. */
const ALWAYS_FITS = Math.floor(REDSHIFT_VARCHAR_MAX_BYTES / 3);

/**
 * AVRO decimal bytes → plain text with exactly `scale` fraction digits: `-0.05`, `0.00`, `12`.
 * No exponent, no `+`, a `0` before the point, never `-0`. The unscaled value must have at most
 * `precision` digits, so `CAST(x AS NUMERIC(p,s))` holds it exactly.
 */
export function decimalText(bytes: Buffer, precision: number, scale: number): string {
  return bytes.length <= 6 ? smallDecimalText(bytes, precision, scale) : wideDecimalText(bytes, precision, scale);
}

/** Up to 6 bytes (|unscaled| < 2^47) in exact double arithmetic: the usual money and quantity values. */
function smallDecimalText(bytes: Buffer, precision: number, scale: number): string {
  const unscaled = bytes.length === 0 ? 0 : bytes.readIntBE(0, bytes.length);
  const negative = unscaled < 0;
  const magnitude = negative ? -unscaled : unscaled;
  let text: string;
  if (scale === 0) {
    text = String(magnitude);
  } else {
    // Exact: both are integers below 2^47 and the quotient cannot round up to the next integer.
    // From scale 15 on, every 6-byte magnitude (< 2^47 < 10^15) is all fraction.
    const whole = scale < POW10.length ? Math.floor(magnitude / POW10[scale]!) : 0;
    const fraction = whole === 0 ? magnitude : magnitude - whole * POW10[scale]!;
    text = `${whole}.${scale === 2 ? TWO_DIGITS[fraction] : scale === 3 ? THREE_DIGITS[fraction] : String(fraction).padStart(scale, '0')}`;
  }
  // 10^p for p ≤ 15 is exact; wider precisions hold every 6-byte value.
  if (precision < POW10.length && magnitude >= POW10[precision]!) {
    throw new ValueError(`value ${negative ? '-' : ''}${text} has ${String(magnitude).length} digits, more than decimal(${precision},${scale}) holds`);
  }
  return negative ? `-${text}` : text;
}

function wideDecimalText(bytes: Buffer, precision: number, scale: number): string {
  const unscaled = bytesToUnscaled(bytes);
  const negative = unscaled < 0;
  const digits = (negative ? -unscaled : unscaled).toString();
  const sign = negative ? '-' : '';
  let text: string;
  if (scale === 0) {
    text = sign + digits;
  } else {
    const padded = digits.length > scale ? digits : digits.padStart(scale + 1, '0');
    text = `${sign}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
  }
  if (digits.length > precision) {
    throw new ValueError(`value ${text} has ${digits.length} digits, more than decimal(${precision},${scale}) holds`);
  }
  return text;
}

/** A date formatter (`YYYY-MM-DD`, years 0001–9999) that remembers its last day: rows of a batch often share one. */
export function dateTextFormatter(): (days: number) => string {
  let lastDays = Number.NaN;
  let lastText = '';
  return (days) => {
    if (days !== lastDays) {
      lastText = daysToDateText(days); // validates the range
      lastDays = days;
    }
    return lastText;
  };
}

/**
 * A formatter of microseconds since 1970-01-01 as `YYYY-MM-DD HH:MM:SS.ffffff` followed by
 * `suffix` (`''` for a datetime, `+00` for a UTC instant). Takes a safe-integer number or a bigint.
 */
export function microsTextFormatter(what: 'datetime' | 'timestamp', suffix: string): (micros: number | bigint) => string {
  const date = dateTextFormatter();
  // The text up to the fraction, for the last second seen: rows of a batch are often close in time.
  let lastDays = Number.NaN;
  let lastSeconds = Number.NaN;
  let prefix = '';
  return (micros) => {
    let days: number;
    let ofDay: number;
    if (typeof micros === 'number') {
      // % is exact on integers; micros − ofDay is a multiple of 2^11 below 2^64, so exact as well.
      ofDay = micros % MICROS_PER_DAY;
      if (ofDay < 0) ofDay += MICROS_PER_DAY;
      days = (micros - ofDay) / MICROS_PER_DAY;
    } else {
      let rest = micros % MICROS_PER_DAY_N;
      if (rest < 0n) rest += MICROS_PER_DAY_N;
      days = Number((micros - rest) / MICROS_PER_DAY_N);
      ofDay = Number(rest);
    }
    if (days < MIN_DAYS || days > MAX_DAYS) {
      throw new ValueError(`${what} ${String(micros)} µs since 1970-01-01 is outside 0001-01-01 00:00:00..9999-12-31 23:59:59.999999`);
    }
    const seconds = Math.floor(ofDay / MICROS_PER_SECOND);
    if (days !== lastDays || seconds !== lastSeconds) {
      const hour = Math.floor(seconds / 3600);
      const minute = Math.floor((seconds - hour * 3600) / 60);
      const second = seconds - hour * 3600 - minute * 60;
      prefix = `${date(days)} ${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}.`;
      lastDays = days;
      lastSeconds = seconds;
    }
    const fraction = ofDay - seconds * MICROS_PER_SECOND;
    const millis = Math.floor(fraction / 1000);
    return prefix + THREE_DIGITS[millis] + THREE_DIGITS[fraction - millis * 1000] + suffix;
  };
}

/** Bytes → lowercase hex, for `TO_VARBYTE(x, 'hex')`; at most 32,767 bytes fit a VARCHAR as hex. */
export function hexText(bytes: Buffer): string {
  if (bytes.length > MAX_HEX_BYTES) {
    throw new ValueError(`${bytes.length.toLocaleString('en-US')} bytes are ${(bytes.length * 2).toLocaleString('en-US')} hex characters, more than the ${REDSHIFT_VARCHAR_MAX_BYTES.toLocaleString('en-US')} a Redshift VARCHAR holds (values up to ${MAX_HEX_BYTES.toLocaleString('en-US')} bytes load)`);
  }
  return bytes.toString('hex');
}

/** A string value as is, once it is known to fit a Redshift VARCHAR (65,535 UTF-8 bytes). */
export function varcharText(text: string): string {
  if (text.length > ALWAYS_FITS) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > REDSHIFT_VARCHAR_MAX_BYTES) {
      throw new ValueError(`a text of ${bytes.toLocaleString('en-US')} UTF-8 bytes is longer than the ${REDSHIFT_VARCHAR_MAX_BYTES.toLocaleString('en-US')} a Redshift VARCHAR holds`);
    }
  }
  return text;
}
