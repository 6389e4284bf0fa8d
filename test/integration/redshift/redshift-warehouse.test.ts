/**
 * The Redshift warehouse (shared/warehouses/redshift/) through the real
 * @aws-sdk/client-redshift-data against the Redshift Data API FAKE
 * (test/support/redshift-data-fake.ts), which executes the SQL on PostgreSQL and emulates
 * `COPY … FORMAT AS AVRO` from real parts in a local folder. What the fake cannot prove is asserted
 * on real Redshift by redshift-live.test.ts. Values are read back with PostgreSQL's text output.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ContractError, EXIT, TerminalError, TransientError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/log.js';
import type { Row } from '../../../shared/model/column.js';
import { openRedshiftWarehouse, type RedshiftWarehouse, type RedshiftWarehouseOptions } from '../../../shared/warehouses/redshift/redshift-warehouse.js';
import { FaultProxy } from '../../support/fault-proxy.js';
import { EXACT_TIES } from '../../support/model-fixtures.js';
import { folderObjectReader, skipWithoutRedshiftFake, startRedshiftDataFake, type RedshiftDataFake } from '../../support/redshift-data-fake.js';
import { ALL_TYPES, ALL_TYPES_ROWS, capturedLog, DESTINATION, loadRequest, ORDERS, MAX_38_9, putObject, SCHEMA, textSchema, writeParts } from './warehouse-fixtures.js';

const SUITE = 'redshift warehouse (fake)';
const skip = skipWithoutRedshiftFake(SUITE);
const FAST_RETRY = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 };

describe.skipIf(skip)('Redshift warehouse through the real SDK against the Redshift Data API fake', () => {
  let fake: RedshiftDataFake;
  let stop: () => Promise<void>;
  let root: string;
  const open: RedshiftWarehouse[] = [];

  const saved = { ...process.env };
  beforeAll(async () => {
    // The warehouse takes credentials from the default provider chain only: here, its environment step.
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'fake', AWS_SECRET_ACCESS_KEY: 'fake' });
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;
    root = await mkdtemp(join(tmpdir(), 'datapipe-redshift-wh-'));
    ({ fake, stop } = await startRedshiftDataFake({ reader: folderObjectReader(root), schemas: [SCHEMA] }));
  });
  afterEach(async () => {
    for (const warehouse of open.splice(0)) await warehouse.close();
    await fake.query(`DROP TABLE IF EXISTS ${SCHEMA}.all_types, ${SCHEMA}.orders, ${SCHEMA}._datapipe_loads`);
  });
  afterAll(async () => {
    await stop?.();
    if (root) await rm(root, { recursive: true, force: true });
    process.env = saved;
  });

  async function warehouse(options: RedshiftWarehouseOptions & { log?: Logger } = {}): Promise<RedshiftWarehouse> {
    const { log = capturedLog().log, ...rest } = options;
    const opened = await openRedshiftWarehouse(DESTINATION, log, {
      endpoint: fake.endpoint, putObject: putObject(root), retry: FAST_RETRY, ...rest,
    });
    open.push(opened);
    return opened;
  }

  const order = (id: number | bigint, updated: string | null, amount: string | null, ratio: number | null, note: string | null): Row =>
    ({ id: BigInt(id), updated, amount, ratio, note });
  const ordersNow = async () => (await fake.query<{ r: string[] }>(
    `SELECT ARRAY[id::text, updated::text, amount::text, ratio::text, note] AS r FROM ${SCHEMA}.orders ORDER BY id`)).map((row) => row.r);
  const loads = async () => (await fake.query<{ r: string[] }>(
    `SELECT ARRAY[table_name, run_id, mode, rows_staged::text, rows_loaded::text, watermark] AS r FROM ${SCHEMA}._datapipe_loads ORDER BY loaded_at, run_id`)).map((row) => row.r);

  it('loads every canonical kind exactly, the fidelity edges included, then merges an incremental run', async () => {
    const wh = await warehouse();
    await wh.ensureTable(ALL_TYPES, 'updated');
    const max = MAX_38_9;
    const rows = ALL_TYPES_ROWS;
    const parts = await writeParts(root, ALL_TYPES, 'r1', [rows.slice(0, 3), rows.slice(3)]);
    expect(await wh.load(loadRequest(ALL_TYPES, 'r1', parts, { watermark: '9999-12-31 23:59:59.999999' }))).toEqual({ staged: 6, deduplicated: 6, targetRows: 6 });
    const read = async () => (await fake.query<{ r: (string | null)[] }>(`SELECT ARRAY[id::text, updated::text, amount::text, wide, ratio::text, small::text, note, doc, span,
      encode(raw, 'hex'), day::text, at::text, flag::text] AS r FROM ${SCHEMA}.all_types ORDER BY id`)).map((row) => row.r);
    expect(await read()).toEqual([
      ['-9223372036854775808', '0001-01-01 00:00:00', `-${max}`, '-12345678901234567890123456789012345678.12', '-0', '-0', '', '{}', 'P0D', '', '0001-01-01', '0001-01-01 00:00:00+00', 'false'],
      ['0', '1970-01-01 00:00:00.000001', '0.000000001', null, 'Infinity', '0.1', null, null, null, null, null, '2024-05-01 10:00:00.000001+00', null],
      ['1', null, '-0.500000000', null, '-Infinity', null, ' ', null, null, '00', '1970-01-01', null, null],
      ['2', null, null, null, '1.7976931348623157e+308', null, null, null, null, null, null, null, null],
      ['3', null, null, null, '2.2250738585072014e-308', null, null, null, null, null, null, null, null],
      ['9223372036854775807', '9999-12-31 23:59:59.999999', max, '0.01', 'NaN', '3.4028235e+38', 'Ñandú ✓ 日本 🎉 "quoted" it\'s\nline', '{"a":[1,2.5,null]}',
        'P1Y2M3DT4H5M6.789S', '00ff10deadbeef', '9999-12-31', '9999-12-31 23:59:59.999999+00', 'true'],
    ]);
    // Empty string and empty bytes are not NULL; the column types are the documented ones.
    expect(await fake.query(`SELECT count(*)::int AS n FROM ${SCHEMA}.all_types WHERE note = '' AND raw = ''::bytea`)).toEqual([{ n: 1 }]);
    expect((await fake.query<{ t: string }>(`SELECT format_type(atttypid, atttypmod) AS t FROM pg_attribute WHERE attrelid = '${SCHEMA}.all_types'::regclass AND attnum > 0 ORDER BY attnum`)).map((r) => r.t))
      .toEqual(['bigint', 'timestamp without time zone', 'numeric(38,9)', 'character varying(43)', 'double precision', 'real', 'character varying(65535)',
        'character varying(65535)', 'character varying(65535)', 'bytea', 'date', 'timestamp with time zone', 'boolean']);

    const second = await writeParts(root, ALL_TYPES, 'r2', [[
      { ...rows[2]!, updated: '2024-06-01 00:00:00.000000', amount: '1.000000000', note: 'changed' },
      { ...rows[4]!, id: 4n, note: 'new' },
    ]]);
    expect(await wh.load(loadRequest(ALL_TYPES, 'r2', second, { watermark: '2024-06-01 00:00:00.000000' }))).toEqual({ staged: 2, deduplicated: 2, targetRows: 7 });
    expect((await read()).map((r) => [r[0], r[1], r[2], r[6]])).toEqual([
      ['-9223372036854775808', '0001-01-01 00:00:00', `-${max}`, ''], ['0', '2024-06-01 00:00:00', '1.000000000', 'changed'], ['1', null, '-0.500000000', ' '],
      ['2', null, null, null], ['3', null, null, null], ['4', null, null, 'new'], ['9223372036854775807', '9999-12-31 23:59:59.999999', max, rows[1]!.note],
    ]);
    expect(await wh.latestLoad('all_types')).toEqual({ runId: 'r2', mode: 'incremental', rowsStaged: 2, rowsLoaded: 2, watermark: '2024-06-01 00:00:00.000000' });
    // The COPY read a manifest of exactly the run's parts, written beside them; every session is closed.
    const copy = fake.executedSql().find((sql) => sql.startsWith('COPY') && sql.includes('run=r2'))!;
    const manifestKey = /FROM 's3:\/\/staging\/([^']+)'/.exec(copy)![1]!;
    expect(JSON.parse(await readFile(join(root, 'staging', manifestKey), 'utf8'))).toEqual({ entries: second.map((p) => ({ url: p.uri, mandatory: true, meta: { content_length: p.bytes } })) });
    expect(fake.sessions.all().map((s) => s.status)).not.toContain('AVAILABLE');
  });

  it('creates the target and _datapipe_loads once, and refuses an existing target whose columns differ (exit 3)', async () => {
    const wh = await warehouse();
    await wh.ensureTable(ORDERS, 'updated');
    await wh.ensureTable(ORDERS, 'updated');
    expect(await fake.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = '${SCHEMA}'`)).toEqual([{ n: 2 }]);
    await fake.query(`ALTER TABLE ${SCHEMA}.orders DROP COLUMN note`);
    await fake.query(`ALTER TABLE ${SCHEMA}.orders ALTER COLUMN amount TYPE numeric(18,2)`);
    await expect(wh.ensureTable(ORDERS, 'updated')).rejects.toEqual(new ContractError(
      'target raw.orders in Redshift workgroup datapipe, database dev differs from the schema: lacks column note; amount is numeric(18,2), ' +
        'the schema says NUMERIC(38,9) — migrate the table or regenerate the schema',
    ));
  });

  it('finds the endpoint in AWS_ENDPOINT_URL_REDSHIFT_DATA when none is given (the SDK\'s service-specific setting)', async () => {
    process.env.AWS_ENDPOINT_URL_REDSHIFT_DATA = fake.endpoint;
    try {
      const wh = await warehouse({ endpoint: undefined });
      const before = fake.requests.length;
      await wh.ensureTable(ORDERS, 'updated');
      expect(await wh.latestLoad('orders')).toBeNull();
      expect(fake.requests.slice(before).map((r) => [r.operation, r.signed])).toContainEqual(['ExecuteStatement', true]);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_REDSHIFT_DATA;
    }
  });

  it('keeps one row per key: the latest partition value, then the EXACT_TIES rule, whatever the order', async () => {
    const wh = await warehouse();
    await wh.ensureTable(ORDERS, 'updated');
    const latest = [order(9, '2024-05-01 00:00:00.000000', '1.000000000', 1, 'old'), order(9, '2024-05-02 00:00:00.000000', '2.000000000', 2, 'new'), order(9, null, '9.000000000', 9, 'undated')];
    const ties = EXACT_TIES.staged.map(([id, amount, ratio, note]) => order(id, `${EXACT_TIES.stamp}.000000`, amount, ratio, note));
    const staged = [...latest, ...ties];
    for (const [n, rows] of [staged, [...staged].reverse()].entries()) {
      await fake.query(`DELETE FROM ${SCHEMA}.orders`);
      const parts = await writeParts(root, ORDERS, `t${n}`, [rows.slice(0, 5), rows.slice(5)]);
      expect(await wh.load(loadRequest(ORDERS, `t${n}`, parts, { baseRunId: n === 0 ? null : `t${n - 1}` }))).toEqual({ staged: 13, deduplicated: 6, targetRows: 6 });
      const kept = (await ordersNow()).map(([id, , amount, ratio, note]) => [id, amount, Number(ratio), note]);
      expect(kept).toEqual([
        ...EXACT_TIES.kept.map(([id, amount, ratio, note]) => [String(id), amount, Number(ratio), note]),
        ['9', '2.000000000', 2, 'new'],
      ]);
    }
  });

  it('replaces in full mode, refuses a stale run inside the transaction, and re-running a load changes nothing', async () => {
    const wh = await warehouse();
    await wh.ensureTable(ORDERS, 'updated');
    const r1 = await writeParts(root, ORDERS, 'r1', [[order(1, '2024-05-01 00:00:00.000000', '1.000000000', 1, 'r1')]]);
    await wh.load(loadRequest(ORDERS, 'r1', r1));
    await wh.load(loadRequest(ORDERS, 'r1', r1));
    expect(await loads()).toEqual([['orders', 'r1', 'incremental', '1', '1', null]]);
    const r2 = await writeParts(root, ORDERS, 'r2', [[order(2, '2024-05-03 00:00:00.000000', '3.000000000', 3, 'r2 replaced all')]]);
    expect(await wh.load(loadRequest(ORDERS, 'r2', r2, { mode: 'full', watermark: '2024-05-03 00:00:00.000000' }))).toEqual({ staged: 1, deduplicated: 1, targetRows: 1 });
    expect(await ordersNow()).toEqual([['2', '2024-05-03 00:00:00', '3.000000000', '3', 'r2 replaced all']]);

    // r3 was extracted after r1, like r2: its rows are older than the table's.
    const r3 = await writeParts(root, ORDERS, 'r3', [[order(2, '2024-05-02 00:00:00.000000', '2.000000000', 2, 'stale')]]);
    const stale = await wh.load(loadRequest(ORDERS, 'r3', r3, { baseRunId: 'r1' })).catch((e: unknown) => e);
    expect(stale).toEqual(new TerminalError('ORDERS: run r3 was extracted after run r1, but the warehouse has since merged run r2 — its rows are older; extract a new run instead of loading this one'));
    expect(await ordersNow()).toEqual([['2', '2024-05-03 00:00:00', '3.000000000', '3', 'r2 replaced all']]);
    expect(await loads()).toEqual([['orders', 'r1', 'incremental', '1', '1', null], ['orders', 'r2', 'full', '1', '1', '2024-05-03 00:00:00.000000']]);
  });

  it('refuses NULL keys and a short stage with the protocol\'s messages (exit 3)', async () => {
    const wh = await warehouse();
    await wh.ensureTable(ORDERS, 'updated');
    const nullKey = await writeParts(root, ORDERS, 'n1', [[order(1, null, null, null, 'a')]], textSchema({ ...ORDERS, columns: ORDERS.columns.map((c) => ({ ...c, nullable: true })) }));
    nullKey[0] = { ...nullKey[0]! };
    const rows = [{ id: null, updated: null, amount: null, ratio: null, note: 'no key' }, { id: 5n, updated: null, amount: null, ratio: null, note: 'key' }];
    const withNull = await writeParts(root, ORDERS, 'n2', [rows], textSchema({ ...ORDERS, columns: ORDERS.columns.map((c) => ({ ...c, nullable: true })) }));
    await expect(wh.load(loadRequest(ORDERS, 'n2', withNull, { baseRunId: null }))).rejects.toEqual(new ContractError(
      "table orders, run n2: 1 staged rows have NULL in primary-key column id; a primary key is never NULL — fix the source rows or the table's primary_keys in config.yaml",
    ));
    await expect(wh.load(loadRequest(ORDERS, 'n1', nullKey, { baseRunId: null, expectedRows: 2 }))).rejects.toEqual(new ContractError(
      'stage for orders run n1 holds 1 rows but the manifests list 2 — the staged files are incomplete; re-run the extractor for this run',
    ));
    expect(await loads()).toEqual([]);
  });

  it('names the rejected value of a failed COPY (load-error row), and refuses decimals a cast would round', async () => {
    const wh = await warehouse();
    await wh.ensureTable(ORDERS, 'updated');
    const bad = await writeParts(root, ORDERS, 'b1', [[{ id: 'abc', updated: null, amount: null, ratio: null, note: 'x' }]], textSchema(ORDERS, { id: 'string' }));
    const rejected = await wh.load(loadRequest(ORDERS, 'b1', bad, { baseRunId: null })).catch((e: unknown) => e) as ContractError;
    expect(rejected).toBeInstanceOf(ContractError);
    expect(rejected.exitCode).toBe(EXIT.contract);
    expect(rejected.message).toBe(`table orders, run b1: COPY rejected a value — column id, value "abc" in ${bad[0]!.uri} line 1: ` +
      "Invalid digit, Value 'a', Pos 0, Type: Integer (load error 1207); the staged file does not match the schema — re-run the extractor with the committed schema");
    // The failed load's session was closed all the same (its temporary tables with it).
    expect(fake.sessions.all().filter((session) => session.status !== 'CLOSED')).toEqual([]);

    const rounded = await writeParts(root, ORDERS, 'b2', [[order(7, null, '1.0000000001', null, 'ten digits'), order(8, null, '1.5', null, 'fine')]]);
    await expect(wh.load(loadRequest(ORDERS, 'b2', rounded, { baseRunId: null }))).rejects.toEqual(new ContractError(
      'table orders, run b2: column amount has 1 staged value that does not load exactly — e.g. "1.0000000001" (primary key id=7) has 10 digits after the point, ' +
        'more than the scale of decimal(38,9): a cast would round it; DataPipe does not round or guess — re-run the extractor with the committed schema',
    ));
    expect(await ordersNow()).toEqual([]);
  });

  it('retries throttling itself, once per failure and with one ClientToken (the SDK\'s retries are off), and never runs a statement twice', async () => {
    const { log, records } = capturedLog();
    const wh = await warehouse({ log });
    await wh.ensureTable(ORDERS, 'updated');
    const parts = await writeParts(root, ORDERS, 'r1', [[order(1, null, '1.000000000', 1, 'a')]]);
    fake.failNext('BatchExecuteStatement', 'ThrottlingException', 2, 'Rate exceeded');
    const before = fake.requests.length;
    const executed = fake.executions.length;
    await wh.load(loadRequest(ORDERS, 'r1', parts));
    const batches = fake.requests.slice(before).filter((r) => r.operation === 'BatchExecuteStatement');
    expect(batches.map((r) => r.status)).toEqual([400, 400, 200, 200, 200]);
    expect(new Set(batches.slice(0, 3).map((r) => r.body.ClientToken)).size).toBe(1);
    expect(new Set(batches.map((r) => r.body.ClientToken)).size).toBe(3);
    expect(fake.executedSql().slice(executed).filter((sql) => sql.startsWith('COPY')).length).toBe(1);
    expect(records().filter((r) => String(r.msg).includes('ThrottlingException: Rate exceeded); retrying')).map((r) => r.attempt)).toEqual([1, 2]);
    expect(await ordersNow()).toEqual([['1', null, '1.000000000', '1', 'a']]);
  });

  it('retries a statement that FAILED on a conflict with a new ClientToken, in the session its first try opened', async () => {
    const wh = await warehouse();
    await wh.ensureTable(ORDERS, 'updated');
    const parts = await writeParts(root, ORDERS, 'r1', [[order(1, null, '1.000000000', 1, 'after a conflict')]]);
    fake.failStatements(/^COPY "_datapipe_raw"/, 'ERROR: 1023 DETAIL: Serializable isolation violation on table - 100123, transactions forming the cycle are: 1, 2', 1);
    const sessions = fake.sessions.all().length;
    const before = fake.requests.length;
    await wh.load(loadRequest(ORDERS, 'r1', parts));
    const copies = fake.requests.slice(before).filter((r) => r.operation === 'BatchExecuteStatement' && JSON.stringify(r.body).includes('COPY'));
    expect(copies.map((r) => [typeof r.body.WorkgroupName, typeof r.body.SessionId])).toEqual([['string', 'undefined'], ['undefined', 'string']]);
    expect(copies[0]!.body.ClientToken).not.toBe(copies[1]!.body.ClientToken);
    expect(fake.sessions.all().length - sessions).toBe(1);
    expect(await ordersNow()).toEqual([['1', null, '1.000000000', '1', 'after a conflict']]);
  });

  it('answers a garbled reply by submitting again with the same ClientToken: the commit runs once', async () => {
    const proxy = await FaultProxy.start(fake.endpoint);
    try {
      const wh = await warehouse({ endpoint: proxy.endpoint });
      await wh.ensureTable(ORDERS, 'updated');
      const parts = await writeParts(root, ORDERS, 'r1', [[order(1, null, '1.000000000', 1, 'once')]]);
      let batches = 0;
      // The third batch of a load is its commit (COPY, typed stage, commit): its answer loses the JSON's shape.
      proxy.inject((r) => r.headers['x-amz-target'] === 'RedshiftData.BatchExecuteStatement' && ++batches === 3, { corruptAnswer: { find: '"Id":', replace: '"Id" ' } }, 1);
      const before = fake.requests.length;
      const executed = fake.executions.length;
      await wh.load(loadRequest(ORDERS, 'r1', parts));
      const commits = fake.requests.slice(before).filter((r) => r.operation === 'BatchExecuteStatement' && JSON.stringify(r.body).includes('MERGE INTO'));
      expect(commits).toHaveLength(2);
      expect(commits[0]!.body.ClientToken).toBe(commits[1]!.body.ClientToken);
      expect(fake.executedSql().slice(executed).filter((sql) => sql.startsWith('MERGE INTO "raw"."orders"'))).toHaveLength(1);
      expect(await loads()).toEqual([['orders', 'r1', 'incremental', '1', '1', null]]);
    } finally {
      await proxy.close();
    }
  });

  it('cancels a statement held past its deadline and fails with exit 1, changing nothing', async () => {
    const wh = await warehouse({ statementDeadlineMs: 1_500 });
    await wh.ensureTable(ORDERS, 'updated');
    const parts = await writeParts(root, ORDERS, 'r1', [[order(1, null, '1.000000000', 1, 'held')]]);
    fake.holdStatements(/^MERGE INTO "raw"\."orders"/, 20_000);
    const started = performance.now();
    const error = await wh.load(loadRequest(ORDERS, 'r1', parts)).catch((e: unknown) => e) as TransientError;
    const seconds = (performance.now() - started) / 1000;
    expect(error).toBeInstanceOf(TransientError);
    expect(error.exitCode).toBe(EXIT.transient);
    expect(error.message).toMatch(/^loading orders run r1 into Redshift workgroup datapipe, database dev: Redshift statement [0-9a-f-]{36} was still running after 1\.5 s and was cancelled \(now ABORTED\) — look at it in SYS_QUERY_HISTORY; retry the load when the warehouse is less busy$/);
    expect(fake.calls()).toContain('CancelStatement');
    expect(seconds).toBeLessThan(10);
    expect(await ordersNow()).toEqual([]);
    expect(await loads()).toEqual([]);
  });

  it('measures a load of 20,000 rows in two parts, step by step', async () => {
    const { log, records } = capturedLog('debug');
    const wh = await warehouse({ log });
    await wh.ensureTable(ALL_TYPES, 'updated');
    const rows = (from: number): Row[] => Array.from({ length: 10_000 }, (_, i) => ({
      id: BigInt(from + i), updated: '2024-05-01 10:00:00.000001', amount: `${from + i}.123456789`, wide: '1.00', ratio: i / 7, small: Math.fround(i / 3),
      note: `cliente ${i} ñ`, doc: '{"k":1}', span: 'PT1S', raw: 'deadbeef', day: '2024-05-01', at: '2024-05-01 10:00:00.000001+00', flag: i % 2 === 0,
    }));
    const parts = await writeParts(root, ALL_TYPES, 'r1', [rows(0), rows(10_000)]);
    const started = performance.now();
    expect(await wh.load(loadRequest(ALL_TYPES, 'r1', parts))).toEqual({ staged: 20_000, deduplicated: 20_000, targetRows: 20_000 });
    const total = performance.now() - started;
    const steps = records().filter((r) => r.step !== undefined).map((r) => `${String(r.step)} ${String(r.ms)} ms`);
    console.info(`[${SUITE}] 20,000 rows, 13 columns, 2 parts, by step: ${steps.join(', ')}; whole load ${total.toFixed(0)} ms (${Math.round(20_000 / (total / 1000))} rows/s)`);
    // Stage (manifest, COPY, check of the text values, typed stage), the protocol's stage check, the commit, the count.
    expect(steps.map((s) => s.split(' ')[0])).toEqual(['manifest', 'copy', 'values', 'convert', 'check', 'commit', 'count']);
  });
});
