/**
 * Runs SQL on a Databricks SQL warehouse through the Statement Execution API with Node's fetch —
 * no driver, no session: `POST /api/2.0/sql/statements` submits (waiting up to `wait_timeout` for
 * a short statement to finish), `GET …/{id}` polls with backoff until the statement ends,
 * `GET …/result/chunks/{n}` reads further INLINE chunks, `POST …/{id}/cancel` gives up on one.
 * https://docs.databricks.com/api/workspace/statementexecution
 *
 * Retries, one layer each, never nested: a request that failed transiently (throttled, 5xx, a
 * dropped connection) is sent again with the one policy of shared/retry.ts — a poll or a chunk
 * read against the same statement, which may well be running; a statement that ended FAILED for a
 * reason worth retrying (Delta's concurrent-writer conflicts) is submitted again whole. Submitting
 * twice is harmless for every statement DataPipe sends (reads, CREATE … IF NOT EXISTS, a
 * deterministic MERGE or INSERT OVERWRITE, an INSERT … WHERE NOT EXISTS), which is what makes
 * resending a submit whose answer was lost safe.
 */
import { TransientError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { WAREHOUSE_RETRY, withRetry, type RetryPolicy } from '../../retry.js';
import type { ParamValue, ResultRow } from '../warehouse-driver.js';
import type { FetchLike, TokenSource } from './databricks-auth.js';
import {
  classifyDatabricksError, DatabricksHttpError, StatementFailedError, StatementTimeoutError, type FailureContext,
} from './databricks-errors.js';

const API = '/api/2.0/sql/statements';

/** How long to wait, and how patiently. */
export interface StatementTimings {
  /** Seconds the submit waits for the statement to finish (0, or 5–50; default 10) before polling. */
  waitTimeoutSeconds: number;
  /** First wait between polls; it grows by half each poll up to 5 s. */
  pollIntervalMs: number;
  /**
   * How long a statement may stay PENDING (queued, or waiting for a stopped warehouse to start:
   * serverless in seconds, classic in minutes) before it is canceled — exit 1, try later.
   */
  pendingDeadlineMs: number;
  /** How long a statement may take in all before it is canceled (exit 1). */
  deadlineMs: number;
}

export const DEFAULT_TIMINGS: StatementTimings = {
  waitTimeoutSeconds: 10,
  pollIntervalMs: 500,
  pendingDeadlineMs: 30 * 60_000,
  // A SQL warehouse stops a statement after 2 days (STATEMENT_TIMEOUT); a load should not take 6 hours.
  deadlineMs: 6 * 3_600_000,
};

const MAX_POLL_MS = 5_000;
/** One HTTP request's time limit, on top of the submit's wait_timeout. */
const REQUEST_TIMEOUT_MS = 60_000;

export interface StatementClientOptions {
  /** `https://<host>` (a fake's `http://127.0.0.1:<port>` in tests). */
  baseUrl: string;
  warehouseId: string;
  tokens: TokenSource;
  /** For messages: host, http_path, catalog.schema. */
  context: Omit<FailureContext, 'doing' | 'authFix'>;
  log: Logger;
  fetch?: FetchLike;
  retry?: RetryPolicy;
  timings?: Partial<StatementTimings>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** A finished statement's result: its columns and rows, and how long it took. */
export interface StatementResult {
  statementId: string;
  rows: ResultRow[];
  ms: number;
}

/** The request's `parameters`: every value as its string, typed (integers BIGINT, the rest STRING; NULL without a value). */
export function statementParameters(params: Record<string, ParamValue>): { name: string; value?: string; type: string }[] {
  return Object.entries(params).map(([name, value]) => {
    if (value === null) return { name, type: 'STRING' };
    if (typeof value === 'number') return { name, value: String(value), type: 'BIGINT' };
    return { name, value, type: 'STRING' };
  });
}

interface StatementStatus {
  state: string;
  error?: { error_code?: string; message?: string };
  sql_state?: string;
}

interface ColumnInfo {
  name: string;
  type_name?: string;
}

interface ResultChunk {
  data_array?: (string | null)[][];
  next_chunk_internal_link?: string;
}

interface StatementResponse {
  statement_id: string;
  status: StatementStatus;
  manifest?: { schema?: { columns?: ColumnInfo[] }; truncated?: boolean };
  result?: ResultChunk;
}

export class StatementClient {
  private readonly fetch: FetchLike;
  private readonly retry: RetryPolicy;
  private readonly timings: StatementTimings;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: StatementClientOptions) {
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.retry = options.retry ?? WAREHOUSE_RETRY;
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.sleep = options.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms)));
    this.now = options.now ?? Date.now;
  }

  /**
   * Runs `sql` with `params` to completion and returns its rows; a failure arrives classified
   * (databricks-errors.ts), a FAILED statement worth retrying having been submitted again.
   */
  async run(sql: string, params: Record<string, ParamValue>, doing: string, label: string): Promise<StatementResult> {
    const ctx = this.failureContext(doing);
    return withRetry(async () => {
      try {
        return await this.runOnce(sql, params, ctx, label);
      } catch (error) {
        throw classifyDatabricksError(error, ctx);
      }
    }, {
      policy: this.retry, what: `${doing} (${label})`, log: this.options.log,
      // Only a statement that ended FAILED is submitted again here: a request that kept failing was retried already.
      isTransient: (error) => error instanceof TransientError && error.cause instanceof StatementFailedError,
      sleep: (ms) => this.sleep(ms), ...(this.options.random ? { random: this.options.random } : {}),
    });
  }

  private failureContext(doing: string): FailureContext {
    return { ...this.options.context, doing, authFix: this.options.tokens.fix };
  }

  private async runOnce(sql: string, params: Record<string, ParamValue>, ctx: FailureContext, label: string): Promise<StatementResult> {
    const started = this.now();
    const body = {
      warehouse_id: this.options.warehouseId,
      statement: sql,
      parameters: statementParameters(params),
      wait_timeout: `${this.timings.waitTimeoutSeconds}s`,
      on_wait_timeout: 'CONTINUE',
      disposition: 'INLINE',
      format: 'JSON_ARRAY',
    };
    let response = await this.request<StatementResponse>('POST', API, body, 'submit', ctx);
    const id = response.statement_id;
    this.options.log.debug({ statement_id: id, label, state: response.status.state }, 'statement submitted');
    let interval = this.timings.pollIntervalMs;
    while (response.status.state === 'PENDING' || response.status.state === 'RUNNING') {
      const waited = this.now() - started;
      const state = response.status.state;
      if (waited >= this.timings.deadlineMs || (state === 'PENDING' && waited >= this.timings.pendingDeadlineMs)) {
        await this.cancel(id, ctx);
        const limit = state === 'PENDING' ? this.timings.pendingDeadlineMs : this.timings.deadlineMs;
        const why = state === 'PENDING' ? ' (still queued: is the SQL warehouse starting, stopped or at its concurrency limit?)' : '';
        throw new StatementTimeoutError(`${ctx.doing}: statement ${id} (${label}) was still ${state} after ${seconds(limit)}${why}; canceled it — try again later`);
      }
      await this.sleep(interval);
      interval = Math.min(MAX_POLL_MS, Math.round(interval * 1.5));
      response = await this.request<StatementResponse>('GET', `${API}/${id}`, undefined, 'poll', ctx);
    }
    const { status } = response;
    if (status.state !== 'SUCCEEDED') {
      throw new StatementFailedError(status.state, status.sql_state, status.error?.error_code, status.error?.message ?? `statement ${status.state} without a message`, id);
    }
    const rows = await this.rows(response, ctx);
    const ms = this.now() - started;
    this.options.log.info({ statement_id: id, label, ms, rows: rows.length }, 'statement succeeded');
    return { statementId: id, rows, ms };
  }

  /** Every row of the result, following INLINE chunks, typed by the manifest's columns. */
  private async rows(response: StatementResponse, ctx: FailureContext): Promise<ResultRow[]> {
    const columns = response.manifest?.schema?.columns ?? [];
    const rows: ResultRow[] = [];
    let chunk: ResultChunk | undefined = response.result;
    while (chunk) {
      for (const values of chunk.data_array ?? []) rows.push(resultRow(columns, values));
      const next = chunk.next_chunk_internal_link;
      chunk = next ? await this.request<ResultChunk>('GET', next, undefined, 'chunk', ctx) : undefined;
    }
    return rows;
  }

  /** Best effort: the statement ends CANCELED; a failure to ask is logged, not thrown. */
  private async cancel(id: string, ctx: FailureContext): Promise<void> {
    try {
      await this.request('POST', `${API}/${id}/cancel`, {}, 'cancel', ctx);
    } catch (error) {
      this.options.log.warn({ statement_id: id, err: error instanceof Error ? error.message : String(error) }, 'could not cancel the statement');
    }
  }

  /** One API request, retried while it fails transiently; a non-200 answer is a DatabricksHttpError. */
  private request<T>(method: 'GET' | 'POST', path: string, body: unknown, kind: DatabricksHttpError['request'], ctx: FailureContext): Promise<T> {
    const waitMs = kind === 'submit' ? this.timings.waitTimeoutSeconds * 1000 : 0;
    return withRetry(async () => {
      try {
        const token = await this.options.tokens.token();
        const response = await this.fetch(`${this.options.baseUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'user-agent': 'datapipe' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS + waitMs),
        });
        const text = await response.text();
        const json = parse(text);
        if (response.status !== 200) {
          const code = json.error_code === undefined ? '' : String(json.error_code);
          throw new DatabricksHttpError(response.status, code, typeof json.message === 'string' ? json.message : text.slice(0, 200), kind);
        }
        return json as T;
      } catch (error) {
        throw classifyDatabricksError(error, ctx);
      }
    }, { policy: this.retry, what: `${ctx.doing} (${kind})`, log: this.options.log, sleep: (ms) => this.sleep(ms), ...(this.options.random ? { random: this.options.random } : {}) });
  }
}

/** A row by column name: integers as number (bigint beyond 2^53), floats as number, the rest as text. */
export function resultRow(columns: readonly ColumnInfo[], values: readonly (string | null)[]): ResultRow {
  const row: ResultRow = {};
  columns.forEach((column, i) => {
    const value = values[i] ?? null;
    row[column.name] = value === null ? null : typed(column.type_name ?? 'STRING', value);
  });
  return row;
}

function typed(typeName: string, value: string): unknown {
  switch (typeName) {
    case 'LONG':
    case 'INT':
    case 'SHORT':
    case 'BYTE': {
      const n = Number(value);
      return Number.isSafeInteger(n) ? n : BigInt(value);
    }
    case 'DOUBLE':
    case 'FLOAT': return Number(value);
    default: return value;
  }
}

function parse(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function seconds(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}
