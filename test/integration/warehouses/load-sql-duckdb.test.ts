/**
 * The load protocol's SQL (shared/warehouses/sql/load-sql.ts), executed for real on DuckDB with
 * the DuckDB dialect: the very statements the local warehouse runs, and BigQuery's twin — the
 * BigQuery dialect generates the same text but for spellings (proven below). Exact table contents
 * after each load, and the fidelity edge values through the dedup bit for bit.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TableModel } from '../../../shared/model/column.js';
import { BIGQUERY_DIALECT } from '../../../shared/warehouses/bigquery/bigquery-dialect.js';
import { DUCKDB_DIALECT as D } from '../../../shared/warehouses/duckdb/duckdb-dialect.js';
import { duckDbType } from '../../../shared/warehouses/duckdb/duckdb-types.js';
import { commitStatements, stageCheckSql, STALE_RUN_MARKER, type LoadTables } from '../../../shared/warehouses/sql/load-sql.js';
import { paramsUsedBy } from '../../../shared/warehouses/warehouse-driver.js';
import type { LoadMode } from '../../../shared/warehouses/warehouse.js';
import { column, EXACT_TIES, tableModel } from '../../support/model-fixtures.js';
import { previousRun } from '../duckdb/load-fixtures.js';

const orders = tableModel('APP.ORDERS', [
  column('id', { kind: 'int64' }, false),
  column('updated_at', { kind: 'datetime' }),
  column('amount', { kind: 'decimal', precision: 38, scale: 9 }),
  column('ratio', { kind: 'float64' }),
  column('note', { kind: 'string' }),
], ['id']);

const lines = tableModel('APP.LINES', [
  column('order_id', { kind: 'int64' }, false),
  column('line_no', { kind: 'int64' }),
  column('changed', { kind: 'timestamp' }),
  column('qty', { kind: 'int64' }),
], ['order_id', 'line_no']);

type StageRow = [id: bigint | null, updatedAt: string | null, amount: string | null, ratio: number | string | null, note: string | null];

/** Target, stage and loads tables in DuckDB's `main`. */
function tablesOf(model: TableModel): LoadTables {
  return { target: `"main"."${model.name}"`, stage: `"main"."${model.name}__stage"`, loads: '"main"."_datapipe_loads"' };
}

