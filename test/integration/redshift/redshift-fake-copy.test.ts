/**
 * `COPY … FORMAT AS AVRO` through the Redshift Data API FAKE (test/support/redshift-data-fake.ts)
 * and the real @aws-sdk/client-redshift-data: real DataPipe parts (shared/avro/part-writer.ts)
 * loaded into PostgreSQL tables the way Redshift's documented AVRO mapping does, load errors in
 * STL_LOAD_ERRORS / SYS_LOAD_ERROR_DETAIL, the documented limits, and the S3 object reader against
 * moto when it is installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchExecuteStatementCommand, DescribeStatementCommand, type RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decimalTextToBytes } from '../../../shared/avro/decimal.js';
import { modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { freePort } from '../../support/free-port.js';
import { ventas } from '../../support/model-fixtures.js';
import { folderObjectReader, s3ObjectReader, skipWithoutRedshiftFake, startRedshiftDataFake, type RedshiftDataFake } from '../../support/redshift-data-fake.js';
import { fakeClient, rowsOf, runSql, WORKGROUP } from './fake-client.js';
import { plainSchema, stageParts } from './staged-parts.js';

const SUITE = 'redshift fake copy';
const skip = skipWithoutRedshiftFake(SUITE);
const ROLE = "IAM_ROLE 'arn:aws:iam::123456789012:role/datapipe-loader'";
const copy = (table: string, url: string, options = "FORMAT AS AVRO 'auto ignorecase' MANIFEST COMPUPDATE OFF STATUPDATE OFF MAXERROR 0") => `COPY ${table} FROM '${url}' ${ROLE} ${options}`;

/** The extractor's text encoding for Redshift: decimals, timestamps and dates as text, bytes as hex. */
const STRING_ENCODED = plainSchema('ventas_text', [
  { name: 'ID_VENTA', type: 'long' },
  { name: 'MONTO', type: ['null', 'string'] },
  { name: 'FECHA', type: 'string' },
  { name: 'DIA', type: ['null', 'string'] },
  { name: 'RAW_HEX', type: ['null', 'string'] },
  { name: 'CLIENTE', type: ['null', 'string'] },
  { name: 'TASA', type: ['null', 'double'] },
  { name: 'ACTIVO', type: ['null', 'boolean'] },
]);

