/**
 * The run protocol's steps (shared/pipeline/), driven directly over an in-memory store, without
 * the entrypoints: claiming the window, publishing manifests, the run index, finding the next run,
 * reconciling the state with the warehouse's record, continuity, retention.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { TableSpec } from '../../../shared/config/config-schema.js';
import { TerminalError, TransientError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/log.js';
import { checkContinuity, reconcileState } from '../../../shared/pipeline/continuity.js';
import { parseStored, runEntrySchema, stateSchema, windowSchema, type Manifest, type RunWindow } from '../../../shared/pipeline/manifest.js';
import { publishManifest } from '../../../shared/pipeline/publish.js';
import { pruneRuns } from '../../../shared/pipeline/retention.js';
import { findRunToLoad, readRunManifests } from '../../../shared/pipeline/run-finder.js';
import { StagingLayout } from '../../../shared/pipeline/staging-layout.js';
import { commitState, nextState, readState } from '../../../shared/pipeline/state.js';
import { claimWindow, type ClaimRequest } from '../../../shared/pipeline/window-claim.js';
import { MemoryStore } from '../../support/memory-store.js';
import { ventas } from '../../support/model-fixtures.js';

const TABLE: TableSpec = { name: 'VENTAS_CABECERA', load_mode: 'incremental', partition_column: 'fecha_venta', primary_keys: ['id_venta'], null_watermark: 'fail' } as TableSpec;
const layout = new StagingLayout(undefined, 'erp', TABLE.name);
const partition = ventas.columns.find((c) => c.name === 'fecha_venta')!;

let store: MemoryStore;
let clock: string;
const source = {
  windowHigh: async () => clock,
  countNulls: async () => 0,
};

function claim(runId: string, chunk?: { index: number; count: number }): Promise<RunWindow> {
  const request: ClaimRequest = { store, layout, runId, table: TABLE, model: ventas, partition, source, chunk, log: silentLogger };
  return claimWindow(request);
}

function manifestFor(window: RunWindow, chunk = { index: 0, count: 1 }, attempt = 'a1', maxSeen: string | null = window.high): Manifest {
  return {
    version: 1, table: 'VENTAS_CABECERA', target: 'ventas_cabecera', runId: window.runId, mode: 'incremental', chunk, attempt,
    schemaFingerprint: 'f', files: [{ key: layout.partKey(window.runId, chunk.index, attempt, 0), rows: 1, bytes: 10, sha256: 'x' }], rows: 1,
    window: { claimId: window.claimId, column: window.column, low: window.low, high: window.high, includeNulls: false, baseState: window.baseState, maxSeen },
    source: { type: 'postgres', clock: window.high }, startedAt: window.createdAt, finishedAt: new Date().toISOString(), timings: { totalMs: 1, rowsPerSecond: 1 },
  };
}

/** Extracts run `runId` (claim + publish), returning its manifest. */
async function extract(runId: string): Promise<Manifest> {
  const manifest = manifestFor(await claim(runId));
  await publishManifest(store, layout, manifest, silentLogger);
  return manifest;
}

/** Commits run `runId` the way the loader does, remembering `keep` runs. */
async function commit(runId: string, watermark: string, keep = 7): Promise<void> {
  const committed = await readState(store, layout);
  const { state, dropped } = nextState(committed?.state ?? null, { table: TABLE.name, runId, watermark, rows: 1 }, keep);
  await commitState(store, layout, state, committed?.version ?? null);
  await pruneRuns(store, layout, state, dropped, keep, silentLogger);
}

async function json(key: string): Promise<unknown> {
  const body = await store.get(key);
  return body ? JSON.parse(body.toString()) : null;
}

beforeEach(() => {
  store = new MemoryStore();
  clock = '2024-05-01T00:00:00.000000';
});

