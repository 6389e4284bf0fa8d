/**
 * Every statement the DuckDB warehouse runs, as pure functions of the model (style.md §6): unit
 * tests hold the exact text, integration tests execute it. Identifiers are validated and
 * double-quoted everywhere; values travel as bound parameters, never spliced into the text.
 *
 * Targets carry no PRIMARY KEY constraint: DuckDB backs one with an ART index that must fit in
 * memory and slows loading and updates, and its uniqueness checks inside a transaction have been
 * over-eager (https://duckdb.org/docs/1.5/sql/indexes, "Limitations of ART Indexes"). MERGE
 * matches on any condition without one (https://duckdb.org/docs/1.5/sql/statements/merge_into),
 * and the loader guarantees one row per key itself: the stage is deduplicated before it is merged.
 */
import { TerminalError } from '../../errors.js';
import type { Column, TableModel } from '../../model/column.js';
import { dedupOrder, type DedupDialect } from '../dedup-order.js';
import { columnList, indent, requireColumn } from '../sql-text.js';
import { duckDbType } from './duckdb-types.js';

/** The schema targets and `_datapipe_loads` live in (architecture.md, "Target names"). */
export const TARGET_SCHEMA = 'main';
export const LOADS_TABLE = '_datapipe_loads';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `"name"`, after checking the name is a plain identifier (nothing to escape, nothing to inject). */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new TerminalError(`"${name}" is not a valid table or column name for DuckDB: use letters, digits and _`);
  }
  return `"${name}"`;
}

/** DuckDB's spellings of the dedup order every warehouse shares (../dedup-order.ts). */
const DEDUP_DIALECT: DedupDialect = { quote: quoteIdentifier, isNan: (expression) => `isnan(${expression})` };

/** A target table in `main`: `"main"."ventas"`. */
export function targetRef(table: string): string {
  return `${quoteIdentifier(TARGET_SCHEMA)}.${quoteIdentifier(table)}`;
}

/** A stage table: temporary, so it lives only in the loading connection (no WAL, no leftovers). */
export function stageRef(stage: string): string {
  return `"temp"."main".${quoteIdentifier(stage)}`;
}

