/**
 * The azure cloud end to end, as a user runs it: init → validate → generate schema → the extractor
 * (real argv) → Azurite, the Azure Storage emulator → the loader → a FAKE Databricks SQL Statement
 * Execution API (test/tools/databricks_fake.py) whose SQL runs for real on Apache Spark with Delta
 * Lake, reading the staged parts from Azurite (the fake's rewrites of Databricks-only syntax —
 * read_files, Unity Catalog names, QUALIFY — are listed in its header). The target is compared with
 * the PostgreSQL source value for value over the fidelity columns, after a first and an
 * incremental run.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutAzurite, startAzurite, uniqueAzuriteAccount, type Azurite } from '../support/azurite.js';
import { run, workspace } from '../support/cli.js';
import { sharedDatabricksFake, skipWithoutDatabricksFake, type DatabricksFake } from '../support/databricks-fake.js';
import type { PostgresHandle } from '../support/postgres-server.js';
import { oneLine, startOwnDatabase } from './e2e-database.js';

const SKIP = skipWithoutAzurite('azure e2e') || skipWithoutDatabricksFake('azure e2e');
const TABLE = 'ventas_cabecera';
const CONFIG = ['--config', 'ventas/config.yaml'];

const CREATE = `CREATE TABLE ventas_cabecera (
  id_venta bigint PRIMARY KEY, monto numeric(38,10), precio numeric(18,2) NOT NULL,
  fecha_venta timestamp(6) NOT NULL, fecha_entrega date, vigente_hasta timestamp(6), instante timestamptz,
  cliente text, documento bytea, activo boolean, ratio double precision, cantidad integer, detalle jsonb)`;

const EDGE_ROWS = `INSERT INTO ventas_cabecera VALUES
 (1, 9999999999999999999999999999.9999999999, -0.05, '2026-01-01 10:00:00.123456', '9999-12-31', '9999-12-31 23:59:59.999999',
  '2026-03-01 12:00:00.000001+05:30', 'Ñandú — 東京 😀', '\\x00ff00', true, '-0', -2147483648, '{"a": [1, 2]}'),
 (2, NULL, 0.00, '2026-01-01 10:00:00.123457', NULL, NULL, NULL, NULL, NULL, NULL, 'NaN', NULL, NULL),
 (3, -0.0000000001, 1234567890123456.89, '2026-01-02 00:00:00', '0001-01-01', '0001-01-01 00:00:00',
  '0001-01-01 00:00:00+00', '', '\\x', false, 'Infinity', 2147483647, '"texto"'),
 (4, 0, 1, '2026-01-02 00:00:01', NULL, NULL, NULL, 'x', NULL, NULL, '-Infinity', 0, NULL)`;

const BULK = (from: number, to: number, stamp: string) => `INSERT INTO ventas_cabecera
SELECT g, g * 1.0000000001, round(g * 0.37, 2), TIMESTAMP '${stamp}' + g * interval '1 minute' + g * interval '1 microsecond',
       DATE '2026-01-01' + (g % 365), NULL, TIMESTAMPTZ '2026-01-01 00:00:00+00' + g * interval '1 minute',
       'cliente ' || g || ' café', decode(lpad(to_hex(g), 8, '0'), 'hex'), g % 2 = 0, g / 7.0, g % 1000, NULL
FROM generate_series(${from}, ${to}) g`;

/** Every column as exact text on the PostgreSQL side (timestamps in UTC, bytes in hex, floats as Java prints them). */
const SOURCE_SQL = `SELECT id_venta::text, monto::text, precio::text, to_char(fecha_venta, 'YYYY-MM-DD HH24:MI:SS.US'),
  fecha_entrega::text, to_char(vigente_hasta, 'YYYY-MM-DD HH24:MI:SS.US'), to_char(instante AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),
  cliente, upper(encode(documento, 'hex')), activo::text, ratio, cantidad::text, detalle::text
FROM ventas_cabecera ORDER BY id_venta`;

