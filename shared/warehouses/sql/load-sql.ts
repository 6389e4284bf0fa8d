/**
 * Every statement of the load protocol (docs/run-protocol.md, "The load"), written once as pure
 * functions of a SqlDialect (docs/style.md §6): unit tests hold the exact text per dialect, and the
 * DuckDB, PostgreSQL and Spark versions are executed for real. Identifiers are validated and
 * quoted by the dialect; values travel as named parameters, never spliced into the text.
 *
 * The statements:
 * - `stageCheckSql`: one scan of the stage giving its row count, the distinct keys and the NULLs
 *   in every column that must not be NULL (the stage checks of the protocol).
 * - `dedupSelectSql`: one row per primary key, by the order every warehouse shares (dedup-order.ts).
 * - `mergeSql` / `replaceSql`: the change, incremental or full.
 * - `continuitySql`, `recordLoadSql`: the warehouse's own record of which runs it merged
 *   (`_datapipe_loads`), checked and written in the change's transaction.
 */
import { TerminalError } from '../../errors.js';
import type { CanonicalType, Column, TableModel } from '../../model/column.js';
import type { LoadMode } from '../warehouse.js';
import { dedupOrder } from './dedup-order.js';
import type { SqlDialect } from './sql-dialect.js';
import { columnList, indent, requireColumn } from './sql-text.js';

/** The warehouse's record of every load, shared by all tables of a schema / dataset. */
export const LOADS_TABLE = '_datapipe_loads';

/** Fully qualified, already quoted references of the tables a load touches. */
export interface LoadTables {
  target: string;
  /** The staged rows: a table, or a table expression the engine reads files with. */
  stage: string;
  loads: string;
  /** The deduplicated rows, for engines whose MERGE cannot read a subquery (see SqlDialect). */
  dedup?: string;
}

/** The columns of `_datapipe_loads`, in order, with their canonical types. */
export const LOADS_COLUMNS: readonly { name: string; type: CanonicalType; nullable: boolean }[] = [
  { name: 'table_name', type: { kind: 'string' }, nullable: false },
  { name: 'run_id', type: { kind: 'string' }, nullable: false },
  { name: 'mode', type: { kind: 'string' }, nullable: false },
  { name: 'rows_staged', type: { kind: 'int64' }, nullable: false },
  { name: 'rows_loaded', type: { kind: 'int64' }, nullable: false },
  { name: 'watermark', type: { kind: 'string' }, nullable: true },
  { name: 'loaded_at', type: { kind: 'timestamp' }, nullable: false },
];

/**
 * The parameters the commit statements bind: the load record's values plus `base_run_id`, the
 * run the loaded run was extracted after (null for an initial load), which the continuity check reads.
 */
export const LOAD_PARAMS = ['table_name', 'run_id', 'base_run_id', 'mode', 'rows_staged', 'rows_loaded', 'watermark'] as const;
export type LoadParamName = (typeof LOAD_PARAMS)[number];

/** The values of LOAD_PARAMS for one load. */
export type LoadParams = Record<'table_name' | 'run_id' | 'mode', string> & Record<'rows_staged' | 'rows_loaded', number> & Record<'base_run_id' | 'watermark', string | null>;

/** The text of the error `continuitySql` raises; the protocol recognises a stale run by it. */
export const STALE_RUN_MARKER = 'datapipe_stale_run';

/** `CREATE TABLE IF NOT EXISTS` for `_datapipe_loads`. */
export function createLoadsTableSql(loads: string, d: SqlDialect): string {
  const columns = LOADS_COLUMNS.map((c) => `  ${d.quote(c.name)} ${d.columnType(c.type)}${c.nullable ? '' : ' NOT NULL'}`);
  return `CREATE TABLE IF NOT EXISTS ${loads} (\n${columns.join(',\n')}\n)`;
}

/**
 * The model's column definitions, in order: NOT NULL where the column is not nullable or is part
 * of the primary key (the loader refuses NULL keys, so the DDL states it) — or, for a stage, all
 * nullable (a NULL key must reach the check that names it, not fail inside the load).
 */
export function columnDefinitions(model: TableModel, d: SqlDialect, options: { stage?: boolean } = {}): string[] {
  const keys = new Set(model.primaryKeys);
  return model.columns.map((c) => {
    const notNull = !options.stage && (!c.nullable || keys.has(c.name)) ? ' NOT NULL' : '';
    return `  ${d.quote(c.name)} ${d.columnType(c.type)}${notNull}`;
  });
}

/** `CREATE TABLE IF NOT EXISTS <target> (…)`, without keys or engine options (see each dialect's DDL). */
export function createTableSql(model: TableModel, target: string, d: SqlDialect): string {
  return `CREATE TABLE IF NOT EXISTS ${target} (\n${columnDefinitions(model, d).join(',\n')}\n)`;
}

/** The columns `stageCheckSql` counts NULLs in: primary keys first, then NOT NULL columns. */
export function mustNotBeNull(model: TableModel): Column[] {
  const keys = model.primaryKeys.map((k) => requireColumn(model, k, 'primary key'));
  return [...keys, ...model.columns.filter((c) => !c.nullable && !model.primaryKeys.includes(c.name))];
}

