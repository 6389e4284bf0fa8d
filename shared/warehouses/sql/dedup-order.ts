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
 * and NaN placement is made explicit (their defaults differ). See docs/warehouses.md.
 */
import type { TableModel } from '../../model/column.js';
import type { SqlDialect } from './sql-dialect.js';
import { requireColumn } from './sql-text.js';

/**
 * The window order that picks the surviving row of a key: the partition column first, then every
 * other non-key column in model order. Each column contributes `c IS NULL` (FALSE sorts first, so
 * NULL loses), for floats `isNan(c)` and then `-c ASC`, for the rest `c DESC`. Empty when every
 * column is a key column.
 *
 * Floats are ordered by their negation, never by the bare column: an engine may return a window's
 * sort key in place of the value (DuckDB hands back -0.0 as 0.0 when the column itself is the key),
 * and the survivor must reach the target exactly as it was staged. -c ASC orders like c DESC.
 */
export function dedupOrder(model: TableModel, partitionColumn: string | null, d: Pick<SqlDialect, 'quote' | 'isNan'>): string[] {
  const first = partitionColumn === null ? [] : [requireColumn(model, partitionColumn, 'partition')];
  const rest = model.columns.filter((c) => !model.primaryKeys.includes(c.name) && c.name !== partitionColumn);
  return [...first, ...rest].flatMap((column) => {
    const name = d.quote(column.name);
    const isFloat = column.type.kind === 'float32' || column.type.kind === 'float64';
    return isFloat ? [`${name} IS NULL`, d.isNan(name), `-${name} ASC`] : [`${name} IS NULL`, `${name} DESC`];
  });
}