describe('claiming the window', () => {
  it('claims once per run: chunks and retries get the same bounds, and the run enters the index', async () => {
    const first = await claim('r1', { index: 0, count: 2 });
    clock = '2024-06-01T00:00:00.000000';
    expect(await claim('r1', { index: 1, count: 2 })).toEqual(first);
    expect(first).toMatchObject({ low: null, high: '2024-05-01T00:00:00.000000', baseState: null });
    expect(parseStored(runEntrySchema, (await store.get(layout.runEntryKey('r1')))!, 'entry')).toEqual({
      version: 1, runId: 'r1', baseRunId: null, claimId: first.claimId, claimedAt: first.createdAt, publishedAt: null,
    });
  });

  it('claims a stale run again from the committed state, so re-extracting it repairs it', async () => {
    const stale = await claim('r2');
    await commit('r1', '2024-05-01T00:00:00.000000');
    clock = '2024-05-02T00:00:00.000000';
    const again = await claim('r2');
    expect(again.claimId).not.toBe(stale.claimId);
    expect(again).toMatchObject({ baseState: { runId: 'r1', watermark: '2024-05-01T00:00:00.000000' }, low: '2024-05-01T00:00:00.000000', high: '2024-05-02T00:00:00.000000' });
    expect(parseStored(windowSchema, (await store.get(layout.windowKey('r2')))!, 'w')).toEqual(again);
  });

  it('keeps the claim of the run the table was last loaded from (a retry after its load)', async () => {
    const first = await claim('r1');
    await commit('r1', '2024-05-01T00:00:00.000000');
    expect(await claim('r1')).toEqual(first);
  });
});

describe('publishing', () => {
  it('lists only the publishing attempt\'s parts; a later attempt replaces the manifest, never an attempt\'s files', async () => {
    const window = await claim('r1');
    await publishManifest(store, layout, manifestFor(window, undefined, 'aaaa'), silentLogger);
    await publishManifest(store, layout, manifestFor(window, undefined, 'bbbb'), silentLogger);
    const [standing] = await readRunManifests(store, layout, 'r1', TABLE.name);
    expect(standing!.attempt).toBe('bbbb');
    expect(standing!.files.map((f) => f.key)).toEqual(['erp/ventas_cabecera/run=r1/part-0000-bbbb-000000.avro']);
  });

  it('marks the run published once every chunk of the claim has its manifest', async () => {
    const window = await claim('r1', { index: 0, count: 2 });
    await publishManifest(store, layout, manifestFor(window, { index: 1, count: 2 }), silentLogger);
    expect(await findRunToLoad(store, layout, null)).toBeNull();
    await publishManifest(store, layout, manifestFor(window, { index: 0, count: 2 }), silentLogger);
    expect(await findRunToLoad(store, layout, null)).toBe('r1');
  });

  it('refuses to load chunks extracted under an older claim of a re-claimed window', async () => {
    const old = await claim('r2', { index: 0, count: 2 });
    await publishManifest(store, layout, manifestFor(old, { index: 0, count: 2 }), silentLogger);
    await publishManifest(store, layout, manifestFor(old, { index: 1, count: 2 }), silentLogger);
    await commit('r1', '2024-05-01T00:00:00.000000');
    const fresh = await claim('r2', { index: 1, count: 2 });
    await publishManifest(store, layout, manifestFor(fresh, { index: 1, count: 2 }), silentLogger);
    await expect(readRunManifests(store, layout, 'r2', TABLE.name)).rejects.toThrow(new TransientError(
      'VENTAS_CABECERA: run r2 was claimed again after chunk 1/2 had been extracted — re-run the extractor for that chunk',
    ));
  });
});

describe('finding the run to load', () => {
  it('is the newest published run that continues the committed state, read from the run index alone', async () => {
    await extract('r1');
    expect(await findRunToLoad(store, layout, null)).toBe('r1');
    await commit('r1', '2024-05-01T00:00:00.000000');
    expect(await findRunToLoad(store, layout, 'r1')).toBeNull();
    await extract('r2');
    await extract('r3');
    expect(await findRunToLoad(store, layout, 'r1')).toBe('r3');
    expect(await store.list(layout.runIndexPrefix)).toEqual([layout.runEntryKey('r2'), layout.runEntryKey('r3')]);
  });

  it('a run without manifests is not finished (exit 1)', async () => {
    await claim('r1');
    await expect(readRunManifests(store, layout, 'r1', TABLE.name)).rejects.toThrow(TransientError);
  });
});