/**
 * One scan for both stage checks: `staged` rows, `deduplicated` (distinct primary keys, every row
 * without keys) and `null_<i>`, the NULLs in the i-th column of `mustNotBeNull`.
 */
export function stageCheckSql(model: TableModel, stage: string, d: SqlDialect): string {
  const keys = model.primaryKeys.map((k) => d.quote(requireColumn(model, k, 'primary key').name));
  const deduplicated = keys.length === 0
    ? 'COUNT(*)'
    : `(SELECT COUNT(*) FROM (SELECT DISTINCT ${keys.join(', ')} FROM ${stage}) AS ${d.quote('distinct_keys')})`;
  const nulls = mustNotBeNull(model).map((c, i) => `,\n  COUNT(CASE WHEN ${d.quote(c.name)} IS NULL THEN 1 END) AS ${d.quote(`null_${i}`)}`);
  return `SELECT\n  COUNT(*) AS ${d.quote('staged')},\n  ${deduplicated} AS ${d.quote('deduplicated')}${nulls.join('')}\nFROM ${stage}`;
}

/** What the stage check established about the staged rows. */
export interface StageFacts {
  /**
   * No primary key occurs twice in the stage (its distinct keys equal its rows, and no key is
   * NULL): every staged row survives deduplication, so the change reads the stage as it is
   * instead of ranking every row (docs/run-protocol.md, "The loader", step 4).
   */
  keysUnique?: boolean;
}

/**
 * One row per primary key (every staged row when the table has none or `facts.keysUnique`), the
 * survivor picked by the shared order (dedup-order.ts). The survivor's values are returned as
 * staged: nothing in the ordering is a bare float column, which an engine may hand back
 * normalised (DuckDB returns a window's float sort key with -0.0 turned into 0.0).
 */
export function dedupSelectSql(model: TableModel, stage: string, partitionColumn: string | null, d: SqlDialect, facts: StageFacts = {}): string {
  const columns = columnList(model, d.quote);
  if (model.primaryKeys.length === 0 || facts.keysUnique) return `SELECT ${columns}\nFROM ${stage}`;
  const keys = model.primaryKeys.map((k) => d.quote(requireColumn(model, k, 'primary key').name));
  const order = dedupOrder(model, partitionColumn, d);
  // A table made only of key columns has nothing to order by: its rows per key are identical.
  const window = `ROW_NUMBER() OVER (PARTITION BY ${keys.join(', ')}${order.length > 0 ? ` ORDER BY ${order.join(', ')}` : ''})`;
  if (d.latestRow === 'qualify') {
    // GoogleSQL asks for a WHERE, GROUP BY or HAVING beside QUALIFY; WHERE TRUE satisfies it everywhere.
    return `SELECT ${columns}\nFROM ${stage}\nWHERE TRUE\nQUALIFY ${window} = 1`;
  }
  const row = d.quote('_datapipe_row');
  return [
    `SELECT ${columns}`,
    'FROM (',
    indent(`SELECT ${columns}, ${window} AS ${row}\nFROM ${stage}`),
    `) AS ${d.quote('numbered')}`,
    `WHERE ${row} = 1`,
  ].join('\n');
}

/**
 * Incremental: upsert the deduplicated stage by primary key. A staged row always overwrites its
 * target row, even when its partition value is older than the target's: the extractor read it
 * from the source now, so it is the source's current state (a row moved back in time, a fix).
 */
export function mergeSql(model: TableModel, tables: LoadTables, partitionColumn: string | null, d: SqlDialect, facts: StageFacts = {}): string[] {
  if (model.primaryKeys.length === 0) {
    throw new TerminalError(`table ${model.name}: an incremental load merges by primary key; declare primary_keys in config.yaml or use load_mode: full`);
  }
  const target = d.quote('target');
  const source = d.quote('source');
  const dedup = dedupSelectSql(model, tables.stage, partitionColumn, d, facts);
  const prepare: string[] = [];
  let using = `(\n${indent(dedup)}\n)`;
  if (!d.mergeReadsSubquery) {
    if (!tables.dedup || !d.createTempTableAs) throw new Error(`${d.name}: MERGE needs a table; the load names no dedup table`);
    prepare.push(d.createTempTableAs(tables.dedup, dedup));
    using = tables.dedup;
  }
  const aliased = d.mergeTargetAlias ?? true;
  const matchTarget = aliased ? target : tables.target;
  const on = model.primaryKeys.map((k) => `${matchTarget}.${d.quote(k)} = ${source}.${d.quote(k)}`);
  const updated = model.columns.filter((c) => !model.primaryKeys.includes(c.name));
  const into = aliased ? `MERGE INTO ${tables.target} AS ${target}` : `MERGE INTO ${tables.target}`;
  const lines = [into, `USING ${using} AS ${source}`, `ON ${on.join(' AND ')}`];
  // A table whose columns are all key columns has nothing to update on a match; where the engine
  // requires the clause anyway, the first key is set to the value ON already made equal.
  const set = updated.length > 0 ? updated : d.mergeRequiresMatched ? [requireColumn(model, model.primaryKeys[0]!, 'primary key')] : [];
  if (set.length > 0) {
    const setName = aliased && d.mergeSetQualified ? (name: string) => `${target}.${d.quote(name)}` : d.quote;
    lines.push(`WHEN MATCHED THEN UPDATE SET ${set.map((c) => `${setName(c.name)} = ${source}.${d.quote(c.name)}`).join(', ')}`);
  }
  const values = model.columns.map((c) => `${source}.${d.quote(c.name)}`);
  lines.push(`WHEN NOT MATCHED THEN INSERT (${columnList(model, d.quote)}) VALUES (${values.join(', ')})`);
  return [...prepare, lines.join('\n')];
}

