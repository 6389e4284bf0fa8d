import { ValueError } from './value-error.js';

/**
 * Exact conversions between canonical date/time text and the AVRO numbers rows carry
 * (docs/types.md: date = int days, datetime / timestamp = long microseconds since 1970-01-01).
 *
 * No JS Date on the value path: it keeps milliseconds only and follows the process zone
 * (node-oracledb documentation, "Fetching Dates and Timestamps"). Days come from Howard Hinnant's days-from-civil algorithm on the
 * proleptic Gregorian calendar — the calendar of AVRO's `date` and of every target warehouse —
 * so a label such as `0001-01-01` is preserved as written. Microsecond counts beyond ±2^53
 * (before 1685 or after 2255) are bigints.
 */

export interface FractionOptions {
  /** Drop fraction digits past the sixth (nanoseconds) instead of rejecting them when non-zero. */
  truncate?: boolean;
}

const MICROS_PER_SECOND = 1_000_000;
/** Microseconds per unit of a fraction of 0..6 digits. */
const FRACTION_SCALE = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];
const MICROS_PER_DAY = 86_400_000_000;
const MICROS_PER_DAY_N = 86_400_000_000n;
/** Beyond this many days from the epoch, `days * MICROS_PER_DAY` is no longer exact as a number. */
const SAFE_DAYS = Math.floor(Number.MAX_SAFE_INTEGER / MICROS_PER_DAY);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Days from 1970-01-01 of 0001-01-01 and of 9999-12-31, the range every warehouse holds. */
export const MIN_DAYS = -719_162;
export const MAX_DAYS = 2_932_896;
const MIN_MICROS = BigInt(MIN_DAYS) * MICROS_PER_DAY_N;
const MAX_MICROS = (BigInt(MAX_DAYS) + 1n) * MICROS_PER_DAY_N - 1n;

/** `2024-01-31` → days since 1970-01-01. */
export function dateTextToDays(text: string): number {
  if (text.length !== 10 || text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH) {
    throw new ValueError(`not a date (YYYY-MM-DD): ${quote(text)}`);
  }
  return civilDays(text, 0, 'date');
}

/** Days since 1970-01-01 → `2024-01-31`. */
export function daysToDateText(days: number): string {
  if (!Number.isInteger(days) || days < MIN_DAYS || days > MAX_DAYS) {
    throw new ValueError(`date ${String(days)} (days since 1970-01-01) is outside 0001-01-01..9999-12-31`);
  }
  return civilText(days);
}

/**
 * `YYYY-MM-DD[T| ]HH:MM:SS[.f{1,9}]` (no zone) → microseconds since 1970-01-01T00:00:00.
 * A number when it is a safe integer, else a bigint.
 */
export function datetimeTextToMicros(text: string, options: FractionOptions = {}): number | bigint {
  return datetimeTextToMicrosAt(text, 0, options);
}

/**
 * datetimeTextToMicros of the text from `start` to the end, without slicing it off first (a
 * source's prefix, such as the sign of Oracle's `SYYYY`, is skipped in place). Error messages
 * quote the whole text.
 */
export function datetimeTextToMicrosAt(text: string, start: number, options: FractionOptions = {}): number | bigint {
  const { micros, end } = parseDatetime(text, start, options, 'datetime');
  if (end !== text.length) {
    throw new ValueError(`not a datetime (YYYY-MM-DDTHH:MM:SS[.ffffff], no zone): ${quote(text)}`);
  }
  return micros;
}

/** Microseconds since 1970-01-01T00:00:00 → `YYYY-MM-DDTHH:MM:SS.ffffff` (always 6 digits). */
export function microsToDatetimeText(micros: number | bigint): string {
  return formatMicros(micros, 'datetime');
}

/**
 * `YYYY-MM-DD[T| ]HH:MM:SS[.f{1,9}]` followed by `Z` or a UTC offset (`+05:30`, `-0800`, `+00`)
 * → microseconds since the epoch in UTC; the offset is applied exactly.
 */
