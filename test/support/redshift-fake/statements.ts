/**
 * Statements and their execution on PostgreSQL. A statement is SUBMITTED when accepted, PICKED
 * once it has a connection, STARTED while it runs, then FINISHED, FAILED or ABORTED
 * (StatementStatusString in https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_DescribeStatement.html).
 * SQL errors never come back as exceptions: they are the statement's FAILED status and `Error`
 * text. A batch runs its statements serially, by default in ONE transaction rolled back on the
 * first failure; `AUTO_COMMIT` commits each one (ExecutionMode, API_BatchExecuteStatement.html).
 * Redshift semantics kept on purpose: TRUNCATE commits the transaction it runs in
 * (https://docs.aws.amazon.com/redshift/latest/dg/r_TRUNCATE.html), and a COPY reports
 * ResultRows 0 through the Data API (a known service behaviour, aws/aws-sdk#333).
 */
import type pg from 'pg';
import { runAvroCopy, CopyFailure, type CopyContext } from './copy-avro-load.js';
import { parseCopy, CopySyntaxError } from './copy-statement.js';
import { resultSize, toResultSet, type CatalogLookup, type ResultSet } from './result-set.js';
import { isTruncate, translate } from './sql-text.js';

export type Status = 'SUBMITTED' | 'PICKED' | 'STARTED' | 'FINISHED' | 'ABORTED' | 'FAILED';

export interface SubStatement {
  id: string;
  sql: string;
  status: Status;
  error?: string;
  createdAt: number;
  updatedAt: number;
  durationNs: number;
  resultRows: number;
  resultSize: number;
  hasResultSet: boolean;
  redshiftQueryId: number;
  result?: ResultSet;
  /** Rows a COPY actually loaded (the Data API reports 0; tests can read the truth here). */
  copiedRows?: number;
}

export interface Statement {
  id: string;
  batch: boolean;
  subs: SubStatement[];
  status: Status;
  error?: string;
  createdAt: number;
  updatedAt: number;
  /** The request's connection members, echoed by DescribeStatement. */
  target: { Database?: string; ClusterIdentifier?: string; WorkgroupName?: string; SecretArn?: string; DbUser?: string };
  parameters?: { name: string; value: string }[];
  statementName?: string;
  executionMode?: 'TRANSACTION' | 'AUTO_COMMIT';
  sessionId?: string;
  redshiftPid: number;
  cancelled: boolean;
  /** Ends a planned hold (a statement kept STARTED) early, when cancelled. */
  wake?: () => void;
  done: Promise<void>;
}

/** What a test planned for statements whose SQL matches. */
export interface StatementPlan {
  match: (sql: string) => boolean;
  remaining: number;
  /** Fail with this Error text, without running the SQL. */
  error?: string;
  /** Stay STARTED this long before running (for polling and cancel tests). */
  holdMs?: number;
}

/** The services a run needs from the fake. */
export interface RunContext {
  catalog: CatalogLookup;
  copy: Omit<CopyContext, 'client' | 'query' | 'session'>;
  now: () => number;
  nextQueryId: () => number;
  takePlan: (sql: string) => StatementPlan | undefined;
  /** Every statement text as it starts, in order (for assertions). */
  onExecute: (entry: { statementId: string; sql: string; postgresSql: string | null }) => void;
  cancelBackend: (pid: number) => Promise<void>;
}

/** PostgreSQL's text output for every type: result-set.ts types the values itself. */
const RAW_TYPES = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

function touch(target: { status: Status; updatedAt: number }, status: Status, now: number): void {
  target.status = status;
  target.updatedAt = now;
}

/** Redshift's error text: PostgreSQL's message after `ERROR: ` (fake-made texts carry it already). */
function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith('ERROR: ') || message.startsWith('FATAL: ') ? message : `ERROR: ${message}`;
}

