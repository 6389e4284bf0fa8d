/**
 * The load protocol's SQL (shared/warehouses/sql/load-sql.ts) in the Redshift dialect, executed for
 * real on PostgreSQL — Redshift's twin — after the Redshift Data API fake's rewrites
 * (test/support/redshift-fake/sql-text.ts: `:name` parameters, VARBYTE, SYSDATE, table attributes),
 * with parameters encoded as the warehouse sends them (NULL as NULL_PARAM, integers as text). Exact
 * table contents after each load, the dedup rule and the fidelity edge values bit for bit, the
 * MERGE of a table made only of key columns (Redshift's required WHEN MATCHED), the continuity
 * check failing inside the transaction.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TableModel } from '../../../shared/model/column.js';
import { createLoadsSql, createTargetSql, tableRef } from '../../../shared/warehouses/redshift/redshift-ddl.js';
import { NULL_PARAM, REDSHIFT_DIALECT as R } from '../../../shared/warehouses/redshift/redshift-dialect.js';
import { redshiftType } from '../../../shared/warehouses/redshift/redshift-types.js';
import { commitStatements, latestLoadSql, stageCheckSql, STALE_RUN_MARKER, type LoadTables } from '../../../shared/warehouses/sql/load-sql.js';
import type { ParamValue } from '../../../shared/warehouses/warehouse-driver.js';
import type { LoadMode } from '../../../shared/warehouses/warehouse.js';
import { column, EXACT_TIES, tableModel } from '../../support/model-fixtures.js';
import { skipWithoutRedshiftFake, startRedshiftDataFake, type RedshiftDataFake } from '../../support/redshift-data-fake.js';
import { translate } from '../../support/redshift-fake/sql-text.js';
import { previousRun } from '../duckdb/load-fixtures.js';

const skip = skipWithoutRedshiftFake('load-sql on the Redshift twin');
const SCHEMA = 'raw';

const orders = tableModel('APP.ORDERS', [
  column('id', { kind: 'int64' }, false),
  column('updated_at', { kind: 'datetime' }),
  column('amount', { kind: 'decimal', precision: 38, scale: 9 }),
  column('ratio', { kind: 'float64' }),
  column('note', { kind: 'string' }),
  column('blob', { kind: 'bytes' }),
], ['id']);

const lines = tableModel('APP.LINES', [
  column('order_id', { kind: 'int64' }, false),
  column('line_no', { kind: 'int64' }),
  column('changed', { kind: 'timestamp' }),
  column('qty', { kind: 'int64' }),
], ['order_id', 'line_no']);

const keysOnly: TableModel = { ...lines, name: 'pairs', columns: lines.columns.slice(0, 2) };

/** Values as PostgreSQL input text (null for NULL): what the typed stage would hold. */
type StageRow = (string | null)[];

function tablesOf(model: TableModel): LoadTables {
  return { target: tableRef(SCHEMA, model.name), stage: '"_datapipe_stage"', loads: tableRef(SCHEMA, '_datapipe_loads'), dedup: '"_datapipe_dedup"' };
}

