/**
 * The statements a BigQuery load runs after staging, as pure functions (style.md §6). Each takes
 * a small dialect, so the very same function also writes a DuckDB twin that the integration tests
 * execute for real (test/integration/bigquery/bigquery-twin.test.ts): the dedup order, the MERGE
 * shape and the loads record are one code path, only quoting and function names differ.
 *
 * Deduplication. A run may hold a primary key more than once; one row per key survives, picked by
 * the order every warehouse shares (../dedup-order.ts): the latest partition value, then the row
 * whose other columns compare greatest. BigQuery's load jobs keep no row order to go by instead.
 *
 * `_datapipe_loads` is shared by every table of the dataset, so it only ever receives INSERTs: a
 * transaction that updates or deletes rows of a table cancels concurrent transactions that mutate
 * the same table (https://cloud.google.com/bigquery/docs/transactions#transaction_concurrency), and
 * loads of different tables would cancel each other. The insert skips a (table, run) already
 * recorded, so re-running a load leaves one row.
 */
import { TerminalError } from '../../errors.js';
import type { Column, TableModel } from '../../model/column.js';
import type { LoadMode } from '../warehouse.js';
import { dedupOrder, type DedupDialect } from '../dedup-order.js';
import { columnList, indent, requireColumn } from '../sql-text.js';
import { quoteIdentifier } from './bigquery-names.js';

/** The engine-specific spellings the statements need: the dedup order's, and parameters. */
export interface SqlDialect extends DedupDialect {
  /** A named parameter placeholder. */
  param(name: string): string;
}

/** GoogleSQL: backticks, `@name` parameters. */
export const BIGQUERY_SQL: SqlDialect = {
  quote: quoteIdentifier,
  param: (name) => `@${name}`,
  isNan: (expression) => `IS_NAN(${expression})`,
};

/** DuckDB, for the twin the tests execute: double quotes, `$name` parameters. */
export const DUCKDB_TWIN_SQL: SqlDialect = {
  quote: (name) => `"${quoteIdentifier(name).slice(1, -1)}"`,
  param: (name) => `$${name}`,
  isNan: (expression) => `isnan(${expression})`,
};

/** Fully qualified, already quoted table references. */
export interface MergeTables {
  target: string;
  stage: string;
  loads: string;
}

/** The parameters `recordLoadSql` binds, in the order the columns are written. */
export const LOAD_RECORD_PARAMS = ['table_name', 'run_id', 'mode', 'rows_staged', 'rows_loaded', 'watermark'] as const;

/** One row per primary key (every staged row when the table has none). */
export function dedupSelectSql(model: TableModel, stage: string, partitionColumn: string | null, d: SqlDialect): string {
  const select = `SELECT ${columnList(model, d.quote)}\nFROM ${stage}`;
  if (model.primaryKeys.length === 0) return select;
  const keys = model.primaryKeys.map((k) => d.quote(requireColumn(model, k, 'primary key').name));
  const order = dedupOrder(model, partitionColumn, d);
  // GoogleSQL has asked for a WHERE, GROUP BY or HAVING beside QUALIFY; WHERE TRUE satisfies it.
  const window = order.length > 0 ? `PARTITION BY ${keys.join(', ')} ORDER BY ${order.join(', ')}` : `PARTITION BY ${keys.join(', ')}`;
  return `${select}\nWHERE TRUE\nQUALIFY ROW_NUMBER() OVER (${window}) = 1`;
}

/**
 * Incremental: upsert the deduplicated stage by primary key. A staged row always overwrites its
 * target row, even when its partition value is older than the target's: the extractor read it
 * from the source now, so it is the source's current state (a row moved back in time, a fix).
 */
export function mergeSql(model: TableModel, tables: MergeTables, partitionColumn: string | null, d: SqlDialect): string {
  if (model.primaryKeys.length === 0) {
    throw new TerminalError(`table ${model.name}: an incremental load merges by primary key; declare primary_keys in config.yaml or use load_mode: full`);
  }
  const target = d.quote('target');
  const source = d.quote('source');
  const on = model.primaryKeys.map((k) => `${target}.${d.quote(k)} = ${source}.${d.quote(k)}`);
  const updated = model.columns.filter((c) => !model.primaryKeys.includes(c.name));
  const lines = [
    `MERGE INTO ${tables.target} AS ${target}`,
    'USING (',
    indent(dedupSelectSql(model, tables.stage, partitionColumn, d)),
    `) AS ${source}`,
    `ON ${on.join(' AND ')}`,
  ];
  // A table whose columns are all key columns has nothing to update on a match.
  if (updated.length > 0) {
    lines.push(`WHEN MATCHED THEN UPDATE SET ${updated.map((c) => `${d.quote(c.name)} = ${source}.${d.quote(c.name)}`).join(', ')}`);
  }
  const values = model.columns.map((c) => `${source}.${d.quote(c.name)}`);
  lines.push(`WHEN NOT MATCHED THEN INSERT (${columnList(model, d.quote)}) VALUES (${values.join(', ')})`);
  return lines.join('\n');
}

