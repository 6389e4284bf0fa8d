/**
 * Runs Data API statements to their end: submit, long-poll DescribeStatement, cancel past a
 * deadline, read results; retried through shared/retry.ts (the SDK's own retries are off,
 * redshift-client.ts).
 *
 * ClientToken — what makes a retry never run a statement twice. Each statement this process
 * submits gets a fresh random token, reused for every retry of THAT submission after an API-level
 * failure (throttling, a 5xx, a dropped connection, a garbled answer, a failed status read): if
 * the service had accepted it, the same token within 8 hours returns the same statement instead
 * of starting another (https://docs.aws.amazon.com/redshift/latest/mgmt/data-api.html). After the
 * statement itself FAILED or was ABORTED (a lock conflict), the retry takes a new token, or the
 * service would answer the FAILED statement again. Tokens are never derived from the run id: a
 * loader process retried by Airflow would then replay, for 8 hours, the outcome its predecessor
 * got — a FAILED COPY after the permissions were fixed, or a "finished" CREATE TEMP TABLE in a
 * session that no longer exists. Across processes, what makes a re-run harmless is the protocol
 * itself: the commit's continuity check and the `_datapipe_loads` insert run in the MERGE's
 * transaction, and re-merging the same rows changes nothing (../sql-warehouse.ts).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { TerminalError, TransientError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { WAREHOUSE_RETRY, withRetry, type RetryPolicy } from '../../retry.js';
import { paramsUsedBy, type ParamValue, type ResultRow } from '../warehouse-driver.js';
import type { ConnectionMembers, DescribeOutput, FieldValue, RedshiftDataApi, StatementInput } from './redshift-client.js';
import { NULL_PARAM } from './redshift-dialect.js';
import {
  classifyApiError, classifyFailedStatement, StatementDeadlineError, type FailureContext, type StatementOrigin,
} from './redshift-errors.js';

/** The Data API's limits: 40 statements a batch, 100 KB a statement (the API reference; data-api.html). */
export const MAX_BATCH_STATEMENTS = 40;
export const MAX_STATEMENT_BYTES = 100 * 1024;

/** How long one statement may run before it is cancelled: the Data API's own limit is 24 hours. */
export const DEFAULT_STATEMENT_DEADLINE_MS = 6 * 3_600_000;

/** DescribeStatement's long poll: it answers when the statement ends or after this many seconds (1–30). */
const POLL_WAIT_SECONDS = 20;
const MAX_POLL_BACKOFF_MS = 5_000;

export interface StatementRunnerOptions {
  client: RedshiftDataApi;
  log: Logger;
  retry?: RetryPolicy;
  deadlineMs?: number;
  /** Backoff between polls the service answered early (it did not hold the long poll). */
  pollBackoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Tests pin the tokens. */
  clientToken?: () => string;
}

/** One logical statement (one SQL text, or a batch run as one transaction). */
export interface StatementRequest {
  sqls: readonly string[];
  batch: boolean;
  params: Record<string, ParamValue>;
  origin: StatementOrigin;
  /**
   * The connection members. A function is asked again only when a new ClientToken is taken (after
   * the statement FAILED), so every retry under one token repeats the request exactly.
   */
  connection: ConnectionMembers | (() => ConnectionMembers);
  /** Told the SessionId as soon as the Data API answers with one, even if the statement then fails. */
  onSession?: (sessionId: string) => void;
  context: Omit<FailureContext, 'origin'>;
}

/** A finished statement. */
export interface Finished {
  id: string;
  sessionId: string | undefined;
  described: DescribeOutput;
}

export class StatementRunner {
  private readonly retry: RetryPolicy;
  private readonly deadlineMs: number;
  private readonly pollBackoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly token: () => string;

  constructor(private readonly options: StatementRunnerOptions) {
    this.retry = options.retry ?? WAREHOUSE_RETRY;
    this.deadlineMs = options.deadlineMs ?? DEFAULT_STATEMENT_DEADLINE_MS;
    this.pollBackoffMs = options.pollBackoffMs ?? 250;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    this.token = options.clientToken ?? randomUUID;
  }