export function timestampTextToMicros(text: string, options: FractionOptions = {}): number | bigint {
  const { micros, end } = parseDatetime(text, 0, options, 'timestamp');
  const offset = offsetMicros(text, end);
  if (offset === 0) return micros;
  // Rare (sources read instants as UTC); exact in BigInt, and the shift may cross the range edges.
  const utc = BigInt(micros) - BigInt(offset);
  if (utc < MIN_MICROS || utc > MAX_MICROS) {
    throw new ValueError(`timestamp ${quote(text)} is outside 0001-01-01..9999-12-31 in UTC`);
  }
  return safeOrBig(utc);
}

/** Microseconds since the epoch (UTC) → `YYYY-MM-DDTHH:MM:SS.ffffffZ`. */
export function microsToTimestampText(micros: number | bigint): string {
  return `${formatMicros(micros, 'timestamp')}Z`;
}

const DASH = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const ZERO = 0x30;

/** The decimal value of `count` digits at `start`, or -1 when any of them is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** The two digits at `i` as a number, or -1 (digitsAt unrolled: dates and times are read millions of times). */
function twoDigits(text: string, i: number): number {
  const a = text.charCodeAt(i) - ZERO;
  const b = text.charCodeAt(i + 1) - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** The four digits at `i` as a number, or -1. */
function fourDigits(text: string, i: number): number {
  const high = twoDigits(text, i);
  const low = twoDigits(text, i + 2);
  return high >= 0 && low >= 0 ? high * 100 + low : -1;
}

/** Days since the epoch of the `YYYY-MM-DD` at `s` in `text` (separators already checked). */
function civilDays(text: string, s: number, what: string): number {
  const year = fourDigits(text, s);
  const month = twoDigits(text, s + 5);
  const day = twoDigits(text, s + 8);
  if (year < 1 || month < 1 || month > 12 || day < 1) {
    throw new ValueError(year === 0 ? `${what} ${quote(text)} is before 0001-01-01` : `not a ${what}: ${quote(text)}`);
  }
  const leap = isLeapYear(year);
  if (day > (month === 2 ? (leap ? 29 : 28) : MONTH_DAYS[month]!)) {
    throw new ValueError(`not a ${what}: ${quote(text)} (${text.slice(s, s + 7)} has ${daysInMonth(year, month)} days)`);
  }
  return yearStartDays()[year]! + MONTH_START_DAYS[month]! + (leap && month > 2 ? 1 : 0) + day - 1;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return MONTH_DAYS[month]!;
}

/** Days of each month (1-based) and days before it, in a common year. */
const MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MONTH_START_DAYS = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];

let yearStarts: Int32Array | null = null;

/** Days since the epoch of January 1st of each year 0001..9999 (index = year), from daysFromCivil, built on first use. */
function yearStartDays(): Int32Array {
  if (yearStarts === null) {
    yearStarts = new Int32Array(10_000);
    for (let year = 1; year < 10_000; year++) yearStarts[year] = daysFromCivil(year, 1, 1);
  }
  return yearStarts;
}

/** Hinnant's days_from_civil: eras of 400 years (146097 days), years starting in March. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Hinnant's civil_from_days, formatted as `YYYY-MM-DD`. */
function civilText(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** Parses date, time and fraction of the text from `s`; `end` is where a zone (or nothing) must follow. */
function parseDatetime(text: string, s: number, options: FractionOptions, what: 'datetime' | 'timestamp'): { micros: number | bigint; end: number } {
  const sep = text.charCodeAt(s + 10);
  if (text.length - s < 19 || text.charCodeAt(s + 4) !== DASH || text.charCodeAt(s + 7) !== DASH || (sep !== 0x54 && sep !== 0x20)
    || text.charCodeAt(s + 13) !== COLON || text.charCodeAt(s + 16) !== COLON) {
    throw new ValueError(`not a ${what} (YYYY-MM-DDTHH:MM:SS[.ffffff]${what === 'timestamp' ? 'Z' : ''}): ${quote(text)}`);
  }
  const days = civilDays(text, s, what);
  const hour = twoDigits(text, s + 11);
  const minute = twoDigits(text, s + 14);
  const second = twoDigits(text, s + 17);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    throw new ValueError(`not a ${what}: ${quote(text)} (time of day out of range)`);
  }
  let end = s + 19;
  let fraction = 0;
  if (text.charCodeAt(end) === DOT) {
    const digits = end + 1;
    let count = 0;
    while (count < 9 && isDigit(text.charCodeAt(digits + count))) count++;
    if (count === 0 || isDigit(text.charCodeAt(digits + count))) {
      throw new ValueError(`not a ${what}: ${quote(text)} (the fraction must have 1 to 9 digits)`);
    }
    const kept = Math.min(count, 6);
    fraction = digitsAt(text, digits, kept) * FRACTION_SCALE[kept]!;
    if (count > 6 && !options.truncate && digitsAt(text, digits + 6, count - 6) !== 0) {
      throw new ValueError(`${what} ${quote(text)} has sub-microsecond digits; AVRO keeps microseconds (truncating would change the value)`);
    }
    end = digits + count;
  }
  const ofDay = (hour * 3600 + minute * 60 + second) * MICROS_PER_SECOND + fraction;
  return { micros: combine(days, ofDay), end };
}

