/**
 * Where a table stands (`datapipe status`, README "At a terminal"): the committed watermark and
 * run, the runs staged but not loaded, and the lag behind the source. Read from the staging
 * bucket's `_state.json` and run index and from the warehouse's `_datapipe_loads` — the record
 * the loader reconciles `_state.json` with (docs/run-protocol.md, "Continuity") — never written.
 */
import type { WatermarkKind } from '../model/column.js';
import { formatDuration } from '../config/stale-after.js';
import type { RecordedLoad } from '../warehouses/warehouse.js';
import type { RunEntry, TableState } from './manifest.js';
import { compareWatermarks } from './watermark.js';
import { dateTextToDays, datetimeTextToMicros, timestampTextToMicros } from '../model/temporal.js';

/**
 * A run in the index that is not committed:
 * - `waiting`: published and continuing the committed run — the next loader takes it;
 * - `superseded`: published, but another run will be loaded instead (a newer one from the same
 *   base, or it was extracted before a run committed since) — harmless, retention removes it;
 * - `extracting`: no complete set of manifests — its extractor is running, or stopped before publishing.
 */
export type StagedRunState = 'waiting' | 'superseded' | 'extracting';

export interface StagedRun {
  runId: string;
  state: StagedRunState;
  claimedAt: string;
  publishedAt: string | null;
  /** Waiting longer than stale_after: extracted, not loaded. */
  stuck: boolean;
}

export interface CommittedRunStatus {
  runId: string;
  /** When `_state.json` recorded it; null when the warehouse merged it and the state has not caught up yet. */
  committedAt: string | null;
  rows: number;
  watermark: string | null;
  /** `_state.json` still names this older run: its loader stopped after the merge; the next loader rolls it forward. */
  stateBehind: string | null;
}

/** The committed run: the warehouse's record wins over `_state.json`, which may lag behind it. */
export function committedRun(state: TableState | null, recorded: RecordedLoad | null): CommittedRunStatus | null {
  if (recorded) {
    const same = state?.runId === recorded.runId;
    return {
      runId: recorded.runId, committedAt: same ? state!.committedAt : null, rows: recorded.rowsStaged, watermark: recorded.watermark,
      stateBehind: state && !same ? state.runId : null,
    };
  }
  return state ? { runId: state.runId, committedAt: state.committedAt, rows: state.rows, watermark: state.watermark, stateBehind: null } : null;
}

/** The index's uncommitted runs, as the loader would see them (run-finder.ts), newest claim first. */
export function stagedRuns(entries: readonly RunEntry[], committed: string | null, now: Date, staleAfterMs: number): StagedRun[] {
  const open = entries.filter((e) => e.runId !== committed);
  const next = open
    .filter((e) => e.publishedAt !== null && e.baseRunId === committed)
    .sort((a, b) => (a.publishedAt ?? '').localeCompare(b.publishedAt ?? ''))
    .at(-1)?.runId;
  return open
    .map((e): StagedRun => {
      const state: StagedRunState = e.publishedAt === null ? 'extracting' : e.runId === next ? 'waiting' : 'superseded';
      const stuck = state === 'waiting' && now.getTime() - Date.parse(e.publishedAt!) > staleAfterMs;
      return { runId: e.runId, state, claimedAt: e.claimedAt, publishedAt: e.publishedAt, stuck };
    })
    .sort((a, b) => b.claimedAt.localeCompare(a.claimedAt));
}

export interface Lag {
  /** The source's newest partition value. */
  newest: string | null;
  /** How far the committed watermark is behind it, in words (`3h 12m`, `1,204 values`), or `up to date`. */
  behind: string;
}

/** The lag between the committed watermark and the source's newest value of the partition column. */
export function lagOf(kind: WatermarkKind, watermark: string | null, newest: string | null): Lag {
  if (newest === null) return { newest, behind: 'the source table is empty' };
  if (watermark === null) return { newest, behind: 'nothing committed yet' };
  if (compareWatermarks(kind, newest, watermark) <= 0) return { newest, behind: 'up to date' };
  switch (kind) {
    case 'int64': return { newest, behind: `${(BigInt(newest) - BigInt(watermark)).toLocaleString('en-US')} behind` };
    case 'date': return { newest, behind: `${formatDuration((dateTextToDays(newest) - dateTextToDays(watermark)) * 86_400_000)} behind` };
    case 'datetime': return { newest, behind: `${formatDuration(micros(datetimeTextToMicros(newest)) - micros(datetimeTextToMicros(watermark)))} behind` };
    case 'timestamp': return { newest, behind: `${formatDuration(micros(timestampTextToMicros(newest)) - micros(timestampTextToMicros(watermark)))} behind` };
  }
}

/** Microseconds as milliseconds (a lag needs no sub-millisecond digits). */
function micros(value: number | bigint): number {
  return Number(BigInt(value) / 1000n);
}
