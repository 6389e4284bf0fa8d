/**
 * Loader overhead against staging history: the run protocol's own work for one load (read the
 * state, find the next run in the run index, read its manifests, commit the state, retention) in a
 * local staging folder that already holds 1, 100 or 1,000 committed runs (kept: retention 0), next
 * to what finding the run cost before the run index (list every object under the table, read
 * every run's manifest). Options: --history 1,100,1000 --repeat 7.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../shared/log.js';
import { manifestSchema, parseStored, type Manifest, type RunWindow } from '../shared/pipeline/manifest.js';
import { publishManifest } from '../shared/pipeline/publish.js';
import { pruneRuns } from '../shared/pipeline/retention.js';
import { findRunToLoad, readRunManifests } from '../shared/pipeline/run-finder.js';
import { StagingLayout } from '../shared/pipeline/staging-layout.js';
import { commitState, nextState, readState } from '../shared/pipeline/state.js';
import { claimWindow } from '../shared/pipeline/window-claim.js';
import type { TableSpec } from '../shared/config/config-schema.js';
import type { TableModel } from '../shared/model/column.js';
import type { ObjectStore } from '../shared/stores/object-store.js';
import { LocalStore } from '../shared/stores/local/local-store.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const histories = option('history', '1,100,1000').split(',').map(Number);
const repeat = Number(option('repeat', '7'));

const TABLE = { name: 'VENTAS', load_mode: 'incremental', partition_column: 'fecha', null_watermark: 'fail' } as TableSpec;
const MODEL: TableModel = {
  sourceSchema: 'public', sourceName: 'VENTAS', name: 'ventas', primaryKeys: ['id'],
  columns: [
    { name: 'id', sourceName: 'ID', sourceType: 'bigint', type: { kind: 'int64' }, nullable: false },
    { name: 'fecha', sourceName: 'FECHA', sourceType: 'timestamp', type: { kind: 'datetime' }, nullable: false },
  ],
};
const layout = new StagingLayout(undefined, 'bench', TABLE.name);
let clock = 0;
const source = { windowHigh: async () => `2024-01-01T00:00:${String(clock++ % 60).padStart(2, '0')}.000000`, countNulls: async () => 0 };

/** One extraction: claim, an 8-part manifest (the parts are small files), publish. */
async function extract(store: ObjectStore, runId: string): Promise<void> {
  const window: RunWindow = await claimWindow({ store, layout, runId, table: TABLE, model: MODEL, partition: MODEL.columns[1]!, source, log: silentLogger });
  const files = [];
  for (let seq = 0; seq < 8; seq++) {
    const key = layout.partKey(runId, 0, 'bench', seq);
    await store.put(key, 'x');
    files.push({ key, rows: 1, bytes: 1, sha256: 'x' });
  }
  const manifest: Manifest = {
    version: 1, table: TABLE.name, target: 'ventas', runId, mode: 'incremental', chunk: { index: 0, count: 1 }, attempt: 'bench', schemaFingerprint: 'f', files, rows: 8,
    window: { claimId: window.claimId, column: 'fecha', low: window.low, high: window.high, includeNulls: false, baseState: window.baseState, maxSeen: window.high },
    source: { type: 'postgres', clock: window.high }, startedAt: window.createdAt, finishedAt: new Date().toISOString(), timings: { totalMs: 1, rowsPerSecond: 1 },
  };
  await publishManifest(store, layout, manifest, silentLogger);
}

/** The loader's protocol work for the next run, the warehouse left out; returns its milliseconds. */
async function loadNext(store: ObjectStore, keep: number): Promise<number> {
  const started = performance.now();
  const committed = await readState(store, layout);
  const runId = await findRunToLoad(store, layout, committed?.state.runId ?? null);
  if (!runId) throw new Error('bench: no run to load');
  const manifests = await readRunManifests(store, layout, runId, TABLE.name);
  const { state, dropped } = nextState(committed?.state ?? null, { table: TABLE.name, runId, watermark: manifests[0]!.window.maxSeen, rows: 8 }, keep);
  await commitState(store, layout, state, committed?.version ?? null);
  await pruneRuns(store, layout, state, dropped, keep, silentLogger);
  return performance.now() - started;
}

/** How the loader found the next run before the run index: every object listed, every manifest read. */
async function findBeforeIndex(store: ObjectStore): Promise<number> {
  const started = performance.now();
  const keys = await store.list(`${layout.base}/run=`);
  for (const key of keys.filter((k) => /\/_manifest\.json$/.test(k))) parseStored(manifestSchema, (await store.get(key))!, key);
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

console.log(`history bench — local staging folder, ${repeat} loads per size, median ms`);
console.log('earlier runs | load protocol (run index) | finding the run before the index');
for (const history of histories) {
  const folder = await mkdtemp(join(tmpdir(), 'datapipe-history-'));
  const store = new LocalStore(folder);
  try {
    for (let n = 0; n < history; n++) {
      await extract(store, `h${String(n).padStart(5, '0')}`);
      await loadNext(store, 0);
    }
    const protocol: number[] = [];
    const before: number[] = [];
    for (let i = 0; i < repeat; i++) {
      await extract(store, `m${i}`);
      before.push(await findBeforeIndex(store));
      protocol.push(await loadNext(store, 0));
    }
    console.log(`${String(history).padStart(12)} | ${median(protocol).toFixed(1).padStart(24)} | ${median(before).toFixed(1).padStart(32)}`);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
