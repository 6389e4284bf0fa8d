/**
 * The load protocol's SQL (shared/warehouses/sql/load-sql.ts) in the Databricks dialect, executed
 * for real on the Spark twin: Apache Spark 4.0 + Delta Lake 4.0 behind the Databricks FAKE's
 * Statement Execution API (test/tools/databricks_fake.py). The fake runs each statement as sent
 * except for its stated rewrites: `:name` markers become `CAST('<value>' AS <type>)` (the request
 * types every parameter), `main.<schema>.<table>` becomes the Spark database `main__<schema>`, and
 * QUALIFY becomes a filtered subquery (open-source Spark has no QUALIFY). The stage here is a view
 * over literal rows, so any value can be staged; the warehouse's own stage (read_files
 * over AVRO parts) is exercised by test/integration/databricks/databricks-warehouse.test.ts.
 *
 * Without a multi-statement transaction the commit statements run one by one, as the warehouse
 * runs them. Scenarios share loads (distinct keys per scenario): every MERGE costs seconds here.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableModel } from '../../../shared/model/column.js';
import { stringLiteral } from '../../../shared/warehouses/databricks/databricks-ddl.js';
import { DATABRICKS_DIALECT as D } from '../../../shared/warehouses/databricks/databricks-dialect.js';
import { statementParameters } from '../../../shared/warehouses/databricks/databricks-statements.js';
import { databricksType } from '../../../shared/warehouses/databricks/databricks-types.js';
import { DUCKDB_DIALECT } from '../../../shared/warehouses/duckdb/duckdb-dialect.js';
import { commitStatements, createLoadsTableSql, stageCheckSql, STALE_RUN_MARKER, type LoadTables } from '../../../shared/warehouses/sql/load-sql.js';
import { paramsUsedBy } from '../../../shared/warehouses/warehouse-driver.js';
import type { LoadMode } from '../../../shared/warehouses/warehouse.js';
import { sharedDatabricksFake, skipWithoutDatabricksFake, type DatabricksFake } from '../../support/databricks-fake.js';
import { column, EXACT_TIES, tableModel } from '../../support/model-fixtures.js';
import { execute } from '../databricks/twin-fixtures.js';
import { previousRun } from '../duckdb/load-fixtures.js';

const SKIP = skipWithoutDatabricksFake('load-sql on the Spark twin');

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

/** [id, updated_at, amount, ratio, note]; ratio as Spark's text of a double ('NaN', '-0.0', 'Infinity'). */
type OrderRow = [id: bigint | number, updatedAt: string | null, amount: string | null, ratio: string | number | null, note: string | null];

/** A staged value as a typed Spark literal. */
function literal(value: unknown, type: string): string {
  if (value === null) return `CAST(NULL AS ${type})`;
  if (type.startsWith('TIMESTAMP')) return `${type}${stringLiteral(String(value))}`;
  return `CAST(${stringLiteral(String(value))} AS ${type})`;
}

