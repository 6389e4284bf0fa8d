/**
 * One read: the plan's SELECT (oracle-sql.ts, narrowed by the run's snapshot and this chunk's
 * range) executed into a ResultSet, then fetched one round trip at a time and handed over in
 * batches, each value converted once (oracle-rows.ts) — an async generator, so the next round
 * trip waits for the part writer. The ResultSet is closed in every case: done, failed, or
 * abandoned by the consumer.
 *
 * Memory: node-oracledb Thin fetches `getRows(n)` in one round trip of n rows
 * (`lib/thin/resultSet.js`: the fetch asks for `n − rows already buffered`), so the read asks for
 * `fetchArraySize` rows at a time and cuts batches itself, at `plan.batchSize` rows or once the
 * batch's strings and Buffers reach `plan.batchBytes` (DEFAULT_ROW_BATCH_BYTES when absent),
 * whichever comes first. At most one round trip and one batch are held. A round trip holds
 * fetchArraySize rows whatever their size, so a table with a column read inline as one value
 * (CLOB, NCLOB, BLOB, LONG, LONG RAW, JSON, XMLTYPE) fetches at most LARGE_VALUE_FETCH_ROWS rows
 * per round trip, and its execute prefetches no more than that (Thin skips the prefetch for LOB
 * columns itself, `noPrefetch` in lib/thin/protocol/messages/withData.js, but not for LONG).
 * What one value may hold is the driver's limit (1 GB).
 *
 * readEncodedBatches is the same read with each driver row transcoded straight to AVRO records
 * (oracle-avro-rows.ts) instead of converted to a Row: no object or decimal Buffer per row, and
 * batches cut at `plan.batchSize` rows or once the records reach `plan.batchBytes`
 * (DEFAULT_ENCODED_BATCH_BYTES when absent); the extractor takes it for a standard-encoding schema.
 * Its record buffer is AvroRecordBuffer, the PostgreSQL transcoder's AVRO writer, which depends on
 * nothing of PostgreSQL's.
 *
 * Retries (shared/sources/read-retry.ts): a lost or stalled connection before the first batch was
 * handed over re-runs the same SQL with the same binds — the same SCN for a chunk — on a new
 * connection, through the one retry loop (shared/retry.ts). Once rows have left, the read fails
 * with a TransientError (exit 1): the extractor publishes no manifest for a failed read, and a
 * retry of the run re-reads the chunk from its start at the same SCN.
 */
import { TerminalError, TransientError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Row, TableModel } from '../../model/column.js';
import { oracleFamily } from '../../model/oracle-types.js';
import { retryBeforeFirstBatch, sourceRetryOptions, type SourceRetry } from '../read-retry.js';
import { AvroRecordBuffer } from '../postgres/postgres-avro-buffer.js';
import type { EncodedBatch, ReadPlan } from '../source.js';
import type { OracleConnectionLike, OracleExecuteOptions, OracleResultSetLike } from './oracle-client.js';
import { classifyOracleError, type OracleErrorContext } from './oracle-errors.js';
import { oracleRecordHeadroom, rowTranscoder, type OracleRowTranscoder } from './oracle-avro-rows.js';
import { rowConverter } from './oracle-rows.js';
import { columnOf, selectSql, type ReadScope } from './oracle-sql.js';
import { valueConverter, type OracleValueConverter } from './oracle-values.js';

/** What a read needs from its source. */
export interface OracleReadContext {
  /** The source's session, opened (again) when needed. */
  acquire(): Promise<OracleConnectionLike>;
  /** Drops the session after a connection failure, so the next acquire opens a new one. */
  discard(): Promise<void>;
  /** `resultSet: true`, outFormat ARRAY, fetchArraySize, prefetchRows and the fetchTypeHandler. */
  executeOptions: OracleExecuteOptions;
  context: OracleErrorContext;
  /** Retry settings (tests pin sleep and random); DATABASE_RETRY by default. */
  retry?: SourceRetry;
  log: Logger;
}

/** A batch ends once its strings and Buffers reach about this many bytes (`plan.batchBytes` overrides). */
export const DEFAULT_ROW_BATCH_BYTES = 16 * 1024 * 1024;

/** Rows per round trip when a column is read inline as one large value. */
export const LARGE_VALUE_FETCH_ROWS = 100;

/** node-oracledb's own fetchArraySize, when the options name none. */
const DRIVER_FETCH_ARRAY_SIZE = 100;

/** Counted for a value that is neither a string nor a Buffer (numbers arrive as text anyway). */
const FIXED_VALUE_BYTES = 8;

