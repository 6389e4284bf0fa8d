import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avscToModel } from '../../shared/avro/avsc-schema.js';
import { readAvroRecords } from '../../shared/avro/part-reader.js';
import type { Row, TableModel } from '../../shared/model/column.js';
import { manifestSchema, parseStored, stateSchema, type Manifest } from '../../shared/pipeline/manifest.js';
import { reconcile } from '../../shared/pipeline/reconcile.js';
import { StagingLayout } from '../../shared/pipeline/staging-layout.js';
import { silentLogger } from '../../shared/log.js';
import { connectPostgres } from '../../shared/sources/postgres/postgres-source.js';
import { openGcsStore, type GcsStore } from '../../shared/stores/gcs/gcs-store.js';
import { BigQueryFake } from '../support/bigquery-recorder.js';
import { run, workspace } from '../support/cli.js';
import { skipWithoutFakeGcsServer, startFakeGcsServer, type FakeGcsServer } from '../support/fake-gcs-server.js';
import type { PostgresHandle } from '../support/postgres-server.js';
import { oneLine, startOwnDatabase } from './e2e-database.js';
import { salesTableSql } from './gcp-sales-table.js';

/**
 * `--cloud gcp` end to end: PostgreSQL → the extractor entrypoint → GCS (fake-gcs-server, the
 * emulator) → the loader entrypoint → BigQuery, which here is the FAKE BigQuery REST endpoint of
 * test/support/bigquery-recorder.ts (no BigQuery emulator loads AVRO). What is real: the source,
 * the bytes in the bucket (read back and compared with the source, value for value), the state
 * object's generation-conditional writes, the entrypoints' argv, exit codes and messages, and the
 * exact jobs the real @google-cloud/bigquery client sends. What the fake decides: the answers to
 * those jobs — and it answers the stage count with the rows actually found in the bucket's parts.
 */

const TABLE = 'VENTAS_CABECERA';
const BUCKET = 'empresa-staging-bucket';
const PROJECT = 'empresa-datalake-test';
const DATASET = 'raw_ventas';
const LAYOUT = new StagingLayout('landing', 'migracion-ventas', TABLE);

const SALES = salesTableSql(TABLE);

const skip = skipWithoutFakeGcsServer('gcp e2e');

let db: PostgresHandle;
let client: pg.Client;
let gcs: FakeGcsServer;
let bigquery: BigQueryFake;
let store: GcsStore;
let cwd: string;
let env: Record<string, string>;

const config = (pgConfig: PostgresHandle['config']) => `project: { name: migracion-ventas, environment: test }
source:
  type: postgres
  connection: { host: "\${PGHOST}", port: ${pgConfig.port}, database: "\${PGDATABASE}", user: "\${PGUSER}", password: "\${PGPASSWORD}" }
  schema: public
destination:
  cloud: gcp
  gcp: { project_id: ${PROJECT}, dataset: ${DATASET}, bucket: ${BUCKET}, prefix: landing, location: US }
staging: { part_size_mb: 1, codec: 'null' }
tables:
  - name: ${TABLE}
    load_mode: incremental
    partition_column: FECHA_VENTA
    primary_keys: [ID_VENTA]
`;

async function model(): Promise<TableModel> {
  return avscToModel(JSON.parse(await readFile(join(cwd, 'schemas', 'ventas_cabecera.avsc'), 'utf8')));
}

async function manifest(runId: string): Promise<Manifest> {
  const body = await store.get(LAYOUT.manifestKey(runId, undefined));
  expect(body, `manifest of ${runId}`).not.toBeNull();
  return parseStored(manifestSchema, body!, 'manifest');
}

/** Every row of a run's parts, read back from the bucket. */
async function* stagedRows(m: Manifest): AsyncIterable<Row[]> {
  for (const file of m.files) {
    const batch: Row[] = [];
    for await (const record of readAvroRecords(await store.openRead(file.key))) batch.push(record);
    yield batch;
  }
}

async function countStaged(m: Manifest): Promise<number> {
  let rows = 0;
  for await (const batch of stagedRows(m)) rows += batch.length;
  return rows;
}