/** The stage table of one run: `_datapipe_stage_<table>_<run id, non-identifier characters as _>`. */
export function stageTableName(table: string, runId: string): string {
  quoteIdentifier(table);
  return `_datapipe_stage_${table}_${runId.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
}

/**
 * The target's DDL: the model's columns in order, NOT NULL where the column is not nullable or
 * is part of the primary key (the loader refuses NULL keys, so the DDL states it); no PRIMARY KEY.
 */
export function createTableSql(model: TableModel): string {
  const keys = new Set(model.primaryKeys);
  const columns = model.columns.map((c) => {
    const notNull = !c.nullable || keys.has(c.name) ? ' NOT NULL' : '';
    return `  ${quoteIdentifier(c.name)} ${duckDbType(c.type)}${notNull}`;
  });
  return `CREATE TABLE IF NOT EXISTS ${targetRef(model.name)} (\n${columns.join(',\n')}\n)`;
}

/** One row per (table, run) loaded, written in the merge's transaction. */
export function createLoadsTableSql(): string {
  return [
    `CREATE TABLE IF NOT EXISTS ${targetRef(LOADS_TABLE)} (`,
    '  "table_name" VARCHAR NOT NULL,',
    '  "run_id" VARCHAR NOT NULL,',
    '  "mode" VARCHAR NOT NULL,',
    '  "rows_staged" BIGINT NOT NULL,',
    '  "rows_loaded" BIGINT NOT NULL,',
    '  "watermark" VARCHAR,',
    '  "loaded_at" TIMESTAMPTZ NOT NULL',
    ')',
  ].join('\n');
}

/**
 * A fresh stage: the model's columns, all nullable (a NULL key must reach the check that names it,
 * not fail inside the appender). `OR REPLACE` clears a retry's leftovers.
 */
export function createStageSql(model: TableModel, stage: string): string {
  const columns = model.columns.map((c) => `  ${quoteIdentifier(c.name)} ${duckDbType(c.type)}`);
  return `CREATE OR REPLACE TEMP TABLE ${stageRef(stage)} (\n${columns.join(',\n')}\n)`;
}

export function dropStageSql(stage: string): string {
  return `DROP TABLE IF EXISTS ${stageRef(stage)}`;
}

/**
 * Row count and, per column that must not be NULL (primary keys first, then NOT NULL columns),
 * how many staged rows are NULL there: one scan that feeds both contract checks.
 */
export function stageCheckSql(model: TableModel, stage: string): string {
  const counts = mustNotBeNull(model).map((c) => `,\n  count(*) FILTER (WHERE ${quoteIdentifier(c.name)} IS NULL)`);
  return `SELECT\n  count(*)${counts.join('')}\nFROM ${stageRef(stage)}`;
}

/** The columns `stageCheckSql` counts NULLs in, in its order. */
export function mustNotBeNull(model: TableModel): Column[] {
  const keys = model.primaryKeys.map((k) => requireColumn(model, k, 'primary key'));
  return [...keys, ...model.columns.filter((c) => !c.nullable && !model.primaryKeys.includes(c.name))];
}

/**
 * One row per primary key, by the order every warehouse shares (../dedup-order.ts): the latest
 * partition value wins (NULL loses), then the row whose other columns compare greatest. Without
 * primary keys (a `full` load of a keyless table) every staged row is kept.
 */
export function dedupSelectSql(model: TableModel, stage: string, partitionColumn: string | null): string {
  const select = `SELECT ${columnList(model, quoteIdentifier)}\nFROM ${stageRef(stage)}`;
  if (model.primaryKeys.length === 0) return select;
  const keys = model.primaryKeys.map((k) => quoteIdentifier(requireColumn(model, k, 'primary key').name));
  const order = dedupOrder(model, partitionColumn, DEDUP_DIALECT);
  // A table made only of key columns has nothing to order by: its rows per key are identical.
  const window = order.length > 0 ? `PARTITION BY ${keys.join(', ')} ORDER BY ${order.join(', ')}` : `PARTITION BY ${keys.join(', ')}`;
  return `${select}\nQUALIFY row_number() OVER (${window}) = 1`;
}

/** Rows left after deduplication: distinct primary keys (every row when there are none). */
export function dedupCountSql(model: TableModel, stage: string): string {
  if (model.primaryKeys.length === 0) return `SELECT count(*) FROM ${stageRef(stage)}`;
  const keys = model.primaryKeys.map((k) => quoteIdentifier(k)).join(', ');
  return `SELECT count(*) FROM (SELECT DISTINCT ${keys} FROM ${stageRef(stage)})`;
}

/**
 * Incremental: upsert the deduplicated stage by primary key. A staged row always overwrites its
 * target row, even when its partition value is older than the target's: the extractor read it
 * from the source now, so it is the source's current state (a row moved back in time, a fix).
 */
export function mergeSql(model: TableModel, target: string, stage: string, partitionColumn: string | null): string {
  if (model.primaryKeys.length === 0) {
    throw new TerminalError(`table ${model.name}: an incremental load merges by primary key; declare primary_keys in config.yaml or use load_mode: full`);
  }
  const on = model.primaryKeys.map((k) => `"target".${quoteIdentifier(k)} = "source".${quoteIdentifier(k)}`);
  const updated = model.columns.filter((c) => !model.primaryKeys.includes(c.name));
  const lines = [
    `MERGE INTO ${targetRef(target)} AS "target"`,
    'USING (',
    indent(dedupSelectSql(model, stage, partitionColumn)),
    ') AS "source"',
    `ON (${on.join(' AND ')})`,
  ];
  // A table whose columns are all key columns has nothing to update on a match.
  if (updated.length > 0) {
    const set = updated.map((c) => `${quoteIdentifier(c.name)} = "source".${quoteIdentifier(c.name)}`);
    lines.push(`WHEN MATCHED THEN UPDATE SET ${set.join(', ')}`);
  }
  const values = model.columns.map((c) => `"source".${quoteIdentifier(c.name)}`);
  lines.push(`WHEN NOT MATCHED THEN INSERT (${columnList(model, quoteIdentifier)}) VALUES (${values.join(', ')})`);
  return lines.join('\n');
}

/**
 * Full: empty the target and insert the deduplicated stage. Run inside one transaction, readers
 * see the old rows or the new ones, never neither; the table and its DDL stay as they are.
 */
export function replaceSql(model: TableModel, target: string, stage: string, partitionColumn: string | null): string[] {
  return [
    `DELETE FROM ${targetRef(target)}`,
    `INSERT INTO ${targetRef(target)} (${columnList(model, quoteIdentifier)})\n${dedupSelectSql(model, stage, partitionColumn)}`,
  ];
}

/** Forgets an earlier attempt of the same run ($1 table, $2 run id), so a retry leaves one row. */
export function forgetLoadSql(): string {
  return `DELETE FROM ${targetRef(LOADS_TABLE)} WHERE "table_name" = $1 AND "run_id" = $2`;
}

/** $1 table, $2 run id, $3 mode, $4 rows staged, $5 rows loaded, $6 watermark (text or NULL). */
export function recordLoadSql(): string {
  return `INSERT INTO ${targetRef(LOADS_TABLE)} ("table_name", "run_id", "mode", "rows_staged", "rows_loaded", "watermark", "loaded_at")\n` +
    'VALUES ($1, $2, $3, $4, $5, $6, current_timestamp)';
}

export function countSql(table: string): string {
  return `SELECT count(*) FROM ${targetRef(table)}`;
}

/** The columns of an existing target ($1 table name), as DuckDB reports their types. */
export function describeTargetSql(): string {
  return 'SELECT column_name, data_type FROM duckdb_columns()\n' +
    `WHERE database_name = current_database() AND schema_name = '${TARGET_SCHEMA}' AND table_name = $1\n` +
    'ORDER BY column_index';
}
