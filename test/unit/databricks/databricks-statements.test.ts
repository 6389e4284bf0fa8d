/**
 * The Statement Execution API client (shared/warehouses/databricks/databricks-statements.ts) over a
 * scripted fetch: what it sends, how it polls, follows chunks, types rows, and which failures it
 * tries again — a request against the same statement, a FAILED statement by submitting it again —
 * and which it does not. Answers shaped as https://docs.databricks.com/api/workspace/statementexecution documents them.
 */
import { describe, expect, it } from 'vitest';
import { ContractError, TerminalError, TransientError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/log.js';
import { patTokenSource, type FetchLike } from '../../../shared/warehouses/databricks/databricks-auth.js';
import { StatementTimeoutError } from '../../../shared/warehouses/databricks/databricks-errors.js';
import { resultRow, StatementClient, statementParameters, type StatementTimings } from '../../../shared/warehouses/databricks/databricks-statements.js';

const TOKEN = 'dapi-SECRET';
type Answer = { status: number; body: unknown } | Error;
interface Call { method: string; path: string; body: Record<string, unknown> | undefined; authorization: string | undefined }

/** A fetch that answers each call with the next answer for its kind (submit, poll, chunk, cancel). */
function scripted(answers: Record<'submit' | 'poll' | 'chunk' | 'cancel', Answer[]>) {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    const path = new URL(url).pathname;
    calls.push({ method: init.method, path, body: init.body ? JSON.parse(init.body) as Record<string, unknown> : undefined, authorization: init.headers.authorization });
    const kind = init.method === 'POST' ? (path.endsWith('/cancel') ? 'cancel' : 'submit') : path.includes('/result/chunks/') ? 'chunk' : 'poll';
    const answer = answers[kind].shift();
    if (!answer) throw new Error(`no answer left for ${kind}`);
    if (answer instanceof Error) throw answer;
    return { status: answer.status, text: async () => JSON.stringify(answer.body) };
  };
  return { fetch, calls };
}

function client(fetch: FetchLike, timings: Partial<StatementTimings> = {}, clock?: { now: number }) {
  const sleeps: number[] = [];
  const statements = new StatementClient({
    baseUrl: 'https://adb-1.2.azuredatabricks.net', warehouseId: 'abc', tokens: patTokenSource(TOKEN),
    context: { host: 'adb-1.2.azuredatabricks.net', httpPath: '/sql/1.0/warehouses/abc', schema: 'main.raw' },
    log: silentLogger, fetch, timings, random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
      if (clock) clock.now += ms;
    },
    ...(clock ? { now: () => clock.now } : {}),
  });
  return { statements, sleeps };
}

const columns = [{ name: 'n', type_name: 'LONG' }, { name: 'v', type_name: 'STRING' }];
const succeeded = (id: string, rows: (string | null)[][], next?: string) => ({
  status: 200,
  body: { statement_id: id, status: { state: 'SUCCEEDED' }, manifest: { schema: { columns } }, result: { data_array: rows, ...(next ? { next_chunk_internal_link: next } : {}) } },
});
const state = (id: string, value: string, extra: Record<string, unknown> = {}) => ({ status: 200, body: { statement_id: id, status: { state: value, ...extra } } });

