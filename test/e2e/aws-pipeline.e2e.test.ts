import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { readAvroHeader } from '../../shared/avro/part-reader.js';
import { parseStored, stateSchema, type Manifest } from '../../shared/pipeline/manifest.js';
import type { Row, TableModel } from '../../shared/model/column.js';
import type { S3Store } from '../../shared/stores/s3/s3-store.js';
import { run } from '../support/cli.js';
import { MOTO_CREDENTIALS, skipWithoutMotoServer, type MotoServer } from '../support/moto-server.js';
import { skipWithoutRedshiftFake, type RedshiftDataFake } from '../support/redshift-data-fake.js';
import {
  AwsPipelineWorld, BUCKET, BULK_ROWS, CONFIG, expectSuccess, IAM_ROLE, LAYOUT, logLines, once, PREFIX, SCHEMA, SECRET_ARN,
} from './aws-pipeline-world.js';
import { exactRows, rowDifferences, SALES_EDGE_COUNT, SALES_TABLE, salesRows, textRecordToRow } from './aws-sales-table.js';
import { oneLine } from './e2e-database.js';

/**
 * `--cloud aws` end to end, as a user runs it: `datapipe init --cloud aws` → edit config.yaml →
 * validate → generate schema and dag → the extractor entrypoint → S3 (moto, the emulator) → the loader
 * entrypoint → Redshift, which here is the FAKE Redshift Data API of
 * test/support/redshift-data-fake.ts (no Redshift emulator runs SQL): the real
 * @aws-sdk/client-redshift-data reaches it through AWS_ENDPOINT_URL_REDSHIFT_DATA, it executes
 * DataPipe's Redshift SQL on PostgreSQL (the twin) and emulates `COPY … FORMAT AS AVRO` by reading
 * the run's parts from the same moto bucket. What is real: the source, the bytes in the bucket
 * (read back and compared with the source), S3's conditional writes, the entrypoints' argv, exit
 * codes and messages, credentials from the environment only. What the fake decides: how COPY maps
 * AVRO onto the stage (its header cites the documentation behind each assumption). Then what a
 * user meets next: an incremental round, a re-run, a missing part, `datapipe run`, and an EKS pod's
 * IRSA credentials (a web identity exchanged at moto's STS) in place of keys.
 */

const SUITE = 'aws e2e';
const skip = skipWithoutMotoServer(SUITE) || skipWithoutRedshiftFake(SUITE);
const common = ['--table', SALES_TABLE, '--cloud', 'aws', '--config', CONFIG];
const measured: Record<string, unknown> = {};

let world: AwsPipelineWorld | undefined;
let moto: MotoServer;
let s3: S3Client;
let fake: RedshiftDataFake;
let store: S3Store;
let client: pg.Client;
let cwd: string;
let env: Record<string, string>;
let loaderEnv: Record<string, string>;
const started = (): AwsPipelineWorld => world!;
const model = (): Promise<TableModel> => started().model();
const manifest = (runId: string): Promise<Manifest> => started().manifest(runId);
const stagedRecords = (m: Manifest): Promise<Row[]> => started().stagedRecords(m);
const sourceRows = (m: TableModel, where?: string): AsyncIterable<Row[]> => started().sourceRows(m, where);
const expectTwinEqualsSource = (): Promise<number> => started().expectTwinEqualsSource();
const loads = (): Promise<string[]> => started().loads();

beforeAll(async () => {
  if (skip) return;
  world = await AwsPipelineWorld.start();
  ({ moto, s3, fake, store, client, cwd, env, loaderEnv } = world);
});

afterAll(async () => {
  if (Object.keys(measured).length > 0) console.log(`[${SUITE}] measured: ${JSON.stringify(measured)}`);
  await world?.stop();
});

