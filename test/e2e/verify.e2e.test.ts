/**
 * `datapipe verify` and the loader image's `verify` mode through the compiled CLI, on the local
 * cloud after a real run from the PostgreSQL server: equal → exit 0 and the table; then rows
 * deleted at the source under `deletes: detect` (a warning, nothing deleted), `propagate` above
 * `max_delete_fraction` (exit 3, nothing deleted) and within it (deleted); then a value changed and
 * a row removed in the warehouse, named in the report, `--json` and `--level 1`, exit 3 with one line.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, workspace } from '../support/cli.js';
import type { PostgresHandle } from '../support/postgres-server.js';
import { oneLine, startOwnDatabase } from './e2e-database.js';

const CONFIG = ['--config', 'ventas/config.yaml'];
const ROWS = 5_000;

let db: PostgresHandle;
let client: pg.Client;
let cwd: string;
let env: Record<string, string>;

const datapipe = (args: string[]) => run('datapipe', args, { cwd, env });

/** Output without its JSON log records. */
const withoutRecords = (text: string) => text.split('\n').filter((l) => !l.startsWith('{')).join('\n');

async function warehouse<T>(work: (query: (sql: string) => Promise<unknown[][]>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(join(cwd, 'ventas', '.datapipe', 'warehouse.duckdb'));
  const connection = await instance.connect();
  try {
    return await work(async (sql) => (await connection.runAndReadAll(sql)).getRows());
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const targetRows = () => warehouse(async (q) => Number((await q('SELECT count(*) FROM ventas_cabecera'))[0]![0]));

/** Rewrites the table entry's settings after `lookback: 2d` (the init template's last table line). */
async function tableSettings(extra: string): Promise<void> {
  const path = join(cwd, 'ventas', 'config.yaml');
  const text = (await readFile(path, 'utf8')).replace(/(\n {4}lookback: 2d[^\n]*)(\n {4}(deletes|max_delete_fraction):[^\n]*)*/, `$1${extra}`);
  await writeFile(path, text);
}

beforeAll(async () => {
  db = await startOwnDatabase('verify');
  client = new pg.Client(db.config);
  await client.connect();
  await client.query('CREATE TABLE ventas_cabecera (id_venta bigint PRIMARY KEY, fecha_venta timestamp NOT NULL, nota text, monto numeric(18,2), tasa double precision)');
  await client.query(`INSERT INTO ventas_cabecera SELECT g, TIMESTAMP '2026-01-01' + g * interval '1 minute', CASE WHEN g % 7 = 0 THEN NULL ELSE 'venta ' || g END, g * 1.25, CASE WHEN g % 11 = 0 THEN 'NaN' ELSE g / 3.0 END FROM generate_series(1, ${ROWS}) g`);
  cwd = await workspace('e2e-verify');
  env = { PGHOST: db.config.host, PGPORT: String(db.config.port), PGDATABASE: db.config.database, PGUSER: db.config.user, PGPASSWORD: db.config.password ?? '' };
  for (const args of [['init', 'ventas', '--cloud', 'local'], ['generate', 'schema', 'ventas_cabecera', ...CONFIG], ['run', 'ventas_cabecera', ...CONFIG]]) {
    expect((await datapipe(args)).code).toBe(0);
  }
});

afterAll(async () => {
  await client?.end();
  await db?.stop();
});

describe('datapipe verify on the local cloud', () => {
  it('equal right after the run: exit 0 and the table, from the CLI and from the loader image\'s verify mode', async () => {
    // The loader's stdout also carries its JSON log records, as every container's does.
    const loader = await run('loader', ['verify', '--table', 'ventas_cabecera', ...CONFIG], { cwd, env });
    for (const outcome of [await datapipe(['verify', 'ventas_cabecera', ...CONFIG]), { ...loader, stdout: withoutRecords(loader.stdout) }]) {
      expect(outcome.code).toBe(0);
      expect(outcome.stderr).not.toContain('datapipe:');
      const [header, row, ...rest] = outcome.stdout.split('\n');
      expect(header).toBe('table            source rows  warehouse rows  columns  differences   time  result');
      expect(row).toMatch(/^ventas_cabecera {9}5000 {12}5000 {8}5 {12}0  +\d+\.\d s {2}equal$/);
      expect(rest).toEqual(['']);
    }
  });

  it('deletes: detect warns and keeps the rows; propagate refuses above max_delete_fraction, then deletes within it', async () => {
    await client.query('DELETE FROM ventas_cabecera WHERE id_venta IN (10, 20, 30)');
    await tableSettings('\n    deletes: detect');
    const detect = await datapipe(['run', 'ventas_cabecera', ...CONFIG]);
    expect(detect.code).toBe(0);
    const warning = detect.stdout.split('\n').filter((l) => l.startsWith('{')).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.phase === 'deletes');
    expect(warning).toMatchObject({ level: 40, found: 3, sample: ['10', '20', '30'], msg: expect.stringContaining('(deletes: detect)') });
    expect(await targetRows()).toBe(ROWS);

    await tableSettings('\n    deletes: propagate\n    max_delete_fraction: 0.0005');
    const refused = await datapipe(['run', 'ventas_cabecera', ...CONFIG]);
    expect(refused.code).toBe(3);
    expect(oneLine(withoutRecords(refused.stderr))).toBe(
      'datapipe: ventas_cabecera: 3 of 5000 warehouse rows (0.1%) are gone from the source, more than max_delete_fraction 0.0005 — ' +
        'nothing was deleted; check the source (a truncated or half-loaded table?), then raise max_delete_fraction or run a full load',
    );
    expect(await targetRows()).toBe(ROWS);

    await tableSettings('\n    deletes: propagate\n    max_delete_fraction: 0.01');
    const propagated = await datapipe(['run', 'ventas_cabecera', ...CONFIG]);
    expect(propagated.code).toBe(0);
    expect(propagated.stdout).toContain('target holds 4997 rows');
    expect(await targetRows()).toBe(ROWS - 3);
    expect((await datapipe(['verify', 'ventas_cabecera', ...CONFIG])).code).toBe(0);
  });

  it('names a changed value and a missing row, exit 3 with one line; --json and --level 1 agree', async () => {
    await warehouse(async (q) => {
      await q("UPDATE ventas_cabecera SET nota = 'venta 4O' WHERE id_venta = 40");
      await q('DELETE FROM ventas_cabecera WHERE id_venta = 41');
    });
    const outcome = await datapipe(['verify', 'ventas_cabecera', ...CONFIG]);
    expect(outcome.code).toBe(3);
    expect(oneLine(withoutRecords(outcome.stderr))).toBe(
      'datapipe: verify: 1 of 1 tables differ from the source: ventas_cabecera (2 rows) — the report above names the rows; re-extract and load them, or run a full load',
    );
    const lines = outcome.stdout.split('\n');
    expect(lines[1]).toMatch(/^ventas_cabecera {9}4997 {12}4996 {8}5 {12}2  +\d+\.\d s {2}DIFFERENT$/);
    expect(lines.slice(3)).toEqual([
      'ventas_cabecera (rows up to the committed watermark 2026-01-04T11:20:00.000000):',
      '  id_venta=40: values differ',
      '    nota: source "venta 40" | warehouse "venta 4O"',
      '  id_venta=41: in the source, missing from the warehouse',
      '    fecha_venta: source 2026-01-01 00:41:00 | warehouse (no row)',
      '    nota: source "venta 41" | warehouse (no row)',
      '    monto: source 51.25 | warehouse (no row)',
      '    tasa: source 13.666666666666666 | warehouse (no row)',
      '',
    ]);

    const json = await datapipe(['verify', 'ventas_cabecera', ...CONFIG, '--json']);
    expect(json.code).toBe(3);
    const report = JSON.parse(json.stdout) as { equal: boolean; tables: { differences: number; sourceRows: number; targetRows: number; shown: { kind: string; key: Record<string, string> }[] }[] };
    expect(report.equal).toBe(false);
    expect(report.tables[0]).toMatchObject({ differences: 2, sourceRows: 4997, targetRows: 4996 });
    expect(report.tables[0]!.shown.map((d) => [d.kind, d.key.id_venta])).toEqual([['values', '40'], ['missing', '41']]);

    const profile = await datapipe(['verify', 'ventas_cabecera', ...CONFIG, '--level', '1']);
    expect(profile.code).toBe(3);
    expect(profile.stdout).toContain('  profile row count: source 4997 ≠ warehouse 4996\n');
    expect(profile.stdout).toContain('DIFFERENT (profile)');
  });

  it('an unknown table or a bad --show is one line, exit 2', async () => {
    const unknown = await datapipe(['verify', 'ventas_detalle', ...CONFIG]);
    expect(unknown.code).toBe(2);
    expect(oneLine(unknown.stderr)).toMatch(/^datapipe: .*ventas_detalle.*/);
    const show = await datapipe(['verify', 'ventas_cabecera', ...CONFIG, '--show', '-1']);
    expect(show.code).toBe(2);
    expect(oneLine(show.stderr)).toBe('datapipe: --show -1: not a whole number of rows — e.g. --show 20');
  });
});
