/**
 * The statements only the DuckDB warehouse runs — its table names, its temporary stage and the
 * catalog query that describes a target — as pure functions (docs/style.md §6). The load's own
 * statements are shared by every warehouse (../sql/load-sql.ts, with duckdb-dialect.ts).
 *
 * Targets carry no PRIMARY KEY constraint: DuckDB backs one with an ART index that must fit in
 * memory and slows loading and updates, and its uniqueness checks inside a transaction have been
 * over-eager (https://duckdb.org/docs/1.5/sql/indexes, "Limitations of ART Indexes"). MERGE
 * matches on any condition without one (https://duckdb.org/docs/1.5/sql/statements/merge_into),
 * and the loader guarantees one row per key itself: the stage is deduplicated before it is merged.
 */
import type { TableModel } from '../../model/column.js';
import { columnDefinitions, createTableSql as createTargetSql } from '../sql/load-sql.js';
import { DUCKDB_DIALECT, quoteIdentifier } from './duckdb-dialect.js';

/** The schema targets and `_datapipe_loads` live in (docs/architecture.md, "Target names"). */
export const TARGET_SCHEMA = 'main';

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

/** The target's DDL in `main` (what `generate schema` writes as `schemas/<table>.sql` for local). */
export function createTableSql(model: TableModel): string {
  return createTargetSql(model, targetRef(model.name), DUCKDB_DIALECT);
}

/**
 * A fresh stage (`stage` is its stageRef): the model's columns, all nullable. `OR REPLACE` clears
 * a retry's leftovers.
 */
export function createStageSql(model: TableModel, stage: string): string {
  return `CREATE OR REPLACE TEMP TABLE ${stage} (\n${columnDefinitions(model, DUCKDB_DIALECT, { stage: true }).join(',\n')}\n)`;
}

/** Drops a stage (`stage` is its stageRef). */
export function dropStageSql(stage: string): string {
  return `DROP TABLE IF EXISTS ${stage}`;
}

/** The columns of an existing target ($1 table name), as DuckDB reports their types. */
export function describeTargetSql(): string {
  return 'SELECT column_name, data_type FROM duckdb_columns()\n' +
    `WHERE database_name = current_database() AND schema_name = '${TARGET_SCHEMA}' AND table_name = $1\n` +
    'ORDER BY column_index';
}