/** The source rows a query selects, as the source reads them. */
async function* sourceRows(m: TableModel, where: string): AsyncIterable<Row[]> {
  const ids = (await client.query<{ id: string }>(`SELECT "ID_VENTA"::text AS id FROM "VENTAS_CABECERA" WHERE ${where}`)).rows.map((r) => r.id);
  const wanted = new Set(ids);
  const source = await connectPostgres(db.config, 'public', silentLogger);
  try {
    for await (const batch of source.read({ model: m, batchSize: 5000 })) yield batch.filter((row) => wanted.has(String(row.id_venta)));
  } finally {
    await source.close();
  }
}


/** The fake answers as BigQuery would for a stage holding `staged` rows (every key distinct, none NULL). */
function planLoad(staged: number, targetRows: number): void {
  bigquery.plan((job) => job.configuration.load !== undefined, { outputRows: staged });
  bigquery.answer(/COUNT\(\*\)[\s\S]*__stage_/, { rows: [{ staged, deduplicated: staged, null_0: 0, null_1: 0, null_2: 0 }] });
  bigquery.answer(/target_rows/, { rows: [{ target_rows: targetRows }] });
}

beforeAll(async () => {
  if (skip) return;
  gcs = await startFakeGcsServer({ buckets: [BUCKET] });
  bigquery = await BigQueryFake.start();
  bigquery.datasets.set(`${PROJECT}:${DATASET}`, { location: 'US' });
  store = openGcsStore({ projectId: PROJECT, bucket: BUCKET, apiEndpoint: gcs.endpoint });
  db = await startOwnDatabase('gcp_e2e');
  client = new pg.Client(db.config);
  await client.connect();
  await client.query(SALES.create);
  await client.query(SALES.edge);
  await client.query(SALES.rows(10, 60_009, '2025-12-01 01:00:00'));
  cwd = await workspace('e2e-gcp');
  await mkdir(join(cwd, 'migracion-ventas'));
  await writeFile(join(cwd, 'migracion-ventas', 'config.yaml'), config(db.config));
  env = {
    PGHOST: db.config.host, PGDATABASE: db.config.database, PGUSER: db.config.user, PGPASSWORD: db.config.password ?? '',
    STORAGE_EMULATOR_HOST: gcs.endpoint, BIGQUERY_EMULATOR_HOST: bigquery.url,
  };
});

afterAll(async () => {
  await client?.end();
  await db?.stop();
  await bigquery?.close();
  await gcs?.stop();
});