describe.skipIf(SKIP)('the load protocol\'s SQL in the Databricks dialect, executed on the Spark twin (Spark 4.0 + Delta 4.0)', () => {
  let fake: DatabricksFake;
  const schema = `ls_${randomBytes(4).toString('hex')}`;
  const tablesOf = (model: TableModel): LoadTables => ({
    target: `\`main\`.\`${schema}\`.\`${model.name}\``, stage: `\`main\`.\`${schema}\`.\`${model.name}__stage\``, loads: `\`main\`.\`${schema}\`.\`_datapipe_loads\``,
  });

  async function run(sql: string, params: Record<string, string | number | null> = {}): Promise<(string | null)[][]> {
    const answer = await execute(fake, sql, { parameters: statementParameters(paramsUsedBy(sql, params, D.param)) });
    if (answer.status.state !== 'SUCCEEDED') throw new Error(`${answer.status.state}: ${answer.status.error?.message ?? ''}`);
    return answer.result?.data_array ?? [];
  }

  beforeAll(async () => {
    fake = await sharedDatabricksFake();
    await run(`CREATE SCHEMA main.${schema}`);
    await run(createLoadsTableSql(tablesOf(orders).loads, D));
    for (const model of [orders, lines]) {
      const keys = new Set(model.primaryKeys);
      const columns = model.columns.map((c) => `${D.quote(c.name)} ${databricksType(c.type)}${!c.nullable || keys.has(c.name) ? ' NOT NULL' : ''}`);
      await run(`CREATE TABLE ${tablesOf(model).target} (${columns.join(', ')}) USING DELTA`);
    }
  }, 240_000);

  afterAll(async () => {
    await fake?.sql(`DROP SCHEMA IF EXISTS main.${schema} CASCADE`);
  });

  async function stage(model: TableModel, rows: unknown[][]): Promise<void> {
    const types = model.columns.map((c) => databricksType(c.type));
    const values = rows.map((row) => `(${row.map((v, i) => literal(typeof v === 'bigint' ? String(v) : v, types[i]!)).join(', ')})`);
    // A view over typed literals: no Delta commit per stage (each costs a second or two here).
    await run(`CREATE OR REPLACE VIEW ${tablesOf(model).stage} AS SELECT * FROM VALUES ${values.join(', ')} AS rows(${model.columns.map((c) => D.quote(c.name)).join(', ')})`);
  }

  /** The stage check, then the commit statements one after another, as the Databricks warehouse runs them. */
  async function load(model: TableModel, runId: string, mode: LoadMode, partitionColumn: string | null, watermark: string | null = null, base = previousRun(runId)) {
    const tables = tablesOf(model);
    const [check = []] = await run(stageCheckSql(model, tables.stage, D));
    const params = { table_name: model.name, run_id: runId, base_run_id: base, mode, rows_staged: Number(check[0]), rows_loaded: Number(check[1]), watermark };
    for (const sql of commitStatements(model, mode, tables, partitionColumn, D)) await run(sql, params);
    return check;
  }

  const ORDERS = () => `SELECT id, CAST(updated_at AS STRING), CAST(amount AS STRING), CAST(ratio AS STRING), note FROM ${tablesOf(orders).target} ORDER BY id`;
  const LOADS = () => `SELECT table_name, run_id, mode, rows_staged, rows_loaded, watermark, loaded_at IS NOT NULL FROM ${tablesOf(orders).loads} ORDER BY table_name, loaded_at`;
  const MAX = '99999999999999999999999999999.999999999';

  it('r1 keeps one row per key by the shared rule and hands every value over exactly', async () => {
    const staged: OrderRow[] = [
      // The latest partition value wins, a NULL one loses — key 1 staged oldest first, key 2 newest first.
      [1, '2024-05-01 10:00:00', '1', 1, 'old'], [1, '2024-05-02 10:00:00', '2', 2, 'new'], [1, null, '9', 9, 'no date'],
      [2, '2024-05-02 10:00:00', '2', 2, 'new'], [2, null, '9', 9, 'no date'], [2, '2024-05-01 10:00:00', '1', 1, 'old'],
      [3, null, '5', 5, 'only undated'], [3, null, '4', 4, 'smaller'],
      // Exact ties on the partition value (EXACT_TIES, keys 11–15): the greatest other columns win, NULL lowest, NaN below numbers.
      ...EXACT_TIES.staged.map(([id, amount, ratio, note]): OrderRow => [id + 10n, EXACT_TIES.stamp, amount, ratio === null ? null : Number.isNaN(ratio) ? 'NaN' : ratio, note]).reverse(),
      // Float bits survive the window sort: -0.0, NaN, ±Infinity (keys 21–25, each with a loser).
      [21, '2024-05-02 00:00:00', '1', '-0.0', 'negative zero'], [21, '2024-05-01 00:00:00', '1', 5, 'older'],
      [22, '2024-05-02 00:00:00', '1', 'NaN', 'nan'], [22, '2024-05-01 00:00:00', '1', 5, 'older'],
      [23, '2024-05-02 00:00:00', '1', 'Infinity', 'inf'], [23, '2024-05-02 00:00:00', '1', '-Infinity', 'tie lost'],
      [24, '2024-05-02 00:00:00', '1', '-Infinity', 'minus inf'], [24, '2024-05-01 00:00:00', '1', '0.0', 'older'],
      [25, '2024-05-02 00:00:00', '1', '-0.0', 'tie'], [25, '2024-05-02 00:00:00', '1', '-0.0', 'tie'],
      // Boundaries: decimal(38,9) extremes, years 1 and 9999, int64 limits, empty string vs NULL.
      [-(2n ** 63n), '0001-01-01 00:00:00', `-${MAX}`, -1.5, ''],
      [2n ** 63n - 1n, '9999-12-31 23:59:59.999999', MAX, 1.7976931348623157e308, null],
      [0, '1970-01-01 00:00:00', '0.000000001', 5e-324, ' '],
    ];
    await stage(orders, staged);
    expect(await load(orders, 'r1', 'incremental', 'updated_at', '9999-12-31 23:59:59.999999')).toEqual(['31', '16', '0']);
    expect(await run(ORDERS())).toEqual([
      ['-9223372036854775808', '0001-01-01 00:00:00', `-${MAX}`, '-1.5', ''],
      ['0', '1970-01-01 00:00:00', '0.000000001', '4.9E-324', ' '],
      ['1', '2024-05-02 10:00:00', '2.000000000', '2.0', 'new'],
      ['2', '2024-05-02 10:00:00', '2.000000000', '2.0', 'new'],
      ['3', null, '5.000000000', '5.0', 'only undated'],
      ...EXACT_TIES.kept.map(([id, amount, ratio, note]) => [String(Number(id) + 10), EXACT_TIES.stamp, amount, { '-1e+308': '-1.0E308', nan: 'NaN' }[String(ratio)] ?? ratio, note]),
      ['21', '2024-05-02 00:00:00', '1.000000000', '-0.0', 'negative zero'],
      ['22', '2024-05-02 00:00:00', '1.000000000', 'NaN', 'nan'],
      ['23', '2024-05-02 00:00:00', '1.000000000', 'Infinity', 'inf'],
      ['24', '2024-05-02 00:00:00', '1.000000000', '-Infinity', 'minus inf'],
      ['25', '2024-05-02 00:00:00', '1.000000000', '-0.0', 'tie'],
      ['9223372036854775807', '9999-12-31 23:59:59.999999', MAX, '1.7976931348623157E308', null],
    ]);
  });

  it('r2 lets a late row overwrite a newer target row; running r2 again changes nothing and records it once', async () => {
    await stage(orders, [[1, '2024-04-30 08:00:00', '1.5', 1.5, 'moved back'], [4, '2024-05-03 00:00:00', '7', 7, 'new']]);
    expect(await load(orders, 'r2', 'incremental', 'updated_at')).toEqual(['2', '2', '0']);
    const after = await run(ORDERS());
    expect(after.filter((r) => ['1', '4'].includes(r[0]!))).toEqual([
      ['1', '2024-04-30 08:00:00', '1.500000000', '1.5', 'moved back'],
      ['4', '2024-05-03 00:00:00', '7.000000000', '7.0', 'new'],
    ]);
    await load(orders, 'r2', 'incremental', 'updated_at');
    expect(await run(ORDERS())).toEqual(after);
    expect(await run(LOADS())).toEqual([
      ['orders', 'r1', 'incremental', '31', '16', '9999-12-31 23:59:59.999999', 'true'],
      ['orders', 'r2', 'incremental', '2', '2', null, 'true'],
    ]);
  });

  it('refuses, before the change, a run that does not continue the latest recorded load (raise_error carries the marker)', async () => {
    const before = await run(ORDERS());
    await stage(orders, [[1, '2024-05-09 00:00:00', '3', 3, 'r3, extracted after r1']]);
    await expect(load(orders, 'r3', 'incremental', 'updated_at', null, 'r1')).rejects.toThrow(`FAILED: [USER_RAISED_EXCEPTION] ${STALE_RUN_MARKER} SQLSTATE: P0001`);
    await expect(load(orders, 'r3', 'incremental', 'updated_at', null, null)).rejects.toThrow(STALE_RUN_MARKER);
    expect(await run(ORDERS())).toEqual(before);
    expect((await run(LOADS())).map((r) => r[1])).toEqual(['r1', 'r2']);
  });

  it('full mode replaces the target with the deduplicated stage in one INSERT OVERWRITE; a failing one changes nothing', async () => {
    // A NULL key reaches INSERT OVERWRITE only if the stage check were skipped: Delta refuses it, atomically.
    await stage(orders, [[null, '2024-06-01 00:00:00', '1', 1, 'null key']]);
    await expect(load(orders, 'r3', 'full', 'updated_at')).rejects.toThrow(/^FAILED: \[DELTA_NOT_NULL_CONSTRAINT_VIOLATED\] NOT NULL constraint violated for column: id/);
    expect(await run(`SELECT count(*) FROM ${tablesOf(orders).target}`)).toEqual([['17']]);
    expect((await run(LOADS())).map((r) => r[1])).toEqual(['r1', 'r2']);

    await stage(orders, [
      [5, '2024-06-01 00:00:00', '3', 3, 'old'], [5, '2024-06-02 00:00:00', '3.5', '-0.0', 'kept'],
      [6, '2024-06-02 00:00:00', '1', 'NaN', 'nan'], [6, '2024-06-02 00:00:00', '1', 5, 'NaN loses to 5'],
    ]);
    expect(await load(orders, 'r3', 'full', 'updated_at')).toEqual(['4', '2', '0']);
    expect(await run(ORDERS())).toEqual([
      ['5', '2024-06-02 00:00:00', '3.500000000', '-0.0', 'kept'],
      ['6', '2024-06-02 00:00:00', '1.000000000', '5.0', 'NaN loses to 5'],
    ]);
    expect((await run(LOADS())).at(-1)).toEqual(['orders', 'r3', 'full', '4', '2', null, 'true']);
  });

  it('merges a table whose columns are named like the statements\' aliases (target, source)', async () => {
    const aliases = tableModel('APP.ALIASES', [column('id', { kind: 'int64' }, false), column('target', { kind: 'string' }), column('source', { kind: 'string' })], ['id']);
    await run(`CREATE TABLE ${tablesOf(aliases).target} (\`id\` BIGINT NOT NULL, \`target\` STRING, \`source\` STRING) USING DELTA`);
    await stage(aliases, [[1n, 't1', 's1'], [2n, 't2', 's2']]);
    await load(aliases, 'r1', 'incremental', null);
    await stage(aliases, [[1n, 'changed', 'also changed']]);
    await load(aliases, 'r2', 'incremental', null);
    expect(await run(`SELECT id, target, source FROM ${tablesOf(aliases).target} ORDER BY id`)).toEqual([['1', 'changed', 'also changed'], ['2', 't2', 's2']]);
  }, 120_000);

  it('counts NULL keys in the stage check and merges composite keys, the latest timestamp winning per key pair', async () => {
    await stage(lines, [[1, 1, '2024-05-01 00:00:00', 1], [1, null, '2024-05-01 00:00:00', 2], [2, null, null, 4]]);
    // Three rows, three distinct key pairs (DISTINCT takes NULLs as equal), two NULLs in line_no.
    expect(await run(stageCheckSql(lines, tablesOf(lines).stage, D))).toEqual([['3', '3', '0', '2']]);
    await stage(lines, [
      [1, 1, '2024-05-01 00:00:00', 1], [1, 1, '2024-05-02 00:00:00', 2], [1, 2, '2024-05-01 00:00:00', 3], [2, 1, '2024-05-01 00:00:00', 4],
    ]);
    await load(lines, 'r1', 'incremental', 'changed');
    expect(await run(`SELECT order_id, line_no, CAST(changed AS STRING), qty FROM ${tablesOf(lines).target} ORDER BY ALL`)).toEqual([
      ['1', '1', '2024-05-02 00:00:00', '2'], ['1', '2', '2024-05-01 00:00:00', '3'], ['2', '1', '2024-05-01 00:00:00', '4'],
    ]);
  });
});