describe.skipIf(skip)('Redshift fake COPY FORMAT AS AVRO, through the real SDK', () => {
  let fake: RedshiftDataFake;
  let client: RedshiftDataClient;
  let stop: () => Promise<void>;
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'datapipe-rsfake-'));
    ({ fake, stop } = await startRedshiftDataFake({ reader: folderObjectReader(root) }));
    client = fakeClient(fake);
  });
  afterAll(async () => {
    client?.destroy();
    await stop?.();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const batch = async (sqls: string[]) => {
    const { Id } = await client.send(new BatchExecuteStatementCommand({ ...WORKGROUP, Sqls: sqls }));
    return client.send(new DescribeStatementCommand({ Id, WaitTimeSeconds: 20 }));
  };

  it('loads string-encoded decimals, timestamps and hex bytes exactly, then converts bytes in SQL and merges', async () => {
    const run = await stageParts(root, 'ventas/run=R1', STRING_ENCODED, [
      [
        { ID_VENTA: 1, MONTO: '1234567890123456789012345678.1234567890', FECHA: '9999-12-31 23:59:59.999999', DIA: '0001-01-01', RAW_HEX: 'deadbeef', CLIENTE: 'Ñandú ✓', TASA: 0.1, ACTIVO: true },
        { ID_VENTA: 2, MONTO: '-0.0000000001', FECHA: '0001-01-01 00:00:00', DIA: '9999-12-31', RAW_HEX: '', CLIENTE: '', TASA: -1e308, ACTIVO: false },
      ],
      [{ ID_VENTA: 3, MONTO: null, FECHA: '2024-05-01 10:00:00.000001', DIA: null, RAW_HEX: null, CLIENTE: null, TASA: null, ACTIVO: null }],
    ], { codec: 'snappy' });
    const described = await batch([
      `CREATE TABLE stage_ventas (id_venta BIGINT NOT NULL, monto DECIMAL(38,10), fecha TIMESTAMP NOT NULL, dia DATE,
        raw_hex VARCHAR(65535), cliente VARCHAR(32), tasa DOUBLE PRECISION, activo BOOLEAN)`,
      copy('stage_ventas', run.manifestUrl),
      'SELECT count(*) FROM stage_ventas',
      `CREATE TABLE ventas (id_venta BIGINT NOT NULL, monto DECIMAL(38,10), fecha TIMESTAMP NOT NULL, dia DATE, raw VARBYTE(16),
        cliente VARCHAR(32), tasa DOUBLE PRECISION, activo BOOLEAN, PRIMARY KEY (id_venta)) DISTKEY (id_venta) SORTKEY (fecha)`,
      `MERGE INTO ventas USING stage_ventas s ON ventas.id_venta = s.id_venta
         WHEN MATCHED THEN UPDATE SET monto = s.monto
         WHEN NOT MATCHED THEN INSERT VALUES (s.id_venta, s.monto, s.fecha, s.dia, TO_VARBYTE(s.raw_hex, 'hex'), s.cliente, s.tasa, s.activo)`,
    ]);
    expect(described.Status, described.Error).toBe('FINISHED');
    // COPY's ResultRows is 0 through the Data API (aws/aws-sdk#333); the stage count is the check.
    expect(described.SubStatements![1]!.ResultRows).toBe(0);
    expect(fake.statements.get(described.Id!)!.subs[1]!.copiedRows).toBe(3);
    expect(described.SubStatements![4]!.ResultRows).toBe(3);
    expect(await rowsOf(client, `SELECT id_venta, monto, fecha, dia, FROM_VARBYTE(raw, 'hex'), cliente, tasa, activo FROM ventas ORDER BY id_venta`)).toEqual([
      [1, '1234567890123456789012345678.1234567890', '9999-12-31 23:59:59.999999', '0001-01-01', 'deadbeef', 'Ñandú ✓', 0.1, true],
      [2, '-0.0000000001', '0001-01-01 00:00:00', '9999-12-31', '', '', -1e308, false],
      [3, null, '2024-05-01 10:00:00.000001', null, null, null, null, null],
    ]);
    expect(fake.executedSql()).toContain(copy('stage_ventas', run.manifestUrl));
  });

  it('fails a raw timestamp-micros long loaded into TIMESTAMP, writing the load-error rows', async () => {
    const micros = Date.UTC(2024, 4, 1, 10, 0, 0) * 1000;
    const run = await stageParts(root, 'raw/run=R1', modelToAvsc(ventas), [[
      { id_venta: 1, monto: decimalTextToBytes('12.34', 18, 2), fecha_venta: micros, tasa: 0.5, cliente: 'a' },
    ]]);
    await runSql(client, 'CREATE TABLE raw_stage (id_venta BIGINT, fecha_venta TIMESTAMP)');
    const described = await runSql(client, copy('raw_stage (id_venta, fecha_venta)', run.manifestUrl, "FORMAT AS AVRO 'auto' MANIFEST"));
    expect(described).toMatchObject({ Status: 'FAILED', Error: "ERROR: Load into table 'raw_stage' failed. Check 'sys_load_error_detail' system table for details." });
    expect(await rowsOf(client, `SELECT trim(filename), line_number, trim(colname), trim(type), trim(raw_field_value), err_code, trim(err_reason)
      FROM stl_load_errors WHERE tbl = 'raw_stage'::regclass::oid`)).toEqual([
      [run.partUrls[0], 1, 'fecha_venta', 'timestamp', String(micros), 1206, 'Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS]'],
    ]);
    expect(await rowsOf(client, `SELECT trim(file_name), line_number, trim(column_name), error_code FROM sys_load_error_detail WHERE table_id = 'raw_stage'::regclass::oid`))
      .toEqual([[run.partUrls[0], 1, 'fecha_venta', 1206]]);
    expect(await fake.query('SELECT count(*)::int AS n FROM raw_stage')).toEqual([{ n: 0 }]);
  });

  it('loads a decimal\'s bytes as their JSON text: a DECIMAL column rejects them, a VARCHAR takes the characters', async () => {
    const bytes = decimalTextToBytes('12.34', 18, 2);
    const run = await stageParts(root, 'decimal/run=R1', modelToAvsc(ventas), [[{ id_venta: 1, monto: bytes, fecha_venta: 0, tasa: null, cliente: null }]]);
    await runSql(client, 'CREATE TABLE dec_typed (monto DECIMAL(18,2))');
    await runSql(client, 'CREATE TABLE dec_text (monto VARCHAR(20))');
    const typed = await runSql(client, copy('dec_typed', run.manifestUrl));
    expect(typed.Status).toBe('FAILED');
    expect(await rowsOf(client, "SELECT err_code FROM stl_load_errors WHERE tbl = 'dec_typed'::regclass::oid")).toEqual([[1207]]);
    expect((await runSql(client, copy('dec_text', run.manifestUrl))).Status).toBe('FINISHED');
    expect(await fake.query('SELECT monto FROM dec_text')).toEqual([{ monto: bytes.toString('latin1') }]);
  });

  it('maps fields by name, checks VARCHAR in bytes, truncates DECIMAL scale, honours MAXERROR and the manifest', async () => {
    const schema = plainSchema('mapping', [{ name: 'ID', type: 'long' }, { name: 'name', type: ['null', 'string'] }, { name: 'amount', type: ['null', 'string'] }, { name: 'extra', type: 'string' }]);
    const run = await stageParts(root, 'mapping/run=R1', schema, [[
      { ID: 1, name: 'ñañ', amount: '1.239', extra: 'x' },
      { ID: 2, name: 'abc', amount: '-1.999', extra: 'x' },
    ]], { extraEntries: [{ url: 's3://staging/mapping/run=R1/optional.avro', mandatory: false }] });
    await runSql(client, 'CREATE TABLE mapped (id BIGINT, name VARCHAR(5), amount DECIMAL(10,2), missing VARCHAR DEFAULT \'d\')');
    // 'ñañ' is 3 characters but 5 bytes: it fits VARCHAR(5). Fields not in the table are ignored.
    expect((await runSql(client, copy('mapped', run.manifestUrl))).Status).toBe('FINISHED');
    expect(await rowsOf(client, 'SELECT id, name, amount, missing FROM mapped ORDER BY id')).toEqual([[1, 'ñañ', '1.23', 'd'], [2, 'abc', '-1.99', 'd']]);
    // 'auto' matches case-sensitively: ID does not fill id.
    expect((await runSql(client, copy('mapped', run.manifestUrl, "FORMAT AS AVRO 'auto' MANIFEST"))).Status).toBe('FINISHED');
    expect(await fake.query('SELECT count(*)::int AS n FROM mapped WHERE id IS NULL')).toEqual([{ n: 2 }]);

    await runSql(client, 'CREATE TABLE narrow (name VARCHAR(4))');
    const tooLong = await runSql(client, copy('narrow', run.manifestUrl));
    expect(tooLong.Status).toBe('FAILED');
    expect(await rowsOf(client, "SELECT line_number, err_code, trim(err_reason), trim(col_length) FROM stl_load_errors WHERE tbl = 'narrow'::regclass::oid"))
      .toEqual([[1, 1204, 'String length exceeds DDL length', '4']]);
    // 'ñañ' has 3 characters, which PostgreSQL's VARCHAR(4) would take: Redshift counts its 5 bytes.
    expect(await fake.query('SELECT count(*)::int AS n FROM narrow')).toEqual([{ n: 0 }]);
    // MAXERROR 1 tolerates the bad row (still recorded) and loads the rest; TRUNCATECOLUMNS cuts at a character boundary.
    expect((await runSql(client, copy('narrow', run.manifestUrl, "FORMAT AS AVRO 'auto' MANIFEST MAXERROR 1"))).Status).toBe('FINISHED');
    expect(await rowsOf(client, "SELECT count(*) FROM stl_load_errors WHERE tbl = 'narrow'::regclass::oid")).toEqual([[2]]);
    expect((await runSql(client, copy('narrow', run.manifestUrl, "FORMAT AS AVRO 'auto' MANIFEST TRUNCATECOLUMNS"))).Status).toBe('FINISHED');
    expect((await fake.query<{ name: string }>('SELECT name FROM narrow ORDER BY name')).map((r) => r.name)).toEqual(['abc', 'abc', 'ña']);

    await runSql(client, 'CREATE TABLE required (id BIGINT, absent VARCHAR(3) NOT NULL)');
    const notNull = await runSql(client, copy('required', run.manifestUrl));
    expect(notNull.Status).toBe('FAILED');
    expect(await rowsOf(client, "SELECT err_code, trim(colname) FROM stl_load_errors WHERE tbl = 'required'::regclass::oid")).toEqual([[1213, 'absent']]);

    const missing = await stageParts(root, 'mapping/run=R2', schema, [[{ ID: 3, name: null, amount: null, extra: 'x' }]], {
      extraEntries: [{ url: 's3://staging/mapping/run=R2/lost.avro', mandatory: true }],
    });
    expect(await runSql(client, copy('mapped', missing.manifestUrl))).toMatchObject({ Status: 'FAILED', Error: expect.stringContaining('s3://staging/mapping/run=R2/lost.avro') });
  });

  it('refuses what Redshift refuses or the fake does not emulate, naming it', async () => {
    const run = await stageParts(root, 'refuse/run=R1', STRING_ENCODED, [[{ ID_VENTA: 1, MONTO: null, FECHA: '2024-01-01 00:00:00', DIA: null, RAW_HEX: null, CLIENTE: null, TASA: null, ACTIVO: null }]]);
    await runSql(client, 'CREATE TABLE bytes_target (raw_hex VARBYTE)');
    expect((await runSql(client, copy('bytes_target', run.manifestUrl))).Error).toBe('ERROR: VARBYTE column "raw_hex" cannot be loaded from AVRO: COPY loads VARBYTE from CSV, Parquet and ORC only');
    expect((await runSql(client, copy('bytes_target', run.manifestUrl, "FORMAT AS AVRO 'auto' MANIFEST TIMEFORMAT 'epochmillisecs'"))).Error).toMatch(/does not emulate the COPY option TIMEFORMAT/);
    expect((await runSql(client, `COPY bytes_target FROM '${run.manifestUrl}' FORMAT AS AVRO 'auto' MANIFEST`)).Error).toBe('ERROR: COPY needs IAM_ROLE or CREDENTIALS to read from Amazon S3');
    expect((await runSql(client, copy('no_table', run.manifestUrl))).Error).toBe('ERROR: Cannot COPY into nonexistent table no_table');
  });

  it('measures a COPY of 20,000 rows in two parts', async () => {
    const rows = (from: number) => Array.from({ length: 10_000 }, (_, i) => ({
      ID_VENTA: from + i, MONTO: `${from + i}.0000000001`, FECHA: '2024-05-01 10:00:00.000001', DIA: '2024-05-01', RAW_HEX: 'deadbeef',
      CLIENTE: `cliente ${i}`, TASA: i / 7, ACTIVO: i % 2 === 0,
    }));
    const run = await stageParts(root, 'bulk/run=R1', STRING_ENCODED, [rows(0), rows(10_000)]);
    await runSql(client, `CREATE TABLE bulk (id_venta BIGINT NOT NULL, monto DECIMAL(38,10), fecha TIMESTAMP NOT NULL, dia DATE,
      raw_hex VARCHAR(64), cliente VARCHAR(32), tasa DOUBLE PRECISION, activo BOOLEAN)`);
    const started = performance.now();
    const described = await runSql(client, copy('bulk', run.manifestUrl));
    const elapsed = performance.now() - started;
    expect(described.Status, described.Error).toBe('FINISHED');
    expect(await fake.query('SELECT count(*)::int AS n, sum(monto)::text AS total FROM bulk')).toEqual([{ n: 20_000, total: '199990000.0000020000' }]);
    console.info(`[${SUITE}] COPY of 20,000 rows (2 parts): ${elapsed.toFixed(0)} ms through the API, ${Math.round(20_000 / (elapsed / 1000))} rows/s`);
  });

  it('enforces the AVRO limits: a header over 1 MB, a data block over 4 MB', async () => {
    const big = plainSchema('big', [{ name: 'v', type: 'string' }]);
    const header = await stageParts(root, 'limits/header', { ...big, doc: 'x'.repeat(1024 * 1024) }, [[{ v: 'a' }]]);
    await runSql(client, 'CREATE TABLE limits (v VARCHAR(65535))');
    expect((await runSql(client, copy('limits', header.manifestUrl))).Error).toMatch(/^ERROR: Avro header size \d+ bytes exceeds the maximum of 1 MB/);
    const rows = Array.from({ length: 80 }, () => ({ v: 'y'.repeat(60_000) }));
    const block = await stageParts(root, 'limits/block', big, [rows], { codec: 'null', blockSizeBytes: 6 * 1024 * 1024 });
    expect((await runSql(client, copy('limits', block.manifestUrl))).Error).toMatch(/^ERROR: Avro data block of \d+ bytes exceeds the maximum block size of 4 MB/);
    const fine = await stageParts(root, 'limits/fine', big, [rows], { codec: 'deflate' });
    const loaded = await runSql(client, copy('limits', fine.manifestUrl));
    expect(loaded.Status, loaded.Error).toBe('FINISHED');
  });
});

