import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, workspace } from '../support/cli.js';
import type { PostgresHandle } from '../support/postgres-server.js';
import { oneLine, startOwnDatabase } from './e2e-database.js';

/**
 * `datapipe generate schema` refuses a config naming a column the table lacks, or a watermark
 * that cannot be one, with exit 2 and the very line `datapipe run` prints for it — and writes no
 * schema for that table.
 */

let db: PostgresHandle;
let cwd: string;
let env: Record<string, string>;

/** A config for table `pedidos`, with the given table lines. */
async function writeConfig(tableLines: string): Promise<void> {
  await writeFile(join(cwd, 'proj', 'config.yaml'), [
    'project: { name: proj }',
    'source:',
    '  type: postgres',
    '  connection: { host: "${PGHOST}", port: "${PGPORT}", database: "${PGDATABASE}", user: "${PGUSER}", password: "${PGPASSWORD}" }',
    'destination: { cloud: local }',
    'tables:',
    tableLines,
    '',
  ].join('\n'));
}

const generate = () => run('datapipe', ['generate', 'schema', 'pedidos', '--config', 'proj/config.yaml', '--out', 'out'], { cwd, env });
const runTable = () => run('datapipe', ['run', 'pedidos', '--config', 'proj/config.yaml'], { cwd, env: { ...env, DATAPIPE_SCHEMAS: join(cwd, 'committed', 'schemas') } });
const COLUMNS = 'id, fecha, estado, total';

beforeAll(async () => {
  db = await startOwnDatabase('named_columns');
  const client = new pg.Client(db.config);
  await client.connect();
  await client.query('CREATE TABLE pedidos (id bigint PRIMARY KEY, fecha timestamp(6) NOT NULL, estado text, total numeric(12,2))');
  await client.query("INSERT INTO pedidos VALUES (1, '2026-01-01 10:00:00', 'abierto', 10.50)");
  await client.end();
  cwd = await workspace('named-columns');
  await mkdir(join(cwd, 'proj'));
  env = {
    PGHOST: db.config.host, PGPORT: String(db.config.port), PGDATABASE: db.config.database,
    PGUSER: db.config.user, PGPASSWORD: db.config.password ?? '',
  };
  // A schema committed from a good config, so `run` reaches its own column checks.
  await writeConfig('  - { name: pedidos, load_mode: incremental, partition_column: fecha, primary_keys: [id] }');
  const committed = await run('datapipe', ['generate', 'schema', 'pedidos', '--config', 'proj/config.yaml', '--out', 'committed'], { cwd, env });
  expect(committed.stderr).toBe('');
  expect(committed.code).toBe(0);
});

afterAll(async () => {
  await db?.stop();
});

describe('generate schema checks every column the config names (exit 2, the line run gives)', () => {
  it('refuses a partition_column the table does not have, as run does', async () => {
    await writeConfig('  - { name: pedidos, load_mode: incremental, partition_column: fecha_alta, primary_keys: [id] }');
    const line = `datapipe: tables[pedidos].partition_column: fecha_alta is not a column of pedidos — pick one of ${COLUMNS}`;
    const generated = await generate();
    expect(generated.code).toBe(2);
    expect(oneLine(generated.stderr)).toBe(line);
    expect(await readdir(join(cwd, 'out', 'schemas')).catch(() => [])).toEqual([]);
    const ran = await runTable();
    expect(ran.code).toBe(2);
    expect(oneLine(ran.stderr)).toBe(line);
  });

  it('refuses a partition_column that is not a watermark type, as run does', async () => {
    await writeConfig('  - { name: pedidos, load_mode: incremental, partition_column: estado, primary_keys: [id] }');
    const line = 'datapipe: tables[pedidos].partition_column: estado is string; a watermark must be an integer, date, datetime or timestamp column';
    const generated = await generate();
    expect(generated.code).toBe(2);
    expect(oneLine(generated.stderr)).toBe(line);
    const ran = await runTable();
    expect(ran.code).toBe(2);
    expect(oneLine(ran.stderr)).toBe(line);
  });

  it('refuses a primary key the table does not have', async () => {
    await writeConfig('  - { name: pedidos, load_mode: incremental, partition_column: fecha, primary_keys: [id, linea] }');
    const generated = await generate();
    expect(generated.code).toBe(2);
    expect(oneLine(generated.stderr)).toBe(`datapipe: tables[pedidos].primary_keys: linea is not a column of pedidos — columns are ${COLUMNS}`);
  });

  it('refuses a partition_column of a full table that is not a column', async () => {
    await writeConfig('  - { name: pedidos, load_mode: full, partition_column: fecha_alta }');
    const generated = await generate();
    expect(generated.code).toBe(2);
    expect(oneLine(generated.stderr)).toBe(`datapipe: tables[pedidos].partition_column: fecha_alta is not a column of pedidos — pick one of ${COLUMNS}`);
  });

  it('still writes the schema for a config whose columns all exist', async () => {
    await writeConfig('  - { name: pedidos, load_mode: incremental, partition_column: FECHA, primary_keys: [ID], columns: { total: { type: "decimal(14,2)" } } }');
    const generated = await generate();
    expect(generated.stderr).toBe('');
    expect(generated.code).toBe(0);
    expect((await readdir(join(cwd, 'out', 'schemas'))).sort()).toEqual(['pedidos.avsc', 'pedidos.sql']);
  });
});