describe('StatementClient', () => {
  it('submits the statement with typed parameters and its token, and returns the rows typed by the manifest', async () => {
    const { fetch, calls } = scripted({ submit: [succeeded('s1', [['1', 'a'], ['9007199254740993', null]])], poll: [], chunk: [], cancel: [] });
    const result = await client(fetch).statements.run('SELECT :n AS n, :v AS v', { n: 1, v: 'a', w: null }, 'probing', 'probe');
    expect(result.rows).toEqual([{ n: 1, v: 'a' }, { n: 9007199254740993n, v: null }]);
    expect(calls).toEqual([{
      method: 'POST', path: '/api/2.0/sql/statements', authorization: `Bearer ${TOKEN}`,
      body: {
        warehouse_id: 'abc', statement: 'SELECT :n AS n, :v AS v', wait_timeout: '10s', on_wait_timeout: 'CONTINUE', disposition: 'INLINE', format: 'JSON_ARRAY',
        parameters: [{ name: 'n', value: '1', type: 'BIGINT' }, { name: 'v', value: 'a', type: 'STRING' }, { name: 'w', type: 'STRING' }],
      },
    }]);
  });

  it('polls a PENDING statement with growing waits, then follows the result\'s chunks', async () => {
    const { fetch, calls } = scripted({
      submit: [state('s2', 'PENDING')],
      poll: [state('s2', 'PENDING'), state('s2', 'RUNNING'), succeeded('s2', [['1', 'a']], '/api/2.0/sql/statements/s2/result/chunks/1')],
      chunk: [{ status: 200, body: { chunk_index: 1, data_array: [['2', 'b']], next_chunk_internal_link: '/api/2.0/sql/statements/s2/result/chunks/2' } }, { status: 200, body: { chunk_index: 2, data_array: [['3', 'c']] } }],
      cancel: [],
    });
    const { statements, sleeps } = client(fetch);
    expect((await statements.run('SELECT 1', {}, 'probing', 'probe')).rows).toEqual([{ n: 1, v: 'a' }, { n: 2, v: 'b' }, { n: 3, v: 'c' }]);
    expect(sleeps).toEqual([500, 750, 1125]);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /api/2.0/sql/statements', 'GET /api/2.0/sql/statements/s2', 'GET /api/2.0/sql/statements/s2', 'GET /api/2.0/sql/statements/s2',
      'GET /api/2.0/sql/statements/s2/result/chunks/1', 'GET /api/2.0/sql/statements/s2/result/chunks/2',
    ]);
  });

  it('retries a throttled submit and a failed poll against the same statement, with full-jitter backoff', async () => {
    const reset = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
    const { fetch, calls } = scripted({
      submit: [{ status: 429, body: { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' } }, state('s3', 'RUNNING')],
      poll: [{ status: 503, body: { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' } }, reset, succeeded('s3', [])],
      chunk: [], cancel: [],
    });
    const { statements, sleeps } = client(fetch);
    expect((await statements.run('SELECT 1', {}, 'probing', 'probe')).rows).toEqual([]);
    // WAREHOUSE_RETRY with random 0.5: 1000 ms, then the first poll wait, then 1000 and 2000 ms.
    expect(sleeps).toEqual([1000, 500, 1000, 2000]);
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(2);
    expect(calls.filter((c) => c.method === 'GET').every((c) => c.path === '/api/2.0/sql/statements/s3')).toBe(true);
  });

  it('submits a statement again when it FAILED on a concurrent Delta commit; not when it FAILED on our data or our marker', async () => {
    const conflict = state('s4', 'FAILED', { sql_state: '2D521', error: { error_code: 'BAD_REQUEST', message: '[DELTA_CONCURRENT_APPEND] ConcurrentAppendException: Files were added by a concurrent update.' } });
    const retried = scripted({ submit: [conflict, succeeded('s5', [])], poll: [], chunk: [], cancel: [] });
    expect((await client(retried.fetch).statements.run('MERGE INTO t …', {}, 'merging', 'merge')).statementId).toBe('s5');
    expect(retried.calls).toHaveLength(2);

    const marker = state('s6', 'FAILED', { sql_state: 'P0001', error: { error_code: 'BAD_REQUEST', message: '[USER_RAISED_EXCEPTION] datapipe_stale_run SQLSTATE: P0001' } });
    const stale = scripted({ submit: [marker], poll: [], chunk: [], cancel: [] });
    await expect(client(stale.fetch).statements.run('SELECT …', {}, 'checking', 'continuity')).rejects.toEqual(new TerminalError('checking: [USER_RAISED_EXCEPTION] datapipe_stale_run SQLSTATE: P0001'));
    const cast = state('s7', 'FAILED', { sql_state: '22003', error: { error_code: 'BAD_REQUEST', message: '[NUMERIC_VALUE_OUT_OF_RANGE] 123.45 cannot be represented as Decimal(4, 2).' } });
    const data = scripted({ submit: [cast], poll: [], chunk: [], cancel: [] });
    await expect(client(data.fetch).statements.run('MERGE …', {}, 'merging', 'merge')).rejects.toBeInstanceOf(ContractError);
    expect([stale.calls, data.calls].map((c) => c.length)).toEqual([1, 1]);
  });

  it('gives up after the policy\'s tries on a submit that keeps failing, exit 1, without submitting again on top', async () => {
    const busy = { status: 503, body: { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'The service is temporarily unavailable' } };
    const { fetch, calls } = scripted({ submit: Array.from({ length: 6 }, () => busy), poll: [], chunk: [], cancel: [] });
    const error = await client(fetch).statements.run('SELECT 1', {}, 'probing', 'probe').catch((e: unknown) => e as Error);
    expect(error).toEqual(new TransientError('probing: HTTP 503 TEMPORARILY_UNAVAILABLE (The service is temporarily unavailable)'));
    expect(calls).toHaveLength(6);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });

  it('cancels a statement past its deadline, and one PENDING past its pending deadline; neither is submitted again', async () => {
    const running = scripted({ submit: [state('s8', 'RUNNING')], poll: Array.from({ length: 40 }, () => state('s8', 'RUNNING')), chunk: [], cancel: [{ status: 200, body: {} }] });
    const clock = { now: 0 };
    const late = await client(running.fetch, { deadlineMs: 60_000 }, clock).statements.run('MERGE …', {}, 'merging', 'merge').then(() => null, (e: unknown) => e as Error);
    expect(late).toBeInstanceOf(StatementTimeoutError);
    expect(late?.message).toBe('merging: statement s8 (merge) was still RUNNING after 60 s; canceled it — try again later');
    expect(running.calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual(['/api/2.0/sql/statements', '/api/2.0/sql/statements/s8/cancel']);

    const queued = scripted({ submit: [state('s9', 'PENDING')], poll: Array.from({ length: 200 }, () => state('s9', 'PENDING')), chunk: [], cancel: Array.from({ length: 6 }, () => ({ status: 500, body: {} })) });
    const pending = await client(queued.fetch, { pendingDeadlineMs: 5 * 60_000 }, { now: 0 }).statements.run('SELECT 1', {}, 'probing', 'probe').then(() => null, (e: unknown) => e as Error);
    expect(pending?.message).toBe('probing: statement s9 (probe) was still PENDING after 5 min (still queued: is the SQL warehouse starting, stopped or at its concurrency limit?); canceled it — try again later');
    expect(queued.calls.filter((c) => c.path.endsWith('/cancel'))).toHaveLength(6);
  });
});

describe('statement parameters and rows', () => {
  it('types every parameter: integers BIGINT, text STRING, NULL a STRING without a value', () => {
    expect(statementParameters({ rows: 2 ** 53 - 1, run: 'R1', watermark: null })).toEqual([
      { name: 'rows', value: '9007199254740991', type: 'BIGINT' }, { name: 'run', value: 'R1', type: 'STRING' }, { name: 'watermark', type: 'STRING' },
    ]);
  });

  it('reads integers as number (bigint past 2^53), floats as number, everything else as its text', () => {
    const cols = ['LONG', 'INT', 'DOUBLE', 'FLOAT', 'DECIMAL', 'BOOLEAN', 'TIMESTAMP'].map((type_name, i) => ({ name: `c${i}`, type_name }));
    expect(resultRow(cols, ['-9223372036854775808', '7', 'NaN', '-Infinity', '0.10', 'true', '0001-01-01 00:00:00'])).toEqual({
      c0: -(2n ** 63n), c1: 7, c2: Number.NaN, c3: Number.NEGATIVE_INFINITY, c4: '0.10', c5: 'true', c6: '0001-01-01 00:00:00',
    });
  });
});
