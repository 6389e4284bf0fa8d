/**
 * `datapipe verify` between the PostgreSQL server and the local DuckDB warehouse, after a real
 * extract → load of the all-types table plus the float edge values (-0.0, NaN, ±Infinity, the
 * smallest subnormal): both engines compute the same canonical text for every row, byte for byte;
 * the verification is equal while rows past the watermark wait at the source; then each injected
 * difference — a changed value, a missing row, an extra row, a row deleted at the source — is found
 * and named, and a row changed since the load is not one.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extract } from '../../../services/extractor/extract.js';
import { load } from '../../../services/loader/load.js';
import { formatAvsc, modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { findTable } from '../../../shared/config/load-config.js';
import { silentLogger } from '../../../shared/log.js';
import type { Source } from '../../../shared/sources/source.js';
import { LocalStore } from '../../../shared/stores/local/local-store.js';
import { findDeletedKeys, verifyLoadedTable } from '../../../shared/verify/verify-run.js';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../../shared/warehouses/duckdb/duckdb-warehouse.js';
import { canonicalRows } from '../../support/verify-spelling.js';
import { GENERATED_ROWS } from '../postgres/all-types-fixture.js';
import { openAllTypesWorkspace, type AllTypesWorkspace } from '../pipeline/all-types-workspace.js';

let ws: AllTypesWorkspace;
let warehousePath: string;

/** Rows 4-7 add what the all-types fixture lacks: the float edge values. */
const FLOAT_EDGES = `INSERT INTO tipos_todos (id, c_real, c_double, c_ts) VALUES
  (4, '-0', '-0', '2024-06-01 00:00:00'), (5, 'NaN', 'NaN', '2024-06-01 00:00:00'),
  (6, 'Infinity', '-Infinity', '2024-06-01 00:00:00'), (7, '1.4e-45', '4.9e-324', '2024-06-01 00:00:00')`;