describe('continuity', () => {
  it('accepts the run after the committed one, or the committed one itself', async () => {
    const r2 = await extract('r2');
    expect(() => checkContinuity([r2], null, 'VENTAS_CABECERA')).not.toThrow();
    expect(() => checkContinuity([r2], 'r2', 'VENTAS_CABECERA')).not.toThrow();
    expect(() => checkContinuity([r2], 'r9', 'VENTAS_CABECERA')).toThrow(new TerminalError(
      'VENTAS_CABECERA: run r2 was extracted after (initial load), but the table has since been loaded by run r9 — extract it again (the same run id re-claims its window) or extract a new run',
    ));
  });

  it('rolls _state.json forward to the warehouse\'s latest recorded load', async () => {
    await commit('r1', '2024-05-01T00:00:00.000000');
    const rolled = await reconcileState(store, layout, 'ventas_cabecera', await readState(store, layout),
      { runId: 'r2', mode: 'incremental', rowsStaged: 5, rowsLoaded: 4, watermark: '2024-05-02T00:00:00.000000' }, 7, silentLogger);
    expect(rolled?.state).toMatchObject({ runId: 'r2', watermark: '2024-05-02T00:00:00.000000', rows: 5 });
    expect(rolled?.state.recent?.map((r) => r.runId)).toEqual(['r2', 'r1']);
  });

  it('changes nothing when both agree, and refuses a state the warehouse has no record of', async () => {
    await commit('r1', '2024-05-01T00:00:00.000000');
    const committed = await readState(store, layout);
    const same = { runId: 'r1', mode: 'incremental' as const, rowsStaged: 1, rowsLoaded: 1, watermark: '2024-05-01T00:00:00.000000' };
    expect(await reconcileState(store, layout, 'ventas_cabecera', committed, same, 7, silentLogger)).toBe(committed);
    await expect(reconcileState(store, layout, 'ventas_cabecera', committed, null, 7, silentLogger)).rejects.toThrow(new TerminalError(
      'erp/ventas_cabecera/_state.json says run r1 was loaded, but the warehouse records no load of ventas_cabecera (the target or _datapipe_loads was recreated or emptied) — ' +
        'to load it again from scratch, delete that _state.json and run the extractor and loader for a new run',
    ));
  });
});

describe('retention', () => {
  it('keeps the last N committed runs and deletes older ones, objects first, never the current run', async () => {
    for (let n = 1; n <= 5; n++) {
      await extract(`r${n}`);
      await commit(`r${n}`, `2024-05-0${n}T00:00:00.000000`, 3);
    }
    const state = parseStored(stateSchema, (await store.get(layout.stateKey))!, 'state');
    expect(state.recent?.map((r) => r.runId)).toEqual(['r5', 'r4', 'r3']);
    const runs = [...new Set([...store.objects.keys()].map((k) => layout.runIdOf(k)).filter((r) => r !== null))].sort();
    expect(runs).toEqual(['r3', 'r4', 'r5']);
    expect(await store.list(layout.runIndexPrefix)).toEqual([]);
  });

  it('deletes uncommitted runs claimed before the oldest run kept, and keeps newer ones', async () => {
    await claim('abandoned');
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let n = 1; n <= 3; n++) {
      await extract(`r${n}`);
      await commit(`r${n}`, `2024-05-0${n}T00:00:00.000000`, 2);
    }
    await extract('pending');
    await commit('r4', '2024-05-04T00:00:00.000000', 2);
    expect(await json(layout.windowKey('abandoned'))).toBeNull();
    expect(await json(layout.runEntryKey('abandoned'))).toBeNull();
    expect(await json(layout.runEntryKey('pending'))).not.toBeNull();
  });

  it('keeps everything with retention 0, forgetting only the committed run\'s index entry', async () => {
    for (let n = 1; n <= 3; n++) {
      await extract(`r${n}`);
      await commit(`r${n}`, `2024-05-0${n}T00:00:00.000000`, 0);
    }
    expect((await readState(store, layout))?.state.recent).toBeUndefined();
    expect(await json(layout.windowKey('r1'))).not.toBeNull();
    expect(await store.list(layout.runIndexPrefix)).toEqual([]);
  });
});
