import { schemaFingerprint, type AvscRecordSchema } from '../../shared/avro/avsc-schema.js';
import type { Config, TableSpec } from '../../shared/config/config-schema.js';
import { ContractError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { findColumn, isWatermarkKind, type TableModel } from '../../shared/model/column.js';
import { checkContinuity, reconcileState } from '../../shared/pipeline/continuity.js';
import type { Manifest } from '../../shared/pipeline/manifest.js';
import { pruneRuns } from '../../shared/pipeline/retention.js';
import { countedPart } from '../../shared/pipeline/counted-part.js';
import { findRunToLoad, readRunManifests } from '../../shared/pipeline/run-finder.js';
import type { RunObserver } from '../../shared/pipeline/run-observer.js';
import { StagingLayout } from '../../shared/pipeline/staging-layout.js';
import { commitState, nextState, readState } from '../../shared/pipeline/state.js';
import { checkEncoding, readCommittedSchema } from '../../shared/pipeline/table-contract.js';
import { openStagedPart } from '../../shared/pipeline/verified-part.js';
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
  /** The run to load; absent: the newest published run that continues the committed state. */
  runId?: string;
  log: Logger;
  /** A live display at a terminal (`datapipe run`); the container entrypoints pass none. */
  observer?: RunObserver;
}

export interface LoadSummary extends LoadResult {
  runId: string;
  watermark: string | null;
  /** Rows deleted at the source, found (and deleted under `propagate`) after the load. */
  deletes?: { found: number; deleted: number };
}

/**
 * One load (docs/run-protocol.md, "The loader"): make sure the target exists, reconcile the
 * committed state with the warehouse's record, find the run and check it continues that state,
 * load it through the warehouse's protocol, then advance `_state.json` and let retention delete
 * what is no longer needed. Returns null when there is nothing to load.
 */
export async function load(ctx: LoadContext): Promise<LoadSummary | null> {
  const layout = new StagingLayout(ctx.prefix, ctx.config.project.name, ctx.table.name);
  const { model, avsc } = await readCommittedSchema(ctx.schemasDir, ctx.table.name, ctx.configPath);
  checkEncoding(avsc, ctx.warehouse.capabilities.encoding, ctx.warehouse.capabilities.name, ctx.table.name);
  const partition = ctx.table.partition_column ? findColumn(model, ctx.table.partition_column) ?? null : null;
  const keep = ctx.config.staging.retention_runs;
  await ctx.warehouse.ensureTable(model, ctx.table.load_mode === 'incremental' ? partition?.name ?? null : null);

  const latest = await ctx.warehouse.latestLoad(model.name);
  const committed = await reconcileState(ctx.store, layout, model.name, await readState(ctx.store, layout), latest, keep, ctx.log);
  const committedRun = committed?.state.runId ?? null;
  const runId = ctx.runId ?? (await findRunToLoad(ctx.store, layout, committedRun));
  if (!runId) {
    ctx.log.info({ table: ctx.table.name }, 'nothing to load: no extracted run continues the committed state');
    return null;
  }
  const log = ctx.log.child({ table: ctx.table.name, run_id: runId });
  const manifests = await readRunManifests(ctx.store, layout, runId, ctx.table.name);
  checkFingerprint(manifests, model, avsc as AvscRecordSchema);
  checkContinuity(manifests, committedRun, model.sourceName);

  const kind = partition && isWatermarkKind(partition.type.kind) ? partition.type.kind : null;
  const first = manifests[0]!;
  const seen = manifests.reduce<string | null>((max, m) => (kind ? maxWatermark(kind, max, m.window.maxSeen) : null), null);
  const baseRunId = first.window.baseState?.runId ?? null;
  const watermark = kind && first.mode === 'incremental' ? maxWatermark(kind, first.window.baseState?.watermark ?? null, seen) : null;

  const parts = manifests.flatMap((m) => m.files).map((f) => ({ ...f, uri: ctx.store.uri(f.key) }));
  const partsByKey = new Map(parts.map((p) => [p.key, p]));
  const expectedRows = manifests.reduce((sum, m) => sum + m.rows, 0);
  log.info({ phase: 'load', files: parts.length, rows: expectedRows }, 'loading');
  const started = performance.now();
  const observer = ctx.observer;
  observer?.phase(ctx.table.name, 'stage', { rows: expectedRows, estimate: false });
  const staging = observer ? countedPart(observer, expectedRows, parts.reduce((sum, p) => sum + p.bytes, 0)) : null;
  const result = await ctx.warehouse.load({
    model, mode: first.mode, runId, baseRunId, partitionColumn: partition?.name ?? null, parts, expectedRows, watermark,
    openPart: async (key) => {
      const part = partsByKey.get(key);
      if (!part) throw new ContractError(`${key} is not listed in the manifests of run ${runId}`);
      const stream = await openStagedPart(ctx.store, part);
      return staging ? staging(stream) : stream;
    },
    ...(observer ? { onStaged: (rows: number) => observer.phase(ctx.table.name, 'merge', { rows, estimate: false }) } : {}),
  });

  // The warehouse has committed and recorded the load; only now may the state move. A crash here
  // is harmless: the next loader rolls the state forward from the warehouse's record.
  const { state, dropped } = nextState(committed?.state ?? null, { table: ctx.table.name, runId, watermark, rows: result.staged }, keep);
  await commitState(ctx.store, layout, state, committed?.version ?? null);
  await pruneRuns(ctx.store, layout, state, dropped, keep, log);
  const ms = Math.round(performance.now() - started);
  log.info({ phase: 'load', ...result, watermark, ms, rows_per_s: ms > 0 ? Math.round((result.staged * 1000) / ms) : result.staged }, 'loaded');
  return { ...result, runId, watermark };
}

/** Every chunk must have been extracted with the committed schema. */
function checkFingerprint(manifests: readonly Manifest[], model: TableModel, avsc: AvscRecordSchema): void {
  const fingerprint = schemaFingerprint(avsc);
  if (manifests.some((m) => m.schemaFingerprint !== fingerprint)) {
    throw new ContractError(`${model.sourceName}: run ${manifests[0]!.runId} was extracted with a different schema than schemas/${model.name}.avsc — re-run the extractor with the committed schema`);
  }
}