describe('the load protocol\'s SQL, executed on DuckDB (the local warehouse, and BigQuery\'s twin)', () => {
  let instance: DuckDBInstance;
  let db: DuckDBConnection;

  beforeEach(async () => {
    instance = await DuckDBInstance.create(':memory:');
    db = await instance.connect();
    await db.run("SET TimeZone = 'UTC'");
    await db.run([
      'CREATE TABLE "main"."_datapipe_loads" ("table_name" VARCHAR NOT NULL, "run_id" VARCHAR NOT NULL, "mode" VARCHAR NOT NULL,',
      '"rows_staged" BIGINT NOT NULL, "rows_loaded" BIGINT NOT NULL, "watermark" VARCHAR, "loaded_at" TIMESTAMPTZ NOT NULL)',
    ].join(' '));
    for (const model of [orders, lines]) {
      const keys = new Set(model.primaryKeys);
      const target = model.columns.map((c) => `${D.quote(c.name)} ${duckDbType(c.type)}${!c.nullable || keys.has(c.name) ? ' NOT NULL' : ''}`);
      await db.run(`CREATE TABLE ${tablesOf(model).target} (${target.join(', ')})`);
    }
  });

  afterEach(() => {
    db.closeSync();
    instance.closeSync();
  });

  async function stage(model: TableModel, rows: DuckDBValue[][]): Promise<void> {
    const { stage } = tablesOf(model);
    await db.run(`CREATE OR REPLACE TABLE ${stage} (${model.columns.map((c) => `${D.quote(c.name)} ${duckDbType(c.type)}`).join(', ')})`);
    const placeholders = model.columns.map(() => '?').join(', ');
    for (const row of rows) await db.run(`INSERT INTO ${stage} VALUES (${placeholders})`, row);
  }

  /**
   * The stage check, then the commit statements in one transaction, as the warehouse runs them.
   * `base` is the run this one continues (default: the run before it, r1 → none, r2 → r1).
   */
  async function load(model: TableModel, runId: string, mode: LoadMode, partitionColumn: string | null, watermark: string | null = null, base = previousRun(runId)) {
    const tables = tablesOf(model);
    const [check] = (await db.runAndReadAll(stageCheckSql(model, tables.stage, D))).getRowObjectsJS();
    const statements = commitStatements(model, mode, tables, partitionColumn, D);
    const params = { table_name: model.name, run_id: runId, base_run_id: base, mode, rows_staged: Number(check!.staged), rows_loaded: Number(check!.deduplicated), watermark };
    await db.run('BEGIN TRANSACTION');
    try {
      for (const sql of statements) {
        const used = paramsUsedBy(sql, params, D.param);
        await db.run(sql, Object.keys(used).length > 0 ? Object.fromEntries(Object.entries(used).map(([k, v]) => [k, typeof v === 'number' ? BigInt(v) : v])) : undefined);
      }
      await db.run('COMMIT');
    } catch (error) {
      await db.run('ROLLBACK');
      throw error;
    }
    return check;
  }

  async function rows(sql: string): Promise<DuckDBValue[][]> {
    return (await db.runAndReadAll(sql)).getRows();
  }

  /** Run r1 loads `first` incrementally, then run r2 loads `second` in `mode`; resolves to r2's stage check. */
  async function twoOrderRuns(first: StageRow[], second: StageRow[], mode: LoadMode) {
    await stage(orders, first);
    await load(orders, 'r1', 'incremental', 'updated_at');
    await stage(orders, second);
    return load(orders, 'r2', mode, 'updated_at');
  }

  const ORDERS = 'SELECT id, CAST(updated_at AS VARCHAR), CAST(amount AS VARCHAR), ratio, note FROM main.orders ORDER BY id';

  it('keeps one row per key: the latest partition value wins, a NULL one loses, whatever the stage order', async () => {
    const staged: StageRow[] = [
      [1n, '2024-05-01 10:00:00', '1.000000000', 1, 'old'],
      [1n, '2024-05-02 10:00:00', '2.000000000', 2, 'new'],
      [1n, null, '9.000000000', 9, 'no date'],
      [2n, null, '5.000000000', 5, 'only undated'],
      [2n, null, '4.000000000', 4, 'smaller'],
    ];
    for (const order of [staged, [...staged].reverse(), [staged[2]!, staged[0]!, staged[4]!, staged[1]!, staged[3]!]]) {
      await db.run('DELETE FROM main.orders');
      await stage(orders, order);
      await load(orders, 'r1', 'incremental', 'updated_at');
      expect(await rows(ORDERS)).toEqual([
        [1n, '2024-05-02 10:00:00', '2.000000000', 2, 'new'],
        [2n, null, '5.000000000', 5, 'only undated'],
      ]);
    }
  });

  it('breaks an exact tie on the partition value by the other columns: greatest wins, NULL lowest, NaN below numbers', async () => {
    // Floats bound as text: DuckDB binds an integral JS number (-1e308) as BIGINT.
    const staged: StageRow[] = EXACT_TIES.staged.map(([id, amount, ratio, note]) => [id, EXACT_TIES.stamp, amount, ratio === null ? null : String(ratio), note]);
    for (const order of [staged, [...staged].reverse()]) {
      await db.run('DELETE FROM main.orders');
      await stage(orders, order);
      await load(orders, 'r1', 'incremental', 'updated_at');
      expect(await rows('SELECT id, CAST(amount AS VARCHAR), CAST(ratio AS VARCHAR), note FROM main.orders ORDER BY id')).toEqual(EXACT_TIES.kept);
    }
  });

  it('lets a late row overwrite a newer target row: the stage is the source\'s current state', async () => {
    const check = await twoOrderRuns(
      [[1n, '2024-05-02 10:00:00', '2.000000000', 2, 'newer'], [2n, '2024-05-02 10:00:00', '3.000000000', 3, 'kept']],
      [[1n, '2024-04-30 08:00:00', '1.500000000', 1.5, 'moved back'], [3n, '2024-05-03 00:00:00', '7.000000000', 7, 'new']],
      'incremental',
    );
    expect(check).toEqual({ staged: 2n, deduplicated: 2n, null_0: 0n });
    expect(await rows(ORDERS)).toEqual([
      [1n, '2024-04-30 08:00:00', '1.500000000', 1.5, 'moved back'],
      [2n, '2024-05-02 10:00:00', '3.000000000', 3, 'kept'],
      [3n, '2024-05-03 00:00:00', '7.000000000', 7, 'new'],
    ]);
  });

  it('carries boundary values exactly: decimal(38,9) extremes, years 1 and 9999, int64 limits, empty string vs NULL', async () => {
    const max = '99999999999999999999999999999.999999999';
    await stage(orders, [
      // Integral doubles travel as text: the binding would otherwise take them for BIGINT.
      [-(2n ** 63n), '0001-01-01 00:00:00', `-${max}`, '-1.5', ''],
      [2n ** 63n - 1n, '9999-12-31 23:59:59.999999', max, '1.7976931348623157e308', null],
      [0n, '1970-01-01 00:00:00', '0.000000001', 5e-324, ' '],
    ]);
    await load(orders, 'r1', 'incremental', 'updated_at');
    expect(await rows(ORDERS)).toEqual([
      [-(2n ** 63n), '0001-01-01 00:00:00', `-${max}`, -1.5, ''],
      [0n, '1970-01-01 00:00:00', '0.000000001', 5e-324, ' '],
      [2n ** 63n - 1n, '9999-12-31 23:59:59.999999', max, 1.7976931348623157e308, null],
    ]);
  });

  it('counts NULL keys, rows and distinct keys in the stage check (the warehouse refuses NULL keys)', async () => {
    await stage(lines, [[1n, 1n, '2024-05-01 00:00:00+00', 1n], [1n, null, '2024-05-01 00:00:00+00', 2n], [1n, 1n, '2024-05-02 00:00:00+00', 3n], [2n, null, null, 4n]]);
    const [check] = (await db.runAndReadAll(stageCheckSql(lines, tablesOf(lines).stage, D))).getRowObjectsJS();
    expect(check).toEqual({ staged: 4n, deduplicated: 3n, null_0: 0n, null_1: 2n });
  });

  it('merges composite keys, the latest timestamp winning per key pair', async () => {
    await stage(lines, [
      [1n, 1n, '2024-05-01 00:00:00+00', 1n], [1n, 1n, '2024-05-02 00:00:00+00', 2n],
      [1n, 2n, '2024-05-01 00:00:00+00', 3n], [2n, 1n, '2024-05-01 00:00:00+00', 4n],
    ]);
    await load(lines, 'r1', 'incremental', 'changed');
    expect(await rows('SELECT order_id, line_no, CAST(changed AS VARCHAR), qty FROM main.lines ORDER BY ALL')).toEqual([
      [1n, 1n, '2024-05-02 00:00:00+00', 2n],
      [1n, 2n, '2024-05-01 00:00:00+00', 3n],
      [2n, 1n, '2024-05-01 00:00:00+00', 4n],
    ]);
  });

  it('full mode replaces the target with the deduplicated stage, atomically with the loads record', async () => {
    const check = await twoOrderRuns(
      [[1n, '2024-05-01 00:00:00', '1.000000000', 1, 'a'], [2n, '2024-05-01 00:00:00', '2.000000000', 2, 'b']],
      [[3n, '2024-06-01 00:00:00', '3.000000000', 3, 'old'], [3n, '2024-06-02 00:00:00', '3.500000000', 3.5, 'c']],
      'full',
    );
    expect(check).toEqual({ staged: 2n, deduplicated: 1n, null_0: 0n });
    expect(await rows(ORDERS)).toEqual([[3n, '2024-06-02 00:00:00', '3.500000000', 3.5, 'c']]);
    expect(await rows('SELECT table_name, run_id, mode, rows_staged, rows_loaded, watermark FROM main._datapipe_loads ORDER BY run_id')).toEqual([
      ['orders', 'r1', 'incremental', 2n, 2n, null],
      ['orders', 'r2', 'full', 2n, 1n, null],
    ]);
  });

  it('re-running a load changes nothing: same target rows, one loads record per run', async () => {
    await stage(orders, [[1n, '2024-05-01 00:00:00', '1.000000000', 1, 'a'], [1n, '2024-05-02 00:00:00', '2.000000000', 2, 'b']]);
    await load(orders, 'r1', 'incremental', 'updated_at', '2024-05-02 00:00:00');
    const first = await rows(ORDERS);
    await load(orders, 'r1', 'incremental', 'updated_at', '2024-05-02 00:00:00');
    expect(await rows(ORDERS)).toEqual(first);
    expect(await rows('SELECT table_name, run_id, mode, rows_staged, rows_loaded, watermark, loaded_at IS NOT NULL FROM main._datapipe_loads')).toEqual([
      ['orders', 'r1', 'incremental', 2n, 1n, '2024-05-02 00:00:00', true],
    ]);
    await stage(lines, [[1n, 1n, null, 1n]]);
    await load(lines, 'r1', 'incremental', 'changed');
    expect(await rows('SELECT table_name, run_id FROM main._datapipe_loads ORDER BY table_name')).toEqual([['lines', 'r1'], ['orders', 'r1']]);
  });

  it('rolls everything back when a statement fails inside the transaction', async () => {
    const nullKey: StageRow = [null, '2024-05-02 00:00:00', '2.000000000', 2, 'null key'];
    await expect(twoOrderRuns([[1n, '2024-05-01 00:00:00', '1.000000000', 1, 'a']], [nullKey], 'full')).rejects.toThrow(/NOT NULL constraint failed/);
    expect(await rows(ORDERS)).toEqual([[1n, '2024-05-01 00:00:00', '1.000000000', 1, 'a']]);
    expect(await rows('SELECT run_id FROM main._datapipe_loads')).toEqual([['r1']]);
  });

  it('hands the survivor to the target bit for bit: -0.0, NaN, ±Infinity picked by the dedup keep their bits', async () => {
    // Every key has a duplicate, so the window sort runs over the float column itself.
    const staged: StageRow[] = [
      [1n, '2024-05-02 00:00:00', '1.000000000', '-0.0', 'negative zero'], [1n, '2024-05-01 00:00:00', '1.000000000', '5', 'older'],
      [2n, '2024-05-02 00:00:00', '1.000000000', 'NaN', 'nan'], [2n, '2024-05-01 00:00:00', '1.000000000', '5', 'older'],
      [3n, '2024-05-02 00:00:00', '1.000000000', 'Infinity', 'inf'], [3n, '2024-05-02 00:00:00', '1.000000000', '-Infinity', 'tie lost'],
      [4n, '2024-05-02 00:00:00', '1.000000000', '-Infinity', 'minus inf'], [4n, '2024-05-01 00:00:00', '1.000000000', '0.0', 'older'],
      [5n, '2024-05-02 00:00:00', '1.000000000', '-0.0', 'tie'], [5n, '2024-05-02 00:00:00', '1.000000000', '-0.0', 'tie'],
    ];
    for (const mode of ['incremental', 'full'] as const) {
      await db.run('DELETE FROM main.orders');
      await db.run('DELETE FROM main._datapipe_loads');
      await stage(orders, staged);
      await load(orders, 'r1', mode, 'updated_at');
      const ratios = (await rows('SELECT id, ratio, CAST(ratio AS VARCHAR) FROM main.orders ORDER BY id')).map(([id, ratio, text]) => [id, Object.is(ratio, -0) ? '-0' : ratio, text]);
      expect(ratios).toEqual([[1n, '-0', '-0.0'], [2n, Number.NaN, 'nan'], [3n, Number.POSITIVE_INFINITY, 'inf'], [4n, Number.NEGATIVE_INFINITY, '-inf'], [5n, '-0', '-0.0']]);
    }
  });

  it('refuses, inside the transaction, a run that does not continue the table\'s latest recorded load', async () => {
    await stage(orders, [[1n, '2024-05-01 00:00:00', '1.000000000', 1, 'r1']]);
    await load(orders, 'r1', 'incremental', 'updated_at');
    await stage(orders, [[1n, '2024-05-03 00:00:00', '3.000000000', 3, 'r2, newer']]);
    await load(orders, 'r2', 'incremental', 'updated_at');
    // r3 was extracted after r1, like r2, so it holds older rows than the table now has.
    await stage(orders, [[1n, '2024-05-02 00:00:00', '2.000000000', 2, 'r3, older']]);
    await expect(load(orders, 'r3', 'incremental', 'updated_at', null, 'r1')).rejects.toThrow(STALE_RUN_MARKER);
    expect(await rows('SELECT note FROM main.orders')).toEqual([['r2, newer']]);
    expect(await rows('SELECT run_id FROM main._datapipe_loads ORDER BY run_id')).toEqual([['r1'], ['r2']]);
    // The latest run itself may be loaded again (a retry after a crash between merge and state).
    await stage(orders, [[1n, '2024-05-03 00:00:00', '3.000000000', 3, 'r2, newer']]);
    await load(orders, 'r2', 'incremental', 'updated_at', null, 'r1');
    // A first load must find the table without loads.
    await stage(lines, [[1n, 1n, null, 1n]]);
    await expect(load(lines, 'r5', 'incremental', 'changed', null, 'r4')).rejects.toThrow(STALE_RUN_MARKER);
  });
});