/** Runs a statement on `client` (its transaction handling included); never throws. */
export async function runStatement(statement: Statement, client: pg.ClientBase, parameters: Map<string, string>, ctx: RunContext): Promise<void> {
  const transaction = statement.batch && statement.executionMode !== 'AUTO_COMMIT';
  statement.redshiftPid = (client as pg.Client & { processID?: number }).processID ?? 0;
  touch(statement, 'PICKED', ctx.now());
  touch(statement, 'STARTED', ctx.now());
  let failed: SubStatement | undefined;
  try {
    if (transaction) await client.query('BEGIN');
    for (const sub of statement.subs) {
      if (failed && transaction) {
        touch(sub, 'ABORTED', ctx.now());
        continue;
      }
      if (statement.cancelled) {
        touch(sub, 'ABORTED', ctx.now());
        continue;
      }
      await runSub(statement, sub, client, parameters, transaction, ctx);
      if (sub.status === 'FAILED' || sub.status === 'ABORTED') failed ??= sub;
    }
    if (transaction) await client.query(failed ? 'ROLLBACK' : 'COMMIT');
  } catch (error) {
    // BEGIN/COMMIT itself failed (a broken connection): the statement fails with that text.
    failed ??= statement.subs.find((s) => s.status !== 'FINISHED');
    statement.error = errorText(error);
    await client.query('ROLLBACK').catch(() => undefined);
  }
  const aborted = statement.cancelled || statement.subs.some((s) => s.status === 'ABORTED' && s === failed);
  statement.error ??= failed?.error;
  touch(statement, aborted ? 'ABORTED' : failed || statement.error ? 'FAILED' : 'FINISHED', ctx.now());
}

async function runSub(statement: Statement, sub: SubStatement, client: pg.ClientBase, parameters: Map<string, string>, transaction: boolean, ctx: RunContext): Promise<void> {
  const started = process.hrtime.bigint();
  touch(sub, 'STARTED', ctx.now());
  sub.redshiftQueryId = ctx.nextQueryId();
  const finish = (status: Status, error?: string): void => {
    if (error !== undefined) sub.error = error;
    sub.durationNs = Number(process.hrtime.bigint() - started);
    touch(sub, status, ctx.now());
  };
  const plan = ctx.takePlan(sub.sql);
  if (plan?.holdMs) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, plan.holdMs);
      statement.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    statement.wake = undefined;
  }
  if (statement.cancelled) return finish('ABORTED', 'ERROR: Query (' + sub.redshiftQueryId + ') cancelled on user\'s request');
  if (plan?.error !== undefined) {
    ctx.onExecute({ statementId: sub.id, sql: sub.sql, postgresSql: null });
    return finish('FAILED', plan.error);
  }
  const translated = translate(sub.sql, parameters);
  ctx.onExecute({ statementId: sub.id, sql: sub.sql, postgresSql: translated.kind === 'sql' ? translated.text : null });
  try {
    if (translated.kind === 'refused') return finish('FAILED', translated.error);
    if (translated.kind === 'copy') {
      sub.copiedRows = await runCopy(sub, client, transaction, statement.redshiftPid, ctx);
      sub.resultRows = 0;
      return finish('FINISHED');
    }
    const result = await client.query({ text: translated.text, values: translated.values, rowMode: 'array', types: RAW_TYPES, queryMode: 'extended' } as pg.QueryConfig);
    if (result.fields.length > 0) {
      sub.hasResultSet = true;
      sub.result = await toResultSet(result, ctx.catalog);
      sub.resultRows = sub.result.records.length;
      sub.resultSize = resultSize(sub.result);
    } else {
      sub.resultRows = result.rowCount ?? -1;
    }
    if (transaction && isTruncate(sub.sql)) {
      // Redshift's TRUNCATE commits the transaction it runs in; the batch goes on in a new one.
      await client.query('COMMIT');
      await client.query('BEGIN');
    }
    return finish('FINISHED');
  } catch (error) {
    if (statement.cancelled) return finish('ABORTED', `ERROR: Query (${sub.redshiftQueryId}) cancelled on user's request`);
    return finish('FAILED', errorText(error));
  }
}

/** COPY needs a transaction for its savepoints: inside a batch it uses the batch's, else its own. */
async function runCopy(sub: SubStatement, client: pg.ClientBase, transaction: boolean, pid: number, ctx: RunContext): Promise<number> {
  let command;
  try {
    command = parseCopy(sub.sql);
  } catch (error) {
    if (error instanceof CopySyntaxError) throw new Error(error.message);
    throw error;
  }
  const own = !transaction && !(await inTransaction(client));
  if (own) await client.query('BEGIN');
  try {
    const rows = await runAvroCopy(command, { ...ctx.copy, client, query: sub.redshiftQueryId, session: pid });
    if (own) await client.query('COMMIT');
    return rows;
  } catch (error) {
    if (own) await client.query('ROLLBACK').catch(() => undefined);
    if (error instanceof CopyFailure) throw new Error(error.message);
    throw error;
  }
}

/** Whether a transaction block is open on the connection (a session may have run BEGIN). */
async function inTransaction(client: pg.ClientBase): Promise<boolean> {
  try {
    await client.query('SAVEPOINT rsfake_probe');
    await client.query('RELEASE SAVEPOINT rsfake_probe');
    return true;
  } catch {
    return false;
  }
}
