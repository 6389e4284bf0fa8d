/** Numbers as a person reads them at a terminal: `1,263,000` rows, `41.2 MB`, `4.7s`. */
import { formatDuration } from '../../../shared/config/stale-after.js';

export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Decimal units (1 MB = 1,000,000 bytes), one decimal past kB. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Elapsed time: `4.7s` under a minute, else `12m 5s` (formatDuration). */
export function formatSeconds(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : formatDuration(ms);
}
