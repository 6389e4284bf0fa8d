import { PreconditionFailedError } from '../errors.js';
import type { ObjectStore } from '../stores/object-store.js';
import { parseStored, stateSchema, storedJson, type TableState } from './manifest.js';
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

/**
 * Advances `_state.json` only if nobody else did since `expected` was read (a generation / ETag
 * precondition), so two loaders can never both move the watermark.
 */
export async function commitState(store: ObjectStore, layout: StagingLayout, state: TableState, expected: string | null): Promise<void> {
  try {
    await store.putIfVersion(layout.stateKey, storedJson(state), expected);
  } catch (error) {
    if (error instanceof PreconditionFailedError) {
      throw new PreconditionFailedError(
        `${layout.stateKey} was advanced by another loader while run ${state.runId} was loading — its merge is committed and idempotent; re-run the extractor and loader for a new run`,
        { cause: error },
      );
    }
    throw error;
  }
}