/** Families whose one value can be as large as a LOB. */
const LARGE_VALUE_FAMILIES = new Set(['clob', 'blob', 'long', 'json', 'xml']);

/** Whether a column's one value can be as large as a LOB (LONG RAW is in the `raw` family). */
function holdsLargeValues(model: TableModel): boolean {
  return model.columns.some((c) => LARGE_VALUE_FAMILIES.has(oracleFamily(c.sourceType)) || /^LONG RAW$/i.test(c.sourceType.trim()));
}

/** The execute options of a read of `model`: fetchArraySize (and a configured prefetchRows) capped for large values. */
export function readOptionsFor(model: TableModel, options: OracleExecuteOptions): OracleExecuteOptions & { fetchArraySize: number } {
  const fetchArraySize = options.fetchArraySize ?? DRIVER_FETCH_ARRAY_SIZE;
  if (!holdsLargeValues(model)) return { ...options, fetchArraySize };
  const capped = { ...options, fetchArraySize: Math.min(fetchArraySize, LARGE_VALUE_FETCH_ROWS) };
  if (options.prefetchRows !== undefined) capped.prefetchRows = Math.min(options.prefetchRows, LARGE_VALUE_FETCH_ROWS);
  return capped;
}

/** What a driver row holds, cheaply: string lengths and Buffer sizes, a fixed amount for anything else. */
export function rowBytes(values: readonly unknown[]): number {
  let bytes = 0;
  for (const value of values) {
    if (typeof value === 'string') bytes += value.length;
    else if (Buffer.isBuffer(value)) bytes += value.length;
    else bytes += FIXED_VALUE_BYTES;
  }
  return bytes;
}

async function closeQuietly(resultSet: OracleResultSetLike | undefined): Promise<void> {
  // A result set of a broken connection cannot be closed cleanly; the session is discarded anyway.
  await resultSet?.close().catch(() => undefined);
}

/**
 * Cuts one read's driver rows into batches: `add` takes a row and says whether the batch is full,
 * `take` hands the batch over and starts the next. One per attempt.
 */
export interface BatchCutter<T> {
  add(values: readonly unknown[]): boolean;
  readonly size: number;
  take(): T;
}

/** Streams the plan's rows in batches of at most `plan.batchSize` rows and about `batchBytes`; see the module comment. */
export function readBatches(plan: ReadPlan, scope: ReadScope, ctx: OracleReadContext): AsyncGenerator<Row[]> {
  return readWith(plan, scope, ctx, () => rowBatches(plan));
}

/**
 * readEncoded's batches (shared/sources/source.ts, EncodedBatch): the same rows as readBatches,
 * transcoded straight to AVRO records (oracle-avro-rows.ts), cut at `plan.batchSize` rows or once
 * the records reach `plan.batchBytes` (DEFAULT_ENCODED_BATCH_BYTES when absent).
 */
export function readEncodedBatches(plan: ReadPlan, scope: ReadScope, ctx: OracleReadContext): AsyncGenerator<EncodedBatch> {
  return readWith(plan, scope, ctx, () => encodedBatchCutter(plan));
}

/** readEncodedBatches' cutter, on its own (the benchmark feeds it driver rows). */
export function encodedBatchCutter(plan: ReadPlan): BatchCutter<EncodedBatch> {
  return new EncodedBatchCutter(plan);
}

function readWith<T>(plan: ReadPlan, scope: ReadScope, ctx: OracleReadContext, cutter: () => BatchCutter<T>): AsyncGenerator<T> {
  const table = `${plan.model.sourceSchema}.${plan.model.sourceName}`;
  const what = `Oracle at ${ctx.context.target}: reading ${table} (no row handed over yet)`;
  return retryBeforeFirstBatch(() => readOnce(plan, scope, ctx, cutter), sourceRetryOptions(what, ctx.log, ctx.retry));
}

function checkBatchSize(plan: ReadPlan): void {
  if (!Number.isInteger(plan.batchSize) || plan.batchSize < 1) {
    throw new TerminalError(`batch size ${plan.batchSize} must be a whole number of rows, at least 1`);
  }
}

function batchBytesOf(plan: ReadPlan, fallback: number): number {
  const batchBytes = plan.batchBytes ?? fallback;
  if (!Number.isInteger(batchBytes) || batchBytes < 1) {
    throw new TerminalError(`batch bytes ${batchBytes} must be a whole number of bytes, at least 1`);
  }
  return batchBytes;
}

