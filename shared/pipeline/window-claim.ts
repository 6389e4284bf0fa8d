/**
 * Step 1 of an extraction (docs/run-protocol.md, "Claiming the window"): fix the run's bounds
 * once, in `run=<R>/_window.json`, so that every chunk and every retry of the run reads the same
 * rows from the same base state, and enter the run in the run index.
 */
import { randomBytes } from 'node:crypto';
import { parseLookback, type TableSpec } from '../config/config-schema.js';
import { ContractError, PreconditionFailedError } from '../errors.js';
import type { Logger } from '../log.js';
import { isWatermarkKind, type Column, type TableModel } from '../model/column.js';
import type { Source } from '../sources/source.js';
import type { ObjectStore } from '../stores/object-store.js';
import { parseStored, runEntrySchema, storedJson, windowSchema, type RunEntry, type RunWindow } from './manifest.js';
import type { StagingLayout } from './staging-layout.js';
import { readState, type VersionedState } from './state.js';
import { compareWatermarks, windowLow } from './watermark.js';

export interface ClaimRequest {
  store: ObjectStore;
  layout: StagingLayout;
  runId: string;
  table: TableSpec;
  model: TableModel;
  /** The partition column of an incremental table; null for a full one. */
  partition: Column | null;
  source: Pick<Source, 'windowHigh' | 'countNulls' | 'snapshot'>;
  chunk?: { index: number; count: number };
  log: Logger;
}

/**
 * The run's window: the one already claimed, or a new one `[W − lookback, H]` with W the
 * committed watermark and H the source's clock (or MAX) read now, plus, for a chunked run, the
 * source's snapshot. A run claimed after a state that is no longer the committed one, and not
 * itself committed, could never be loaded (it would move rows back in time): it is claimed again
 * from the committed state, so re-running its extraction repairs it.
 */
export async function claimWindow(request: ClaimRequest): Promise<RunWindow> {
  const { store, layout, runId, log } = request;
  const key = layout.windowKey(runId);
  const committed = await readState(store, layout);
  const existing = await store.getVersioned(key);
  if (existing) {
    const window = parseStored(windowSchema, existing.body, key);
    const committedRun = committed?.state.runId ?? null;
    const base = window.baseState?.runId ?? null;
    if (base === committedRun || runId === committedRun) return window;
    log.warn({ base_run: base, committed_run: committedRun }, `run ${runId} was claimed after ${describeRun(base)}, but run ${committedRun} has been committed since; claiming its window again from run ${committedRun}`);
    return publishClaim(request, await newWindow(request, committed), existing.version);
  }
  return publishClaim(request, await newWindow(request, committed), null);
}

/** Writes the claim if the window is still at `expected`; a lost race yields the winner's claim. */
async function publishClaim(request: ClaimRequest, window: RunWindow, expected: string | null): Promise<RunWindow> {
  const { store, layout, runId } = request;
  const key = layout.windowKey(runId);
  try {
    await store.putIfVersion(key, storedJson(window), expected);
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
    // Another chunk or attempt of this run claimed first: use theirs.
    const theirs = await store.get(key);
    if (!theirs) throw error;
    return parseStored(windowSchema, theirs, key);
  }
  const entry: RunEntry = {
    version: 1, runId, baseRunId: window.baseState?.runId ?? null, ...(window.claimId ? { claimId: window.claimId } : {}),
    claimedAt: window.createdAt, publishedAt: null,
  };
  await store.put(layout.runEntryKey(runId), storedJson(runEntrySchema.parse(entry)));
  return window;
}

async function newWindow(request: ClaimRequest, committed: VersionedState | null): Promise<RunWindow> {
  const { model, partition, table, source, chunk } = request;
  const window: RunWindow = {
    runId: request.runId, claimId: randomBytes(6).toString('hex'), column: partition?.name ?? null, low: null, high: null, includeNulls: false,
    baseState: committed ? { runId: committed.state.runId, watermark: committed.state.watermark } : null,
    createdAt: new Date().toISOString(),
  };
  if (partition && isWatermarkKind(partition.type.kind)) {
    const kind = partition.type.kind;
    window.high = await source.windowHigh(model, partition.name);
    const watermark = committed?.state.watermark ?? null;
    const lookback = table.lookback === undefined ? undefined : parseLookback(String(table.lookback));
    window.low = watermark === null ? null : windowLow(kind, watermark, lookback, partition.sourceName);
    // A high below the low (the clock went back, or MAX shrank) reads nothing rather than guessing.
    if (window.low !== null && window.high !== null && compareWatermarks(kind, window.low, window.high) > 0) {
      request.log.warn({ low: window.low, high: window.high }, 'source clock is behind the committed watermark; this run reads no new rows');
    }
    window.includeNulls = table.null_watermark === 'include';
    if (!window.includeNulls) {
      const nulls = await source.countNulls(model, partition.name);
      if (nulls > 0) {
        throw new ContractError(`${model.sourceName}.${partition.sourceName}: ${nulls} rows have a NULL partition value and would never be extracted — set tables[${table.name}].null_watermark: include (they are re-read every run) or fill the column`);
      }
    }
  }
  // Chunks of one run must read one state of the table (Oracle: one SCN and one set of ROWID ranges).
  if (chunk && chunk.count > 1 && source.snapshot) window.snapshot = await source.snapshot(model, chunk.count);
  return window;
}

function describeRun(runId: string | null): string {
  return runId === null ? 'no committed run (an initial load)' : `run ${runId}`;
}
