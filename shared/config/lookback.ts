/**
 * `lookback` (docs/run-protocol.md, "Claiming the window"): how far before the committed watermark each
 * incremental run starts reading again, so late-arriving rows are picked up; the overlap is
 * absorbed by the merge.
 */
import { TerminalError } from '../errors.js';

/** A parsed lookback: a duration for date/time watermarks, a count for integer watermarks. */
export type Lookback = { kind: 'duration'; micros: bigint } | { kind: 'integer'; value: bigint };

const MICROS_PER_UNIT = {
  s: 1_000_000n,
  m: 60_000_000n,
  h: 3_600_000_000n,
  d: 86_400_000_000n,
} as const;

/** What the config accepts, for the JSON Schema and error messages. */
export const LOOKBACK_PATTERN = /^\s*\d+\s*[smhd]?\s*$/;

/** The fix half of every lookback error. */
export const LOOKBACK_HINT = 'write a duration like 2d, 6h, 30m or 90s, or a whole number for an integer partition column';

/**
 * Parses `2d`, `6h`, `30m`, `90s` (a duration, in microseconds) or `500` (a plain count, for an
 * integer `partition_column`). Throws TerminalError for anything else; the message does not echo
 * the text, which may have come from the environment.
 */
export function parseLookback(text: string): Lookback {
  const match = /^\s*(\d+)\s*([smhd]?)\s*$/.exec(text);
  if (!match) throw new TerminalError(`lookback is not a duration or a whole number — ${LOOKBACK_HINT}`);
  const amount = BigInt(match[1] as string);
  const unit = match[2] as '' | keyof typeof MICROS_PER_UNIT;
  return unit === '' ? { kind: 'integer', value: amount } : { kind: 'duration', micros: amount * MICROS_PER_UNIT[unit] };
}