describe.skipIf(skip)('the load protocol\'s SQL in the Redshift dialect, executed on PostgreSQL (Redshift\'s twin)', () => {
  let fake: RedshiftDataFake;
  let stop: () => Promise<void>;
  let db: pg.Client;

  beforeAll(async () => {
    let postgres;
    ({ fake, postgres, stop } = await startRedshiftDataFake({ schemas: [SCHEMA] }));
    db = new pg.Client({ ...postgres.config, database: fake.postgresDatabase });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await stop?.();
  });
  beforeEach(async () => {
    await run(createLoadsSql(SCHEMA));
    for (const model of [orders, lines, keysOnly]) await run(createTargetSql(model, SCHEMA, null));
  });
  afterEach(async () => {
    await db.query(`DROP TABLE IF EXISTS ${SCHEMA}.orders, ${SCHEMA}.lines, ${SCHEMA}.pairs, ${SCHEMA}._datapipe_loads`);
  });

  /** Runs Redshift SQL the way the fake does: rewritten, `:name` bound as text. */
  async function run(sql: string, params: Record<string, ParamValue> = {}) {
    const bound = new Map(Object.entries(params).map(([k, v]) => [k, v === null ? NULL_PARAM : String(v)]));
    const out = translate(sql, bound);
    if (out.kind !== 'sql') throw new Error(`not runnable on the twin: ${JSON.stringify(out)}`);
    return db.query(out.text, out.values);
  }

  async function stage(model: TableModel, rows: StageRow[]): Promise<void> {
    await db.query('DROP TABLE IF EXISTS "_datapipe_stage", "_datapipe_dedup"');
    await run(`CREATE TEMP TABLE "_datapipe_stage" (${model.columns.map((c) => `"${c.name}" ${redshiftType(c.type)}`).join(', ')})`);
    const casts = model.columns.map((c, i) => (c.type.kind === 'bytes' ? `decode($${i + 1}, 'hex')` : `$${i + 1}::${translateType(redshiftType(c.type))}`));
    for (const row of rows) await db.query(`INSERT INTO "_datapipe_stage" VALUES (${casts.join(', ')})`, row);
  }

  /** The stage check, then the commit statements in one transaction, as the warehouse's batch runs them. */
  async function load(model: TableModel, runId: string, mode: LoadMode, partitionColumn: string | null, watermark: string | null = null, base = previousRun(runId)) {
    const tables = tablesOf(model);
    const check = (await run(stageCheckSql(model, tables.stage, R))).rows[0] as Record<string, string>;
    const params = { table_name: model.name, run_id: runId, base_run_id: base, mode, rows_staged: Number(check.staged), rows_loaded: Number(check.deduplicated), watermark };
    // Each load has a session of its own in the warehouse, so its dedup table is always new.
    await db.query('DROP TABLE IF EXISTS "_datapipe_dedup"');
    await db.query('BEGIN');
    try {
      for (const sql of commitStatements(model, mode, tables, partitionColumn, R)) await run(sql, params);
      await db.query('COMMIT');
    } catch (error) {
      await db.query('ROLLBACK');
      throw error;
    }
    return check;
  }

  const rows = async (sql: string) => (await db.query({ text: sql, rowMode: 'array' })).rows as unknown[][];
  const ORDERS = `SELECT id::text, updated_at::text, amount::text, ratio::text, note, encode(blob, 'hex') FROM ${SCHEMA}.orders ORDER BY id`;

  it('keeps one row per key: the latest partition value wins, a NULL one loses, whatever the stage order', async () => {
    const staged: StageRow[] = [
      ['1', '2024-05-01 10:00:00', '1.000000000', '1', 'old', null], ['1', '2024-05-02 10:00:00', '2.000000000', '2', 'new', '01'],
      ['1', null, '9.000000000', '9', 'no date', null], ['2', null, '5.000000000', '5', 'only undated', null], ['2', null, '4.000000000', '4', 'smaller', null],
    ];
    for (const order of [staged, [...staged].reverse(), [staged[2]!, staged[0]!, staged[4]!, staged[1]!, staged[3]!]]) {
      await db.query(`DELETE FROM ${SCHEMA}.orders`);
      await stage(orders, order);
      await load(orders, 'r1', 'incremental', 'updated_at');
      expect(await rows(ORDERS)).toEqual([['1', '2024-05-02 10:00:00', '2.000000000', '2', 'new', '01'], ['2', null, '5.000000000', '5', 'only undated', null]]);
    }
  });

  it('breaks an exact tie on the partition value by the other columns (EXACT_TIES)', async () => {
    const staged: StageRow[] = EXACT_TIES.staged.map(([id, amount, ratio, note]) => [String(id), EXACT_TIES.stamp, amount, ratio === null ? null : String(ratio), note, null]);
    for (const order of [staged, [...staged].reverse()]) {
      await db.query(`DELETE FROM ${SCHEMA}.orders`);
      await stage(orders, order);
      await load(orders, 'r1', 'incremental', 'updated_at');
      const kept = (await rows(ORDERS)).map(([id, , amount, ratio, note]) => [id, amount, Number(ratio), note]);
      expect(kept).toEqual(EXACT_TIES.kept.map(([id, amount, ratio, note]) => [String(id), amount, Number(ratio), note]));
    }
  });

  it('carries the edge values exactly and hands the dedup\'s survivor over bit for bit: -0.0, NaN, ±Infinity', async () => {
    const max = '99999999999999999999999999999.999999999';
    const staged: StageRow[] = [
      ['-9223372036854775808', '0001-01-01 00:00:00', `-${max}`, '-0', '', ''], ['-9223372036854775808', null, '1.000000000', '5', 'undated loses', null],
      ['9223372036854775807', '9999-12-31 23:59:59.999999', max, 'NaN', null, '00ff'], ['9223372036854775807', '9999-12-30 00:00:00', max, '5', 'older', null],
      ['3', '2024-05-02 00:00:00', '0.000000001', 'Infinity', ' ', null], ['3', '2024-05-02 00:00:00', '0.000000001', '-Infinity', ' ', null],
      ['4', '2024-05-02 00:00:00', '1.000000000', '-Infinity', 'minus inf', null], ['4', '2024-05-01 00:00:00', '1.000000000', '0', 'older', null],
    ];
    for (const mode of ['incremental', 'full'] as const) {
      await db.query(`DELETE FROM ${SCHEMA}.orders`);
      await db.query(`DELETE FROM ${SCHEMA}._datapipe_loads`);
      await stage(orders, staged);
      await load(orders, 'r1', mode, 'updated_at');
      expect(await rows(ORDERS)).toEqual([
        ['-9223372036854775808', '0001-01-01 00:00:00', `-${max}`, '-0', '', ''],
        ['3', '2024-05-02 00:00:00', '0.000000001', 'Infinity', ' ', null],
        ['4', '2024-05-02 00:00:00', '1.000000000', '-Infinity', 'minus inf', null],
        ['9223372036854775807', '9999-12-31 23:59:59.999999', max, 'NaN', null, '00ff'],
      ]);
    }
  });

  it('lets a late row overwrite a newer target row, merges composite keys, and re-merges a table of key columns only', async () => {
    await stage(orders, [['1', '2024-05-02 10:00:00', '2.000000000', '2', 'newer', null]]);
    await load(orders, 'r1', 'incremental', 'updated_at');
    await stage(orders, [['1', '2024-04-30 08:00:00', '1.500000000', '1.5', 'moved back', null]]);
    await load(orders, 'r2', 'incremental', 'updated_at');
    expect(await rows(ORDERS)).toEqual([['1', '2024-04-30 08:00:00', '1.500000000', '1.5', 'moved back', null]]);

    await stage(lines, [['1', '1', '2024-05-01 00:00:00+00', '1'], ['1', '1', '2024-05-02 00:00:00+00', '2'], ['1', '2', '2024-05-01 00:00:00+00', '3']]);
    expect(await load(lines, 'r1', 'incremental', 'changed')).toEqual({ staged: '3', deduplicated: '2', null_0: '0', null_1: '0' });
    expect(await rows(`SELECT order_id, line_no, changed::text, qty FROM ${SCHEMA}.lines ORDER BY 1, 2`)).toEqual([['1', '1', '2024-05-02 00:00:00+00', '2'], ['1', '2', '2024-05-01 00:00:00+00', '3']]);

    // Redshift's MERGE needs WHEN MATCHED even with nothing to update: the key is set to itself.
    for (const run of ['r1', 'r2']) {
      await stage(keysOnly, [['1', '1'], ['1', '1'], ['2', '5']]);
      await load(keysOnly, run, 'incremental', null);
    }
    expect(await rows(`SELECT order_id, line_no FROM ${SCHEMA}.pairs ORDER BY 1, 2`)).toEqual([['1', '1'], ['2', '5']]);
  });

  it('counts NULL keys in the stage check, replaces in full mode atomically, records each run once', async () => {
    await stage(lines, [['1', '1', null, '1'], ['1', null, null, '2'], ['2', null, null, '3']]);
    expect((await run(stageCheckSql(lines, '"_datapipe_stage"', R))).rows).toEqual([{ staged: '3', deduplicated: '3', null_0: '0', null_1: '2' }]);

    await stage(orders, [['1', '2024-05-01 00:00:00', '1.000000000', '1', 'a', null], ['2', '2024-05-01 00:00:00', '2.000000000', '2', 'b', null]]);
    await load(orders, 'r1', 'incremental', 'updated_at', '2024-05-01 00:00:00');
    await load(orders, 'r1', 'incremental', 'updated_at', '2024-05-01 00:00:00');
    await stage(orders, [['3', '2024-06-01 00:00:00', '3.000000000', '3', 'old', null], ['3', '2024-06-02 00:00:00', '3.500000000', '3.5', 'c', null]]);
    await load(orders, 'r2', 'full', 'updated_at');
    expect(await rows(ORDERS)).toEqual([['3', '2024-06-02 00:00:00', '3.500000000', '3.5', 'c', null]]);
    expect(await rows(`SELECT table_name, run_id, mode, rows_staged, rows_loaded, watermark, loaded_at IS NOT NULL FROM ${SCHEMA}._datapipe_loads ORDER BY run_id`)).toEqual([
      ['orders', 'r1', 'incremental', '2', '2', '2024-05-01 00:00:00', true],
      ['orders', 'r2', 'full', '2', '1', null, true],
    ]);
    // A NULL key reaching the target fails the transaction: nothing of it stays.
    await stage(orders, [[null, '2024-07-01 00:00:00', '1.000000000', '1', 'null key', null]]);
    await expect(load(orders, 'r3', 'full', 'updated_at')).rejects.toThrow(/null value in column "id"/);
    expect(await rows(ORDERS)).toEqual([['3', '2024-06-02 00:00:00', '3.500000000', '3.5', 'c', null]]);
    expect(await rows(`SELECT run_id FROM ${SCHEMA}._datapipe_loads ORDER BY run_id`)).toEqual([['r1'], ['r2']]);
  });

  it('refuses, inside the transaction, a run that does not continue the latest load; SYSDATE orders loads of one second', async () => {
    await stage(orders, [['1', '2024-05-01 00:00:00', '1.000000000', '1', 'r1', null]]);
    await load(orders, 'r1', 'incremental', 'updated_at');
    await stage(orders, [['1', '2024-05-03 00:00:00', '3.000000000', '3', 'r2, newer', null]]);
    await load(orders, 'r2', 'incremental', 'updated_at');
    await stage(orders, [['1', '2024-05-02 00:00:00', '2.000000000', '2', 'r3, older', null]]);
    await expect(load(orders, 'r3', 'incremental', 'updated_at', null, 'r1')).rejects.toThrow(STALE_RUN_MARKER);
    expect(await rows(`SELECT note FROM ${SCHEMA}.orders`)).toEqual([['r2, newer']]);
    // The latest run itself may be loaded again (a retry after a crash between merge and state).
    await load(orders, 'r2', 'incremental', 'updated_at', null, 'r1');
    // Within one second, run "a" loaded after run "b" is the latest: loaded_at has microseconds.
    await stage(lines, [['1', '1', null, '1']]);
    await load(lines, 'b', 'incremental', 'changed', null, null);
    await load(lines, 'a', 'incremental', 'changed', null, 'b');
    expect((await run(latestLoadSql(tableRef(SCHEMA, '_datapipe_loads'), R), { table_name: 'lines' })).rows).toEqual([
      { run_id: 'a', mode: 'incremental', rows_staged: '1', rows_loaded: '1', watermark: null },
    ]);
  });
});

/** A Redshift type as PostgreSQL spells it (the fake's rewrites, for the test's own casts). */
function translateType(type: string): string {
  return type.replace(/^VARCHAR\(65535\)$/, 'varchar').replace(/^VARBYTE.*$/, 'bytea');
}