/** moto's S3 (PyPI moto[server]), when installed: DATAPIPE_MOTO_BIN, else the CI cache's virtualenv. */
function motoBinary(): string | null {
  const cache = process.env.DATAPIPE_CI_CACHE ?? join(homedir(), '.cache', 'datapipe-ci');
  const binary = process.env.DATAPIPE_MOTO_BIN ?? join(cache, 'moto', 'bin', 'moto_server');
  try {
    accessSync(binary, constants.X_OK);
    return binary;
  } catch {
    return null;
  }
}

const moto = motoBinary();
if (!skip && moto === null) console.warn(`[${SUITE}] SKIPPING the S3 object reader against moto: no moto_server (set DATAPIPE_MOTO_BIN)`);

describe.skipIf(skip || moto === null)('Redshift fake COPY reading S3 through @aws-sdk/client-s3 (moto)', () => {
  let server: ChildProcess;
  let s3: S3Client;
  let fake: RedshiftDataFake;
  let client: RedshiftDataClient;
  let stop: () => Promise<void>;
  let root: string;

  beforeAll(async () => {
    const port = await freePort();
    server = spawn(moto!, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    const endpoint = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      if (await fetch(endpoint).then(() => true, () => false)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' } });
    ({ fake, stop } = await startRedshiftDataFake({ reader: s3ObjectReader(s3) }));
    client = fakeClient(fake);
    root = await mkdtemp(join(tmpdir(), 'datapipe-rsfake-s3-'));
  });
  afterAll(async () => {
    client?.destroy();
    s3?.destroy();
    await stop?.();
    server?.kill();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('loads parts uploaded to S3, by manifest and by key prefix', async () => {
    const run = await stageParts(root, 'ventas/run=S3', STRING_ENCODED, [[{ ID_VENTA: 7, MONTO: '7.5', FECHA: '2024-01-01 00:00:00', DIA: null, RAW_HEX: 'ff', CLIENTE: 's3', TASA: null, ACTIVO: null }]]);
    await s3.send(new CreateBucketCommand({ Bucket: 'staging' }));
    for (const key of ['ventas/run=S3/part-0.avro', 'ventas/run=S3/_manifest.json']) {
      await s3.send(new PutObjectCommand({ Bucket: 'staging', Key: key, Body: await readFile(join(root, 'staging', key)) }));
    }
    await runSql(client, 'CREATE TABLE s3_stage (id_venta BIGINT, monto DECIMAL(10,2), raw_hex VARCHAR(10))');
    expect((await runSql(client, copy('s3_stage', run.manifestUrl))).Status).toBe('FINISHED');
    expect((await runSql(client, copy('s3_stage', 's3://staging/ventas/run=S3/part-', "FORMAT AS AVRO 'auto ignorecase'"))).Status).toBe('FINISHED');
    expect(await rowsOf(client, 'SELECT id_venta, monto, raw_hex FROM s3_stage')).toEqual([[7, '7.50', 'ff'], [7, '7.50', 'ff']]);
  });
});
