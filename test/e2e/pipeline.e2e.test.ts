import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avscToModel } from '../../shared/avro/avsc-schema.js';
import type { TableModel } from '../../shared/model/column.js';
import { reconcile } from '../../shared/pipeline/reconcile.js';
import { silentLogger } from '../../shared/log.js';
import { connectPostgres } from '../../shared/sources/postgres/postgres-source.js';
import { readDuckDbRows } from '../../shared/warehouses/duckdb/duckdb-readback.js';
import { run, start, workspace } from '../support/cli.js';
import type { PostgresHandle } from '../support/postgres-server.js';
import { oneLine, startOwnDatabase } from './e2e-database.js';
import { CREATE_SALES, salesRows } from './aws-sales-table.js';

/**
 * The seed workflow, end to end, as a user runs it: init → validate → generate schema → run →
 * change the source → the container entrypoints → the target equals the source exactly.
 */

const TABLE = 'VENTAS_CABECERA';

const EDGE_ROWS = `
INSERT INTO "VENTAS_CABECERA" VALUES
 (1, 9999999999999999999999999999.9999999999, -0.05, '2026-01-01 10:00:00.123456', '9999-12-31', '9999-12-31 23:59:59.999999',
  '2026-03-01 12:00:00.000001+05:30', 'Ñandú — 東京 😀', '\\x00ff00', true, 0.1, -2147483648, '{"a": [1, 2]}'),
 (2, NULL, 0.00, '2026-01-01 10:00:00.123457', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (3, -0.0000000001, 1234567890123456.89, '2026-01-02 00:00:00', '0001-01-01', '0001-01-01 00:00:00',
  '0001-01-01 00:00:00+00', '', '\\x', false, -1.5e300, 2147483647, '"texto"')`;

let db: PostgresHandle;
let client: pg.Client;
let cwd: string;
let env: Record<string, string>;
const configPath = () => join(cwd, 'migracion-ventas', 'config.yaml');

async function loadModel(): Promise<TableModel> {
  return avscToModel(JSON.parse(await readFile(join(cwd, 'schemas', 'ventas_cabecera.avsc'), 'utf8')));
}

async function warehousePath(): Promise<string> {
  return join(cwd, 'migracion-ventas', '.datapipe', 'warehouse.duckdb');
}

async function expectTargetEqualsSource(): Promise<number> {
  const model = await loadModel();
  const source = await connectPostgres(db.config, 'public', silentLogger);
  try {
    const outcome = await reconcile(model, source.read({ model, batchSize: 5000 }), readDuckDbRows(await warehousePath(), model));
    expect(outcome.differences).toEqual([]);
    expect(outcome.targetRows).toBe(outcome.sourceRows);
    return outcome.targetRows;
  } finally {
    await source.close();
  }
}