describe('one generated SQL for DuckDB and Databricks', () => {
  /** Databricks' text spelled the DuckDB way: quotes, parameter marks, functions. */
  function asDuckDb(sql: string): string {
    return sql.replaceAll('`', '"').replace(/:([a-z_]+)/g, '$$$1').replaceAll('current_timestamp()', 'CURRENT_TIMESTAMP')
      .replace(/raise_error\('(\w+)'\)/, "error('$1')");
  }

  const models: [string, TableModel][] = [['orders', orders], ['lines', lines], ['keys only', { ...lines, columns: lines.columns.slice(0, 2) }]];
  it.each(models)('the local warehouse runs Databricks\' incremental statements for %s, spellings aside', (_, model) => {
    const duck = { target: '"d"."t"', stage: '"d"."s"', loads: '"d"."l"' };
    const databricks = { target: '`d`.`t`', stage: '`d`.`s`', loads: '`d`.`l`' };
    const partition = model.name === 'orders' ? 'updated_at' : null;
    expect(commitStatements(model, 'incremental', databricks, partition, D).map(asDuckDb)).toEqual(commitStatements(model, 'incremental', duck, partition, DUCKDB_DIALECT));
    expect(asDuckDb(stageCheckSql(model, databricks.stage, D))).toBe(stageCheckSql(model, duck.stage, DUCKDB_DIALECT));
  });
});