/** Converted rows, a batch ending at batchSize rows or once its strings and Buffers reach batchBytes. */
function rowBatches(plan: ReadPlan): BatchCutter<Row[]> {
  checkBatchSize(plan);
  const batchBytes = batchBytesOf(plan, DEFAULT_ROW_BATCH_BYTES);
  const convert = rowConverter(plan.model);
  let batch: Row[] = [];
  let bytes = 0;
  return {
    add(values) {
      batch.push(convert(values));
      bytes += rowBytes(values);
      return batch.length >= plan.batchSize || bytes >= batchBytes;
    },
    get size() {
      return batch.length;
    },
    take() {
      const done = batch;
      batch = [];
      bytes = 0;
      return done;
    },
  };
}

/** readEncoded's batch target when the plan names none (the ReadPlan.batchBytes default). */
export const DEFAULT_ENCODED_BATCH_BYTES = 256 * 1024;

/** Room past batchBytes so the record that crosses it usually fits without growing the buffer. */
const ENCODED_BATCH_SLACK_BYTES = 64 * 1024;

/** Encoded records; the watermark column is converted a second time for the batch's maximum. */
class EncodedBatchCutter implements BatchCutter<EncodedBatch> {
  readonly #transcode: OracleRowTranscoder;
  readonly #out: AvroRecordBuffer;
  readonly #batchSize: number;
  readonly #batchBytes: number;
  /** The window column's index and converter, when the plan has a window. */
  readonly #watermark: { index: number; convert: OracleValueConverter } | null;
  #rows = 0;
  #max: number | bigint | null = null;

  constructor(plan: ReadPlan) {
    checkBatchSize(plan);
    this.#batchSize = plan.batchSize;
    this.#batchBytes = batchBytesOf(plan, DEFAULT_ENCODED_BATCH_BYTES);
    this.#transcode = rowTranscoder(plan.model);
    this.#out = new AvroRecordBuffer(Math.min(this.#batchBytes, 8 * 1024 * 1024) + ENCODED_BATCH_SLACK_BYTES, oracleRecordHeadroom(plan.model));
    if (plan.window) {
      const column = columnOf(plan.model, plan.window.column);
      this.#watermark = { index: plan.model.columns.indexOf(column), convert: valueConverter(column) };
    } else {
      this.#watermark = null;
    }
  }

  add(values: readonly unknown[]): boolean {
    this.#transcode(values, this.#out);
    if (this.#watermark !== null) {
      // Already transcoded, so the conversion cannot fail; a window column is int64, datetime or timestamp.
      const value = this.#watermark.convert(values[this.#watermark.index]) as number | bigint | null;
      if (value !== null && (this.#max === null || value > this.#max)) this.#max = value;
    }
    return ++this.#rows >= this.#batchSize || this.#out.pos >= this.#batchBytes;
  }

  get size(): number {
    return this.#rows;
  }

  take(): EncodedBatch {
    const batch: EncodedBatch = { records: this.#out.take(), rows: this.#rows, maxWatermark: this.#max };
    this.#rows = 0;
    this.#max = null;
    return batch;
  }
}

/** One attempt: execute, fetch, batch; a lost connection drops the session before the failure is thrown. */
async function* readOnce<T>(plan: ReadPlan, scope: ReadScope, ctx: OracleReadContext, newCutter: () => BatchCutter<T>): AsyncGenerator<T> {
  const cutter = newCutter();
  const { sql, binds } = selectSql(plan, scope);
  const options = readOptionsFor(plan.model, ctx.executeOptions);
  const fetchRows = options.fetchArraySize;
  const context = { ...ctx.context, table: `${plan.model.sourceSchema}.${plan.model.sourceName}` };
  let resultSet: OracleResultSetLike | undefined;
  try {
    const connection = await ctx.acquire();
    resultSet = (await connection.execute(sql, binds, options)).resultSet;
    if (!resultSet) throw new Error('node-oracledb returned no ResultSet for a query run with resultSet: true');
    for (;;) {
      const rows = await resultSet.getRows(fetchRows);
      for (const values of rows) {
        if (cutter.add(values)) yield cutter.take();
      }
      if (rows.length === 0) break;
    }
    if (cutter.size > 0) yield cutter.take();
  } catch (error) {
    const failure = classifyOracleError(error, context);
    if (failure instanceof TransientError) {
      await closeQuietly(resultSet);
      resultSet = undefined;
      await ctx.discard();
    }
    throw failure;
  } finally {
    await closeQuietly(resultSet);
  }
}
