/**
 * One read: a connection, a REPEATABLE READ READ ONLY transaction (one snapshot for the whole
 * table), the session settings and window bounds bound into transaction-local settings, then the
 * rows — or their AVRO records — by COPY or cursor. The connection is returned to the pool only
 * after a clean COMMIT; a read that failed or was abandoned closes it, since it may still be
 * inside a COPY.
 */
import { TerminalError } from '../../errors.js';
import type { Row } from '../../model/column.js';
import type { EncodedBatch, ReadPlan } from '../source.js';
import type { PostgresPool, PostgresPoolClient } from './postgres-client.js';
import { copyBatches } from './postgres-copy-read.js';
import { cursorBatches } from './postgres-cursor-read.js';
import { batchBytesOf, copyEncodedBatches, encodeRowBatches } from './postgres-encoded-read.js';
import { classifyPostgresError, type PostgresErrorContext } from './postgres-errors.js';
import { BEGIN_READ, readSettings } from './postgres-sql.js';

/** `copy` (binary COPY, the default) or `cursor` (text rows through pg-cursor). */
export type ReadPath = 'copy' | 'cursor';

/** Streams a plan's rows in batches; see the module comment for the transaction and cleanup. */
export function readRows(pool: PostgresPool, plan: ReadPlan, path: ReadPath, context: PostgresErrorContext): AsyncGenerator<Row[]> {
  return inReadTransaction(pool, plan, context, (client) => (path === 'copy' ? copyBatches(client, plan) : cursorBatches(client, plan)));
}

/** Streams a plan's rows as AVRO-encoded batches (postgres-encoded-read.ts), in a read transaction as readRows does. */
export async function* readEncodedBatches(pool: PostgresPool, plan: ReadPlan, path: ReadPath, context: PostgresErrorContext): AsyncGenerator<EncodedBatch> {
  batchBytesOf(plan);
  yield* inReadTransaction(pool, plan, context, (client) => (
    path === 'copy' ? copyEncodedBatches(client, plan) : encodeRowBatches(cursorBatches(client, plan), plan)
  ));
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
