import { canUseEncodedPath, type AvroEncoding } from '../../shared/avro/avro-encoding.js';
import { PartWriter } from '../../shared/avro/part-writer.js';
import { schemaFingerprint } from '../../shared/avro/avsc-schema.js';
import type { AvscRecordSchema } from '../../shared/avro/avsc-schema.js';
import type { Config, TableSpec } from '../../shared/config/config-schema.js';
import type { Logger } from '../../shared/log.js';
import { isWatermarkKind } from '../../shared/model/column.js';
import type { Manifest } from '../../shared/pipeline/manifest.js';
import { Progress } from '../../shared/pipeline/progress.js';
import { readEstimate } from '../../shared/pipeline/read-estimate.js';
import type { RunObserver } from '../../shared/pipeline/run-observer.js';
import { newAttempt, publishManifest } from '../../shared/pipeline/publish.js';
import { StagingLayout } from '../../shared/pipeline/staging-layout.js';
import { checkNamedColumns, watermarkColumn } from '../../shared/pipeline/named-columns.js';
import { checkDrift, checkEncoding, checkOverrides, readCommittedSchema } from '../../shared/pipeline/table-contract.js';
import { watermarkText } from '../../shared/pipeline/watermark.js';
import { claimWindow } from '../../shared/pipeline/window-claim.js';
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
  /** The AVRO encoding the destination's warehouse reads; the committed schema must carry it. */
  encoding?: { name: AvroEncoding; warehouse: string };
  /** Aborted on SIGTERM: the run stops between batches and writes no manifest. */
  signal?: AbortSignal;
  progressIntervalMs?: number;
  /** A live display at a terminal (`datapipe run`); the container entrypoints pass none. */
  observer?: RunObserver;
}

/**
 * One extraction (docs/run-protocol.md, extractor steps 1–5): check the committed schema
 * against the source, claim the run's window, stream the rows into AVRO parts, write the manifest last.
 */
export async function extract(ctx: ExtractContext): Promise<Manifest> {
  const startedAt = new Date().toISOString();
  const log = ctx.log.child({ table: ctx.table.name, run_id: ctx.runId, chunk: ctx.chunk ? `${ctx.chunk.index + 1}/${ctx.chunk.count}` : undefined });
  const { model, avsc } = await readCommittedSchema(ctx.schemasDir, ctx.table.name, ctx.configPath);
  checkOverrides(model, ctx.table.columns, `schemas/${model.name}.avsc`);
  if (ctx.encoding) checkEncoding(avsc, ctx.encoding.name, ctx.encoding.warehouse, ctx.table.name);
  const live = await ctx.source.describe(ctx.table.name, { profile: false, overrides: ctx.table.columns });
  checkDrift(model, live, log);

  const layout = new StagingLayout(ctx.prefix, ctx.config.project.name, ctx.table.name);
  checkNamedColumns(model, ctx.table);
  const partition = watermarkColumn(model, ctx.table);
  const window = await claimWindow({ store: ctx.store, layout, runId: ctx.runId, table: ctx.table, model, partition, source: ctx.source, chunk: ctx.chunk, log });
  const chunk = ctx.chunk ?? { index: 0, count: 1 };
  const attempt = newAttempt();
  log.info({ phase: 'extract', attempt, window: { low: window.low, high: window.high } }, 'extracting');

  const writer = new PartWriter({
    store: ctx.store,
    schema: avsc as AvscRecordSchema,
    codec: ctx.config.staging.codec,
    partSizeBytes: ctx.config.staging.part_size_mb * 1024 * 1024,
    keyFor: (seq) => layout.partKey(ctx.runId, chunk.index, attempt, seq),
  });
  const plan = {
    model,
    window: partition ? { column: partition.name, low: window.low, high: window.high, includeNulls: window.includeNulls } : undefined,
    chunk: ctx.chunk,
    batchSize: ctx.config.staging.batch_rows,
    snapshot: window.snapshot,
  };
  const observer = ctx.observer;
  if (observer) observer.phase(ctx.table.name, 'extract', await readEstimate(ctx.source, plan, log));
  const progress = new Progress(log, ctx.progressIntervalMs ?? 10_000);
  let rows = 0;
  let maxSeen: number | bigint | null = null;
  let files;
  try {
    // The fast path writes the standard encoding only; text encodings go through the row path.
    if (ctx.source.readEncoded && canUseEncodedPath(avsc)) {
      // The fast path: the source transcodes its wire format straight to AVRO records.
      for await (const batch of ctx.source.readEncoded(plan)) {
        ctx.signal?.throwIfAborted();
        if (batch.maxWatermark !== null && (maxSeen === null || batch.maxWatermark > maxSeen)) maxSeen = batch.maxWatermark;
        await writer.writeEncoded(batch);
        rows += batch.rows;
        progress.tick(rows);
        observer?.advance(rows, writer.bytesWritten);
      }
    } else {
      for await (const batch of ctx.source.read(plan)) {
        ctx.signal?.throwIfAborted();
        if (partition) maxSeen = maxOf(batch, partition.name, maxSeen);
        await writer.write(batch);
        rows += batch.length;
        progress.tick(rows);
        observer?.advance(rows, writer.bytesWritten);
      }
    }
    ctx.signal?.throwIfAborted();
    observer?.phase(ctx.table.name, 'upload', { rows, estimate: false });
    observer?.advance(rows, writer.bytesWritten);
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
    attempt,
    schemaFingerprint: schemaFingerprint(avsc as AvscRecordSchema),
    files,
    rows,
    window: {
      ...(window.claimId ? { claimId: window.claimId } : {}), column: window.column, low: window.low, high: window.high, includeNulls: window.includeNulls, baseState: window.baseState,
      maxSeen: partition && maxSeen !== null && isWatermarkKind(partition.type.kind) ? watermarkText(partition.type.kind, maxSeen) : null,
    },
    source: { type: ctx.config.source.type, clock: window.high, ...(window.snapshot === undefined ? {} : { snapshot: window.snapshot }) },
    startedAt,
    finishedAt: new Date().toISOString(),
    timings: { totalMs: progress.elapsedMs(), rowsPerSecond: progress.rate(rows) },
  };
  // Published last: the loader reads nothing of a run without its manifest.
  await publishManifest(ctx.store, layout, manifest, log);
  log.info({
    phase: 'extract', rows, files: files.length, bytes: files.reduce((sum, f) => sum + f.bytes, 0),
    rows_per_s: manifest.timings.rowsPerSecond, ms: manifest.timings.totalMs, max_seen: manifest.window.maxSeen,
  }, 'extracted');
  return manifest;
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