async function sourceSql(sql: string): Promise<void> {
  const client = new pg.Client({ ...ws.handle.config });
  await client.connect();
  try {
    await client.query(`SET search_path TO ${ws.schema}`);
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function withBoth<T>(work: (source: Source, warehouse: DuckDbWarehouse) => Promise<T>): Promise<T> {
  const source = await ws.connect();
  try {
    const warehouse = await openDuckDbWarehouse(warehousePath, silentLogger);
    try {
      return await work(source, warehouse);
    } finally {
      await warehouse.close();
    }
  } finally {
    await source.close();
  }
}

beforeAll(async () => {
  ws = await openAllTypesWorkspace('verify', 'codec: deflate', '');
  await sourceSql(FLOAT_EDGES);
  await mkdir(join(ws.dir, 'schemas'));
  await writeFile(join(ws.dir, 'schemas', 'tipos_todos.avsc'), formatAvsc(modelToAvsc(ws.model)));
  warehousePath = join(ws.dir, 'warehouse.duckdb');
  const table = findTable(ws.loaded, 'tipos_todos');
  const store = new LocalStore(join(ws.dir, 'staging'));
  const common = { config: ws.loaded.config, configPath: ws.loaded.path, store, prefix: undefined, schemasDir: join(ws.dir, 'schemas'), log: silentLogger, table };
  await withBoth(async (source, warehouse) => {
    await extract({ ...common, source, runId: 'r1' });
    await load({ ...common, warehouse, runId: 'r1' });
  });
});

afterAll(async () => {
  await ws?.close();
});

describe('datapipe verify: PostgreSQL server ↔ DuckDB', () => {
  const spec = () => findTable(ws.loaded, 'tipos_todos');

  it('both engines spell every loaded row identically, edge values included', async () => {
    await withBoth(async (source, warehouse) => {
      const [ours, theirs] = await source.verifySession!(ws.model, async (s) => warehouse.verifySession(ws.model, async (t) => Promise.all([canonicalRows(s), canonicalRows(t)])));
      // Row 1 is stamped 9999-12-31, past the source clock: the incremental load deferred it.
      expect([...ours.keys()].filter((k) => !theirs.has(k))).toEqual(['1']);
      expect(theirs.size).toBe(6 + GENERATED_ROWS);
      for (const [key, text] of theirs) expect(`${key}: ${ours.get(key)}`).toBe(`${key}: ${text}`);
      // The spellings the engines agree on, for the edge values.
      const floats = (key: string) => theirs.get(key)!.split('|').slice(5, 7);
      expect(floats('4')).toEqual(['-0', '-0']);
      expect(floats('5')).toEqual(['NaN', 'NaN']);
      expect(floats('6')).toEqual(['Inf', '-Inf']);
      // m·2^e with m the 53-bit mantissa: the smallest float32 subnormal is 2^-149, the smallest double 2^-1074.
      expect(floats('7')).toEqual(['4503599627370496p-201', '4503599627370496p-1126']);
      expect(theirs.get('2')).toContain('|0001-01-01|0001-01-01 00:00:00|0001-01-01 00:00:00|false|');
      expect(theirs.get('3')).toMatch(/^3\|~\|~\|~\|~\|~\|~\|0:\|~\|~\|/);
    });
  });

  it('is equal right after the load, rows past the watermark not counted', async () => {
    const result = await withBoth((source, warehouse) => verifyLoadedTable({ model: ws.model, spec: spec(), source, warehouse, level: 2, show: 10 }));
    expect(result).toMatchObject({ equal: true, differences: 0, profile: [], sourceRows: 6 + GENERATED_ROWS, targetRows: 6 + GENERATED_ROWS, passes: 1, changedSinceLoad: 0 });
    expect(result.watermark).toBe('2024-06-01T00:00:00.000000');
  });

  it('finds and names a changed value, a missing row, an extra row and a source delete; a row changed since the load is none', async () => {
    await withBoth(async (_source, warehouse) => warehouse.verifySession(ws.model, async (t) => {
      await t.query(`UPDATE ${t.table.from} SET c_text = 'fila I' WHERE id = 101`, {}, 'test');
      await t.query(`DELETE FROM ${t.table.from} WHERE id = 102`, {}, 'test');
      await t.query(`INSERT INTO ${t.table.from} (id, c_text, c_ts) VALUES (999, 'extra', TIMESTAMP '2024-01-02 00:00:00')`, {}, 'test');
    }));
    await sourceSql(`DELETE FROM tipos_todos WHERE id = 103; UPDATE tipos_todos SET c_text = 'later', c_ts = '2030-01-01' WHERE id = 104`);

    const detect = await withBoth((source, warehouse) => verifyLoadedTable({
      model: ws.model, spec: { ...spec(), deletes: 'detect' }, source, warehouse, level: 2, show: 10, compare: { listRows: 8 },
    }));
    expect(detect).toMatchObject({ equal: false, differences: 4, deletedAtSource: 2, changedSinceLoad: 1, partial: false });
    expect(detect.passes).toBeGreaterThan(1);
    expect(detect.shown).toEqual([
      { kind: 'values', key: { id: '101' }, columns: [{ column: 'c_text', source: '"fila 1"', target: '"fila I"' }] },
      { kind: 'missing', key: { id: '102' }, columns: expect.arrayContaining([{ column: 'c_text', source: '"fila 2"', target: '(no row)' }]) },
      { kind: 'deleted', key: { id: '103' }, columns: expect.arrayContaining([{ column: 'c_text', source: '(no row)', target: '"fila 3"' }]) },
      { kind: 'deleted', key: { id: '999' }, columns: expect.arrayContaining([{ column: 'c_text', source: '(no row)', target: '"extra"' }]) },
    ]);
    expect(detect.profile.find((p) => p.stat === 'rows')).toEqual({ column: '*', stat: 'rows', source: String(4 + GENERATED_ROWS), target: String(6 + GENERATED_ROWS) });

    // deletes: ignore keeps rows gone from the source on purpose: counted, not differences.
    const ignore = await withBoth((source, warehouse) => verifyLoadedTable({ model: ws.model, spec: spec(), source, warehouse, level: 2, show: 1 }));
    expect(ignore).toMatchObject({ equal: false, differences: 2, deletedAtSource: 2, changedSinceLoad: 1 });
    expect(ignore.shown.map((d) => d.key.id)).toEqual(['101']);

    // Level 1 alone sees the profiles move: row count, text length.
    const level1 = await withBoth((source, warehouse) => verifyLoadedTable({ model: ws.model, spec: spec(), source, warehouse, level: 1, show: 10 }));
    expect(level1.equal).toBe(false);
    expect(level1.profile.map((p) => `${p.column}.${p.stat}`)).toEqual(expect.arrayContaining(['*.rows', 'c_text.length']));

    // The key-set check the loader runs: the keys gone from the source, whatever their watermark.
    const deleted = await withBoth((source, warehouse) => findDeletedKeys(source, warehouse, ws.model));
    expect(deleted).toEqual({ keys: ['103', '999'], partial: false });
  });
});
