/**
 * Loader step 3 (docs/run-protocol.md, "Continuity"): the warehouse's own record of its loads
 * (`_datapipe_loads`, written in the merge's transaction) is the authority on which run a table
 * holds last. `_state.json` is advanced after that transaction, so a loader stopped in between
 * leaves it behind: it is rolled forward here before anything is loaded, and a run that does not
 * continue the table's latest load is refused — an older extraction never overwrites a newer one.
 */
import { TerminalError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ObjectStore } from '../stores/object-store.js';
import type { RecordedLoad } from '../warehouses/warehouse.js';
import type { Manifest } from './manifest.js';
import { pruneRuns } from './retention.js';
import type { StagingLayout } from './staging-layout.js';
import { commitState, nextState, readState, type VersionedState } from './state.js';

/**
 * The committed state, agreeing with the warehouse's latest recorded load: rolled forward (or, if
 * the warehouse was restored to an earlier load, back) to that load when `_state.json` names
 * another run. A warehouse with no record of a table whose state says it was loaded was recreated
 * or emptied: loading an incremental run into it would leave it partial, so that is refused.
 */
export async function reconcileState(
  store: ObjectStore, layout: StagingLayout, table: string, committed: VersionedState | null, latest: RecordedLoad | null, keep: number, log: Logger,
): Promise<VersionedState | null> {
  const stateRun = committed?.state.runId ?? null;
  if ((latest?.runId ?? null) === stateRun) return committed;
  if (!latest) {
    throw new TerminalError(
      `${layout.stateKey} says run ${stateRun} was loaded, but the warehouse records no load of ${table} ` +
        '(the target or _datapipe_loads was recreated or emptied) — to load it again from scratch, delete that _state.json and run the extractor and loader for a new run',
    );
  }
  const { state, dropped } = nextState(committed?.state ?? null, { table, runId: latest.runId, watermark: latest.watermark, rows: latest.rowsStaged }, keep);
  log.warn({ state_run: stateRun, warehouse_run: latest.runId }, `the warehouse's latest load of this table is run ${latest.runId}, but ${layout.stateKey} names ${stateRun === null ? 'no run' : `run ${stateRun}`} (a loader stopped between its merge and its state write); rolling the state to run ${latest.runId}`);
  await commitState(store, layout, state, committed?.version ?? null);
  await pruneRuns(store, layout, state, dropped, keep, log);
  return readState(store, layout);
}

/**
 * The run must continue the committed state: extracted after the committed run (or be that run
 * itself, re-merged harmlessly after a crash). Anything else could move rows back in time.
 */
export function checkContinuity(manifests: readonly Manifest[], committedRun: string | null, table: string): void {
  const { runId } = manifests[0]!;
  const base = manifests[0]!.window.baseState?.runId ?? null;
  if (runId === committedRun || base === committedRun) return;
  throw new TerminalError(
    `${table}: run ${runId} was extracted after ${base === null ? '(initial load)' : `run ${base}`}, but the table has since been loaded by run ${committedRun} — ` +
      'extract it again (the same run id re-claims its window) or extract a new run',
  );
}