/** The same on Spark: decimals as text, timestamps formatted to the microsecond, bytes in hex. */
const TARGET_SQL = (table: string) => `SELECT CAST(id_venta AS STRING), CAST(monto AS STRING), CAST(precio AS STRING),
  date_format(fecha_venta, 'yyyy-MM-dd HH:mm:ss.SSSSSS'), CAST(fecha_entrega AS STRING), date_format(vigente_hasta, 'yyyy-MM-dd HH:mm:ss.SSSSSS'),
  date_format(instante, 'yyyy-MM-dd HH:mm:ss.SSSSSS'), cliente, hex(documento), CAST(activo AS STRING), CAST(ratio AS STRING),
  CAST(cantidad AS STRING), detalle
FROM ${table} ORDER BY id_venta`;

/** PostgreSQL's float text as Java's Double.toString spells it (the fidelity check is on the value). */
function javaDouble(value: number | null): string | null {
  if (value === null) return null;
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (Object.is(value, -0)) return '-0.0';
  // Java writes integral doubles below 10^7 with a trailing .0; the others here print alike.
  return Number.isInteger(value) && Math.abs(value) < 1e7 ? `${value}.0` : String(value);
}

describe.skipIf(SKIP)('end to end on azure (PostgreSQL → extractor → Azurite → loader → FAKE Databricks API on Spark + Delta)', () => {
  let db: PostgresHandle;
  let client: pg.Client;
  let azurite: Azurite;
  let fake: DatabricksFake;
  let cwd: string;
  let env: Record<string, string>;
  const schema = `e2e_${randomBytes(4).toString('hex')}`;
  const target = `main.${schema}.${TABLE}`;

  async function source(): Promise<(string | null)[][]> {
    const { rows } = await client.query({ text: SOURCE_SQL, rowMode: 'array' });
    return (rows as unknown[][]).map((row) => row.map((v, i) => (i === 10 ? javaDouble(v as number | null) : (v as string | null))));
  }

  async function targetRows(): Promise<(string | null)[][]> {
    return (await fake.sql(TARGET_SQL(target))).rows;
  }

  beforeAll(async () => {
    db = await startOwnDatabase('azure');
    client = new pg.Client(db.config);
    await client.connect();
    await client.query(CREATE);
    await client.query(EDGE_ROWS);
    await client.query(BULK(10, 2009, '2026-01-01 11:00:00'));
    azurite = await startAzurite({ account: uniqueAzuriteAccount() });
    await azurite.createContainer('staging', { publicRead: true });
    fake = await sharedDatabricksFake();
    await fake.registerBlobEndpoint(azurite.accountUrl);
    await fake.sql(`CREATE SCHEMA IF NOT EXISTS main.${schema}`);
    cwd = await workspace('e2e-azure');
    env = {
      PGHOST: db.config.host, PGPORT: String(db.config.port), PGDATABASE: db.config.database, PGUSER: db.config.user, PGPASSWORD: db.config.password ?? '',
      AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString(), DATABRICKS_TOKEN: fake.token, DATAPIPE_DATABRICKS_URL: fake.url,
    };
  }, 180_000);

  afterAll(async () => {
    await client?.end();
    await db?.stop();
    await azurite?.stop();
  });

  it('init, validate and generate schema write the standard .avsc and the Databricks DDL, no BigQuery schema', async () => {
    expect((await run('datapipe', ['init', 'ventas', '--cloud', 'azure'], { cwd, env })).code).toBe(0);
    await writeFile(join(cwd, 'ventas', 'config.yaml'), [
      'project: { name: ventas }',
      'source:',
      '  type: postgres',
      '  connection: { host: "${PGHOST}", port: "${PGPORT}", database: "${PGDATABASE}", user: "${PGUSER}", password: "${PGPASSWORD}" }',
      '  schema: public',
      'destination:',
      '  cloud: azure',
      '  azure:',
      `    account_url: ${azurite.accountUrl}`,
      '    container: staging',
      '    prefix: datapipe',
      `    databricks: { host: adb-1.2.azuredatabricks.net, http_path: /sql/1.0/warehouses/${fake.warehouseId}, token: "\${DATABRICKS_TOKEN}", catalog: main, schema: ${schema} }`,
      'tables:',
      `  - { name: ${TABLE}, load_mode: incremental, partition_column: fecha_venta, primary_keys: [id_venta], lookback: 1d }`,
      '',
    ].join('\n'));
    const validated = await run('datapipe', ['validate', ...CONFIG], { cwd, env });
    expect(validated.stderr).toBe('');
    expect(validated.code).toBe(0);
    const generated = await run('datapipe', ['generate', 'schema', TABLE, ...CONFIG], { cwd, env });
    expect(generated.stderr).toBe('');
    expect(generated.code).toBe(0);
    const avsc = JSON.parse(await readFile(join(cwd, 'schemas', `${TABLE}.avsc`), 'utf8')) as Record<string, unknown>;
    expect(avsc['datapipe.encoding']).toBeUndefined();
    expect(await readFile(join(cwd, 'schemas', `${TABLE}.sql`), 'utf8')).toMatch(/^CREATE TABLE IF NOT EXISTS `main`\.`e2e_[0-9a-f]+`\.`ventas_cabecera` \(/);
    await expect(readFile(join(cwd, 'schemas', `${TABLE}.json`))).rejects.toThrow(/ENOENT/);
  });

  it('the extractor stages in Azurite and the loader merges into Delta: the target equals the source, value for value', async () => {
    const extracted = await run('extractor', ['--table', TABLE, '--cloud', 'azure', ...CONFIG, '--run-id', 'r1'], { cwd, env });
    expect(extracted.stderr).toBe('');
    expect(extracted.code).toBe(0);
    const loaded = await run('loader', ['--table', TABLE, '--cloud', 'azure', ...CONFIG], { cwd, env });
    expect(loaded.stderr).toBe('');
    expect(loaded.code).toBe(0);
    expect(await targetRows()).toEqual(await source());
  }, 300_000);

  it('an incremental run merges updates, late rows and new rows; re-running the loader changes nothing', async () => {
    await client.query("UPDATE ventas_cabecera SET cliente = 'cambiado', fecha_venta = TIMESTAMP '2026-06-01 00:00:00' WHERE id_venta % 10 = 0");
    await client.query(BULK(2010, 2300, '2026-06-01 00:00:00'));
    for (const bin of ['extractor', 'loader'] as const) {
      const outcome = await run(bin, ['--table', TABLE, '--cloud', 'azure', ...CONFIG, ...(bin === 'extractor' ? ['--run-id', 'r2'] : [])], { cwd, env });
      expect(outcome.stderr).toBe('');
      expect(outcome.code).toBe(0);
    }
    expect(await targetRows()).toEqual(await source());
    const again = await run('loader', ['--table', TABLE, '--cloud', 'azure', ...CONFIG, '--run-id', 'r2'], { cwd, env });
    expect(again.code).toBe(0);
    const loads = await fake.sql(`SELECT run_id FROM main.${schema}._datapipe_loads WHERE table_name = '${TABLE}' ORDER BY run_id`);
    expect(loads.rows).toEqual([['r1'], ['r2']]);
  }, 300_000);

  it('a run loaded out of order is refused with one line (exit 2), the target untouched', async () => {
    const before = await targetRows();
    const stale = await run('loader', ['--table', TABLE, '--cloud', 'azure', ...CONFIG, '--run-id', 'r1'], { cwd, env });
    expect(stale.code).toBe(2);
    expect(oneLine(stale.stderr)).toMatch(/^datapipe: ventas_cabecera: run r1 was extracted after \(initial load\), but the table has since been loaded by run r2 — /);
    expect(await targetRows()).toEqual(before);
  }, 120_000);
});
