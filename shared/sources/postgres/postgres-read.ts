/**
 * One read: a connection, a REPEATABLE READ READ ONLY transaction (one snapshot for the whole
 * table), the session settings and window bounds bound into transaction-local settings, then the
 * rows — or their AVRO records — by COPY or cursor. The connection is returned to the pool only
 * after a clean COMMIT; a read that failed or was abandoned closes it, since it may still be
 * inside a COPY. A lost, reset or stalled connection before the first batch has left is retried
 * on a new connection (shared/sources/read-retry.ts); after, the read fails with exit 1.
 */
import { TerminalError } from '../../errors.js';
import type { Row } from '../../model/column.js';
import type { Logger } from '../../log.js';
import { retryBeforeFirstBatch, sourceRetryOptions, type SourceRetry } from '../read-retry.js';
import type { EncodedBatch, ReadPlan } from '../source.js';
import type { PostgresPool, PostgresPoolClient } from './postgres-client.js';
import { copyBatches } from './postgres-copy-read.js';
import { cursorBatches } from './postgres-cursor-read.js';
import { batchBytesOf, copyEncodedBatches, encodeRowBatches } from './postgres-encoded-read.js';
import { classifyPostgresError, type PostgresErrorContext } from './postgres-errors.js';
import { BEGIN_READ, readSettings } from './postgres-sql.js';

/** `copy` (binary COPY, the default) or `cursor` (text rows through pg-cursor). */
export type ReadPath = 'copy' | 'cursor';

/** What a read needs besides the pool and the plan: how errors name the server, where retries are logged. */
export interface ReadContext {
  context: PostgresErrorContext;
  log: Logger;
  retry?: SourceRetry;
}

/** Streams a plan's rows in batches; see the module comment for the transaction, cleanup and retries. */
export function readRows(pool: PostgresPool, plan: ReadPlan, path: ReadPath, ctx: ReadContext): AsyncGenerator<Row[]> {
  return retried(plan, ctx, () => inReadTransaction(pool, plan, ctx.context, (client) => (path === 'copy' ? copyBatches(client, plan) : cursorBatches(client, plan))));
}

/** Streams a plan's rows as AVRO-encoded batches (postgres-encoded-read.ts), in a read transaction as readRows does. */
export async function* readEncodedBatches(pool: PostgresPool, plan: ReadPlan, path: ReadPath, ctx: ReadContext): AsyncGenerator<EncodedBatch> {
  batchBytesOf(plan);
  yield* retried(plan, ctx, () => inReadTransaction(pool, plan, ctx.context, (client) => (
    path === 'copy' ? copyEncodedBatches(client, plan) : encodeRowBatches(cursorBatches(client, plan), plan)
  )));
}

function retried<T>(plan: ReadPlan, ctx: ReadContext, open: () => AsyncIterator<T>): AsyncGenerator<T> {
  const table = `${plan.model.sourceSchema}.${plan.model.sourceName}`;
  return retryBeforeFirstBatch(open, sourceRetryOptions(`PostgreSQL at ${ctx.context.target}: reading ${table} (no row handed over yet)`, ctx.log, ctx.retry));
}

async function* inReadTransaction<T>(
  pool: PostgresPool, plan: ReadPlan, context: PostgresErrorContext,
  body: (client: PostgresPoolClient) => AsyncIterable<T>,
): AsyncGenerator<T> {
  if (!Number.isInteger(plan.batchSize) || plan.batchSize < 1) {
    throw new TerminalError(`batch size ${plan.batchSize} must be a whole number of rows, at least 1`);
  }
  let client: PostgresPoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw classifyPostgresError(error, context);
  }
  let reusable = false;
  try {
    await client.query(BEGIN_READ);
    const settings = readSettings(plan.window);
    await client.query(settings.sql, settings.values);
    yield* body(client);
    await client.query('COMMIT');
    reusable = true;
  } catch (error) {
    throw classifyPostgresError(error, context);
  } finally {
    client.release(reusable ? undefined : true);
  }
}