function isDigit(code: number): boolean {
  return code >= ZERO && code <= ZERO + 9;
}

/** days × micros-per-day + micros of the day, as a number when that is exact and safe. */
function combine(days: number, ofDay: number): number | bigint {
  if (days >= -SAFE_DAYS && days <= SAFE_DAYS) {
    const micros = days * MICROS_PER_DAY + ofDay;
    if (Number.isSafeInteger(micros)) return micros;
  }
  return safeOrBig(BigInt(days) * MICROS_PER_DAY_N + BigInt(ofDay));
}

/** The row convention: a number when the value is a safe integer, else a bigint. */
function safeOrBig(value: bigint): number | bigint {
  return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value;
}

/** The zone suffix starting at `start`, in microseconds east of UTC. */
function offsetMicros(text: string, start: number): number {
  const rest = text.slice(start);
  if (rest === 'Z' || rest === 'z') return 0;
  const match = /^([+-])(\d{2})(?::?(\d{2})(?::(\d{2}))?)?$/.exec(rest);
  if (!match) {
    throw new ValueError(rest === ''
      ? `timestamp ${quote(text)} has no UTC offset (add Z or ±HH:MM)`
      : `not a timestamp: ${quote(text)} (bad UTC offset ${quote(rest)})`);
  }
  const hours = Number(match[2]);
  const minutes = Number(match[3] ?? 0);
  const seconds = Number(match[4] ?? 0);
  if (hours > 18 || minutes > 59 || seconds > 59) {
    throw new ValueError(`not a timestamp: ${quote(text)} (bad UTC offset ${quote(rest)})`);
  }
  const micros = (hours * 3600 + minutes * 60 + seconds) * MICROS_PER_SECOND;
  return match[1] === '-' ? -micros : micros;
}

function formatMicros(micros: number | bigint, what: 'datetime' | 'timestamp'): string {
  let days: number;
  let ofDay: number;
  if (typeof micros === 'number') {
    if (!Number.isSafeInteger(micros)) {
      throw new ValueError(`${what} ${String(micros)} µs is not a safe integer (pass a bigint)`);
    }
    days = Math.floor(micros / MICROS_PER_DAY);
    ofDay = micros - days * MICROS_PER_DAY;
  } else {
    let whole = micros / MICROS_PER_DAY_N;
    if (micros % MICROS_PER_DAY_N < 0n) whole -= 1n;
    days = Number(whole);
    ofDay = Number(micros - whole * MICROS_PER_DAY_N);
  }
  if (days < MIN_DAYS || days > MAX_DAYS) {
    throw new ValueError(`${what} ${String(micros)} µs since 1970-01-01 is outside 0001-01-01..9999-12-31`);
  }
  const seconds = Math.floor(ofDay / MICROS_PER_SECOND);
  const fraction = ofDay - seconds * MICROS_PER_SECOND;
  const hour = Math.floor(seconds / 3600);
  const minute = Math.floor((seconds % 3600) / 60);
  return `${civilText(days)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(seconds % 60, 2)}.${pad(fraction, 6)}`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function quote(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}
