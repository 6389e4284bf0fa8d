/**
 * `stale_after` (README "Configuration reference"): how long a run may sit extracted and not
 * loaded before `datapipe status` calls it stuck (exit 3). Absent, it is two schedule intervals —
 * the longest gap between two of the schedule's runs (schedule-interval.ts), so a run that missed
 * its loader twice is reported and one merely waiting for tonight's loader is not.
 */
import { z } from 'zod';
import { TerminalError } from '../errors.js';
import { longestScheduleGapMs } from './schedule-interval.js';

const MS_PER_UNIT = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** What the config accepts: a whole number and a unit. */
export const DURATION_PATTERN = /^\s*[1-9]\d{0,6}\s*[smhd]\s*$/;

const STALE_AFTER_MESSAGE = 'is not a duration — write a whole number and a unit, e.g. 36h, 2d, 90m or 45s (default: two schedule intervals)';

/** The `stale_after:` field: the text, spaces removed (parseDurationMs reads it). */
export const staleAfterSchema = z
  .string({ error: STALE_AFTER_MESSAGE })
  .regex(DURATION_PATTERN, { error: STALE_AFTER_MESSAGE })
  .transform((text) => text.replace(/\s+/g, ''))
  .describe('How long a run may stay extracted and not loaded before `datapipe status` reports it stuck (exit 3): 36h, 2d, 90m, 45s (default: two schedule intervals)');

/** `2d` → milliseconds; the text has passed staleAfterSchema. */
export function parseDurationMs(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text.replace(/\s+/g, ''));
  if (!match) throw new TerminalError(`stale_after ${STALE_AFTER_MESSAGE}`);
  return Number(match[1]) * MS_PER_UNIT[match[2] as keyof typeof MS_PER_UNIT];
}

/** The stale_after in force: the configured one, else two of the schedule's longest intervals. */
export function staleAfterMs(config: { stale_after?: string; schedule: string }): number {
  return config.stale_after !== undefined ? parseDurationMs(config.stale_after) : 2 * longestScheduleGapMs(config.schedule);
}

/** A duration for people: `2d`, `36h`, `1h 30m`, `45s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const units: [number, string][] = [[86_400, 'd'], [3_600, 'h'], [60, 'm'], [1, 's']];
  const parts: string[] = [];
  let rest = seconds;
  for (const [size, unit] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    } else if (parts.length > 0) {
      break;
    }
  }
  return parts.join(' ');
}
