import { TerminalError } from '../errors.js';
import type { WatermarkKind } from '../model/column.js';
import {
  dateTextToDays, datetimeTextToMicros, daysToDateText, microsToDatetimeText,
  microsToTimestampText, timestampTextToMicros,
} from '../model/temporal.js';

/**
 * Watermarks travel as canonical text (state, manifests, the source's bound parameters):
 * `12345` · `2024-01-31` · `2024-01-31T10:11:12.123456` · `2024-01-31T10:11:12.123456Z`.
 * In the row stream they are AVRO numbers (days, micros, longs); this module converts between the
 * two exactly and does the window arithmetic.
 */

/** How far back each run re-reads (config `lookback`): a duration, or a count for integer columns. */
export type Lookback = { kind: 'duration'; micros: bigint } | { kind: 'integer'; value: bigint };

const MICROS_PER_DAY = 86_400_000_000n;
const MIN_DAYS = dateTextToDays('0001-01-01');
const MIN_MICROS = BigInt(MIN_DAYS) * MICROS_PER_DAY;

/** The text of an AVRO watermark value (days for date, micros for datetime/timestamp). */
export function watermarkText(kind: WatermarkKind, value: number | bigint): string {
  switch (kind) {
    case 'int64': return value.toString();
    case 'date': return daysToDateText(Number(value));
    case 'datetime': return microsToDatetimeText(value);
    case 'timestamp': return microsToTimestampText(value);
  }
}

/** Orders two watermark texts of one kind numerically (never as strings). */
export function compareWatermarks(kind: WatermarkKind, a: string, b: string): number {
  const x = toBigInt(kind, a);
  const y = toBigInt(kind, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The later of two watermarks; null stands for "none yet". */
export function maxWatermark(kind: WatermarkKind, a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareWatermarks(kind, a, b) >= 0 ? a : b;
}

/**
 * The inclusive lower bound of the next window: the committed watermark minus the lookback
 * (rows committed late, or rewritten with an older value, are read again; the merge absorbs the
 * overlap). `column` names the table column in messages.
 */
export function windowLow(kind: WatermarkKind, watermark: string, lookback: Lookback | undefined, column: string): string {
  if (!lookback) return watermark;
  if (kind === 'int64') {
    if (lookback.kind !== 'integer') {
      throw new TerminalError(`${column}: lookback must be a whole number for an integer partition column (got a duration) — e.g. lookback: 1000`);
    }
    return (BigInt(watermark) - lookback.value).toString();
  }
  if (lookback.kind !== 'duration') {
    throw new TerminalError(`${column}: lookback must be a duration for a ${kind} partition column — e.g. lookback: 2d, 6h or 30m`);
  }
  if (kind === 'date') {
    const days = (lookback.micros + MICROS_PER_DAY - 1n) / MICROS_PER_DAY;
    return daysToDateText(Math.max(MIN_DAYS, dateTextToDays(watermark) - Number(days)));
  }
  const micros = toBigInt(kind, watermark) - lookback.micros;
  const clamped = micros < MIN_MICROS ? MIN_MICROS : micros;
  return kind === 'datetime' ? microsToDatetimeText(clamped) : microsToTimestampText(clamped);
}

function toBigInt(kind: WatermarkKind, text: string): bigint {
  switch (kind) {
    case 'int64': return BigInt(text);
    case 'date': return BigInt(dateTextToDays(text));
    case 'datetime': return BigInt(datetimeTextToMicros(text));
    case 'timestamp': return BigInt(timestampTextToMicros(text));
  }
}