describe('one generated SQL for DuckDB and BigQuery', () => {
  /** BigQuery's text spelled the DuckDB way: quotes, parameter marks, function names, SET names without the target alias. */
  function asDuckDb(sql: string): string {
    return sql.replaceAll('`', '"').replace(/@([a-z_]+)/g, '$$$1').replaceAll('IS_NAN(', 'isnan(').replaceAll('CURRENT_TIMESTAMP()', 'CURRENT_TIMESTAMP')
      .replace(/^WHEN MATCHED THEN UPDATE SET .*$/m, (set) => set.replace(/"target"\.("\w+" = )/g, '$1'))
      .replace(/^SELECT IF\((.*), ERROR\('(\w+)'\), NULL\)$/s, "SELECT CASE WHEN $1 THEN error('$2') END");
  }

  const models: [string, TableModel][] = [['orders', orders], ['lines', lines], ['keys only', { ...lines, columns: lines.columns.slice(0, 2) }], ['keyless', { ...orders, primaryKeys: [] }]];
  it.each(models)('the local warehouse runs BigQuery\'s statements for %s, spellings aside', (_, model) => {
      const duck = { target: '"d"."t"', stage: '"d"."s"', loads: '"d"."l"' };
      const bq = { target: '`d`.`t`', stage: '`d`.`s`', loads: '`d`.`l`' };
      for (const mode of model.primaryKeys.length > 0 ? ['incremental', 'full'] as const : ['full'] as const) {
        for (const partition of model.name === 'orders' && model.primaryKeys.length > 0 ? ['updated_at', null] : [null]) {
          expect(commitStatements(model, mode, bq, partition, BIGQUERY_DIALECT).map(asDuckDb)).toEqual(commitStatements(model, mode, duck, partition, D));
        }
      }
      expect(asDuckDb(stageCheckSql(model, bq.stage, BIGQUERY_DIALECT))).toBe(stageCheckSql(model, duck.stage, D));
    });
});
