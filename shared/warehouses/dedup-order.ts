/**
 * The one rule every warehouse uses to keep a single row per primary key when a run stages the
 * key more than once (overlapping windows, a key updated while it was read): the latest partition
 * value wins (a NULL one loses), then, among rows tied on it, the one whose remaining columns
 * compare greatest, column by column in model order, a NULL lowest and a float NaN below every
 * number. Rows tied on every column are equal, whichever survives.
 *
 * Why the values and not the order rows were read in: a BigQuery load job gives rows no ordinal,
 * so there the row itself must break the tie; using the same rule everywhere means the same staged
 * rows give the same target on every warehouse. Ordering by the values is deterministic, needs no
 * hash that only one engine has, and the engines order every type DataPipe writes alike once NULL
 * and NaN placement is made explicit (their defaults differ). The BigQuery SQL and its DuckDB twin
 * (bigquery-merge-sql.ts) and the local DuckDB warehouse (duckdb-sql.ts) all take the order here.
 */
import type { TableModel } from '../model/column.js';
import { requireColumn } from './sql-text.js';

/** The spellings the order needs from a warehouse's SQL. */
export interface DedupDialect {
  /** A quoted, validated identifier. */
  quote(name: string): string;
  /** TRUE where a float value is NaN. */
  isNan(expression: string): string;
}

/**
 * The window order that picks the surviving row of a key: the partition column first, then every
 * other non-key column in model order. Each column contributes `c IS NULL` (FALSE sorts first, so
 * NULL loses), for floats `isNan(c)`, then `c DESC`. Empty when every column is a key column.
 */
export function dedupOrder(model: TableModel, partitionColumn: string | null, d: DedupDialect): string[] {
  const first = partitionColumn === null ? [] : [requireColumn(model, partitionColumn, 'partition')];
  const rest = model.columns.filter((c) => !model.primaryKeys.includes(c.name) && c.name !== partitionColumn);
  return [...first, ...rest].flatMap((column) => {
    const name = d.quote(column.name);
    const nan = column.type.kind === 'float32' || column.type.kind === 'float64' ? [d.isNan(name)] : [];
    return [`${name} IS NULL`, ...nan, `${name} DESC`];
  });
}
