/**
 * An operator's worst day on the `local` cloud, through the real entrypoints: runs loaded out of
 * order after a loader died between its merge and its state write, a refused run repaired by
 * extracting it again, two extractors on one run id, damaged or missing parts. After each
 * scenario the target must equal the source, or the run must stop with the documented exit code
 * and one line saying what to do (docs/run-protocol.md, README "What happens when").
 */
import { readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { run, start, workspace } from '../support/cli.js';
import type { PostgresHandle } from '../support/postgres-server.js';
import { oneLine, startOwnDatabase } from './e2e-database.js';

const CONFIG = ['--config', 'ventas/config.yaml'];
const TABLE_DIR = join('ventas', '.datapipe', 'staging', 'ventas', 'ventas_cabecera');

let db: PostgresHandle;
let client: pg.Client;
let cwd: string;
let env: Record<string, string>;

const extract = (runId: string) => run('extractor', ['--table', 'ventas_cabecera', ...CONFIG, '--run-id', runId], { cwd, env });
const load = (runId?: string) => run('loader', ['--table', 'ventas_cabecera', ...CONFIG, ...(runId ? ['--run-id', runId] : [])], { cwd, env });

async function target(): Promise<string[][]> {
  const instance = await DuckDBInstance.create(join(cwd, 'ventas', '.datapipe', 'warehouse.duckdb'), { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll('SELECT id_venta::VARCHAR, nota, monto::VARCHAR FROM ventas_cabecera ORDER BY id_venta');
    return reader.getRows().map((row) => row.map(String));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function source(): Promise<string[][]> {
  const { rows } = await client.query<{ id: string; nota: string; monto: string }>('SELECT id_venta::text AS id, nota, monto::text AS monto FROM ventas_cabecera ORDER BY id_venta');
  return rows.map((r) => [r.id, r.nota, r.monto]);
}

/** The run's staged AVRO parts, as paths. */
async function parts(runId: string): Promise<string[]> {
  const dir = join(cwd, TABLE_DIR, `run=${runId}`);
  return (await readdir(dir)).filter((f) => f.endsWith('.avro')).map((f) => join(dir, f));
}

function ok(outcome: { code: number | null; stderr: string }): void {
  expect(outcome.stderr).toBe('');
  expect(outcome.code).toBe(0);
}

beforeAll(async () => {
  db = await startOwnDatabase('faults');
  client = new pg.Client(db.config);
  await client.connect();
  cwd = await workspace('e2e-faults');
  env = { PGHOST: db.config.host, PGPORT: String(db.config.port), PGDATABASE: db.config.database, PGUSER: db.config.user, PGPASSWORD: db.config.password ?? '' };
  await client.query('CREATE TABLE ventas_cabecera (id_venta bigint PRIMARY KEY, fecha_venta timestamp NOT NULL, nota text NOT NULL, monto numeric(18,2))');
  for (const args of [['init', 'ventas', '--cloud', 'local'], ['generate', 'schema', 'ventas_cabecera', ...CONFIG]]) {
    expect((await run('datapipe', args, { cwd, env })).code).toBe(0);
  }
});

afterAll(async () => {
  await client?.end();
  await db?.stop();
});

describe('the fault campaign, on the local cloud', () => {
  beforeEach(async () => {
    // Every scenario starts from an empty staging folder and warehouse and 2,000 source rows.
    await rm(join(cwd, 'ventas', '.datapipe'), { recursive: true, force: true });
    await client.query('TRUNCATE ventas_cabecera');
    await client.query("INSERT INTO ventas_cabecera SELECT g, TIMESTAMP '2026-01-01' + g * interval '1 minute', 'v0', g * 1.25 FROM generate_series(1, 2000) g");
    ok(await extract('r0'));
    ok(await load('r0'));
  });

  it('a run extracted before a newer one the warehouse already merged is refused, even when _state.json lags behind', async () => {
    await client.query("UPDATE ventas_cabecera SET nota = 'v1', fecha_venta = TIMESTAMP '2026-06-01' WHERE id_venta <= 500");
    ok(await extract('r1'));
    await client.query("UPDATE ventas_cabecera SET nota = 'v2', fecha_venta = TIMESTAMP '2026-06-02' WHERE id_venta <= 500");
    ok(await extract('r2'));
    // r2's loader merged, then died before writing _state.json: the state still names r0.
    const statePath = join(cwd, TABLE_DIR, '_state.json');
    const before = await readFile(statePath);
    ok(await load('r2'));
    await writeFile(statePath, before);

    const stale = await load('r1');
    expect(stale.code).toBe(2);
    expect(oneLine(stale.stderr)).toBe(
      'datapipe: ventas_cabecera: run r1 was extracted after run r0, but the table has since been loaded by run r2 — ' +
        'extract it again (the same run id re-claims its window) or extract a new run',
    );
    expect(JSON.parse(await readFile(statePath, 'utf8'))).toMatchObject({ runId: 'r2' });
    expect((await target()).filter(([, nota]) => nota === 'v2')).toHaveLength(500);

    // Repair as Airflow would: clear r1, which extracts it again, then loads it.
    ok(await extract('r1'));
    ok(await load('r1'));
    expect(await target()).toEqual(await source());
  });

  it('two extractors on one run id publish a run whose parts match its manifest', async () => {
    await client.query("UPDATE ventas_cabecera SET nota = 'twice', fecha_venta = TIMESTAMP '2026-06-01' WHERE id_venta % 3 = 0");
    const args = ['--table', 'ventas_cabecera', ...CONFIG, '--run-id', 'r1'];
    const [a, b] = await Promise.all([start('extractor', args, { cwd, env }).done, start('extractor', args, { cwd, env }).done]);
    ok(a);
    ok(b);
    ok(await load('r1'));
    expect(await target()).toEqual(await source());
  });

  describe('a damaged or missing part is a broken run (exit 3) naming the part, not a retry', () => {
    beforeEach(async () => {
      await client.query("UPDATE ventas_cabecera SET nota = 'v1', fecha_venta = TIMESTAMP '2026-06-01' WHERE id_venta <= 1500");
      ok(await extract('r1'));
    });

    const damages: [string, (part: string) => Promise<void>][] = [
      ['deleted', (part) => rm(part)],
      ['truncated', async (part) => truncate(part, 900)],
      ['bytes flipped mid-file', async (part) => {
        const bytes = await readFile(part);
        for (let i = 600; i < 700; i++) bytes[i] = bytes[i]! ^ 0xff;
        await writeFile(part, bytes);
      }],
      ['garbage appended', async (part) => writeFile(part, Buffer.concat([await readFile(part), Buffer.from('garbage')]))],
      ['replaced by another file', async (part) => writeFile(part, 'not avro at all')],
    ];

    it.each(damages)('%s', async (_, damage) => {
      const [part] = await parts('r1');
      await damage(part!);
      const outcome = await load('r1');
      expect(outcome.code).toBe(3);
      const line = oneLine(outcome.stderr);
      expect(line).toContain(part!.slice(part!.indexOf('ventas/ventas_cabecera/')));
      expect(line).toMatch(/re-run the extractor for this run$/);
      // The repair the line asks for works.
      ok(await extract('r1'));
      ok(await load('r1'));
      expect(await target()).toEqual(await source());
    });
  });
});
