/**
 * The BigQuery warehouse's load, driving the REAL @google-cloud/bigquery client against a FAKE
 * BigQuery REST API (test/support/bigquery-recorder.ts): every jobs.insert payload, job id,
 * location, query text and parameter, and how it reacts to what BigQuery answers (409 on a job
 * id, a failed or cancelled job, a short stage). The fake executes no SQL; the SQL runs for real
 * on DuckDB (test/integration/warehouses/load-sql-duckdb.test.ts) and against BigQuery in bigquery-live.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ContractError, TerminalError, TransientError } from '../../../shared/errors.js';
import { BIGQUERY_DIALECT, transactionScript } from '../../../shared/warehouses/bigquery/bigquery-dialect.js';
import { commitStatements } from '../../../shared/warehouses/sql/load-sql.js';
import { loadJobId } from '../../../shared/warehouses/bigquery/bigquery-names.js';
import {
  COMMIT, DATASET, DESTINATION, jobHash, jobIdOf, NOW, orders, request, RUN, STAGE, STAGE_CHECK, useFake,
} from './fake-setup.js';

describe('BigQueryWarehouse.load against a FAKE BigQuery REST API (real client)', () => {
  const t = useFake();

  it('stages with one AVRO load job, checks, merges and records in one transaction, counts, drops the stage', async () => {
    t.answerCounts(4, 3, 0, 7);
    const warehouse = await t.open();
    await warehouse.ensureTable(orders, 'updated_at');
    const before = t.fake.requests.length;
    expect(await warehouse.load(request())).toEqual({ staged: 4, deduplicated: 3, targetRows: 7 });

    const loadId = loadJobId(DATASET, 'orders', RUN, 0, 0);
    const jobs = t.fake.requests.slice(before);
    expect(jobs.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /projects/proj-test/datasets/raw/tables',
      'POST /projects/proj-test/jobs',
      `GET /projects/proj-test/jobs/${loadId}`,
      'POST /projects/proj-test/jobs',
      'GET /projects/proj-test/jobs/datapipe_check_orders_' + jobHash(jobs[3]) + '_s0',
      'GET /projects/proj-test/queries/datapipe_check_orders_' + jobHash(jobs[3]) + '_s0',
      'POST /projects/proj-test/jobs',
      `GET /projects/proj-test/jobs/${jobIdOf(jobs[6])}`,
      'POST /projects/proj-test/jobs',
      `GET /projects/proj-test/jobs/${jobIdOf(jobs[8])}`,
      `GET /projects/proj-test/queries/${jobIdOf(jobs[8])}`,
      `DELETE /projects/proj-test/datasets/raw/tables/${STAGE}`,
    ]);
    // The stage: our schema, all NULLABLE, gone by itself 24 hours from now.
    expect(jobs[0]?.body).toEqual({
      tableReference: { projectId: 'proj-test', datasetId: 'raw', tableId: STAGE },
      schema: { fields: [{ name: 'id', type: 'INT64', mode: 'NULLABLE' }, { name: 'updated_at', type: 'DATETIME', mode: 'NULLABLE' }, { name: 'amount', type: 'NUMERIC', mode: 'NULLABLE', precision: '18', scale: '2' }] },
      expirationTime: String(NOW.getTime() + 24 * 3_600_000),
      description: 'DataPipe stage of one run; dropped after the merge',
    });
    const [load, check, commit, count] = t.fake.jobInserts().slice(-4);
    expect(load).toEqual({
      jobReference: { projectId: 'proj-test', jobId: loadId, location: 'us-central1' },
      configuration: {
        labels: { datapipe_table: 'orders', datapipe_run: 'r1', datapipe_attempt: load?.configuration.labels?.datapipe_attempt },
        load: {
          sourceUris: ['gs://stage-bucket/p/orders/run=r1/part-0-0.avro', 'gs://stage-bucket/p/orders/run=r1/part-0-1.avro'],
          sourceFormat: 'AVRO',
          useAvroLogicalTypes: true,
          decimalTargetTypes: ['NUMERIC', 'BIGNUMERIC', 'STRING'],
          destinationTable: { projectId: 'proj-test', datasetId: 'raw', tableId: STAGE },
          schema: { fields: [{ name: 'id', type: 'INT64', mode: 'NULLABLE' }, { name: 'updated_at', type: 'DATETIME', mode: 'NULLABLE' }, { name: 'amount', type: 'NUMERIC', mode: 'NULLABLE', precision: '18', scale: '2' }] },
          createDisposition: 'CREATE_NEVER',
          writeDisposition: 'WRITE_TRUNCATE',
        },
      },
    });
    expect(load?.configuration.labels?.datapipe_attempt).toMatch(/^[0-9a-f-]{36}$/);
    expect(check?.configuration).toEqual({
      labels: { datapipe_table: 'orders', datapipe_run: 'r1' },
      query: { query: expect.stringMatching(STAGE_CHECK), useLegacySql: false },
    });
    expect(check?.jobReference.location).toBe('us-central1');
    const tables = { target: '`proj-test`.`raw`.`orders`', stage: `\`proj-test\`.\`raw\`.\`${STAGE}\``, loads: '`proj-test`.`raw`.`_datapipe_loads`' };
    expect(commit).toEqual({
      jobReference: { projectId: 'proj-test', jobId: jobIdOf(jobs[6]), location: 'us-central1' },
      configuration: {
        labels: { datapipe_table: 'orders', datapipe_run: 'r1' },
        query: {
          query: transactionScript(commitStatements(orders, 'incremental', tables, 'updated_at', BIGQUERY_DIALECT)),
          useLegacySql: false,
          parameterMode: 'NAMED',
          queryParameters: [
            { name: 'table_name', parameterType: { type: 'STRING' }, parameterValue: { value: 'orders' } },
            { name: 'run_id', parameterType: { type: 'STRING' }, parameterValue: { value: 'r1' } },
            { name: 'base_run_id', parameterType: { type: 'STRING' }, parameterValue: {} },
            { name: 'mode', parameterType: { type: 'STRING' }, parameterValue: { value: 'incremental' } },
            { name: 'rows_staged', parameterType: { type: 'INT64' }, parameterValue: { value: '4' } },
            { name: 'rows_loaded', parameterType: { type: 'INT64' }, parameterValue: { value: '3' } },
            { name: 'watermark', parameterType: { type: 'STRING' }, parameterValue: { value: '2026-11-25 23:59:59' } },
          ],
        },
      },
    });
    expect(count?.configuration.query?.query).toBe('SELECT COUNT(*) AS `target_rows` FROM `proj-test`.`raw`.`orders`');
    expect(t.fake.tables.has(`proj-test:raw.${STAGE}`)).toBe(false);
    expect(t.fake.requests.filter((r) => r.path.includes('/jobs/') || r.path.includes('/queries/')).every((r) => r.query.location === 'us-central1')).toBe(true);
  });

  it('a full load replaces the target in the transaction', async () => {
    t.answerCounts(4, 4);
    const warehouse = await t.open();
    await warehouse.load(request({ mode: 'full', watermark: null }));
    const commit = t.fake.jobInserts().find((j) => COMMIT.test(j.configuration.query?.query ?? ''));
    expect(commit?.configuration.query?.query).toMatch(/^BEGIN TRANSACTION;\nSELECT IF\(.*ERROR\('datapipe_stale_run'\), NULL\);\nDELETE FROM `proj-test`\.`raw`\.`orders` WHERE TRUE;\nINSERT INTO `proj-test`\.`raw`\.`orders` \(/);
    expect((commit?.configuration.query as unknown as { queryParameters: unknown[] }).queryParameters.at(-1)).toEqual({ name: 'watermark', parameterType: { type: 'STRING' }, parameterValue: {} });
  });

  it('on 409 attaches to the load job an earlier attempt left running instead of loading again', async () => {
    t.answerCounts(4, 4);
    const loadId = loadJobId(DATASET, 'orders', RUN, 0, 0);
    // Running for three more status reads: the one that finds it, a poll, a poll after a wait.
    t.fake.addJob('proj-test', loadId, 'us-central1', 'RUNNING', { datapipe_attempt: 'earlier-process' }, { runningPolls: 3, outputRows: 4 });
    expect(await (await t.open()).load(request())).toEqual({ staged: 4, deduplicated: 4, targetRows: 4 });
    expect(t.fake.jobInserts().filter((j) => j.configuration.load).map((j) => j.jobReference.jobId)).toEqual([loadId]);
    expect(t.fake.calls().filter((c) => c.endsWith(`/jobs/${loadId}`))).toEqual([
      `GET /projects/proj-test/jobs/${loadId}`, `GET /projects/proj-test/jobs/${loadId}`, `GET /projects/proj-test/jobs/${loadId}`,
    ]);
    expect(t.sleeps).toEqual([1]);
  });

  it('on 409 for a job an earlier attempt finished, loads again under the next id (the stage may be gone)', async () => {
    t.answerCounts(4, 4);
    const first = loadJobId(DATASET, 'orders', RUN, 0, 0);
    t.fake.addJob('proj-test', first, 'us-central1', 'DONE', { datapipe_attempt: 'earlier-process' }, { outputRows: 4 });
    await (await t.open()).load(request());
    expect(t.fake.jobInserts().filter((j) => j.configuration.load).map((j) => j.jobReference.jobId)).toEqual([first, loadJobId(DATASET, 'orders', RUN, 0, 1)]);
  });

  it('re-running a load in the same process loads again under the next id (the first stage was dropped)', async () => {
    t.answerCounts(4, 4, 0, 4);
    t.answerCounts(4, 4, 0, 4);
    const warehouse = await t.open();
    expect(await warehouse.load(request())).toEqual({ staged: 4, deduplicated: 4, targetRows: 4 });
    expect(await warehouse.load(request())).toEqual({ staged: 4, deduplicated: 4, targetRows: 4 });
    expect(t.fake.jobInserts().filter((j) => j.configuration.load).map((j) => j.jobReference.jobId))
      .toEqual([loadJobId(DATASET, 'orders', RUN, 0, 0), loadJobId(DATASET, 'orders', RUN, 0, 0), loadJobId(DATASET, 'orders', RUN, 0, 1)]);
  });

  it('when the insert response is lost, the client retries, gets 409 and the warehouse waits for its own job', async () => {
    t.answerCounts(4, 4);
    t.fake.plan((job) => job.configuration.load !== undefined, { dropResponse: true, runningPolls: 1, outputRows: 4 });
    expect(await (await t.open()).load(request())).toEqual({ staged: 4, deduplicated: 4, targetRows: 4 });
    const loadId = loadJobId(DATASET, 'orders', RUN, 0, 0);
    expect(t.fake.jobInserts().filter((j) => j.configuration.load).map((j) => j.jobReference.jobId)).toEqual([loadId, loadId]);
    expect(t.fake.calls().filter((c) => c.startsWith('POST /projects/proj-test/jobs')).length).toBe(5);
  });

  it('retries a load job that failed in the backend under the next id (a job id is never reused)', async () => {
    t.answerCounts(4, 4);
    t.fake.plan((job) => job.configuration.load !== undefined, { runningPolls: 1, error: { reason: 'backendError', message: 'Error encountered during execution. Retrying may solve the problem.' } });
    expect(await (await t.open()).load(request())).toEqual({ staged: 4, deduplicated: 4, targetRows: 4 });
    expect(t.fake.jobInserts().filter((j) => j.configuration.load).map((j) => j.jobReference.jobId))
      .toEqual([loadJobId(DATASET, 'orders', RUN, 0, 0), loadJobId(DATASET, 'orders', RUN, 0, 1)]);
    expect(t.sleeps.filter((ms) => ms >= 1000)).toEqual([1000]);
  });

  it('retries a transaction cancelled by a concurrent update as a new job, with backoff', async () => {
    t.answerCounts(4, 4);
    t.fake.answer(COMMIT, { runningPolls: 1, error: { reason: 'invalidQuery', message: 'Transaction is aborted due to concurrent update against table proj-test:raw.orders. Transaction ID: 1a2b' } });
    expect(await (await t.open()).load(request())).toEqual({ staged: 4, deduplicated: 4, targetRows: 4 });
    const commits = t.fake.jobInserts().filter((j) => COMMIT.test(j.configuration.query?.query ?? '')).map((j) => j.jobReference.jobId);
    expect(commits).toHaveLength(2);
    expect(commits[0]).not.toBe(commits[1]);
    expect(t.sleeps.filter((ms) => ms >= 1000)).toEqual([1000]);
  });

  it('gives up after the retry budget with a transient error (exit 1)', async () => {
    t.answerCounts(4, 4);
    t.fake.answer(COMMIT, { error: { reason: 'invalidQuery', message: 'Could not serialize access to table proj-test:raw.orders due to concurrent update' } }, 3);
    const error = await (await t.open()).load(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).exitCode).toBe(1);
    expect((error as Error).message).toBe('loading orders run r1 into BigQuery proj-test:raw: Could not serialize access to table proj-test:raw.orders due to concurrent update (still failing after 3 tries)');
    expect(t.sleeps.filter((ms) => ms >= 1000)).toEqual([1000, 2000]);
    expect(t.fake.calls().at(-1)).toBe(`DELETE /projects/proj-test/datasets/raw/tables/${STAGE}`);
  });

  it('refuses a stage that holds fewer rows than the manifests list, and merges nothing', async () => {
    t.answerCounts(3, 3);
    const error = await (await t.open()).load(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as Error).message).toBe('stage for orders run r1 holds 3 rows but the manifests list 4 — the staged files are incomplete; re-run the extractor for this run');
    expect(t.fake.jobInserts().some((j) => COMMIT.test(j.configuration.query?.query ?? ''))).toBe(false);
    expect(t.fake.tables.has(`proj-test:raw.${STAGE}`)).toBe(false);
  });

  it('refuses NULL primary keys in the stage', async () => {
    t.answerCounts(4, 3, 2);
    const error = await (await t.open()).load(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as Error).message).toBe(
      "table orders, run r1: 2 staged rows have NULL in primary-key column id; a primary key is never NULL — fix the source rows or the table's primary_keys in config.yaml",
    );
  });

  it('reports an AVRO file BigQuery cannot load as a broken contract, with its message', async () => {
    t.fake.plan((job) => job.configuration.load !== undefined, { runningPolls: 1, error: { reason: 'invalid', message: 'Error while reading data, error message: The Apache Avro library failed to parse the header with the following error: Invalid data file. Magic does not match' } });
    const error = await (await t.open()).load(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as Error).message).toBe('loading orders run r1 into BigQuery proj-test:raw: Error while reading data, error message: The Apache Avro library failed to parse the header with the following error: Invalid data file. Magic does not match');
  });

  it('a bucket in another location than the dataset is a config error (exit 2) with the fix, not a broken contract', async () => {
    const message = 'Cannot read and write in different locations: source: US, destination: us-central1';
    t.fake.plan((job) => job.configuration.load !== undefined, { runningPolls: 1, error: { reason: 'invalid', message } });
    const error = await (await t.open()).load(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as TerminalError).exitCode).toBe(2);
    expect((error as Error).message).toBe(
      `loading orders run r1 into BigQuery proj-test:raw: ${message} — create the staging bucket in the dataset's location (us-central1), or point destination.gcp.bucket at one there`,
    );
  });

  it('a stage dropped before its load job ran fails the load transiently instead of recreating it without an expiry', async () => {
    // A concurrent attempt of the same run merges and drops the shared stage just as this one loads.
    t.fake.onRequest = (r) => {
      if (r.method === 'POST' && (r.body as { configuration?: { load?: unknown } }).configuration?.load) t.fake.tables.delete(`proj-test:raw.${STAGE}`);
    };
    const error = await (await t.open()).load(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toBe(`loading orders run r1 into BigQuery proj-test:raw: Not found: Table proj-test:raw.${STAGE}`);
    expect(t.fake.jobInserts().filter((j) => j.configuration.load).map((j) => j.configuration.load?.createDisposition)).toEqual(['CREATE_NEVER']);
    expect(t.fake.tables.has(`proj-test:raw.${STAGE}`)).toBe(false);
  });

  it('a commit that touches too many partitions names the limits, the table\'s partitioning and the fix (exit 2)', async () => {
    const message = 'Too many partitions produced by query, allowed 4000, query produces at least 7305 partitions';
    t.answerCounts(4, 4);
    t.fake.answer(COMMIT, { runningPolls: 1, error: { reason: 'invalidQuery', message } });
    const warehouse = await t.open();
    await warehouse.ensureTable(orders, 'updated_at');
    const error = await warehouse.load(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as Error).message).toBe(
      `loading orders run r1 into BigQuery proj-test:raw: ${message} — BigQuery lets one job modify 4,000 partitions and a table hold 10,000, and proj-test:raw.orders is partitioned by DAY on updated_at:` +
        ' set destination.gcp.partition_granularity to MONTH or YEAR and recreate the table (an existing table keeps its partitioning)',
    );
  });

  it('splits more than 10,000 parts into jobs: the first truncates the stage, the next appends', async () => {
    const parts = Array.from({ length: 10_001 }, (_, i) => ({ key: `k${i}`, uri: `gs://stage-bucket/p/orders/run=r1/part-0-${i}.avro`, rows: 1, bytes: 1 }));
    t.answerCounts(10_001, 10_001);
    await (await t.open()).load(request({ parts, expectedRows: 10_001 }));
    const loads = t.fake.jobInserts().filter((j) => j.configuration.load) as { jobReference: { jobId: string }; configuration: { load: { sourceUris: string[]; writeDisposition: string } } }[];
    expect(loads.map((j) => [j.jobReference.jobId, j.configuration.load.sourceUris.length, j.configuration.load.writeDisposition])).toEqual([
      [loadJobId(DATASET, 'orders', RUN, 0, 0), 10_000, 'WRITE_TRUNCATE'],
      [loadJobId(DATASET, 'orders', RUN, 1, 0), 1, 'WRITE_APPEND'],
    ]);
    expect(loads[1]?.configuration.load.sourceUris).toEqual(['gs://stage-bucket/p/orders/run=r1/part-0-10000.avro']);
  });

  it('refuses parts that are not in GCS', async () => {
    const parts = [{ key: 'k', uri: '/tmp/staging/k.avro', rows: 1, bytes: 1 }];
    const error = await (await t.open()).load(request({ parts, expectedRows: 1 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as Error).message).toBe("table orders, run r1: part k is at /tmp/staging/k.avro; BigQuery loads from gs:// only — stage with the gcp cloud's GCS store");
  });

  it('pushes out the expiry of a stage an earlier attempt left', async () => {
    t.answerCounts(4, 4);
    t.fake.tables.set(`proj-test:raw.${STAGE}`, { tableReference: { tableId: STAGE }, expirationTime: '1' });
    await (await t.open({}, { ...DESTINATION, stage_expiration_hours: 2 })).load(request());
    const patch = t.fake.requests.find((r) => r.method === 'PATCH');
    expect(patch?.path).toBe(`/projects/proj-test/datasets/raw/tables/${STAGE}`);
    expect(patch?.body).toMatchObject({ expirationTime: String(NOW.getTime() + 2 * 3_600_000) });
  });
});
