/**
 * The stage writer flushes DuckDB's appender by the values it holds, not DuckDB's fixed 204,800
 * rows: the appender's pending rows live outside the buffer memory `memory_limit` bounds, and for
 * a 200-column table they were ~600 MB (docs/warehouses.md, "The local warehouse's memory").
 * What shows a flush: the rows are in the stage table before the writer closes.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Row, TableModel } from '../../../shared/model/column.js';
import { createStageSql } from '../../../shared/warehouses/duckdb/duckdb-sql.js';
import { FLUSH_VALUES, StageWriter } from '../../../shared/warehouses/duckdb/duckdb-stage-writer.js';
import { column, tableModel } from '../../support/model-fixtures.js';

/** `width` BIGINT columns. */
function bigints(width: number): TableModel {
  return tableModel('APP.S', Array.from({ length: width }, (_, i) => column(`c${i}`, { kind: 'int64' })), []);
}

function row(model: TableModel, n: number): Row {
  return Object.fromEntries(model.columns.map((c) => [c.name, n]));
}

let instance: DuckDBInstance;
let connection: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

async function staged(): Promise<bigint> {
  const [[count] = []] = (await connection.runAndReadAll('SELECT count(*) FROM temp.main.s')).getRows();
  return count as bigint;
}

/** Appends `rows` rows, then says how many were in the stage before and after the writer closed. */
async function stageRows(model: TableModel, rows: number): Promise<[bigint, bigint]> {
  await connection.run(createStageSql(model, 's'));
  const writer = await StageWriter.open(connection, 's', model);
  for (let n = 0; n < rows; n++) writer.append(row(model, n));
  const before = await staged();
  writer.close();
  return [before, await staged()];
}

describe('the stage writer\'s appender flushes (real DuckDB, in memory)', () => {
  it('holds a 10-column table\'s rows as DuckDB would, up to 204,800', async () => {
    expect(FLUSH_VALUES / 10).toBe(204_800);
    expect(await stageRows(bigints(10), 4_096)).toEqual([0n, 4_096n]);
    expect(await stageRows(bigints(10), 204_800 + 2_048)).toEqual([204_800n, 206_848n]);
  });

  it('flushes a 1,000-column table\'s every 2,048 rows (one chunk)', async () => {
    expect(await stageRows(bigints(1_000), 2_048 * 3 + 5)).toEqual([6_144n, 6_149n]);
  });
});
