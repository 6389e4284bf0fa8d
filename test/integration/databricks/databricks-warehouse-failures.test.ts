/**
 * The Databricks warehouse's failures through its real HTTP client against the Databricks FAKE
 * (test/tools/databricks_fake.py, statements run on the Spark twin): refused credentials and an
 * unknown SQL warehouse (exit 2), FAILED statements classified by SQLSTATE, a statement polled
 * past the submit's wait, and statements canceled past their deadlines (exit 1).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractError, TerminalError, TransientError } from '../../../shared/errors.js';
import { sharedDatabricksFake, skipWithoutDatabricksFake, type DatabricksFake } from '../../support/databricks-fake.js';
import { api, type StatementResponse } from './twin-fixtures.js';
import { openFakeWarehouse, orders } from './warehouse-fixtures.js';

const SKIP = skipWithoutDatabricksFake('databricks warehouse failures');

describe.skipIf(SKIP)('Databricks warehouse against the FAKE: credentials, FAILED statements, polling and cancel', () => {
  let fake: DatabricksFake;
  const schema = `df_${randomBytes(4).toString('hex')}`;
  const failure = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e as Error);

  beforeAll(async () => {
    fake = await sharedDatabricksFake();
    await fake.sql(`CREATE SCHEMA main.${schema}`);
  }, 240_000);

  afterAll(async () => {
    await fake?.sql(`DROP SCHEMA IF EXISTS main.${schema} CASCADE`);
  });

  it('stops with exit 2 naming the setting to fix: a refused token, an unknown SQL warehouse', async () => {
    const wrongToken = await openFakeWarehouse(fake, schema, { databricks: { token: 'dapi-wrong' } });
    const refused = await failure(wrongToken.latestLoad('orders'));
    expect(refused).toBeInstanceOf(TerminalError);
    expect(refused?.message).toBe(
      `reading the loads of orders in Databricks main.${schema}: Databricks refused the credentials (HTTP 403: Invalid access token.) — ` +
        'check destination.azure.databricks.token (DATABRICKS_TOKEN): a personal access token that has not expired or been revoked, of a user allowed to use the SQL warehouse',
    );
    const noWarehouse = await openFakeWarehouse(fake, schema, { databricks: { http_path: '/sql/1.0/warehouses/0123456789abcdef' } });
    const missing = await failure(noWarehouse.latestLoad('orders'));
    expect(missing).toBeInstanceOf(TerminalError);
    expect(missing?.message).toBe(
      `reading the loads of orders in Databricks main.${schema}: no SQL warehouse answers at ${new URL(fake.url).host}/sql/1.0/warehouses/0123456789abcdef ` +
        '(Warehouse 0123456789abcdef does not exist) — check destination.azure.databricks.http_path and host',
    );
  });

  it('classifies a FAILED statement by its SQLSTATE: a missing schema exit 2, a value that does not convert exit 3, a drifted target exit 3', async () => {
    const elsewhere = await openFakeWarehouse(fake, `${schema}_absent`);
    const noSchema = await failure(elsewhere.ensureTable(orders, 'updated_at'));
    expect(noSchema).toBeInstanceOf(TerminalError);
    expect(noSchema?.message).toMatch(new RegExp(
      `^creating main\\.${schema}_absent\\.orders in Databricks: \\[SCHEMA_NOT_FOUND\\] The schema \`main\`\\.\`${schema}_absent\` cannot be found\\..* — ` +
        `create it \\(CREATE SCHEMA main\\.${schema}_absent\\) or fix destination\\.azure\\.databricks\\.catalog and schema$`,
    ));

    const warehouse = await openFakeWarehouse(fake, schema);
    const cast = await failure(warehouse.databricks.statements.run("SELECT CAST('x' AS INT) AS n", {}, 'probing', 'probe'));
    expect(cast).toBeInstanceOf(ContractError);
    expect(cast?.message).toMatch(/^probing: \[CAST_INVALID_INPUT\] The value 'x' of the type "STRING" cannot be cast to "INT" because it is malformed\..* — the staged data does not fit the table; fix the source rows or the schema, then re-run the extractor$/);

    await fake.sql(`CREATE TABLE main.${schema}.orders (id BIGINT NOT NULL, updated_at TIMESTAMP_NTZ, amount DECIMAL(18,2), ratio DOUBLE) USING DELTA`);
    const drift = await failure(warehouse.ensureTable(orders, 'updated_at'));
    expect(drift).toBeInstanceOf(ContractError);
    expect(drift?.message).toBe(`target main.${schema}.orders differs from the schema: lacks column note; amount is decimal(18,2), the schema says decimal(38,9) — migrate the table or regenerate the schema`);
  });

  it('polls a statement that outlives the submit\'s wait until it SUCCEEDS, with backoff', async () => {
    const marker = `dp-poll-${randomBytes(4).toString('hex')}`;
    await fake.delay(marker, 2);
    const warehouse = await openFakeWarehouse(fake, schema, { timings: { waitTimeoutSeconds: 0, pollIntervalMs: 100 } });
    const result = await warehouse.databricks.statements.run(`SELECT '${marker}' AS v, 1 AS n`, {}, 'probing', 'probe');
    expect(result.rows).toEqual([{ v: marker, n: 1 }]);
    const requests = (await fake.requests()).filter((r) => r.path.includes(result.statementId) || JSON.stringify(r.body).includes(marker));
    expect(requests[0]).toMatchObject({ method: 'POST', path: '/api/2.0/sql/statements', body: { wait_timeout: '0s' } });
    const polls = requests.filter((r) => r.method === 'GET' && r.path === `/api/2.0/sql/statements/${result.statementId}`);
    // Waits of 100, 150, 225, 338, 506, 759 ms, … up to 5 s: however long the statement took (2 s and
    // more), no more polls than those waits fit into its time — not one per 100 ms.
    let fit = 0;
    for (let wait = 100, waited = wait; waited <= result.ms; wait = Math.min(5_000, Math.round(wait * 1.5)), waited += wait) fit++;
    expect(polls.length).toBeGreaterThanOrEqual(3);
    expect(polls.length).toBeLessThanOrEqual(fit);
    expect(requests).toHaveLength(polls.length + 1);
  });

  it('cancels a statement past its deadline (exit 1, not retried), and one still PENDING past its pending deadline', async () => {
    const marker = `dp-cancel-${randomBytes(4).toString('hex')}`;
    await fake.delay(marker, 30);
    const hurried = await openFakeWarehouse(fake, schema, { timings: { waitTimeoutSeconds: 0, pollIntervalMs: 100, deadlineMs: 1500 } });
    const late = await failure(hurried.databricks.statements.run(`SELECT '${marker}'`, {}, 'probing', 'probe'));
    expect(late).toBeInstanceOf(TransientError);
    expect(late?.message).toMatch(/^probing: statement ([0-9a-f-]+) \(probe\) was still RUNNING after 2 s; canceled it — try again later$/);
    const id = /statement ([0-9a-f-]+)/.exec(late!.message)![1]!;
    const requests = (await fake.requests()).filter((r) => r.path.includes(id) || JSON.stringify(r.body).includes(marker));
    expect(requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual(['/api/2.0/sql/statements', `/api/2.0/sql/statements/${id}/cancel`]);
    expect(((await api(fake, 'GET', `/api/2.0/sql/statements/${id}`)).json as StatementResponse).status).toEqual({ state: 'CANCELED' });

    // One statement holds the twin's single executor; the next waits PENDING, as behind a warehouse that is starting.
    const blocker = `dp-block-${randomBytes(4).toString('hex')}`;
    await fake.delay(blocker, 4);
    const patient = await openFakeWarehouse(fake, schema, { timings: { waitTimeoutSeconds: 0 } });
    const blocking = patient.databricks.statements.run(`SELECT '${blocker}'`, {}, 'probing', 'blocker');
    await new Promise((done) => setTimeout(done, 500));
    const queued = await openFakeWarehouse(fake, schema, { timings: { waitTimeoutSeconds: 0, pollIntervalMs: 100, pendingDeadlineMs: 1000 } });
    const pending = await failure(queued.databricks.statements.run('SELECT 1', {}, 'probing', 'queued'));
    expect(pending).toBeInstanceOf(TransientError);
    expect(pending?.message).toMatch(/^probing: statement [0-9a-f-]+ \(queued\) was still PENDING after 1 s \(still queued: is the SQL warehouse starting, stopped or at its concurrency limit\?\); canceled it — try again later$/);
    expect((await blocking).rows).toEqual([{ [blocker]: blocker }]);
  }, 60_000);
});