async function queryTarget(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(await warehousePath(), { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function stagedRunFiles(runId: string): Promise<string[]> {
  const dir = join(cwd, 'migracion-ventas', '.datapipe', 'staging', 'migracion-ventas', 'ventas_cabecera', `run=${runId}`);
  return readdir(dir).catch(() => []);
}


beforeAll(async () => {
  db = await startOwnDatabase('e2e');
  client = new pg.Client(db.config);
  await client.connect();
  await client.query('DROP TABLE IF EXISTS "VENTAS_CABECERA"');
  await client.query(CREATE_SALES);
  await client.query(EDGE_ROWS);
  await client.query(salesRows(10, 5009, '2026-01-01 11:00:00', '1 hour'));
  cwd = await workspace('e2e-pipeline');
  env = {
    PGHOST: db.config.host, PGPORT: String(db.config.port), PGDATABASE: db.config.database,
    PGUSER: db.config.user, PGPASSWORD: db.config.password ?? '',
  };
});

afterAll(async () => {
  await client?.end();
  await db?.stop();
});

describe(`end to end on ${'the local target'} (PostgreSQL source → AVRO → DuckDB)`, () => {
  it('init writes a commented template and refuses to overwrite it', async () => {
    const first = await run('datapipe', ['init', 'migracion-ventas', '--cloud', 'local'], { cwd, env });
    expect(first.code).toBe(0);
    expect(await readFile(configPath(), 'utf8')).toMatch(/^#/m);
    const again = await run('datapipe', ['init', 'migracion-ventas', '--cloud', 'local'], { cwd, env });
    expect(again.code).toBe(2);
    expect(oneLine(again.stderr)).toBe('datapipe: migracion-ventas/config.yaml already exists — edit it, or pass --force to overwrite it');
  });

  it('validate accepts the template once its variables are set', async () => {
    const outcome = await run('datapipe', ['validate', '--config', 'migracion-ventas/config.yaml'], { cwd, env });
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain('valid');
  });

  it('generate schema writes the .avsc and the DuckDB DDL (no BigQuery schema off gcp), deterministically', async () => {
    const args = ['generate', 'schema', TABLE, '--config', 'migracion-ventas/config.yaml'];
    expect((await run('datapipe', args, { cwd, env })).code).toBe(0);
    const first = await readFile(join(cwd, 'schemas', 'ventas_cabecera.avsc'));
    expect((await run('datapipe', args, { cwd, env })).code).toBe(0);
    expect(await readFile(join(cwd, 'schemas', 'ventas_cabecera.avsc'))).toEqual(first);
    const model = await loadModel();
    expect(model.primaryKeys).toEqual(['id_venta']);
    expect(model.columns.find((c) => c.name === 'monto')?.type).toEqual({ kind: 'decimal', precision: 38, scale: 10 });
    const ddl = await readFile(join(cwd, 'schemas', 'ventas_cabecera.sql'), 'utf8');
    expect(ddl).toMatch(/^CREATE TABLE IF NOT EXISTS "main"\."ventas_cabecera" \(\n {2}"id_venta" BIGINT NOT NULL,\n/);
    expect(ddl).toContain('\n  "monto" DECIMAL(38,10),\n');
    expect(ddl).toContain('\n  "fecha_venta" TIMESTAMP');
    await expect(readFile(join(cwd, 'schemas', 'ventas_cabecera.json'))).rejects.toThrow(/ENOENT/);
  });

  it('run loads the table; the target equals the source to the last digit', async () => {
    const outcome = await run('datapipe', ['run', TABLE, '--config', 'migracion-ventas/config.yaml'], { cwd, env });
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    expect(await expectTargetEqualsSource()).toBe(5003);
    const [edge] = await queryTarget(`SELECT CAST(monto AS VARCHAR) AS monto, CAST(precio AS VARCHAR) AS precio,
      CAST(vigente_hasta AS VARCHAR) AS vigente, CAST(fecha_entrega AS VARCHAR) AS entrega, cliente, hex(documento) AS doc,
      epoch_us(instante) AS instante FROM ventas_cabecera WHERE id_venta = 1`);
    expect(edge).toEqual({
      monto: '9999999999999999999999999999.9999999999', precio: '-0.05', vigente: '9999-12-31 23:59:59.999999',
      entrega: '9999-12-31', cliente: 'Ñandú — 東京 😀', doc: '00FF00', instante: 1772346600000001n,
    });
  });

  it('an incremental run through the container entrypoints picks up updates, late rows and inserts at the watermark', async () => {
    const w = (await client.query<{ w: string }>(`SELECT max("FECHA_VENTA")::text AS w FROM "VENTAS_CABECERA"`)).rows[0]!.w;
    // updates: the modification stamp moves past the watermark
    await client.query(`UPDATE "VENTAS_CABECERA" SET "PRECIO" = "PRECIO" + 0.01, "FECHA_VENTA" = TIMESTAMP '${w}' + interval '1 hour' WHERE "ID_VENTA" IN (100, 200)`);
    // late: committed now, stamped a day before the watermark (inside the config's 2d lookback)
    await client.query(`UPDATE "VENTAS_CABECERA" SET "CLIENTE" = 'corregido tarde', "FECHA_VENTA" = TIMESTAMP '${w}' - interval '1 day' WHERE "ID_VENTA" = 300`);
    // an insert stamped exactly at the committed watermark
    await client.query(`INSERT INTO "VENTAS_CABECERA" ("ID_VENTA", "PRECIO", "FECHA_VENTA") VALUES (900001, 1.23, TIMESTAMP '${w}')`);
    const runId = 'manual__2026-11-26T02:00:00+00:00';
    const extracted = await run('extractor', ['--table', TABLE, '--cloud', 'local', '--run-id', runId, '--config', 'migracion-ventas/config.yaml'], { cwd, env });
    expect(extracted.stderr).toBe('');
    expect(extracted.code).toBe(0);
    const manifestLine = extracted.stdout.split('\n').find((l) => l.includes('"msg":"extracted"'));
    // the window is [watermark − 2d, now]: the last ~48 hourly rows, the two updates, the late row and the insert
    expect(JSON.parse(manifestLine!).rows).toBeGreaterThanOrEqual(52);
    expect(JSON.parse(manifestLine!).rows).toBeLessThan(60);
    const loaded = await run('loader', ['--table', TABLE, '--run-id', runId, '--config', 'migracion-ventas/config.yaml'], { cwd, env });
    expect(loaded.stderr).toBe('');
    expect(loaded.code).toBe(0);
    expect(await expectTargetEqualsSource()).toBe(5004);
    const loads = await queryTarget(`SELECT run_id FROM _datapipe_loads ORDER BY loaded_at`);
    expect(loads.map((l) => l.run_id)).toHaveLength(2);
    expect(loads[1]!.run_id).toBe('manual__2026-11-26T02_00_00_00_00');
  });

  it('a run read in two chunks by two extractors loads once both manifests are there', async () => {
    // every tenth sale modified: its stamp moves past the watermark, spread over ~16 hours
    const w = (await client.query<{ w: string }>(`SELECT max("FECHA_VENTA")::text AS w FROM "VENTAS_CABECERA"`)).rows[0]!.w;
    await client.query(`UPDATE "VENTAS_CABECERA" SET "PRECIO" = "PRECIO" + 1, "FECHA_VENTA" = TIMESTAMP '${w}' + ("ID_VENTA" % 1000) * interval '1 minute' WHERE "ID_VENTA" % 10 = 0`);
    const runId = 'chunked-run';
    const common = ['--table', TABLE, '--run-id', runId, '--config', 'migracion-ventas/config.yaml'];
    const first = await run('extractor', [...common, '--chunk', '1/2'], { cwd, env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const early = await run('loader', common, { cwd, env });
    expect(early.code).toBe(1);
    expect(oneLine(early.stderr)).toBe(`datapipe: ventas_cabecera: run ${runId} has 1 of 2 chunk manifests (missing 2/2) — wait for or re-run those extractor chunks`);
    const second = await run('extractor', [...common, '--chunk', '2/2'], { cwd, env });
    expect(second.code).toBe(0);
    const rows = (stdout: string) => JSON.parse(stdout.split('\n').find((l) => l.includes('"msg":"extracted"'))!).rows as number;
    expect(rows(first.stdout)).toBeGreaterThan(0);
    expect(rows(second.stdout)).toBeGreaterThan(0);
    expect((await stagedRunFiles(runId)).filter((f) => f.startsWith('_manifest')).sort()).toEqual(['_manifest-0000.json', '_manifest-0001.json']);
    const loaded = await run('loader', common, { cwd, env });
    expect(loaded.stderr).toBe('');
    expect(loaded.code).toBe(0);
    expect(await expectTargetEqualsSource()).toBe(5004);
  });

  it('an extractor killed mid-run leaves no manifest; the loader ignores the run; the next run recovers', async () => {
    await client.query(salesRows(100_000, 399_999, '2026-09-01 00:00:00', '1 second'));
    const config = await readFile(configPath(), 'utf8');
    await writeFile(configPath(), config.replace(/^staging:.*$/m, '').concat('\nstaging: { part_size_mb: 1 }\n'));
    const runId = 'killed-run';
    const { child, done } = start('extractor', ['--table', TABLE, '--run-id', runId, '--config', 'migracion-ventas/config.yaml'], { cwd, env });
    for (let i = 0; i < 3000 && !(await stagedRunFiles(runId)).some((f) => /^part-.*\.avro$/.test(f)); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGKILL');
    await done;
    const files = await stagedRunFiles(runId);
    expect(files.some((f) => /^part-/.test(f))).toBe(true);
    expect(files.filter((f) => f.startsWith('_manifest'))).toEqual([]);

    const loadKilled = await run('loader', ['--table', TABLE, '--run-id', runId, '--config', 'migracion-ventas/config.yaml'], { cwd, env });
    expect(loadKilled.code).toBe(1);
    expect(oneLine(loadKilled.stderr)).toBe(`datapipe: ventas_cabecera: run ${runId} has no manifest in the staging bucket — its extractor has not finished (or failed); run the extractor for this run first`);
    const loadDefault = await run('loader', ['--table', TABLE, '--config', 'migracion-ventas/config.yaml'], { cwd, env });
    expect(loadDefault.code).toBe(0);
    expect(loadDefault.stdout).toContain('nothing to load');

    const recovered = await run('datapipe', ['run', TABLE, '--config', 'migracion-ventas/config.yaml'], { cwd, env });
    expect(recovered.stderr).toBe('');
    expect(recovered.code).toBe(0);
    expect(await expectTargetEqualsSource()).toBe(305_004);
  });

  it('SIGTERM stops the extractor cleanly: exit 1, one line, no manifest', async () => {
    await client.query(`UPDATE "VENTAS_CABECERA" SET "FECHA_VENTA" = "FECHA_VENTA" + interval '1 day' WHERE "ID_VENTA" >= 100000`);
    const runId = 'terminated-run';
    const { child, done } = start('extractor', ['--table', TABLE, '--run-id', runId, '--config', 'migracion-ventas/config.yaml'], { cwd, env });
    for (let i = 0; i < 3000 && !(await stagedRunFiles(runId)).some((f) => /^part-.*\.avro$/.test(f)); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGTERM');
    const outcome = await done;
    expect(outcome.code).toBe(1);
    expect(oneLine(outcome.stderr)).toBe('datapipe: stopped by SIGTERM before the run finished; nothing was published — re-run it');
    expect((await stagedRunFiles(runId)).filter((f) => f.startsWith('_manifest'))).toEqual([]);
  });
});

describe('bad input: one line, the documented exit code, no stack trace', () => {
  const cases: { name: string; yaml?: (base: string) => string; args?: string[]; env?: Record<string, string>; code: number; message: RegExp }[] = [
    { name: 'unknown key', yaml: (b) => b.replace('load_mode:', 'load_mod:'), code: 2, message: /load_mod.*did you mean "load_mode"/ },
    { name: 'unknown table', args: ['run', 'NO_EXISTE'], code: 2, message: /NO_EXISTE/ },
    { name: 'missing variable', env: { PGHOST: '' }, yaml: (b) => b.replace(/host: .*/, 'host: "${DATAPIPE_UNSET_HOST}"'), code: 2, message: /DATAPIPE_UNSET_HOST is not set/ },
    { name: 'wrong partition column', yaml: (b) => b.replace(/partition_column: \w+/, 'partition_column: NO_COLUMN'), args: ['run', TABLE], code: 2, message: /NO_COLUMN is not a column of VENTAS_CABECERA/ },
    { name: 'unreachable database', env: { PGPORT: '1' }, args: ['run', TABLE], code: 1, message: /127\.0\.0\.1:1/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const base = await readFile(configPath(), 'utf8');
      const dir = await workspace(`bad-${c.name.replace(/\W+/g, '-')}`);
      await writeFile(join(dir, 'config.yaml'), c.yaml ? c.yaml(base) : base);
      const args = c.args ?? ['validate'];
      const outcome = await run('datapipe', [...args, '--config', join(dir, 'config.yaml')], { cwd, env: { ...env, ...c.env } });
      expect(outcome.code).toBe(c.code);
      expect(oneLine(outcome.stderr)).toMatch(c.message);
      expect(outcome.stderr).not.toContain(env.PGPASSWORD || 'never-a-password');
    });
  }
});

describe('datapipe demo', () => {
  it('runs the embedded migration and proves the target equals the source with datapipe verify', async () => {
    const dir = await workspace('demo');
    const outcome = await run('datapipe', ['demo', '--rows', '2000', '--dir', 'demo'], { cwd: dir });
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    // The demo's last step is `datapipe verify`: profiles and row hashes computed inside both engines.
    expect(outcome.stdout).toMatch(/verify VENTAS_CABECERA: source 2500 rows = warehouse 2500 rows up to watermark \S+, every column's profile and every row's hash identical/);
    expect(outcome.stdout).toMatch(/verify VENTAS_DETALLE: source 4500 rows = warehouse 4500 rows up to watermark \S+, every column's profile and every row's hash identical/);
    expect(outcome.stdout).toMatch(/incremental run VENTAS_CABECERA: extracted \d+ rows/);
    const again = await run('datapipe', ['demo', '--rows', '2000', '--dir', 'demo'], { cwd: dir });
    expect(again.code).toBe(0);
  });
});
