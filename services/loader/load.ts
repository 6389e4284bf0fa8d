import { schemaFingerprint, type AvscRecordSchema } from '../../shared/avro/avsc-schema.js';
import type { Config, TableSpec } from '../../shared/config/config-schema.js';
import { ContractError, TerminalError, TransientError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { findColumn, isWatermarkKind, type TableModel } from '../../shared/model/column.js';
import { manifestSchema, parseStored, type Manifest } from '../../shared/pipeline/manifest.js';
import { verifiedPart } from '../../shared/pipeline/verified-part.js';
import { StagingLayout } from '../../shared/pipeline/staging-layout.js';
import { commitState, readState } from '../../shared/pipeline/state.js';
import { readCommittedSchema } from '../../shared/pipeline/table-contract.js';
import { maxWatermark } from '../../shared/pipeline/watermark.js';
import type { ObjectStore } from '../../shared/stores/object-store.js';
import type { LoadResult, Warehouse } from '../../shared/warehouses/warehouse.js';

export interface LoadContext {
  config: Config;
  configPath: string;
  table: TableSpec;
  store: ObjectStore;
  prefix: string | undefined;
  warehouse: Warehouse;
  schemasDir: string;
  /** The run to load; absent: the newest complete run that continues the committed state. */
  runId?: string;
  log: Logger;
}

export interface LoadSummary extends LoadResult {
  runId: string;
  watermark: string | null;
}

/**
 * One load (architecture.md, run protocol, loader steps 1–4): read the run's manifests, stage and
 * merge them, then advance `_state.json` with a conditional write. Returns null when there is
 * nothing to load.
 */
export async function load(ctx: LoadContext): Promise<LoadSummary | null> {
  const layout = new StagingLayout(ctx.prefix, ctx.config.project.name, ctx.table.name);
  const { model, avsc } = await readCommittedSchema(ctx.schemasDir, ctx.table.name, ctx.configPath);
  const committed = await readState(ctx.store, layout);
  const runId = ctx.runId ?? (await nextRun(ctx.store, layout, committed?.state.runId ?? null));
  if (!runId) {
    ctx.log.info({ table: ctx.table.name }, 'nothing to load: no extracted run continues the committed state');
    return null;
  }
  const log = ctx.log.child({ table: ctx.table.name, run_id: runId });
  const manifests = await readManifests(ctx.store, layout, runId, ctx.table.name);
  checkManifests(manifests, model, avsc as AvscRecordSchema, committed?.state.runId ?? null, runId);

  const partition = ctx.table.partition_column ? findColumn(model, ctx.table.partition_column) ?? null : null;
  const kind = partition && isWatermarkKind(partition.type.kind) ? partition.type.kind : null;
  const first = manifests[0]!;
  const seen = manifests.reduce<string | null>((max, m) => (kind ? maxWatermark(kind, max, m.window.maxSeen) : null), null);
  const previous = first.window.baseState?.watermark ?? null;
  const watermark = kind && first.mode === 'incremental' ? maxWatermark(kind, previous, seen) : null;

  const parts = manifests.flatMap((m) => m.files).map((f) => ({ ...f, uri: ctx.store.uri(f.key) }));
  const expectedRows = manifests.reduce((sum, m) => sum + m.rows, 0);
  log.info({ phase: 'load', files: parts.length, rows: expectedRows }, 'loading');
  const started = performance.now();
  await ctx.warehouse.ensureTable(model, first.mode === 'incremental' ? partition?.name ?? null : null);
  const result = await ctx.warehouse.load({
    model, mode: first.mode, runId, partitionColumn: partition?.name ?? null, parts, expectedRows, watermark,
    openPart: async (key) => {
      const part = parts.find((p) => p.key === key);
      if (!part) throw new ContractError(`${key} is not listed in the manifests of run ${runId}`);
      return verifiedPart(await ctx.store.openRead(key), key, part);
    },
  });

  // The merge has committed; only now may the watermark move (a crash here is harmless: a re-run re-merges).
  await commitState(ctx.store, layout, {
    version: 1, table: ctx.table.name, watermark, runId, rows: result.staged, committedAt: new Date().toISOString(),
  }, committed?.version ?? null);
  const ms = Math.round(performance.now() - started);
  log.info({ phase: 'load', ...result, watermark, ms, rows_per_s: ms > 0 ? Math.round((result.staged * 1000) / ms) : result.staged }, 'loaded');
  return { ...result, runId, watermark };
}

/** Every chunk's manifest for the run; all of them must be there (else the run is not finished: exit 1). */
async function readManifests(store: ObjectStore, layout: StagingLayout, runId: string, table: string): Promise<Manifest[]> {
  const keys = (await store.list(layout.runPrefix(runId))).filter((k) => /\/_manifest(-\d+)?\.json$/.test(k));
  if (keys.length === 0) {
    throw new TransientError(`${table}: run ${runId} has no manifest in the staging bucket — its extractor has not finished (or failed); run the extractor for this run first`);
  }
  const manifests: Manifest[] = [];
  for (const key of keys) {
    const body = await store.get(key);
    if (body) manifests.push(parseStored(manifestSchema, body, key));
  }
  const count = manifests[0]!.chunk.count;
  const present = new Set(manifests.map((m) => m.chunk.index));
  if (manifests.some((m) => m.chunk.count !== count) || present.size !== count) {
    const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !present.has(i)).map((i) => `${i + 1}/${count}`);
    throw new TransientError(`${table}: run ${runId} has ${present.size} of ${count} chunk manifests (missing ${missing.join(', ') || 'consistent chunk counts'}) — wait for or re-run those extractor chunks`);
  }
  return manifests.sort((a, b) => a.chunk.index - b.chunk.index);
}

function checkManifests(manifests: Manifest[], model: TableModel, avsc: AvscRecordSchema, committedRun: string | null, runId: string): void {
  const fingerprint = schemaFingerprint(avsc);
  const stale = manifests.find((m) => m.schemaFingerprint !== fingerprint);
  if (stale) {
    throw new ContractError(`${model.sourceName}: run ${runId} was extracted with a different schema than schemas/${model.name}.avsc — re-run the extractor with the committed schema`);
  }
  const base = manifests[0]!.window.baseState?.runId ?? null;
  // Loading a run that does not continue the committed state could move rows back in time.
  if (committedRun !== null && committedRun !== runId && base !== committedRun) {
    throw new TerminalError(`${model.sourceName}: run ${runId} was extracted after run ${base ?? '(initial load)'}, but the table has since been loaded by run ${committedRun} — extract a new run instead of loading this one`);
  }
}

/** The newest run that continues the committed state and has its manifests (the default without --run-id). */
async function nextRun(store: ObjectStore, layout: StagingLayout, committedRun: string | null): Promise<string | null> {
  const keys = await store.list(`${layout.base}/run=`);
  const candidates: { runId: string; finishedAt: string }[] = [];
  for (const key of keys.filter((k) => /\/_manifest(-0+)?\.json$/.test(k))) {
    const body = await store.get(key);
    if (!body) continue;
    const manifest = parseStored(manifestSchema, body, key);
    const base = manifest.window.baseState?.runId ?? null;
    if (manifest.runId !== committedRun && base === committedRun) candidates.push({ runId: manifest.runId, finishedAt: manifest.finishedAt });
  }
  candidates.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
  return candidates.at(-1)?.runId ?? null;
}
