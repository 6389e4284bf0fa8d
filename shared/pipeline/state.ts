/**
 * The committed state of a table, `_state.json` (docs/run-protocol.md, "Committing"): advanced
 * only after the warehouse committed a load, by a conditional write, so two loaders can never
 * both move the watermark.
 */
import { PreconditionFailedError } from '../errors.js';
import type { ObjectStore } from '../stores/object-store.js';
import { parseStored, stateSchema, storedJson, type CommittedRun, type TableState } from './manifest.js';
import type { StagingLayout } from './staging-layout.js';

export interface VersionedState {
  state: TableState;
  /** The store's version of `_state.json`, for the conditional write that advances it. */
  version: string;
}

/** The committed state of a table; null before its first load. */
export async function readState(store: ObjectStore, layout: StagingLayout): Promise<VersionedState | null> {
  const object = await store.getVersioned(layout.stateKey);
  if (!object) return null;
  return { state: parseStored(stateSchema, object.body, layout.stateKey), version: object.version };
}

/** What a commit records: the run, its watermark and rows. */
export interface Commit {
  table: string;
  runId: string;
  watermark: string | null;
  rows: number;
}

/**
 * The state after `commit`, remembering the latest `keep` committed runs (newest first) for
 * retention; `dropped` are the runs that fall out of that list now (their staged files may go).
 * With keep 0 every committed run is kept and none remembered.
 */
export function nextState(previous: TableState | null, commit: Commit, keep: number, now: Date = new Date()): { state: TableState; dropped: CommittedRun[] } {
  const committedAt = now.toISOString();
  const history = [{ runId: commit.runId, committedAt }, ...(previous?.recent ?? legacyRecent(previous)).filter((r) => r.runId !== commit.runId)];
  const state: TableState = { version: 1, table: commit.table, watermark: commit.watermark, runId: commit.runId, rows: commit.rows, committedAt };
  if (keep === 0) return { state, dropped: [] };
  state.recent = history.slice(0, keep);
  return { state, dropped: history.slice(keep) };
}

/** A state written before `recent` existed still names its own run. */
function legacyRecent(previous: TableState | null): CommittedRun[] {
  return previous ? [{ runId: previous.runId, committedAt: previous.committedAt }] : [];
}

/**
 * Writes `state` only if `_state.json` is still at `expected` (null: only if absent). Losing that
 * race means another loader committed meanwhile; a store's other refusals (LockBusyError: a lock
 * held by another writer) pass through with their own words.
 */
export async function commitState(store: ObjectStore, layout: StagingLayout, state: TableState, expected: string | null): Promise<void> {
  try {
    await store.putIfVersion(layout.stateKey, storedJson(state), expected);
  } catch (error) {
    if (error instanceof PreconditionFailedError) {
      throw new PreconditionFailedError(
        `${layout.stateKey} was advanced by another loader while run ${state.runId} was loading — its merge is committed and idempotent; re-run the loader (it reconciles the state with the warehouse's record)`,
        { cause: error },
      );
    }
    throw error;
  }
}
