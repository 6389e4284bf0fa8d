/**
 * What differs between the SQL engines DataPipe loads into, and nothing else (docs/warehouses.md).
 * The load protocol's statements are written once, in load-sql.ts, as functions of a dialect;
 * each warehouse folder holds one `SqlDialect` object (`duckdb-dialect.ts`, `bigquery-dialect.ts`,
 * …). Adding a warehouse adds a dialect; the statements do not change.
 */
import type { CanonicalType } from '../../model/column.js';

export interface SqlDialect {
  /** The engine's name, for messages: `DuckDB`, `BigQuery`. */
  readonly name: string;

  /** A quoted identifier, after checking it is a plain `[A-Za-z_][A-Za-z0-9_]*` name (nothing to escape). */
  quote(name: string): string;

  /**
   * The placeholder of named parameter `name` (`$name`, `@name`, `:name`); `type` says what the
   * value is, for engines whose parameters arrive as text and need a cast (Redshift's Data API).
   */
  param(name: string, type?: ParamType): string;

  /** TRUE where a float expression is NaN. */
  isNan(expression: string): string;

  /** The column type of a canonical type in this engine's DDL (an exact one, or a TerminalError). */
  columnType(type: CanonicalType): string;

  /**
   * How the latest row per key is kept: `QUALIFY ROW_NUMBER() OVER (…) = 1` where the engine has
   * QUALIFY, else a subquery that numbers the rows and an outer `WHERE` on the number.
   */
  readonly latestRow: 'qualify' | 'subquery';

  /**
   * Whether MERGE may read a subquery. Where it may not (Redshift: the source must be a table),
   * the deduplicated rows are first written to a temporary table named by `dedupTableName`.
   */
  readonly mergeReadsSubquery: boolean;

  /** `CREATE TEMP TABLE <name> AS <select>`, for engines whose MERGE needs a table. */
  createTempTableAs?(name: string, select: string): string;

  /**
   * Whether MERGE names its target with an alias (`MERGE INTO t AS "target"`, the default). Where
   * it may not (Redshift: `MERGE INTO target_table USING …`), the ON clause names the target in full.
   */
  readonly mergeTargetAlias?: boolean;

  /**
   * Whether MERGE's `UPDATE SET` names each column through the target's alias
   * (`` SET `target`.`c` = `source`.`c` ``). GoogleSQL reads a bare SET name equal to the alias as
   * the alias itself, the whole row, so a column named `target` could not be set
   * (https://cloud.google.com/bigquery/docs/reference/standard-sql/dml-syntax#update_statement);
   * DuckDB refuses qualified SET names. Default false; only with an aliased target.
   */
  readonly mergeSetQualified?: boolean;

  /**
   * Whether MERGE must have a WHEN MATCHED clause (Redshift: both clauses, or REMOVE DUPLICATES).
   * A table made only of key columns has nothing to update, so its MERGE sets its first key column
   * to the source's value, which the ON clause made equal: a match changes nothing. Default false.
   */
  readonly mergeRequiresMatched?: boolean;

  /**
   * How `full` mode replaces a target atomically: DELETE + INSERT inside the load's transaction,
   * or one `INSERT OVERWRITE` where there is no multi-statement transaction (Databricks).
   */
  readonly replace: 'delete-insert' | 'insert-overwrite';

  /**
   * A statement that fails, with an error whose text contains `marker`, when `condition` is TRUE,
   * and does nothing otherwise. The protocol puts its checks inside the load's transaction with it
   * (a stale run must not merge even if it raced past the checks before the transaction).
   * `marker` is a fixed DataPipe word (`datapipe_stale_run`), never data.
   */
  failIf(condition: string, marker: string): string;

  /** The current time, as the loads record stamps it (`CURRENT_TIMESTAMP`). */
  readonly now: string;
}

/** What a bound parameter holds: a string or an int64, possibly NULL. */
export interface ParamType {
  kind: 'string' | 'int64';
  nullable?: boolean;
}

/** Plain identifiers only: every name DataPipe builds is one (targetName in model/column.ts). */
export const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
