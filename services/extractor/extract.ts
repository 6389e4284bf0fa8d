import { PartWriter } from '../../shared/avro/part-writer.js';
import { schemaFingerprint } from '../../shared/avro/avsc-schema.js';
import type { AvscRecordSchema } from '../../shared/avro/avsc-schema.js';
import { parseLookback, type Config, type TableSpec } from '../../shared/config/config-schema.js';
import { ContractError, PreconditionFailedError, TerminalError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { findColumn, formatType, isWatermarkKind, type Column, type TableModel } from '../../shared/model/column.js';
import { parseStored, storedJson, windowSchema, type Manifest, type RunWindow } from '../../shared/pipeline/manifest.js';
import { Progress } from '../../shared/pipeline/progress.js';
import { StagingLayout } from '../../shared/pipeline/staging-layout.js';
import { readState } from '../../shared/pipeline/state.js';
import { checkDrift, checkOverrides, readCommittedSchema } from '../../shared/pipeline/table-contract.js';
import { compareWatermarks, watermarkText, windowLow } from '../../shared/pipeline/watermark.js';
import type { Source } from '../../shared/sources/source.js';
import type { ObjectStore } from '../../shared/stores/object-store.js';

export interface ExtractContext {
  config: Config;
  configPath: string;
  table: TableSpec;
  source: Source;
  store: ObjectStore;
  /** Staging prefix inside the bucket (destination `prefix`), may be empty. */
  prefix: string | undefined;
  schemasDir: string;
  runId: string;
  /** `--chunk i/n` as a 0-based index; absent for a run read in one piece. */
  chunk?: { index: number; count: number };
  log: Logger;
  /** Aborted on SIGTERM: the run stops between batches and writes no manifest. */
  signal?: AbortSignal;
  progressIntervalMs?: number;
}

/**
 * One extraction (architecture.md, run protocol, extractor steps 1–5): check the committed schema
 * against the source, claim the run's window, stream the rows into AVRO parts, write the manifest last.
 */
export async function extract(ctx: ExtractContext): Promise<Manifest> {
  const startedAt = new Date().toISOString();
  const log = ctx.log.child({ table: ctx.table.name, run_id: ctx.runId, chunk: ctx.chunk ? `${ctx.chunk.index + 1}/${ctx.chunk.count}` : undefined });
  const { model, avsc } = await readCommittedSchema(ctx.schemasDir, ctx.table.name, ctx.configPath);
  checkOverrides(model, ctx.table.columns, `schemas/${model.name}.avsc`);
  const live = await ctx.source.describe(ctx.table.name, { profile: false, overrides: ctx.table.columns });
  checkDrift(model, live, log);

  const layout = new StagingLayout(ctx.prefix, ctx.config.project.name, ctx.table.name);
  const partition = ctx.table.load_mode === 'incremental' ? partitionColumn(model, ctx.table) : null;
  const window = await claimWindow(ctx, model, layout, partition, log);
  const chunk = ctx.chunk ?? { index: 0, count: 1 };
  const manifestKey = layout.manifestKey(ctx.runId, chunk);
  // A retry of this run: unpublish the previous attempt before its parts are overwritten.
  await ctx.store.delete([manifestKey]);
  log.info({ phase: 'extract', window: { low: window.low, high: window.high } }, 'extracting');

  const writer = new PartWriter({
    store: ctx.store,
    schema: avsc as AvscRecordSchema,
    codec: ctx.config.staging.codec,
    partSizeBytes: ctx.config.staging.part_size_mb * 1024 * 1024,
    keyFor: (seq) => layout.partKey(ctx.runId, chunk.index, seq),
  });
  const progress = new Progress(log, ctx.progressIntervalMs ?? 10_000);
  let rows = 0;
  let maxSeen: number | bigint | null = null;
  let files;
  try {
    const plan = {
      model,
      window: partition ? { column: partition.name, low: window.low, high: window.high, includeNulls: window.includeNulls } : undefined,
      chunk: ctx.chunk,
      batchSize: ctx.config.staging.batch_rows,
      snapshot: window.snapshot,
    };
    if (ctx.source.readEncoded) {
      // The fast path: the source transcodes its wire format straight to AVRO records.
      for await (const batch of ctx.source.readEncoded(plan)) {
        ctx.signal?.throwIfAborted();
        if (batch.maxWatermark !== null && (maxSeen === null || batch.maxWatermark > maxSeen)) maxSeen = batch.maxWatermark;
        await writer.writeEncoded(batch);
        rows += batch.rows;
        progress.tick(rows);
      }
    } else {
      for await (const batch of ctx.source.read(plan)) {
        ctx.signal?.throwIfAborted();
        if (partition) maxSeen = maxOf(batch, partition.name, maxSeen);
        await writer.write(batch);
        rows += batch.length;
        progress.tick(rows);
      }
    }
    ctx.signal?.throwIfAborted();
    files = await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }

  const manifest: Manifest = {
    version: 1,
    table: model.sourceName,
    target: model.name,
    runId: ctx.runId,
    mode: ctx.table.load_mode,
    chunk,
    schemaFingerprint: schemaFingerprint(avsc as AvscRecordSchema),
    files,
    rows,
    window: {
      column: window.column, low: window.low, high: window.high, includeNulls: window.includeNulls, baseState: window.baseState,
      maxSeen: partition && maxSeen !== null && isWatermarkKind(partition.type.kind) ? watermarkText(partition.type.kind, maxSeen) : null,
    },
    source: { type: ctx.config.source.type, clock: window.high, ...(window.snapshot === undefined ? {} : { snapshot: window.snapshot }) },
    startedAt,
    finishedAt: new Date().toISOString(),
    timings: { totalMs: progress.elapsedMs(), rowsPerSecond: progress.rate(rows) },
  };
  // Published last: the loader reads nothing of a run without its manifest.
  await ctx.store.put(manifestKey, storedJson(manifest));
  log.info({
    phase: 'extract', rows, files: files.length, bytes: files.reduce((sum, f) => sum + f.bytes, 0),
    rows_per_s: manifest.timings.rowsPerSecond, ms: manifest.timings.totalMs, max_seen: manifest.window.maxSeen,
  }, 'extracted');
  return manifest;
}

/** The configured partition column, checked against the schema: it must exist and be a watermark kind. */
function partitionColumn(model: TableModel, table: TableSpec): Column {
  const name = table.partition_column;
  const column = name ? findColumn(model, name) : undefined;
  if (!name || !column) {
    throw new TerminalError(`tables[${table.name}].partition_column: ${name ?? '(missing)'} is not a column of ${model.sourceName} — pick one of ${model.columns.map((c) => c.sourceName).join(', ')}`);
  }
  if (!isWatermarkKind(column.type.kind)) {
    throw new TerminalError(`tables[${table.name}].partition_column: ${column.sourceName} is ${formatType(column.type)}; a watermark must be an integer, date, datetime or timestamp column`);
  }
  return column;
}

/**
 * The run's window, created once per run id (create-if-absent) so chunks and retries agree on it:
 * `[W − lookback, H]` with W the committed watermark and H the source's clock (or MAX) read now,
 * and for a chunked run the source's snapshot, when it has that capability.
 */
async function claimWindow(ctx: ExtractContext, model: TableModel, layout: StagingLayout, partition: Column | null, log: Logger): Promise<RunWindow> {
  const key = layout.windowKey(ctx.runId);
  const existing = await ctx.store.get(key);
  if (existing) return parseStored(windowSchema, existing, key);

  const committed = await readState(ctx.store, layout);
  const window: RunWindow = {
    runId: ctx.runId, column: partition?.name ?? null, low: null, high: null, includeNulls: false,
    baseState: committed ? { runId: committed.state.runId, watermark: committed.state.watermark } : null,
    createdAt: new Date().toISOString(),
  };
  if (partition && isWatermarkKind(partition.type.kind)) {
    const kind = partition.type.kind;
    window.high = await ctx.source.windowHigh(model, partition.name);
    const watermark = committed?.state.watermark ?? null;
    const lookback = ctx.table.lookback === undefined ? undefined : parseLookback(String(ctx.table.lookback));
    window.low = watermark === null ? null : windowLow(kind, watermark, lookback, partition.sourceName);
    // A high below the low (the clock went back, or MAX shrank) reads nothing rather than guessing.
    if (window.low !== null && window.high !== null && compareWatermarks(kind, window.low, window.high) > 0) {
      log.warn({ low: window.low, high: window.high }, 'source clock is behind the committed watermark; this run reads no new rows');
    }
    window.includeNulls = ctx.table.null_watermark === 'include';
    if (!window.includeNulls) {
      const nulls = await ctx.source.countNulls(model, partition.name);
      if (nulls > 0) {
        throw new ContractError(`${model.sourceName}.${partition.sourceName}: ${nulls} rows have a NULL partition value and would never be extracted — set tables[${ctx.table.name}].null_watermark: include (they are re-read every run) or fill the column`);
      }
    }
  }
  // Chunks of one run must read one state of the table (Oracle: one SCN and one set of ROWID ranges).
  if (ctx.chunk && ctx.chunk.count > 1 && ctx.source.snapshot) {
    window.snapshot = await ctx.source.snapshot(model, ctx.chunk.count);
  }
  try {
    await ctx.store.putIfVersion(key, storedJson(window), null);
    return window;
  } catch (error) {
    if (!(error instanceof PreconditionFailedError)) throw error;
    // Another chunk of this run claimed it first: use theirs.
    const theirs = await ctx.store.get(key);
    if (!theirs) throw error;
    return parseStored(windowSchema, theirs, key);
  }
}

function maxOf(batch: Record<string, unknown>[], column: string, current: number | bigint | null): number | bigint | null {
  let max = current;
  for (const row of batch) {
    const value = row[column] as number | bigint | null;
    // number and bigint compare exactly with < and >, so mixed batches need no conversion.
    if (value !== null && (max === null || value > max)) max = value;
  }
  return max;
}