describe.skipIf(skip)('end to end on aws (PostgreSQL → extractor → moto S3 → loader → FAKE Redshift Data API, SQL executed on PostgreSQL)', () => {
  it('init writes the aws template; validate names the variables it still needs', async () => {
    expectSuccess(await run('datapipe', ['init', 'migracion-ventas', '--cloud', 'aws'], { cwd, env: {} }));
    const template = await readFile(join(cwd, CONFIG), 'utf8');
    expect(template).toContain('\n  cloud: aws ');
    const bare = await run('datapipe', ['validate', '--config', CONFIG], { cwd, env: { AWS_CONFIG_FILE: '/dev/null' } });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain(`${CONFIG}:36: destination.aws.bucket: environment variable S3_STAGING_BUCKET is not set — export it or add it to .env`);
    expect(bare.stderr).not.toMatch(/\n\s+at /);
  });

  it('validate accepts the config once edited for PostgreSQL, moto and the Redshift workgroup', async () => {
    // The S3 emulator: the template's two commented lines, uncommented.
    const template = await readFile(join(cwd, CONFIG), 'utf8');
    const endpointLine = '    # endpoint: http://127.0.0.1:9000 #';
    const pathStyleLine = '    # force_path_style: true          #';
    expect(template).toContain(endpointLine);
    expect(template).toContain(pathStyleLine);
    const doc = parseDocument(template.replace(endpointLine, `    endpoint: ${moto.endpoint} #`).replace(pathStyleLine, '    force_path_style: true #'));
    doc.set('source', doc.createNode({
      type: 'postgres',
      connection: { host: '${PGHOST}', port: '${PGPORT}', database: '${PGDATABASE}', user: '${PGUSER}', password: '${PGPASSWORD}' },
      schema: 'public',
    }));
    doc.setIn(['destination', 'aws', 'region'], 'us-east-1');
    doc.setIn(['destination', 'aws', 'redshift', 'database'], 'dev');
    doc.setIn(['destination', 'aws', 'redshift', 'schema'], SCHEMA);
    doc.set('staging', doc.createNode({ part_size_mb: 1 }));
    await writeFile(join(cwd, CONFIG), doc.toString());
    const outcome = await run('datapipe', ['validate', '--config', CONFIG], { cwd, env });
    expectSuccess(outcome);
    expect(outcome.stdout).toContain('valid');
  });

  it('generate schema writes the redshift-text .avsc and the Redshift DDL, no BigQuery schema, deterministically', async () => {
    const args = ['generate', 'schema', SALES_TABLE, '--config', CONFIG];
    expectSuccess(await run('datapipe', args, { cwd, env }));
    const avscText = await readFile(join(cwd, 'schemas', 'ventas_cabecera.avsc'), 'utf8');
    expectSuccess(await run('datapipe', args, { cwd, env }));
    expect(await readFile(join(cwd, 'schemas', 'ventas_cabecera.avsc'), 'utf8')).toBe(avscText);
    const avsc = JSON.parse(avscText) as { 'datapipe.encoding': string; fields: { name: string; type: unknown; 'datapipe.encoding'?: string }[] };
    expect(avsc['datapipe.encoding']).toBe('redshift-text');
    expect(avsc.fields.map((f) => `${f.name} ${JSON.stringify(f.type)} ${f['datapipe.encoding'] ?? '-'}`)).toEqual([
      'id_venta "long" -', 'monto ["null","string"] decimal-text', 'precio "string" decimal-text', 'fecha_venta "string" datetime-text',
      'fecha_entrega ["null","string"] date-text', 'vigente_hasta ["null","string"] datetime-text', 'instante ["null","string"] timestamp-text',
      'cliente ["null","string"] -', 'documento ["null","string"] hex', 'activo ["null","boolean"] -', 'ratio ["null","double"] -',
      'cantidad ["null","long"] -', 'detalle ["null","string"] -',
    ]);
    const ddl = await readFile(join(cwd, 'schemas', 'ventas_cabecera.sql'), 'utf8');
    expect(ddl).toContain(`CREATE TABLE IF NOT EXISTS "${SCHEMA}"."ventas_cabecera" (`);
    expect(ddl).toContain('\n  "monto" NUMERIC(38,10),\n');
    expect(ddl).toContain('\n  "fecha_venta" TIMESTAMP NOT NULL,\n');
    expect(ddl).toContain('\n  "instante" TIMESTAMPTZ,\n');
    expect(ddl).toContain('\n  "documento" VARBYTE(32767),\n');
    await expect(readFile(join(cwd, 'schemas', 'ventas_cabecera.json'))).rejects.toThrow(/ENOENT/);
  });

  it('generate dag writes the MWAA-on-EKS DAG: kubeconfig, the service account IRSA binds, secrets by reference only, deterministically', async () => {
    const args = ['generate', 'dag', SALES_TABLE, '--config', CONFIG];
    const outcome = await run('datapipe', args, { cwd, env });
    expectSuccess(outcome);
    expect(outcome.stdout).toBe('wrote dags/dag_aws_ventas_cabecera.py\n');
    const dag = await readFile(join(cwd, 'dags', 'dag_aws_ventas_cabecera.py'), 'utf8');
    expectSuccess(await run('datapipe', args, { cwd, env }));
    expect(await readFile(join(cwd, 'dags', 'dag_aws_ventas_cabecera.py'), 'utf8')).toBe(dag);
    for (const line of [
      '    "in_cluster": False,', '    "config_file": "/usr/local/airflow/dags/kube_config.yaml",', '    "cluster_context": "aws",',
      '    "service_account_name": "datapipe",', '    secret_env("REDSHIFT_SECRET_ARN"),', '    secret_env("PGPASSWORD"),',
      '#   aws eks update-kubeconfig --region <region> --name <cluster> --kubeconfig dags/kube_config.yaml --alias aws',
      '#   kubectl annotate serviceaccount -n datapipe datapipe eks.amazonaws.com/role-arn=arn:aws:iam::<account>:role/<role>',
      '            "--cloud", "aws",',
    ]) expect(dag.split('\n'), line).toContain(line);
    for (const secret of [SECRET_ARN, IAM_ROLE, MOTO_CREDENTIALS.AWS_SECRET_ACCESS_KEY, MOTO_CREDENTIALS.AWS_ACCESS_KEY_ID]) expect(dag).not.toContain(secret);
    if (env.PGPASSWORD) expect(dag).not.toContain(env.PGPASSWORD);
  });

  it('the extractor streams the table into S3 as text-encoded AVRO that holds the source to the last digit', async () => {
    const runId = 'scheduled__2026-11-26T02:00:00+00:00';
    const extracted = await run('extractor', [...common, '--run-id', runId], { cwd, env: { ...env, DATAPIPE_LOG_LEVEL: 'debug' } });
    expectSuccess(extracted);
    const m = await manifest('scheduled__2026-11-26T02_00_00_00_00');
    const total = BULK_ROWS + SALES_EDGE_COUNT;
    expect(m.rows).toBe(total);
    expect(m.files.length).toBeGreaterThan(1);
    expect(await store.list(LAYOUT.runPrefix(m.runId))).toEqual([...m.files.map((f) => f.key), LAYOUT.manifestKey(m.runId, undefined), LAYOUT.windowKey(m.runId)].sort());

    // Every part says redshift-text in its own header; values are the documented text forms.
    for (const file of m.files) {
      const header = await readAvroHeader(await store.openRead(file.key));
      expect(header.codec).toBe('deflate');
      expect((header.schema as Record<string, unknown>)['datapipe.encoding']).toBe('redshift-text');
    }
    const records = await stagedRecords(m);
    const edge = records.find((r) => r.id_venta === 1)!;
    expect(edge).toEqual({
      id_venta: 1, monto: '9999999999999999999999999999.9999999999', precio: '-0.05', fecha_venta: '2026-01-01 10:00:00.123456',
      fecha_entrega: '9999-12-31', vigente_hasta: '9999-12-31 23:59:59.999999', instante: '2026-03-01 06:30:00.000001+00',
      cliente: 'Ñandú — 東京 😀', documento: '00ff00', activo: true, ratio: 0.1, cantidad: -2147483648, detalle: '{"a": [1, 2]}',
    });
    expect(records.find((r) => r.id_venta === 3)).toMatchObject({ fecha_entrega: '0001-01-01', vigente_hasta: '0001-01-01 00:00:00.000000', cliente: '', documento: '' });
    expect(Object.is(records.find((r) => r.id_venta === 4)!.ratio, -0)).toBe(true);

    // Read back with DataPipe's reader and compared with the source, value for value.
    const mm = await model();
    const staged = await exactRows(mm, once(records.map((r) => textRecordToRow(mm, r))));
    const source = await exactRows(mm, sourceRows(mm));
    expect(rowDifferences(source, staged)).toEqual([]);
    expect(staged.size).toBe(total);

    // Throughput: the extract as a whole (read, encode, compress and upload overlap), and the same
    // part bytes uploaded again on their own through DataPipe's S3 store, to moto on loopback.
    const summary = logLines(extracted).find((l) => l.msg === 'extracted')!;
    const partBytes = m.files.reduce((sum, f) => sum + f.bytes, 0);
    expect(logLines(extracted).filter((l) => l.msg === 'uploaded').map((l) => l.bytes)).toEqual(m.files.map((f) => f.bytes));
    const bodies = await Promise.all(m.files.map(async (f) => (await store.get(f.key))!));
    const uploadStart = performance.now();
    for (const [i, body] of bodies.entries()) await store.upload(`measure/part-${i}.avro`, Readable.from([body]));
    const uploadMs = performance.now() - uploadStart;
    const mib = (bytes: number, ms: number) => Number((bytes / 1024 / 1024 / (ms / 1000)).toFixed(2));
    Object.assign(measured, {
      extract_rows: total, parts: m.files.length, staged_bytes: partBytes, extract_ms: summary.ms, extract_rows_per_s: summary.rows_per_s,
      extract_staged_mib_per_s: mib(partBytes, Number(summary.ms)), reupload_ms: Math.round(uploadMs), reupload_mib_per_s: mib(partBytes, uploadMs),
    });
  });

  it('the loader COPYs exactly the run\'s parts through the fake and the Redshift table equals the source, value for value', async () => {
    const runId = 'scheduled__2026-11-26T02_00_00_00_00';
    const m = await manifest(runId);
    const loaded = await run('loader', [...common, '--run-id', runId], { cwd, env: loaderEnv });
    expectSuccess(loaded);
    // The real SDK reached the fake through AWS_ENDPOINT_URL_REDSHIFT_DATA, signed with moto's keys from the environment.
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(fake.requests.every((r) => r.signed)).toBe(true);
    expect(fake.requests.find((r) => r.operation === 'ExecuteStatement')!.body).toMatchObject({ WorkgroupName: 'datapipe', Database: 'dev', SecretArn: SECRET_ARN });
    const copies = fake.executedSql().filter((sql) => /^COPY /.test(sql));
    expect(copies).toHaveLength(1);
    expect(copies[0]!.split('\n').slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^FROM 's3://${BUCKET}/${PREFIX}/migracion-ventas/ventas_cabecera/run=${runId}/_redshift-copy-[0-9a-f]{16}\\.manifest'$`)),
      `IAM_ROLE '${IAM_ROLE}'`, "FORMAT AS AVRO 'auto ignorecase'", 'MANIFEST', 'MAXERROR 0', 'COMPUPDATE OFF', 'STATUPDATE OFF',
    ]);
    const manifestKey = /FROM 's3:\/\/[^/]+\/([^']+)'/.exec(copies[0]!)![1]!;
    const copyManifest = JSON.parse((await store.get(manifestKey))!.toString('utf8')) as { entries: { url: string; mandatory: boolean }[] };
    expect(copyManifest.entries.map((e) => e.url)).toEqual(m.files.map((f) => `s3://${BUCKET}/${f.key}`));
    expect(copyManifest.entries.every((e) => e.mandatory)).toBe(true);

    expect(await expectTwinEqualsSource()).toBe(BULK_ROWS + SALES_EDGE_COUNT);
    const edges = await fake.query<{ id: string; ratio: string; monto: string; doc: string | null; cliente: string | null; vigente: string | null; instante: string | null }>(
      `SELECT id_venta::text AS id, ratio::text AS ratio, monto::text AS monto, encode(documento, 'hex') AS doc, cliente,
              vigente_hasta::text AS vigente, instante::text AS instante
       FROM "${SCHEMA}".ventas_cabecera WHERE id_venta NOT BETWEEN 10 AND ${BULK_ROWS + 9} ORDER BY id_venta`);
    expect(edges).toEqual([
      { id: '-9223372036854775808', ratio: '-Infinity', monto: null, doc: null, cliente: null, vigente: null, instante: null },
      { id: '1', ratio: '0.1', monto: '9999999999999999999999999999.9999999999', doc: '00ff00', cliente: 'Ñandú — 東京 😀', vigente: '9999-12-31 23:59:59.999999', instante: '2026-03-01 06:30:00.000001+00' },
      { id: '2', ratio: null, monto: null, doc: null, cliente: null, vigente: null, instante: null },
      { id: '3', ratio: '-1.5e+300', monto: '-0.0000000001', doc: '', cliente: '', vigente: '0001-01-01 00:00:00', instante: '0001-01-01 00:00:00+00' },
      { id: '4', ratio: '-0', monto: '-9999999999999999999999999999.9999999999', doc: '00', cliente: ' ', vigente: null, instante: '9999-12-31 23:59:59.999999+00' },
      { id: '5', ratio: 'NaN', monto: '0.0000000001', doc: null, cliente: null, vigente: null, instante: null },
      { id: '9223372036854775807', ratio: 'Infinity', monto: '0.0000000000', doc: null, cliente: null, vigente: null, instante: null },
    ]);
    expect(await loads()).toEqual([`${runId} incremental ${BULK_ROWS + SALES_EDGE_COUNT} ${BULK_ROWS + SALES_EDGE_COUNT}`]);
    const state = parseStored(stateSchema, (await store.get(LAYOUT.stateKey))!, 'state');
    expect(state).toMatchObject({ runId, rows: BULK_ROWS + SALES_EDGE_COUNT });

    const steps = Object.fromEntries(logLines(loaded).filter((l) => l.step !== undefined && (l.phase === 'stage' || l.step === 'commit')).map((l) => [l.step, l.ms]));
    const done = logLines(loaded).find((l) => l.msg === 'loaded' && l.phase === 'load')!;
    Object.assign(measured, { load_rows: BULK_ROWS + SALES_EDGE_COUNT, load_step_ms: steps, load_ms: done.ms, load_rows_per_s: done.rows_per_s });
    expect(Object.keys(steps).sort()).toEqual(['commit', 'convert', 'copy', 'manifest', 'values']);
  });

  it('the loader run twice records the load once and leaves the table as it was', async () => {
    const runId = 'scheduled__2026-11-26T02_00_00_00_00';
    const before = await store.getVersioned(LAYOUT.stateKey);
    const again = await run('loader', [...common, '--run-id', runId], { cwd, env: loaderEnv });
    expectSuccess(again);
    expect(await loads()).toEqual([`${runId} incremental ${BULK_ROWS + SALES_EDGE_COUNT} ${BULK_ROWS + SALES_EDGE_COUNT}`]);
    expect(await expectTwinEqualsSource()).toBe(BULK_ROWS + SALES_EDGE_COUNT);
    expect(parseStored(stateSchema, (await store.get(LAYOUT.stateKey))!, 'state')).toMatchObject({ runId });
    expect(before).not.toBeNull();
    // Without --run-id there is nothing newer to load.
    const idle = await run('loader', common, { cwd, env: loaderEnv });
    expectSuccess(idle);
    expect(idle.stdout).toContain('nothing to load');
  });

  it('an incremental round (updates, a late row, an insert at the watermark, new rows, new edge values) leaves the target equal to the source', async () => {
    const w = (await client.query<{ w: string }>(`SELECT max("FECHA_VENTA")::text AS w FROM "VENTAS_CABECERA"`)).rows[0]!.w;
    // updates: the modification stamp moves past the watermark, values change to other edges
    await client.query(`UPDATE "VENTAS_CABECERA" SET "PRECIO" = "PRECIO" + 0.01, "RATIO" = '-0', "CLIENTE" = '', "DOCUMENTO" = '\\x',
      "FECHA_VENTA" = TIMESTAMP '${w}' + interval '1 hour' WHERE "ID_VENTA" IN (100, 200)`);
    await client.query(`UPDATE "VENTAS_CABECERA" SET "MONTO" = NULL, "RATIO" = 'NaN', "FECHA_VENTA" = TIMESTAMP '${w}' + interval '2 hours' WHERE "ID_VENTA" = 1`);
    // late: committed now, stamped a day before the watermark (inside the config's 2d lookback)
    await client.query(`UPDATE "VENTAS_CABECERA" SET "CLIENTE" = 'corregido tarde', "FECHA_VENTA" = TIMESTAMP '${w}' - interval '1 day' WHERE "ID_VENTA" = 300`);
    // an insert stamped exactly at the committed watermark
    await client.query(`INSERT INTO "VENTAS_CABECERA" ("ID_VENTA", "PRECIO", "FECHA_VENTA") VALUES (900001, 1.23, TIMESTAMP '${w}')`);
    // new sales after it
    await client.query(salesRows(100_000, 100_099, w, '1 second'));

    const runId = 'scheduled__2026-11-27T02_00_00_00_00';
    const extracted = await run('extractor', [...common, '--run-id', runId], { cwd, env });
    expectSuccess(extracted);
    const m = await manifest(runId);
    // the window [W − 2d, now]: the last two days of minute sales, the updates, the late row, the insert, the new sales
    const mm = await model();
    const windowed = await exactRows(mm, sourceRows(mm, `"FECHA_VENTA" >= TIMESTAMP '${w}' - interval '2 days'`));
    expect(m.rows).toBe(windowed.size);
    expect(rowDifferences(windowed, await exactRows(mm, once((await stagedRecords(m)).map((r) => textRecordToRow(mm, r)))))).toEqual([]);

    const loaded = await run('loader', [...common, '--run-id', runId], { cwd, env: loaderEnv });
    expectSuccess(loaded);
    expect(await expectTwinEqualsSource()).toBe(BULK_ROWS + SALES_EDGE_COUNT + 101);
    expect(await loads()).toHaveLength(2);
    expect((await loads())[1]).toBe(`${runId} incremental ${m.rows} ${m.rows}`);
    const [one] = await fake.query<{ ratio: string; monto: string | null }>(`SELECT ratio::text AS ratio, monto::text AS monto FROM "${SCHEMA}".ventas_cabecera WHERE id_venta = 1`);
    expect(one).toEqual({ ratio: 'NaN', monto: null });
    expect(parseStored(stateSchema, (await store.get(LAYOUT.stateKey))!, 'state')).toMatchObject({ runId, rows: m.rows });
  });

  it('a run missing a part is exit 3 with one line naming it; the state, the target and the load record do not move', async () => {
    const w = (await client.query<{ w: string }>(`SELECT max("FECHA_VENTA")::text AS w FROM "VENTAS_CABECERA"`)).rows[0]!.w;
    await client.query(salesRows(200_000, 200_009, w, '1 millisecond'));
    const runId = 'short-stage';
    expectSuccess(await run('extractor', [...common, '--run-id', runId], { cwd, env }));
    const m = await manifest(runId);
    const lost = m.files.at(-1)!;
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: lost.key }));
    const before = await store.getVersioned(LAYOUT.stateKey);
    const targetBefore = await fake.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${SCHEMA}".ventas_cabecera`);

    const loaded = await run('loader', [...common, '--run-id', runId], { cwd, env: loaderEnv });
    expect(loaded.code).toBe(3);
    expect(oneLine(loaded.stderr)).toBe(`datapipe: loading ventas_cabecera run ${runId} into Redshift workgroup datapipe, database dev: ` +
      `Load file s3://${BUCKET}/${lost.key} not found: it is mandatory in the manifest (load error 1212, Load file was not found) — ` +
      'a staged file the manifests list is missing; re-run the extractor for this run');
    expect((await store.getVersioned(LAYOUT.stateKey))?.version).toBe(before?.version);
    expect(await fake.query(`SELECT count(*)::text AS n FROM "${SCHEMA}".ventas_cabecera`)).toEqual(targetBefore);
    expect(await loads()).toHaveLength(2);
  });

  it('datapipe run extracts and loads a new run in one process past the abandoned one; the target equals the source', async () => {
    const outcome = await run('datapipe', ['run', SALES_TABLE, '--config', CONFIG], { cwd, env: loaderEnv });
    expectSuccess(outcome);
    const total = BULK_ROWS + SALES_EDGE_COUNT + 101 + 10;
    const max = (await client.query<{ w: string }>(`SELECT to_char(max("FECHA_VENTA"), 'YYYY-MM-DD"T"HH24:MI:SS.US') AS w FROM "VENTAS_CABECERA"`)).rows[0]!.w;
    expect(outcome.stdout).toMatch(new RegExp(`^${SALES_TABLE}: run \\S+ extracted \\d+ rows, target holds ${total} rows, watermark ${max.replace('.', '\\.')}$`, 'm'));
    expect(parseStored(stateSchema, (await store.get(LAYOUT.stateKey))!, 'state')).toMatchObject({ watermark: max });
    expect(await expectTwinEqualsSource()).toBe(total);
    expect(await loads()).toHaveLength(3);
  });

  it('an EKS pod\'s IRSA credentials are enough: with only AWS_ROLE_ARN and a web identity token, no keys, a run extracts and loads', async () => {
    // What EKS's pod identity webhook injects for a service account annotated eks.amazonaws.com/role-arn
    // (https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html); STS is
    // moto's here, reached through the SDK's service-specific endpoint variable.
    const token = join(cwd, 'web-identity-token');
    await writeFile(token, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGF0YXBpcGU6ZGF0YXBpcGUifQ.c2lnbmF0dXJl');
    const { AWS_ACCESS_KEY_ID: _key, AWS_SECRET_ACCESS_KEY: _secret, ...keyless } = loaderEnv;
    const irsa = {
      // Empty, not absent: the entrypoints inherit this process's environment, and the SDK skips empty keys.
      ...keyless, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '',
      AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/datapipe-irsa', AWS_WEB_IDENTITY_TOKEN_FILE: token, AWS_ENDPOINT_URL_STS: moto.endpoint,
    };
    await client.query(`UPDATE "VENTAS_CABECERA" SET "CLIENTE" = 'vía IRSA', "FECHA_VENTA" = (SELECT max("FECHA_VENTA") FROM "VENTAS_CABECERA") + interval '1 second' WHERE "ID_VENTA" = 2`);
    const runId = 'irsa-run';
    expectSuccess(await run('extractor', [...common, '--run-id', runId], { cwd, env: irsa }));
    expectSuccess(await run('loader', [...common, '--run-id', runId], { cwd, env: irsa }));
    expect(await expectTwinEqualsSource()).toBe(BULK_ROWS + SALES_EDGE_COUNT + 101 + 10);
    expect((await loads()).at(-1)).toMatch(/^irsa-run incremental /);

    // No credentials at all: one line saying where they come from, exit 2, nothing extracted.
    const { AWS_ROLE_ARN: _role, AWS_WEB_IDENTITY_TOKEN_FILE: _file, ...none } = irsa;
    const refused = await run('extractor', [...common, '--run-id', 'no-credentials'], { cwd, env: none });
    expect(refused.code).toBe(2);
    expect(oneLine(refused.stderr)).toBe(`datapipe: no AWS credentials for s3://${BUCKET}: the default provider chain found none — locally set AWS_PROFILE (after aws sso login) ` +
      'or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; in EKS run the pod as a service account bound to an IAM role (IRSA or EKS Pod Identity); on EC2 or ECS use an instance profile or task role');
    expect(await store.list(LAYOUT.runPrefix('no-credentials')), refused.stdout).toEqual([]);
  });
});