describe.skipIf(skip)('end to end on gcp (PostgreSQL → extractor → fake-gcs-server → loader → FAKE BigQuery endpoint)', () => {
  const common = ['--table', TABLE, '--cloud', 'gcp', '--config', 'migracion-ventas/config.yaml'];

  it('generate schema writes the .avsc, the BigQuery schema and the BigQuery DDL', async () => {
    const outcome = await run('datapipe', ['generate', 'schema', TABLE, '--config', 'migracion-ventas/config.yaml'], { cwd, env });
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    const fields = JSON.parse(await readFile(join(cwd, 'schemas', 'ventas_cabecera.json'), 'utf8')) as { name: string; type: string; mode: string }[];
    expect(fields.map((f) => `${f.name} ${f.type} ${f.mode}`)).toEqual([
      'id_venta INT64 REQUIRED', 'monto BIGNUMERIC NULLABLE', 'precio NUMERIC REQUIRED', 'fecha_venta DATETIME REQUIRED',
      'entrega DATE NULLABLE', 'instante TIMESTAMP NULLABLE', 'cliente STRING NULLABLE', 'documento BYTES NULLABLE',
    ]);
    const ddl = await readFile(join(cwd, 'schemas', 'ventas_cabecera.sql'), 'utf8');
    expect(ddl).toContain(`CREATE TABLE IF NOT EXISTS \`${PROJECT}\`.\`${DATASET}\`.\`ventas_cabecera\` (`);
    expect(ddl).toContain('\nPARTITION BY DATETIME_TRUNC(`fecha_venta`, DAY)\nCLUSTER BY `id_venta`\n');
  });

  it('the extractor streams the table into the bucket; the parts hold the source to the last digit', async () => {
    const runId = 'scheduled__2026-11-26T02:00:00+00:00';
    const extracted = await run('extractor', [...common, '--run-id', runId], { cwd, env });
    expect(extracted.stderr).toBe('');
    expect(extracted.code).toBe(0);
    const m = await manifest('scheduled__2026-11-26T02_00_00_00_00');
    expect(m.rows).toBe(60_002);
    expect(m.files.length).toBeGreaterThan(1);
    const listed = await store.list(LAYOUT.runPrefix(m.runId));
    expect(listed).toEqual([...m.files.map((f) => f.key), LAYOUT.manifestKey(m.runId, undefined), LAYOUT.windowKey(m.runId)].sort());
    const outcome = await reconcile(await model(), sourceRows(await model(), 'TRUE'), stagedRows(m));
    expect(outcome.differences).toEqual([]);
    expect(outcome.targetRows).toBe(60_002);
  });

  it('the loader loads exactly the run\'s parts into a stage, merges in one transaction and advances the state', async () => {
    const runId = 'scheduled__2026-11-26T02_00_00_00_00';
    const m = await manifest(runId);
    const staged = await countStaged(m);
    planLoad(staged, staged);
    const loaded = await run('loader', [...common, '--run-id', runId], { cwd, env });
    expect(loaded.stderr).toBe('');
    expect(loaded.code).toBe(0);

    const jobs = bigquery.jobInserts();
    const loads = jobs.filter((j) => j.configuration.load !== undefined);
    expect(loads).toHaveLength(1);
    const load = loads[0]!.configuration.load as Record<string, unknown>;
    expect(load.sourceUris).toEqual(m.files.map((f) => `gs://${BUCKET}/${f.key}`));
    expect(load).toMatchObject({
      sourceFormat: 'AVRO', useAvroLogicalTypes: true, decimalTargetTypes: ['NUMERIC', 'BIGNUMERIC', 'STRING'],
      writeDisposition: 'WRITE_TRUNCATE',
    });
    expect((load.destinationTable as { tableId: string }).tableId).toMatch(/^ventas_cabecera__stage_/);
    expect(loads[0]!.jobReference.location).toBe('US');

    const scripts = jobs.map((j) => j.configuration.query?.query ?? '').filter((q) => q.includes('BEGIN TRANSACTION'));
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toContain('MERGE INTO `empresa-datalake-test`.`raw_ventas`.`ventas_cabecera` AS `target`');
    // The stage check planned above finds every key once: the MERGE reads the stage as it is.
    expect(scripts[0]).toMatch(/\nUSING \(\n {2}SELECT `id_venta`, [^\n]*\n {2}FROM `empresa-datalake-test`\.`raw_ventas`\.`ventas_cabecera__stage_[0-9a-f]+`\n\) AS `source`\n/);
    expect(scripts[0]).not.toContain('QUALIFY');
    expect(scripts[0]).toContain('_datapipe_loads');
    expect(scripts[0]).toMatch(/COMMIT TRANSACTION;\s*$/);

    const target = bigquery.tables.get(`${PROJECT}:${DATASET}.ventas_cabecera`) as Record<string, unknown>;
    expect(target.timePartitioning).toMatchObject({ type: 'DAY', field: 'fecha_venta' });
    expect(target.clustering).toEqual({ fields: ['id_venta'] });

    const state = parseStored(stateSchema, (await store.get(LAYOUT.stateKey))!, 'state');
    const max = (await client.query<{ w: string }>(`SELECT to_char(max("FECHA_VENTA"), 'YYYY-MM-DD"T"HH24:MI:SS.US') AS w FROM "VENTAS_CABECERA"`)).rows[0]!.w;
    expect(state).toMatchObject({ runId, watermark: max, rows: 60_002 });
  });

  it('re-running a loaded run loads it again (its stage is gone) under the next job id, never reusing a finished job', async () => {
    const runId = 'scheduled__2026-11-26T02_00_00_00_00';
    const loadIds = () => bigquery.jobInserts().filter((j) => j.configuration.load !== undefined).map((j) => j.jobReference.jobId);
    const [first] = loadIds();
    expect(first).toMatch(/^datapipe_load_ventas_cabecera_[0-9a-f]{16}_b0_a0$/);
    const staged = await countStaged(await manifest(runId));
    planLoad(staged, staged);
    const again = await run('loader', [...common, '--run-id', runId], { cwd, env });
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    // the deterministic id answers 409 (a job of this run exists, finished by the earlier loader),
    // so the re-run takes the next id; WRITE_TRUNCATE into the stage makes the reload harmless
    expect(loadIds()).toEqual([first, first, first!.replace(/_a0$/, '_a1')]);
    const commits = bigquery.jobInserts().map((j) => j.configuration.query?.query ?? '').filter((q) => q.includes('BEGIN TRANSACTION'));
    expect(commits).toHaveLength(2);
    // the stage is named by the run, so the re-run's transaction is the same script, byte for byte
    expect(commits[1]).toBe(commits[0]);
    expect(commits[1]).toContain('WHERE NOT EXISTS (SELECT 1 FROM `empresa-datalake-test`.`raw_ventas`.`_datapipe_loads` WHERE `table_name` = @table_name AND `run_id` = @run_id)');
  });

  it('an incremental run stages only the rows past the watermark, the updated ones included', async () => {
    const w = (await client.query<{ w: string }>(`SELECT max("FECHA_VENTA")::text AS w FROM "VENTAS_CABECERA"`)).rows[0]!.w;
    await client.query(`UPDATE "VENTAS_CABECERA" SET "PRECIO" = "PRECIO" + 0.01, "FECHA_VENTA" = TIMESTAMP '${w}' + interval '1 hour' WHERE "ID_VENTA" IN (1, 500, 20000)`);
    await client.query(SALES.rows(100_000, 100_099, '2025-12-01 00:00:00'));
    const runId = 'scheduled__2026-11-27T02_00_00_00_00';
    const extracted = await run('extractor', [...common, '--run-id', runId], { cwd, env });
    expect(extracted.stderr).toBe('');
    expect(extracted.code).toBe(0);
    const m = await manifest(runId);
    const outcome = await reconcile(await model(), sourceRows(await model(), `"FECHA_VENTA" >= TIMESTAMP '${w}'`), stagedRows(m));
    expect(outcome.differences).toEqual([]);
    // the row at the committed watermark (bounds are inclusive), the three updates, the hundred new rows
    expect(outcome.targetRows).toBe(104);

    planLoad(104, 60_102);
    const loaded = await run('loader', [...common, '--run-id', runId], { cwd, env });
    expect(loaded.stderr).toBe('');
    expect(loaded.code).toBe(0);
    const state = parseStored(stateSchema, (await store.get(LAYOUT.stateKey))!, 'state');
    expect(state).toMatchObject({ runId, rows: 104 });
    const commit = bigquery.jobInserts().at(-2)!.configuration.query!.query;
    expect(commit).toContain('BEGIN TRANSACTION');
  });

  it('a stage that holds fewer rows than the manifests is exit 3 with one line, and the state does not move', async () => {
    await client.query(SALES.rows(200_000, 200_009, '2025-12-01 00:00:00'));
    const runId = 'short-stage';
    expect((await run('extractor', [...common, '--run-id', runId], { cwd, env })).code).toBe(0);
    const before = await store.getVersioned(LAYOUT.stateKey);
    planLoad(10, 0);
    const loaded = await run('loader', [...common, '--run-id', runId], { cwd, env });
    expect(loaded.code).toBe(3);
    expect(oneLine(loaded.stderr)).toBe(`datapipe: stage for ventas_cabecera run ${runId} holds 10 rows but the manifests list 11 — the staged files are incomplete; re-run the extractor for this run`);
    expect((await store.getVersioned(LAYOUT.stateKey))?.version).toBe(before?.version);
  });
});