/**
 * Full: empty the target and insert the deduplicated stage. Inside the transaction readers see the
 * old rows or the new ones, never neither; the table, its partitioning and clustering stay.
 * (GoogleSQL's DELETE requires a WHERE clause.)
 */
export function replaceSql(model: TableModel, tables: MergeTables, partitionColumn: string | null, d: SqlDialect): string[] {
  return [
    `DELETE FROM ${tables.target} WHERE TRUE`,
    `INSERT INTO ${tables.target} (${columnList(model, d.quote)})\n${dedupSelectSql(model, tables.stage, partitionColumn, d)}`,
  ];
}

/** Records the load unless this (table, run) is recorded already; parameters LOAD_RECORD_PARAMS. */
export function recordLoadSql(loads: string, d: SqlDialect): string {
  const columns = [...LOAD_RECORD_PARAMS, 'loaded_at'].map((c) => d.quote(c));
  const values = LOAD_RECORD_PARAMS.map((p) => d.param(p));
  return [
    `INSERT INTO ${loads} (${columns.join(', ')})`,
    `SELECT ${values.join(', ')}, CURRENT_TIMESTAMP`,
    `FROM (SELECT 1 AS ${d.quote('one')}) AS ${d.quote('single_row')}`,
    `WHERE NOT EXISTS (SELECT 1 FROM ${loads} WHERE ${d.quote('table_name')} = ${d.param('table_name')} AND ${d.quote('run_id')} = ${d.param('run_id')})`,
  ].join('\n');
}

/** What the transaction does, statement by statement: merge or replace, then the loads record. */
export function commitStatements(model: TableModel, mode: LoadMode, tables: MergeTables, partitionColumn: string | null, d: SqlDialect): string[] {
  const change = mode === 'full' ? replaceSql(model, tables, partitionColumn, d) : [mergeSql(model, tables, partitionColumn, d)];
  return [...change, recordLoadSql(tables.loads, d)];
}

/**
 * One BigQuery multi-statement query: the statements commit together or not at all; an error
 * rolls everything back (https://cloud.google.com/bigquery/docs/transactions).
 */
export function transactionScript(statements: readonly string[]): string {
  return ['BEGIN TRANSACTION', ...statements, 'COMMIT TRANSACTION'].map((s) => `${s};`).join('\n');
}

/**
 * One scan for both stage checks: `staged` rows, `deduplicated` (distinct primary keys, every row
 * without keys) and `null_<i>`, the NULLs in the i-th column of `mustNotBeNull`.
 */
export function stageCheckSql(model: TableModel, stage: string, d: SqlDialect): string {
  const keys = model.primaryKeys.map((k) => d.quote(requireColumn(model, k, 'primary key').name));
  const deduplicated = keys.length === 0 ? 'COUNT(*)' : `(SELECT COUNT(*) FROM (SELECT DISTINCT ${keys.join(', ')} FROM ${stage}))`;
  const nulls = mustNotBeNull(model).map((c, i) => `,\n  COUNT(CASE WHEN ${d.quote(c.name)} IS NULL THEN 1 END) AS ${d.quote(`null_${i}`)}`);
  return `SELECT\n  COUNT(*) AS ${d.quote('staged')},\n  ${deduplicated} AS ${d.quote('deduplicated')}${nulls.join('')}\nFROM ${stage}`;
}

/** The columns `stageCheckSql` counts NULLs in: primary keys first, then NOT NULL columns. */
export function mustNotBeNull(model: TableModel): Column[] {
  const keys = model.primaryKeys.map((k) => requireColumn(model, k, 'primary key'));
  return [...keys, ...model.columns.filter((c) => !c.nullable && !model.primaryKeys.includes(c.name))];
}

/** The target's row count after the load (`target_rows`). */
export function countSql(target: string, d: SqlDialect): string {
  return `SELECT COUNT(*) AS ${d.quote('target_rows')} FROM ${target}`;
}
