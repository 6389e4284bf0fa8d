/**
 * The Redshift warehouse against real Redshift (Serverless or provisioned) and S3, asserting what
 * the Redshift Data API fake (test/support/redshift-data-fake.ts) and the warehouse assume:
 * COPY inside a batch's transaction, the redshift-text forms (year 0001, microseconds, `+00`,
 * hex) read exactly, `["null", T]` unions through FORMAT AS AVRO, the float specials, the failIf
 * statement's error, NaN = NaN, MERGE without a target alias (and with WHEN MATCHED on a table of
 * keys only), ClientToken replays, the end of a session at keep-alive 0, and the load-error row.
 *
 *   AWS_PROFILE=… DATAPIPE_IT_AWS_REGION=eu-west-1 DATAPIPE_IT_AWS_BUCKET=my-staging \
 *   DATAPIPE_IT_AWS_WORKGROUP=my-wg DATAPIPE_IT_AWS_DATABASE=dev DATAPIPE_IT_AWS_SCHEMA=datapipe_it \
 *   DATAPIPE_IT_AWS_IAM_ROLE=arn:aws:iam::123456789012:role/redshift-copy \
 *   npx vitest run test/integration/redshift/redshift-live.test.ts
 *
 * Each run uses fresh table names (`it_<random>_…`) and an S3 prefix, and deletes both at the end.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractError, type DataPipeError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/log.js';
import type { Row, TableModel } from '../../../shared/model/column.js';
import { createRedshiftDataApi, type RedshiftDataApi } from '../../../shared/warehouses/redshift/redshift-client.js';
import { tableRef } from '../../../shared/warehouses/redshift/redshift-ddl.js';
import { REDSHIFT_DIALECT } from '../../../shared/warehouses/redshift/redshift-dialect.js';
import { classifyFailedStatement } from '../../../shared/warehouses/redshift/redshift-errors.js';
import { copyManifest, copySql, createRawSql } from '../../../shared/warehouses/redshift/redshift-stage-sql.js';
import { openRedshiftWarehouse, type RedshiftWarehouse } from '../../../shared/warehouses/redshift/redshift-warehouse.js';
import type { StagedPart } from '../../../shared/warehouses/warehouse.js';
import { liveAws } from '../../support/aws-live.js';
import { column, tableModel } from '../../support/model-fixtures.js';
import { ALL_TYPES, ALL_TYPES_ROWS, loadRequest, MAX_38_9, ORDERS, textSchema, writeParts } from './warehouse-fixtures.js';

const live = liveAws('redshift-live', 'run the Redshift warehouse against real Redshift and S3');
const { destination } = live;
const RUN = `it_${randomBytes(4).toString('hex')}`;
const named = (model: TableModel): TableModel => ({ ...model, name: `${RUN}_${model.name}` });
const allTypes = named(ALL_TYPES);
const orders = named(ORDERS);
const pairs = named(tableModel('APP.PAIRS', [column('a', { kind: 'int64' }, false), column('b', { kind: 'int64' }, false)], ['a', 'b']));

describe.skipIf(!live.available)('Redshift warehouse against real Redshift (live)', () => {
  let s3: S3Client;
  let api: RedshiftDataApi;
  let wh: RedshiftWarehouse;
  let root: string;
  const prefix = `${live.prefix}/${RUN}`;
  const context = { doing: 'live probe', target: 'live', schema: destination.redshift.schema, iamRole: destination.redshift.iam_role };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'datapipe-redshift-live-'));
    s3 = new S3Client({ region: destination.region });
    api = await createRedshiftDataApi({ region: destination.region });
    const putObject = async (key: string, body: string) => { await s3.send(new PutObjectCommand({ Bucket: destination.bucket, Key: key, Body: body })); };
    wh = await openRedshiftWarehouse(destination, silentLogger, { putObject });
  });
  afterAll(async () => {
    if (!wh) return;
    for (const model of [allTypes, orders, pairs]) await sql(`DROP TABLE IF EXISTS ${tableRef(destination.redshift.schema, model.name)}`).catch(() => undefined);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: destination.bucket, Prefix: `${prefix}/` }));
    const keys = (listed.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (keys.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: destination.bucket, Delete: { Objects: keys } }));
    await wh.close();
    api.destroy();
    s3.destroy();
    await rm(root, { recursive: true, force: true });
  });

  /** Runs statements (a batch when several) through the warehouse's runner; rows of the last when one. */
  async function sql(text: string | string[]): Promise<Record<string, unknown>[]> {
    const sqls = Array.isArray(text) ? text : [text];
    const runner = wh.redshift.runner;
    const finished = await runner.run({ sqls, batch: sqls.length > 1, origin: 'query', params: {}, connection: wh.redshift.connection, context });
    return sqls.length === 1 && finished.described.HasResultSet ? runner.results(finished.id, context) : [];
  }

  /** Writes parts locally with the PartWriter and uploads them under the run's prefix. */
  async function upload(model: TableModel, runId: string, parts: Row[][], schema = textSchema(model)): Promise<StagedPart[]> {
    const local = await writeParts(root, model, runId, parts, schema);
    return Promise.all(local.map(async (part) => {
      const key = `${prefix}/${part.key}`;
      await s3.send(new PutObjectCommand({ Bucket: destination.bucket, Key: key, Body: await readFile(join(root, 'staging', part.key)) }));
      return { ...part, key, uri: `s3://${destination.bucket}/${key}` };
    }));
  }

  it('reads the redshift-text forms exactly: year 0001, microseconds, +00, 38 digits, hex', async () => {
    expect(await sql(`SELECT CAST(CAST('0001-01-01 00:00:00.000001' AS TIMESTAMP) AS VARCHAR(40)) AS a,
      CAST(CAST('9999-12-31 23:59:59.999999+00' AS TIMESTAMPTZ) AS VARCHAR(40)) AS b, CAST(CAST('0001-01-01' AS DATE) AS VARCHAR(20)) AS c,
      CAST(CAST('-${MAX_38_9}' AS NUMERIC(38,9)) AS VARCHAR(50)) AS d, FROM_VARBYTE(TO_VARBYTE('00ff10', 'hex'), 'hex') AS e,
      LEN(TO_VARBYTE('', 'hex')) AS f, CAST('NaN' AS DOUBLE PRECISION) = CAST('NaN' AS DOUBLE PRECISION) AS g`)).toEqual([{
      a: '0001-01-01 00:00:00.000001', b: '9999-12-31 23:59:59.999999+00', c: '0001-01-01', d: `-${MAX_38_9}`, e: '00ff10', f: 0, g: true,
    }]);
  });

  it('runs COPY inside a batch\'s transaction: a later failure rolls the COPY back', async () => {
    const parts = await upload(orders, 'txn', [[{ id: 1n, updated: null, amount: '1.000000000', ratio: 1, note: 'x' }]]);
    const manifest = copyManifest(parts, 'live');
    await s3.send(new PutObjectCommand({ Bucket: destination.bucket, Key: manifest.key, Body: manifest.body }));
    const table = tableRef(destination.redshift.schema, `${RUN}_copy_txn`);
    const raw = createRawSql(orders).replace('CREATE TEMP TABLE "_datapipe_raw"', `CREATE TABLE ${table}`);
    const copy = copySql(orders, manifest.url, destination.redshift.iam_role).replace('"_datapipe_raw"', table);
    const failed = await sql([raw, copy, 'SELECT CAST(\'x\' AS INTEGER)']).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(Error);
    expect(await sql(`SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = '${destination.redshift.schema}' AND table_name = '${RUN}_copy_txn'`)).toEqual([{ n: 0 }]);
  });

  it('loads every kind with its edges through the warehouse (unions of null, float specials) and merges', async () => {
    await wh.ensureTable(allTypes, 'updated');
    const parts = await upload(allTypes, 'r1', [ALL_TYPES_ROWS.slice(0, 3), ALL_TYPES_ROWS.slice(3)]);
    expect(await wh.load(loadRequest(allTypes, 'r1', parts))).toEqual({ staged: 6, deduplicated: 6, targetRows: 6 });
    const rows = await sql(`SELECT CAST(id AS VARCHAR(20)) AS id, CAST(updated AS VARCHAR(30)) AS updated, CAST(amount AS VARCHAR(50)) AS amount, wide,
      ratio, small, note, doc, span, FROM_VARBYTE(raw, 'hex') AS raw, CAST(day AS VARCHAR(10)) AS day, CAST(at AS VARCHAR(40)) AS at, flag
      FROM ${tableRef(destination.redshift.schema, allTypes.name)} ORDER BY id`);
    expect(rows.map((r) => [r.id, r.updated, r.amount, r.note, r.raw, r.day, r.at, r.flag])).toEqual([
      ['-9223372036854775808', '0001-01-01 00:00:00', `-${MAX_38_9}`, '', '', '0001-01-01', '0001-01-01 00:00:00+00', false],
      ['0', '1970-01-01 00:00:00.000001', '0.000000001', null, null, null, '2024-05-01 10:00:00.000001+00', null],
      ['1', null, '-0.500000000', ' ', '00', '1970-01-01', null, null],
      ['2', null, null, null, null, null, null, null],
      ['3', null, null, null, null, null, null, null],
      ['9223372036854775807', '9999-12-31 23:59:59.999999', MAX_38_9, ALL_TYPES_ROWS[1]!.note, '00ff10deadbeef', '9999-12-31', '9999-12-31 23:59:59.999999+00', true],
    ]);
    const ratios = rows.map((r) => (Object.is(r.ratio, -0) ? '-0' : r.ratio));
    expect(ratios).toEqual(['-0', Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.7976931348623157e308, 2.2250738585072014e-308, Number.NaN]);
    expect(rows.map((r) => (typeof r.small === 'number' ? Math.fround(r.small) : r.small))).toEqual([-0, Math.fround(0.1), null, null, null, Math.fround(3.4028234663852886e38)]);
  });

  it('merges a table of key columns only (WHEN MATCHED on its key), refuses a stale run with the marker, records each run once', async () => {
    await wh.ensureTable(pairs, null);
    for (const run of ['r1', 'r2']) {
      const parts = await upload(pairs, run, [[{ a: 1n, b: 1n }, { a: 1n, b: 1n }, { a: 2n, b: 5n }]]);
      await wh.load(loadRequest(pairs, run, parts, { partitionColumn: null }));
    }
    expect(await sql(`SELECT a, b FROM ${tableRef(destination.redshift.schema, pairs.name)} ORDER BY a, b`)).toEqual([{ a: 1, b: 1 }, { a: 2, b: 5 }]);
    const stale = await upload(pairs, 'r3', [[{ a: 3n, b: 3n }]]);
    await expect(wh.load(loadRequest(pairs, 'r3', stale, { partitionColumn: null, baseRunId: 'r1' }))).rejects.toThrow(/extract a new run instead of loading this one/);
    expect(await wh.latestLoad(pairs.name)).toMatchObject({ runId: 'r2' });
  });

  it('fails the failIf statement with an error the classification recognises, and does not fold it when the condition is false', async () => {
    const loads = tableRef(destination.redshift.schema, '_datapipe_loads');
    expect(await sql(REDSHIFT_DIALECT.failIf(`(SELECT COUNT(*) FROM ${loads}) < 0`, 'datapipe_stale_run'))).toEqual([{ datapipe_check: 0 }]);
    const failIf = REDSHIFT_DIALECT.failIf(`(SELECT COUNT(*) FROM ${loads}) >= 0`, 'datapipe_stale_run');
    const { Id } = await api.executeStatement({ ...wh.redshift.connection, Sql: failIf });
    const described = await finished(Id!);
    expect(described.Status).toBe('FAILED');
    console.info(`[redshift-live] failIf error text: ${described.Error}`);
    expect(classifyFailedStatement({ id: Id!, status: 'FAILED', error: described.Error ?? '', sql: failIf }, { ...context, origin: 'commit' }).message).toContain('datapipe_stale_run');
  });

  it('names the rejected value of a failed COPY from the load-error tables', async () => {
    await wh.ensureTable(orders, 'updated');
    const bad = await upload(orders, 'bad', [[{ id: 'abc', updated: null, amount: null, ratio: null, note: 'x' }]], textSchema(orders, { id: 'string' }));
    const error = await wh.load(loadRequest(orders, 'bad', bad, { baseRunId: null })).catch((e: unknown) => e) as DataPipeError;
    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toMatch(new RegExp(`COPY rejected a value — column id(, value "abc")? in ${bad[0]!.uri} line 1: `));
  });

  it('replays a ClientToken\'s statement, FAILED ones too (why a retry after FAILED takes a new token)', async () => {
    const token = randomUUID();
    const request = { ...wh.redshift.connection, Sql: 'SELECT CAST(\'x\' AS INTEGER)', ClientToken: token };
    const first = await api.executeStatement(request);
    expect((await finished(first.Id!)).Status).toBe('FAILED');
    const again = await api.executeStatement(request);
    expect(again.Id).toBe(first.Id);
    await expect(api.executeStatement({ ...request, Sql: 'SELECT 1' })).rejects.toMatchObject({ name: expect.any(String) });
  });

  it('ends a session at keep-alive 0', async () => {
    const opened = await api.executeStatement({ ...wh.redshift.connection, Sql: 'SELECT 1', SessionKeepAliveSeconds: 60 });
    await finished(opened.Id!);
    const closing = await api.executeStatement({ Sql: 'SELECT 1', SessionId: opened.SessionId!, SessionKeepAliveSeconds: 0 });
    await finished(closing.Id!);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await expect(api.executeStatement({ Sql: 'SELECT 1', SessionId: opened.SessionId! })).rejects.toMatchObject({ name: expect.stringMatching(/ResourceNotFound|Validation/) });
  });

  async function finished(id: string) {
    for (;;) {
      const described = await api.describeStatement({ Id: id, WaitTimeSeconds: 20 });
      if (['FINISHED', 'FAILED', 'ABORTED'].includes(described.Status ?? '')) return described;
    }
  }
});
