/**
 * One read: the plan's SELECT (oracle-sql.ts, narrowed by the run's snapshot and this chunk's
 * range) executed into a ResultSet, then `getRows(batchSize)` until it returns no rows, each batch
 * converted once (oracle-rows.ts) and handed over as the consumer pulls — an async generator, so
 * the next round trip waits for the part writer. The ResultSet is closed in every case: done,
 * failed, or abandoned by the consumer.
 *
 * Retries: a lost connection before the first batch was handed over re-runs the same SQL with the
 * same binds — the same SCN for a chunk — on a new connection. Once rows have left, the read fails
 * with a TransientError (exit 1): the extractor publishes no manifest for a failed read, and a
 * retry of the run re-reads the chunk from its start at the same SCN.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TerminalError, TransientError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Row } from '../../model/column.js';
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
  retryDelaysMs: readonly number[];
  log: Logger;
}

async function closeQuietly(resultSet: OracleResultSetLike | undefined): Promise<void> {
  // A result set of a broken connection cannot be closed cleanly; the session is discarded anyway.
  await resultSet?.close().catch(() => undefined);
}

/** Streams the plan's rows in batches of at most `plan.batchSize`; see the module comment. */
export async function* readBatches(plan: ReadPlan, scope: ReadScope, ctx: OracleReadContext): AsyncGenerator<Row[]> {
  if (!Number.isInteger(plan.batchSize) || plan.batchSize < 1) {
    throw new TerminalError(`batch size ${plan.batchSize} must be a whole number of rows, at least 1`);
  }
  const { sql, binds } = selectSql(plan, scope);
  const convert = rowConverter(plan.model);
  const context = { ...ctx.context, table: `${plan.model.sourceSchema}.${plan.model.sourceName}` };
  for (let attempt = 0; ; attempt++) {
    let resultSet: OracleResultSetLike | undefined;
    let emitted = false;
    try {
      const connection = await ctx.acquire();
      resultSet = (await connection.execute(sql, binds, ctx.executeOptions)).resultSet;
      if (!resultSet) throw new Error('node-oracledb returned no ResultSet for a query run with resultSet: true');
      for (;;) {
        const rows = await resultSet.getRows(plan.batchSize);
        if (rows.length === 0) return;
        const batch = new Array<Row>(rows.length);
        for (let i = 0; i < rows.length; i++) batch[i] = convert(rows[i]!);
        emitted = true;
        yield batch;
      }
    } catch (error) {
      const failure = classifyOracleError(error, context);
      if (!(failure instanceof TransientError)) throw failure;
      await closeQuietly(resultSet);
      resultSet = undefined;
      await ctx.discard();
      const delay = ctx.retryDelaysMs[attempt];
      if (emitted || delay === undefined) throw failure;
      ctx.log.warn({ table: context.table, attempt: attempt + 1, retry_in_ms: delay, err: failure.message }, `${context.table}: the read failed before any row was handed over (${failure.message}); retrying in ${delay} ms`);
      await sleep(delay);
    } finally {
      await closeQuietly(resultSet);
    }
  }
}
