/**
 * The closing summary of `datapipe run` at a terminal (README "At a terminal"): one line per table
 * with what a person asks after a run — mode, window, rows extracted and merged, target rows, time
 * and rate — or, on failure, what the exit code means (README "Exit codes").
 */
import { EXIT, exitCodeOf, type ExitCode } from '../../../shared/errors.js';
import type { Manifest } from '../../../shared/pipeline/manifest.js';
import type { LoadSummary } from '../../loader/load.js';
import { formatCount, formatSeconds } from './numbers.js';

/** What each exit code tells the person who sees it. */
export const EXIT_MEANINGS: Record<ExitCode, string> = {
  [EXIT.ok]: 'done',
  [EXIT.transient]: 'failed, safe to retry',
  [EXIT.usage]: 'usage or config error, retrying will not help — fix the input',
  [EXIT.contract]: 'data contract broken — fix the data or the schema',
};

/** The window a manifest read, in words: `whole table`, `up to H`, `L → H`. */
export function windowText(manifest: Pick<Manifest, 'mode' | 'window'>): string {
  const { low, high, column } = manifest.window;
  if (manifest.mode === 'full' || column === null) return 'whole table';
  if (low === null) return high === null ? 'whole table' : `up to ${high}`;
  return `${low} → ${high ?? 'now'}`;
}

/** A table that ran to the end. */
export function summaryLine(table: string, manifest: Manifest, loaded: LoadSummary | null, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? Math.round((manifest.rows * 1000) / elapsedMs) : manifest.rows;
  return [
    `✓ ${table}`, manifest.mode, `window ${windowText(manifest)}`, `extracted ${formatCount(manifest.rows)}`,
    `merged ${formatCount(loaded?.deduplicated ?? 0)}`, `target ${formatCount(loaded?.targetRows ?? 0)} rows`,
    formatSeconds(elapsedMs), `${formatCount(rate)} rows/s`, `run ${manifest.runId}`,
  ].join(' · ');
}

/** A table whose run failed: how long it went and what its exit code means (the `datapipe:` line follows on stderr). */
export function failureLine(table: string, error: unknown, elapsedMs: number): string {
  const code = exitCodeOf(error);
  return [`✗ ${table}`, `failed after ${formatSeconds(elapsedMs)}`, `exit ${code}: ${EXIT_MEANINGS[code]}`].join(' · ');
}
