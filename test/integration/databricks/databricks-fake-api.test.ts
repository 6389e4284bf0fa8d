/**
 * The Databricks FAKE's HTTP contract (test/tools/databricks_fake.py), as the Statement Execution
 * API reference documents it (https://docs.databricks.com/api/workspace/statementexecution):
 * bearer-token errors, request validation, the asynchronous lifecycle (PENDING/RUNNING, polling,
 * on_wait_timeout, cancel), INLINE chunks and row_limit, and the request record tests assert on.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { sharedDatabricksFake, skipWithoutDatabricksFake, type DatabricksFake } from '../../support/databricks-fake.js';
import { api, execute, type StatementResponse } from './twin-fixtures.js';

const SKIP = skipWithoutDatabricksFake('databricks fake api');
const STATEMENTS = '/api/2.0/sql/statements';

async function poll(fake: DatabricksFake, id: string, until: (state: string) => boolean): Promise<StatementResponse> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { json } = await api(fake, 'GET', `${STATEMENTS}/${id}`);
    const answer = json as StatementResponse;
    if (until(answer.status.state) || Date.now() > deadline) return answer;
    await new Promise((done) => setTimeout(done, 100));
  }
}

describe.skipIf(SKIP)('Databricks fake: the Statement Execution API contract', () => {
  let fake: DatabricksFake;

  beforeAll(async () => {
    fake = await sharedDatabricksFake();
  }, 240_000);

  it('answers 401 without a bearer token and 403 with a wrong one, as the workspace does', async () => {
    const body = { warehouse_id: fake.warehouseId, statement: 'SELECT 1' };
    const none = await api(fake, 'POST', STATEMENTS, body, null);
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ error_code: 401, message: expect.stringMatching(/^Credential was not sent or was of an unsupported type for this API\. \[ReqId: /) });
    const wrong = await api(fake, 'POST', STATEMENTS, body, 'dapi-wrong');
    expect(wrong).toEqual({ status: 403, json: { error_code: 403, message: 'Invalid access token.' } });
  });

  it('refuses invalid requests with HTTP 400 and runs nothing', async () => {
    const bad = async (extra: Record<string, unknown>) => api(fake, 'POST', STATEMENTS, { warehouse_id: fake.warehouseId, statement: 'SELECT 1', ...extra });
    expect(await bad({ wait_timeout: '3s' })).toEqual({
      status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE', message: "wait_timeout must be 0s or between 5s and 50s, got '3s'" },
    });
    expect((await bad({ on_wait_timeout: 'WAIT' })).status).toBe(400);
    expect((await bad({ format: 'CSV' })).status).toBe(400);
    expect((await bad({ parameters: [{ name: 'x', value: '1', type: 'INT); DROP TABLE t; --' }] })).status).toBe(400);
    expect((await bad({ warehouse_id: 'other' })).status).toBe(404);
    expect((await api(fake, 'GET', `${STATEMENTS}/no-such-statement`)).status).toBe(404);
  });

  it('wait_timeout 0s answers PENDING at once; the client polls until SUCCEEDED and gets manifest and data', async () => {
    const { json } = await api(fake, 'POST', STATEMENTS, { warehouse_id: fake.warehouseId, statement: 'SELECT 42 AS answer', wait_timeout: '0s' });
    const pending = json as StatementResponse;
    expect(pending).toEqual({ statement_id: expect.any(String), status: { state: 'PENDING' } });
    const done = await poll(fake, pending.statement_id, (s) => s === 'SUCCEEDED' || s === 'FAILED');
    expect(done.status).toEqual({ state: 'SUCCEEDED' });
    expect(done.manifest?.schema).toEqual({ column_count: 1, columns: [{ name: 'answer', type_name: 'INT', type_text: 'int', position: 0 }] });
    expect(done.result?.data_array).toEqual([['42']]);
  });

  it('a statement unfinished at wait_timeout stays PENDING or RUNNING (CONTINUE) and can be canceled; CANCEL cancels it', async () => {
    await fake.delay('slow-continue', 30);
    const started = Date.now();
    const running = await execute(fake, "SELECT 'slow-continue'", { wait_timeout: '5s' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
    // RUNNING once the twin's one executor took it; PENDING while another suite's statement holds it.
    expect(['PENDING', 'RUNNING']).toContain(running.status.state);
    expect(running).not.toHaveProperty('manifest');
    expect((await api(fake, 'POST', `${STATEMENTS}/${running.statement_id}/cancel`)).json).toEqual({});
    expect((await poll(fake, running.statement_id, (s) => s !== 'RUNNING')).status).toEqual({ state: 'CANCELED' });

    await fake.delay('slow-cancel', 30);
    const canceled = await execute(fake, "SELECT 'slow-cancel'", { wait_timeout: '5s', on_wait_timeout: 'CANCEL' });
    expect(canceled.status).toEqual({ state: 'CANCELED' });
  }, 60_000);

  it('splits a large INLINE result into chunks linked by next_chunk_index, and row_limit truncates', async () => {
    const answer = await execute(fake, 'SELECT id FROM range(2500) ORDER BY id');
    expect(answer.manifest).toMatchObject({
      total_row_count: 2500, total_chunk_count: 3, truncated: false,
      chunks: [{ chunk_index: 0, row_offset: 0, row_count: 1000 }, { chunk_index: 1, row_offset: 1000, row_count: 1000 }, { chunk_index: 2, row_offset: 2000, row_count: 500 }],
    });
    expect(answer.result).toMatchObject({ chunk_index: 0, row_offset: 0, row_count: 1000, next_chunk_index: 1 });
    const link = answer.result?.next_chunk_internal_link;
    expect(link).toBe(`${STATEMENTS}/${answer.statement_id}/result/chunks/1`);
    const second = (await api(fake, 'GET', link!)).json as StatementResponse['result'];
    expect(second).toMatchObject({ chunk_index: 1, row_offset: 1000, row_count: 1000, next_chunk_index: 2 });
    expect(second?.data_array?.[0]).toEqual(['1000']);
    const last = (await api(fake, 'GET', `${STATEMENTS}/${answer.statement_id}/result/chunks/2`)).json as StatementResponse['result'];
    expect(last?.data_array?.at(-1)).toEqual(['2499']);
    expect(last).not.toHaveProperty('next_chunk_index');

    const limited = await execute(fake, 'SELECT id FROM range(10) ORDER BY id', { row_limit: 3 });
    expect(limited.manifest).toMatchObject({ total_row_count: 3, truncated: true });
    expect(limited.result?.data_array).toEqual([['0'], ['1'], ['2']]);
  });

  it('records every request with its body and headers, the token never among them', async () => {
    const marker = `recorded-${Date.now()}`;
    await execute(fake, `SELECT '${marker}'`, { parameters: [{ name: 'unused', value: 'v' }] });
    const recorded = (await fake.requests()).filter((r) => JSON.stringify(r.body).includes(marker));
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      method: 'POST', path: STATEMENTS,
      body: { warehouse_id: fake.warehouseId, statement: `SELECT '${marker}'`, wait_timeout: '50s', parameters: [{ name: 'unused', value: 'v' }] },
    });
    expect(recorded[0]?.headers.authorization).toBe('Bearer <redacted>');
    expect(JSON.stringify(await fake.requests())).not.toContain(fake.token);
  });
});