  /** Submits the statement and waits for it, retrying as the file comment says. */
  async run(request: StatementRequest): Promise<Finished> {
    const ctx: FailureContext = { ...request.context, origin: request.origin };
    const connection = () => (typeof request.connection === 'function' ? request.connection() : request.connection);
    let input = this.input(request, connection(), ctx);
    const started = Date.now();
    let token = this.token();
    let renew = false;
    return withRetry(async () => {
      if (renew) {
        token = this.token();
        input = this.input(request, connection(), ctx);
      }
      renew = false;
      const onSession = input.SessionId !== undefined;
      let id: string;
      let sessionId: string | undefined;
      try {
        const submitted = request.batch
          ? await this.options.client.batchExecuteStatement({ ...input, Sqls: [...request.sqls], ClientToken: token })
          : await this.options.client.executeStatement({ ...input, Sql: request.sqls[0]!, ClientToken: token });
        if (!submitted.Id) throw new Error('the Data API answered without a statement Id');
        id = submitted.Id;
        sessionId = submitted.SessionId;
        if (sessionId) request.onSession?.(sessionId);
      } catch (error) {
        throw classifyApiError(error, ctx, onSession);
      }
      const described = await this.waitFor(id, ctx, started);
      if (described.Status === 'FINISHED') return { id, sessionId: sessionId ?? described.SessionId, described };
      renew = true;
      throw classifyFailedStatement(failedStatement(id, described), ctx);
    }, { policy: this.retry, what: ctx.doing, log: this.options.log, isTransient: (e) => e instanceof TransientError && !(e instanceof StatementDeadlineError) });
  }

  /** Every row of a finished statement's result (`id`, or a batch's `id:n`), paged with NextToken. */
  async results(id: string, context: Omit<FailureContext, 'origin'>): Promise<ResultRow[]> {
    const ctx: FailureContext = { ...context, origin: 'query' };
    const rows: ResultRow[] = [];
    let next: string | undefined;
    do {
      const page = await withRetry(async () => {
        try {
          return await this.options.client.getStatementResult({ Id: id, ...(next ? { NextToken: next } : {}) });
        } catch (error) {
          throw classifyApiError(error, ctx);
        }
      }, { policy: this.retry, what: `${ctx.doing}: reading the result of ${id}`, log: this.options.log });
      const names = (page.ColumnMetadata ?? []).map((c, i) => c.name ?? c.label ?? `column_${i}`);
      for (const record of page.Records ?? []) rows.push(Object.fromEntries(record.map((field, i) => [names[i], fieldValue(field)])));
      next = page.NextToken;
    } while (next);
    return rows;
  }

  /** The request without SQL and token: connection members and the parameters the SQL names. */
  private input(request: StatementRequest, connection: ConnectionMembers, ctx: FailureContext): StatementInput {
    if (request.sqls.length === 0 || request.sqls.length > MAX_BATCH_STATEMENTS) {
      throw new TerminalError(`${ctx.doing}: ${request.sqls.length} statements in one batch; the Redshift Data API runs 1 to ${MAX_BATCH_STATEMENTS}`);
    }
    for (const sql of request.sqls) {
      const bytes = Buffer.byteLength(sql, 'utf8');
      if (bytes >= MAX_STATEMENT_BYTES) {
        throw new TerminalError(
          `${ctx.doing}: a statement of ${bytes} bytes (${sql.slice(0, 40).replace(/\s+/g, ' ')}…) is over the Redshift Data API's 100 KB per statement — ` +
            'the table has too many columns to load through the Data API',
        );
      }
    }
    // Every statement names a parameter as `:name`, cast or not (redshift-dialect.ts param).
    const used = paramsUsedBy(request.sqls.join('\n'), request.params, (name) => `:${name}`);
    const parameters = Object.entries(used).map(([name, value]) => ({ name, value: paramText(name, value, ctx) }));
    return { ...connection, ...(parameters.length > 0 ? { Parameters: parameters } : {}) };
  }

