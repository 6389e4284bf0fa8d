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
import type { ReadPlan } from '../source.js';
import type { OracleConnectionLike, OracleExecuteOptions, OracleResultSetLike } from './oracle-client.js';
import { classifyOracleError, type OracleErrorContext } from './oracle-errors.js';
import { rowConverter } from './oracle-rows.js';
import { selectSql, type ReadScope } from './oracle-sql.js';

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

/** Streams the plan's rows in batches of at most `plan.batchSize` rows and about `batchBytes`; see the module comment. */
export function readBatches(plan: ReadPlan, scope: ReadScope, ctx: OracleReadContext): AsyncGenerator<Row[]> {
  const table = `${plan.model.sourceSchema}.${plan.model.sourceName}`;
  const what = `Oracle at ${ctx.context.target}: reading ${table} (no row handed over yet)`;
  return retryBeforeFirstBatch(() => readOnce(plan, scope, ctx), sourceRetryOptions(what, ctx.log, ctx.retry));
}

/** One attempt: execute, fetch, batch; a lost connection drops the session before the failure is thrown. */
async function* readOnce(plan: ReadPlan, scope: ReadScope, ctx: OracleReadContext): AsyncGenerator<Row[]> {
  if (!Number.isInteger(plan.batchSize) || plan.batchSize < 1) {
    throw new TerminalError(`batch size ${plan.batchSize} must be a whole number of rows, at least 1`);
  }
  const batchBytes = plan.batchBytes ?? DEFAULT_ROW_BATCH_BYTES;
  if (!Number.isInteger(batchBytes) || batchBytes < 1) {
    throw new TerminalError(`batch bytes ${batchBytes} must be a whole number of bytes, at least 1`);
  }
  const { sql, binds } = selectSql(plan, scope);
  const convert = rowConverter(plan.model);
  const options = readOptionsFor(plan.model, ctx.executeOptions);
  const fetchRows = options.fetchArraySize;
  const context = { ...ctx.context, table: `${plan.model.sourceSchema}.${plan.model.sourceName}` };
  let resultSet: OracleResultSetLike | undefined;
  try {
    const connection = await ctx.acquire();
    resultSet = (await connection.execute(sql, binds, options)).resultSet;
    if (!resultSet) throw new Error('node-oracledb returned no ResultSet for a query run with resultSet: true');
    let batch: Row[] = [];
    let bytes = 0;
    for (;;) {
      const rows = await resultSet.getRows(fetchRows);
      for (const values of rows) {
        batch.push(convert(values));
        bytes += rowBytes(values);
        if (batch.length >= plan.batchSize || bytes >= batchBytes) {
          yield batch;
          batch = [];
          bytes = 0;
        }
      }
      if (rows.length === 0) break;
    }
    if (batch.length > 0) yield batch;
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