/**
 * Full: the target's rows become the deduplicated stage. Readers see the old rows or the new
 * ones, never neither: DELETE + INSERT inside the load's transaction, or one INSERT OVERWRITE.
 * The table and its DDL (partitioning, clustering) stay. (GoogleSQL's DELETE requires a WHERE.)
 */
export function replaceSql(model: TableModel, tables: LoadTables, partitionColumn: string | null, d: SqlDialect, facts: StageFacts = {}): string[] {
  const select = dedupSelectSql(model, tables.stage, partitionColumn, d, facts);
  const columns = columnList(model, d.quote);
  if (d.replace === 'insert-overwrite') return [`INSERT OVERWRITE ${tables.target} (${columns})\n${select}`];
  return [`DELETE FROM ${tables.target} WHERE TRUE`, `INSERT INTO ${tables.target} (${columns})\n${select}`];
}

/** The latest load recorded for table `@table_name`: the run the warehouse holds last. */
function latestRunSql(loads: string, d: SqlDialect): string {
  const q = d.quote;
  return `SELECT ${q('run_id')} FROM ${loads} WHERE ${q('table_name')} = ${d.param('table_name')} ORDER BY ${q('loaded_at')} DESC, ${q('run_id')} DESC LIMIT 1`;
}

/**
 * The table's latest recorded load (parameter `table_name`): its run, mode, counts and watermark.
 * The protocol reconciles `_state.json` with it before loading (docs/run-protocol.md).
 */
export function latestLoadSql(loads: string, d: SqlDialect): string {
  const q = d.quote;
  const columns = ['run_id', 'mode', 'rows_staged', 'rows_loaded', 'watermark'].map(q).join(', ');
  return `SELECT ${columns} FROM ${loads} WHERE ${q('table_name')} = ${d.param('table_name')} ORDER BY ${q('loaded_at')} DESC, ${q('run_id')} DESC LIMIT 1`;
}

/**
 * Fails the transaction (STALE_RUN_MARKER) unless the table's latest recorded load is the run this
 * load continues (`base_run_id`; none for an initial load) or this very run (a retry after a crash
 * between the merge and `_state.json`). So an older extraction can never overwrite a newer one,
 * even when two loaders race past the checks made before the transaction.
 */
export function continuitySql(loads: string, d: SqlDialect): string {
  const latest = `COALESCE((${latestRunSql(loads, d)}), '')`;
  const allowed = `COALESCE(${d.param('base_run_id', { kind: 'string', nullable: true })}, ''), ${d.param('run_id')}`;
  return d.failIf(`${latest} NOT IN (${allowed})`, STALE_RUN_MARKER);
}

/** Records the load unless this (table, run) is recorded already; parameters LOAD_PARAMS but base_run_id. */
export function recordLoadSql(loads: string, d: SqlDialect): string {
  const q = d.quote;
  const names = ['table_name', 'run_id', 'mode', 'rows_staged', 'rows_loaded', 'watermark'] as const;
  const values = names.map((n) => d.param(n, n.startsWith('rows_') ? { kind: 'int64' } : { kind: 'string', nullable: n === 'watermark' }));
  return [
    `INSERT INTO ${loads} (${[...names, 'loaded_at'].map(q).join(', ')})`,
    `SELECT ${values.join(', ')}, ${d.now}`,
    `FROM (SELECT 1 AS ${q('one')}) AS ${q('single_row')}`,
    `WHERE NOT EXISTS (SELECT 1 FROM ${loads} WHERE ${q('table_name')} = ${d.param('table_name')} AND ${q('run_id')} = ${d.param('run_id')})`,
  ].join('\n');
}

/**
 * What the load's transaction does, statement by statement: the continuity check, the merge or
 * replace, the loads record. Parameters: LOAD_PARAMS.
 */
export function commitStatements(model: TableModel, mode: LoadMode, tables: LoadTables, partitionColumn: string | null, d: SqlDialect, facts: StageFacts = {}): string[] {
  const change = mode === 'full' ? replaceSql(model, tables, partitionColumn, d, facts) : mergeSql(model, tables, partitionColumn, d, facts);
  return [continuitySql(tables.loads, d), ...change, recordLoadSql(tables.loads, d)];
}

/** The target's row count after the load (`target_rows`). */
export function countSql(target: string, d: SqlDialect): string {
  return `SELECT COUNT(*) AS ${d.quote('target_rows')} FROM ${target}`;
}
