import { DuckDBInstance, DuckDBDecimalValue } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { unscaledToBytes } from '../../../shared/avro/decimal.js';
import { silentLogger } from '../../../shared/log.js';
import type { Row } from '../../../shared/model/column.js';
import { createStageSql } from '../../../shared/warehouses/duckdb/duckdb-sql.js';
import { StageWriter } from '../../../shared/warehouses/duckdb/duckdb-stage-writer.js';
import { openDuckDbWarehouse } from '../../../shared/warehouses/duckdb/duckdb-warehouse.js';
import { loadRequest, writeParts } from './load-fixtures.js';
import { MemoryStore } from '../../support/memory-store.js';
import { column, tableModel } from '../../support/model-fixtures.js';

/**
 * Throughput of the stage path on a 10-column table. The rates are printed; the floor is enforced
 * only with DATAPIPE_PERF=1, because shared CI machines (2 cores, other suites in parallel) swing
 * by 2× and a timing assertion there would fail for reasons unrelated to the code.
 */
const ENFORCE = process.env.DATAPIPE_PERF === '1';
const STAGE_FLOOR_ROWS_PER_S = 200_000;
if (!ENFORCE) console.warn('duckdb-throughput: rates are reported, not enforced; set DATAPIPE_PERF=1 to require > 200k rows/s for the stage writer');

const wide = tableModel('APP.WIDE', [
  column('id', { kind: 'int64' }, false), column('updated_at', { kind: 'datetime' }),
  column('amount', { kind: 'decimal', precision: 18, scale: 2 }), column('big', { kind: 'decimal', precision: 38, scale: 10 }),
  column('name', { kind: 'string' }), column('ratio', { kind: 'float64' }), column('day', { kind: 'date' }),
  column('at', { kind: 'timestamp' }), column('flag', { kind: 'boolean' }), column('code', { kind: 'string' }),
], ['id']);

function wideRows(count: number): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    rows.push({
      id: i, updated_at: 1_700_000_000_000_000 + i, amount: unscaledToBytes(BigInt(i * 7)), big: unscaledToBytes(BigInt(i) * 10n ** 20n),
      name: `customer name ${i}`, ratio: i / 3, day: 19_000 + (i % 1000), at: 1_700_000_000_000_000 + i, flag: i % 2 === 0,
      code: i % 5 === 0 ? null : `C${i % 97}`,
    });
  }
  return rows;
}

describe('DuckDB stage throughput (10 columns)', () => {
  it('the stage writer appends 200,000 rows, all of them intact', async () => {
    const count = 200_000;
    const rows = wideRows(count);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      let best = 0;
      for (let attempt = 0; attempt < 3; attempt++) {
        await connection.run(createStageSql(wide, 's'));
        const started = performance.now();
        const writer = await StageWriter.open(connection, 's', wide);
        for (let i = 0; i < count; i++) writer.append(rows[i] as Row);
        writer.close();
        best = Math.max(best, count / ((performance.now() - started) / 1000));
      }
      console.log(`duckdb stage writer: ${Math.round(best)} rows/s (best of 3, ${count} rows)`);
      const check = await connection.runAndReadAll(
        'SELECT count(*), sum(id), sum(amount), sum(big), count(code), max(name) FROM temp.main.s',
      );
      const n = BigInt(count);
      expect(check.getRows()).toEqual([[
        n, (n * (n - 1n)) / 2n, new DuckDBDecimalValue((7n * n * (n - 1n)) / 2n, 38, 2),
        new DuckDBDecimalValue(((n * (n - 1n)) / 2n) * 10n ** 20n, 38, 10), BigInt(count - count / 5), 'customer name 99999',
      ]]);
      if (ENFORCE) expect(best).toBeGreaterThan(STAGE_FLOOR_ROWS_PER_S);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('a whole load (AVRO decoding, stage, checks, merge) of 100,000 rows', async () => {
    const count = 100_000;
    const rows = wideRows(count);
    const store = new MemoryStore({ readChunkBytes: 64 * 1024 });
    const parts = await writeParts(store, wide, 'r1', [rows.slice(0, count / 2), rows.slice(count / 2)]);
    const warehouse = await openDuckDbWarehouse(':memory:', silentLogger);
    try {
      await warehouse.ensureTable(wide, 'updated_at');
      const started = performance.now();
      const result = await warehouse.load(loadRequest(store, wide, 'r1', parts, { partitionColumn: 'updated_at' }));
      console.log(`duckdb load(): ${Math.round(count / ((performance.now() - started) / 1000))} rows/s end to end (${count} rows, 2 deflate parts)`);
      expect(result).toEqual({ staged: count, deduplicated: count, targetRows: count });
    } finally {
      await warehouse.close();
    }
  });
});
