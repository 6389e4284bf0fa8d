/**
 * Loader step 5 (docs/run-protocol.md, "Retention"): after a commit, the staged objects of runs
 * the table no longer needs are deleted, so the bucket does not grow forever — committed runs
 * beyond the latest `staging.retention_runs`, and runs never committed that were claimed before
 * the oldest run kept once `keep` runs are kept (so a stale run stays repairable for as long as
 * retention keeps history). Never the current run, never one claimed since. Each run's objects go
 * first and its index entry last, so a loader stopped halfway finishes the job next time.
 */
import type { Logger } from '../log.js';
import type { ObjectStore } from '../stores/object-store.js';
import type { CommittedRun, TableState } from './manifest.js';
import { readRunIndex } from './run-finder.js';
import type { StagingLayout } from './staging-layout.js';

/**
 * Deletes what retention lets go (nothing but the committed run's index entry when `recent` is
 * absent: `retention_runs: 0` keeps everything); returns the run ids deleted. Best effort:
 * failures are logged, not thrown.
 */
export async function pruneRuns(store: ObjectStore, layout: StagingLayout, state: TableState, dropped: readonly CommittedRun[], keep: number, log: Logger): Promise<string[]> {
  const deleted: string[] = [];
  try {
    // The run just committed leaves the index: the state names it now.
    await store.delete([layout.runEntryKey(state.runId)]);
    const recent = state.recent ?? [];
    const kept = new Set(recent.map((r) => r.runId));
    if (keep === 0 || kept.size === 0) return deleted;
    // Until `keep` runs are committed nothing is old enough to forget.
    const horizon = recent.length >= keep ? recent.at(-1)!.committedAt : '';
    const forgotten = (await readRunIndex(store, layout)).filter((e) => !kept.has(e.runId) && e.claimedAt < horizon).map((e) => e.runId);
    for (const runId of [...dropped.map((r) => r.runId), ...forgotten]) {
      if (kept.has(runId)) continue;
      await store.delete(await store.list(layout.runPrefix(runId)));
      await store.delete([layout.runEntryKey(runId)]);
      deleted.push(runId);
    }
    if (deleted.length > 0) log.info({ runs: deleted }, `deleted the staged files of ${deleted.length} run${deleted.length > 1 ? 's' : ''} beyond retention`);
  } catch (error) {
    log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not delete old staged runs; the next load tries again');
  }
  return deleted;
}
