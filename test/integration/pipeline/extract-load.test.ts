import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extract } from '../../../services/extractor/extract.js';
import { load } from '../../../services/loader/load.js';
import { formatAvsc, modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { findTable } from '../../../shared/config/load-config.js';
import { silentLogger } from '../../../shared/log.js';
import { reconcile } from '../../../shared/pipeline/reconcile.js';
import type { Source } from '../../../shared/sources/source.js';
import { LocalStore } from '../../../shared/stores/local/local-store.js';
import { readDuckDbRows } from '../../../shared/warehouses/duckdb/duckdb-readback.js';
import { openDuckDbWarehouse } from '../../../shared/warehouses/duckdb/duckdb-warehouse.js';
import { GENERATED_ROWS } from '../postgres/all-types-fixture.js';
import { objectPathOnly, openAllTypesWorkspace, type AllTypesWorkspace } from './all-types-workspace.js';

/**
 * extract() and load() in one process over every PostgreSQL type: once through the source's
 * AVRO transcoder (readEncoded + writeEncoded, what production uses) and once through the object
 * path (read + write(rows), what a source without a transcoder gets). Both targets must equal
 * the source value for value.
 */

let ws: AllTypesWorkspace;

beforeAll(async () => {
  ws = await openAllTypesWorkspace('extract-load', 'codec: snappy, part_size_mb: 1, batch_rows: 64', 'lookback: 1d');
  await mkdir(join(ws.dir, 'schemas'));
  await writeFile(join(ws.dir, 'schemas', 'tipos_todos.avsc'), formatAvsc(modelToAvsc(ws.model)));
});

afterAll(async () => {
  await ws?.close();
});

describe.each([
  { path: 'transcoder (readEncoded + writeEncoded)', wrap: (s: Source) => s, folder: 'encoded' },
  { path: 'object path (read + write)', wrap: objectPathOnly, folder: 'objects' },
])('extract → load through the $path', ({ wrap, folder }) => {
  it('defers rows stamped past the source clock, re-reads the lookback, and a full load equals the source exactly', async () => {
    const { dir, loaded, model } = ws;
    const table = findTable(loaded, 'tipos_todos');
    const store = new LocalStore(join(dir, folder, 'staging'));
    const warehousePath = join(dir, folder, 'warehouse.duckdb');
    const common = { config: loaded.config, configPath: loaded.path, store, prefix: undefined, schemasDir: join(dir, 'schemas'), log: silentLogger };

    const runOnce = async (runId: string, spec: typeof table) => {
      const source = wrap(await ws.connect());
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
      const source = await ws.connect();
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
