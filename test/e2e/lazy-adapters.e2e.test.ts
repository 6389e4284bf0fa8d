/**
 * Each entrypoint loads only its own adapters (docs/architecture.md, "Registries"): the extractor
 * never loads a warehouse driver, the loader never loads a source driver. The real entrypoints
 * run a real extraction and load, with a module hook recording every module they resolve.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, run, workspace } from '../support/cli.js';
import type { PostgresHandle } from '../support/postgres-server.js';
import { startOwnDatabase } from './e2e-database.js';

const HOOK = join(ROOT, 'test/support/module-log/register.mjs');
/** Packages by role: what an extractor or a loader must not load. */
const WAREHOUSE_DRIVERS = ['@duckdb/node-api', '@google-cloud/bigquery', '@aws-sdk/client-redshift-data'];
const SOURCE_DRIVERS = ['pg', 'pg-copy-streams', 'pg-cursor', 'oracledb'];

let db: PostgresHandle;
let cwd: string;
let env: Record<string, string>;

/** The packages (under node_modules) the entrypoint resolved while running `args`. */
async function packagesLoaded(bin: 'extractor' | 'loader', args: string[]): Promise<Set<string>> {
  const log = join(cwd, `${bin}-modules.log`);
  const outcome = await run(bin, args, { cwd, env: { ...env, NODE_OPTIONS: `--import ${HOOK}`, DATAPIPE_MODULE_LOG: log } });
  expect(outcome.stderr).toBe('');
  expect(outcome.code).toBe(0);
  const urls = (await readFile(log, 'utf8')).split('\n');
  return new Set(urls.map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]).filter((name): name is string => name !== undefined));
}

beforeAll(async () => {
  db = await startOwnDatabase('lazy');
  const client = new pg.Client(db.config);
  await client.connect();
  await client.query('CREATE TABLE ventas_cabecera (id_venta bigint PRIMARY KEY, fecha_venta timestamp NOT NULL, monto numeric(18,2))');
  await client.query("INSERT INTO ventas_cabecera SELECT g, TIMESTAMP '2026-01-01' + g * interval '1 hour', g * 1.25 FROM generate_series(1, 100) g");
  await client.end();
  cwd = await workspace('e2e-lazy');
  env = { PGHOST: db.config.host, PGPORT: String(db.config.port), PGDATABASE: db.config.database, PGUSER: db.config.user, PGPASSWORD: db.config.password ?? '' };
  for (const args of [['init', 'ventas', '--cloud', 'local'], ['generate', 'schema', 'ventas_cabecera', '--config', 'ventas/config.yaml']]) {
    expect((await run('datapipe', args, { cwd, env })).code).toBe(0);
  }
});

afterAll(async () => {
  await db?.stop();
});

describe('lazy adapters', () => {
  it('the extractor loads the source driver and the staging store, never a warehouse driver', async () => {
    const loaded = await packagesLoaded('extractor', ['--table', 'ventas_cabecera', '--config', 'ventas/config.yaml', '--run-id', 'r1']);
    expect(loaded).toContain('pg');
    expect(WAREHOUSE_DRIVERS.filter((name) => loaded.has(name))).toEqual([]);
  });

  it('the loader loads the warehouse driver, never a source driver', async () => {
    const loaded = await packagesLoaded('loader', ['--table', 'ventas_cabecera', '--config', 'ventas/config.yaml', '--run-id', 'r1']);
    expect(loaded).toContain('@duckdb/node-api');
    expect(SOURCE_DRIVERS.filter((name) => loaded.has(name))).toEqual([]);
  });
});
