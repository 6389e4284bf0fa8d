import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extract } from '../../../services/extractor/extract.js';
import { load } from '../../../services/loader/load.js';
import { formatAvsc, modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { findTable, loadConfig, type LoadedConfig } from '../../../shared/config/load-config.js';
import { silentLogger } from '../../../shared/log.js';
import type { TableModel } from '../../../shared/model/column.js';
import { reconcile } from '../../../shared/pipeline/reconcile.js';
import { applyTableSpec } from '../../../shared/pipeline/table-contract.js';
import { connectPostgres } from '../../../shared/sources/postgres/postgres-source.js';
import type { Source } from '../../../shared/sources/source.js';
import { LocalStore } from '../../../shared/stores/local/local-store.js';
import { readDuckDbRows } from '../../../shared/warehouses/duckdb/duckdb-readback.js';
import { openDuckDbWarehouse } from '../../../shared/warehouses/duckdb/duckdb-warehouse.js';
import { workspace } from '../../support/cli.js';
import { startPostgres, type PostgresHandle } from '../../support/postgres-server.js';
import { createAllTypes, dropSchema, GENERATED_ROWS } from '../postgres/all-types-fixture.js';

/**
 * extract() and load() in one process over every PostgreSQL type: once through the source's
 * AVRO transcoder (readEncoded + writeEncoded, what production uses) and once through the object
 * path (read + write(rows), what a source without a transcoder gets). Both targets must equal
 * the source value for value.
 */

let handle: PostgresHandle;
let schema: string;
let dir: string;
let loaded: LoadedConfig;
let model: TableModel;

beforeAll(async () => {
  handle = await startPostgres();
  schema = await createAllTypes(handle);
  dir = await workspace('extract-load');
  process.env.DATAPIPE_IT_PG_PASSWORD = handle.config.password ?? '';
  const { host, port, database, user } = handle.config;
  await writeFile(join(dir, 'config.yaml'), `
project: { name: it }
source:
  type: postgres
  connection: { host: ${host}, port: ${port}, database: ${database}, user: ${user}, password: "\${DATAPIPE_IT_PG_PASSWORD}" }
  schema: ${schema}
destination: { cloud: local }
staging: { codec: snappy, part_size_mb: 1, batch_rows: 64 }
tables:
  - { name: tipos_todos, load_mode: incremental, partition_column: c_ts, primary_keys: [id], null_watermark: include, lookback: 1d }
`);
  loaded = await loadConfig(join(dir, 'config.yaml'));
  const source = await connectPostgres(handle.config, schema, silentLogger);
  try {
    model = applyTableSpec(await source.describe('tipos_todos', { profile: true }), findTable(loaded, 'tipos_todos'));
  } finally {
    await source.close();
  }
  await mkdir(join(dir, 'schemas'));
  await writeFile(join(dir, 'schemas', 'tipos_todos.avsc'), formatAvsc(modelToAvsc(model)));
});

afterAll(async () => {
  if (schema) await dropSchema(handle, schema);
  await handle?.stop();
});

/** The source with its transcoder hidden: the extractor must fall back to read() + write(rows). */
function objectPathOnly(source: Source): Source {
  return {
    describe: (t, o) => source.describe(t, o),
    windowHigh: (m, c) => source.windowHigh(m, c),
    countNulls: (m, c) => source.countNulls(m, c),
    read: (plan) => source.read(plan),
    close: () => source.close(),
  };
}

describe.each([
  { path: 'transcoder (readEncoded + writeEncoded)', wrap: (s: Source) => s, folder: 'encoded' },
  { path: 'object path (read + write)', wrap: objectPathOnly, folder: 'objects' },
])('extract → load through the $path', ({ wrap, folder }) => {
  it('defers rows stamped past the source clock, re-reads the lookback, and a full load equals the source exactly', async () => {
    const table = findTable(loaded, 'tipos_todos');
    const store = new LocalStore(join(dir, folder, 'staging'));
    const warehousePath = join(dir, folder, 'warehouse.duckdb');
    const common = { config: loaded.config, configPath: loaded.path, store, prefix: undefined, schemasDir: join(dir, 'schemas'), log: silentLogger };

    const runOnce = async (runId: string, spec: typeof table) => {
      const source = wrap(await connectPostgres(handle.config, schema, silentLogger));
      try {
        const manifest = await extract({ ...common, table: spec, source, runId });
        const warehouse = await openDuckDbWarehouse(warehousePath, silentLogger);
        try {
          return { manifest, loaded: await load({ ...common, table: spec, warehouse, runId }) };
        } finally {
          await warehouse.close();
        }
      } finally {
        await source.close();
      }
    };
    const verify = async () => {
      const source = await connectPostgres(handle.config, schema, silentLogger);
      try {
        return await reconcile(model, source.read({ model, batchSize: 50 }), readDuckDbRows(warehousePath, model));
      } finally {
        await source.close();
      }
    };

    // Row 1 is stamped 9999-12-31: past the source clock, so incremental runs defer it (by design:
    // the window's upper bound is the database clock); every other row, NULL stamps included, loads.
    const first = await runOnce('r1', table);
    expect(first.manifest.rows).toBe(2 + GENERATED_ROWS);
    expect(first.loaded?.targetRows).toBe(2 + GENERATED_ROWS);
    expect((await verify()).differences).toEqual(['id=1: in the source only']);

    // The next run re-reads [watermark − 1d, now] plus the NULL-stamped row; the target is unchanged.
    const second = await runOnce('r2', table);
    expect(second.manifest.window.baseState?.runId).toBe('r1');
    expect(second.manifest.rows).toBeGreaterThanOrEqual(1);
    expect(second.manifest.rows).toBeLessThan(first.manifest.rows);
    expect(second.loaded?.targetRows).toBe(2 + GENERATED_ROWS);

    // A full load reads everything, with no window, and replaces the target: source = target.
    const full = await runOnce('r3', { ...table, load_mode: 'full' });
    expect(full.manifest.window.low).toBeNull();
    expect(full.manifest.rows).toBe(3 + GENERATED_ROWS);
    expect(full.loaded?.targetRows).toBe(3 + GENERATED_ROWS);
    const outcome = await verify();
    expect(outcome.differences).toEqual([]);
    expect(outcome.targetRows).toBe(3 + GENERATED_ROWS);
  });
});