  /**
   * Polls until the statement ends. A status read that fails goes back to run()'s one retry
   * loop, which submits again with the same ClientToken: the service answers with this very
   * statement, so waiting resumes on it instead of starting another. Past the deadline (counted
   * from the first submission) the statement is cancelled and the load fails with exit 1, naming it.
   */
  private async waitFor(id: string, ctx: FailureContext, started: number): Promise<DescribeOutput> {
    let backoff = this.pollBackoffMs;
    for (;;) {
      const remaining = this.deadlineMs - (Date.now() - started);
      if (remaining <= 0) return this.cancel(id, ctx);
      const wait = Math.max(1, Math.min(POLL_WAIT_SECONDS, Math.ceil(remaining / 1000)));
      const asked = Date.now();
      const described = await this.describe(id, wait, ctx);
      if (isDone(described.Status)) return described;
      // The service held the poll as asked: poll again at once; it answered early: back off.
      if (Date.now() - asked < (wait * 1000) / 2) {
        await this.sleep(backoff);
        backoff = Math.min(MAX_POLL_BACKOFF_MS, backoff * 2);
      }
    }
  }

  private async describe(id: string, waitSeconds: number, ctx: FailureContext): Promise<DescribeOutput> {
    try {
      return await this.options.client.describeStatement({ Id: id, WaitTimeSeconds: waitSeconds });
    } catch (error) {
      throw classifyApiError(error, ctx);
    }
  }

  /** CancelStatement, then a short wait for the statement to end; always throws. */
  private async cancel(id: string, ctx: FailureContext): Promise<never> {
    this.options.log.warn({ statement_id: id, deadline_ms: this.deadlineMs }, 'statement past its deadline: cancelling it');
    let status = 'STARTED';
    try {
      await this.options.client.cancelStatement({ Id: id });
      status = (await this.options.client.describeStatement({ Id: id, WaitTimeSeconds: 5 })).Status ?? status;
    } catch (error) {
      this.options.log.warn({ statement_id: id, err: error instanceof Error ? error.message : String(error) }, 'cancelling the statement failed');
    }
    throw new StatementDeadlineError(
      `${ctx.doing}: Redshift statement ${id} was still running after ${duration(this.deadlineMs)} and was cancelled (now ${status}) — ` +
        'look at it in SYS_QUERY_HISTORY; retry the load when the warehouse is less busy',
    );
  }
}

/** `6 h`, `90 min`, `45 s`. */
function duration(ms: number): string {
  if (ms >= 2 * 3_600_000) return `${Math.round((ms / 3_600_000) * 10) / 10} h`;
  if (ms >= 120_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round((ms / 1000) * 10) / 10} s`;
}

function isDone(status: string | undefined): boolean {
  return status === 'FINISHED' || status === 'FAILED' || status === 'ABORTED';
}

/** The failing statement of a described statement or batch (the first sub-statement that FAILED). */
function failedStatement(id: string, described: DescribeOutput) {
  const sub = described.SubStatements?.find((s) => s.Status === 'FAILED') ?? described.SubStatements?.find((s) => s.Status === 'ABORTED');
  const source = sub ?? described;
  return {
    id: sub?.Id ?? id,
    status: described.Status ?? 'FAILED',
    error: source.Error ?? described.Error ?? '',
    ...(source.QueryString ? { sql: source.QueryString } : {}),
    ...(source.RedshiftQueryId !== undefined ? { queryId: source.RedshiftQueryId } : {}),
  };
}

/** A parameter as the Data API takes it: text of at least one character (NULL as NULL_PARAM). */
function paramText(name: string, value: ParamValue, ctx: FailureContext): string {
  if (value === null) return NULL_PARAM;
  const text = String(value);
  if (text === '' || text === NULL_PARAM) {
    throw new TerminalError(`${ctx.doing}: parameter ${name} is ${text === '' ? 'empty' : `"${NULL_PARAM}"`}, which the Redshift Data API cannot carry as a value`);
  }
  return text;
}

/** A result field as a plain value: numbers as numbers, bytes as a Buffer, NULL as null. */
function fieldValue(field: FieldValue): unknown {
  if (field.isNull) return null;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.blobValue !== undefined) return Buffer.from(field.blobValue);
  return field.stringValue ?? null;
}
