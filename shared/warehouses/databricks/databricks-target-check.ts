import type { TableModel } from '../../model/column.js';
import { databricksReportedType } from './databricks-types.js';

/** A column of an existing target, as `DESCRIBE TABLE` reports it. */
export interface ExistingColumn {
  name: string;
  type: string;
}

/**
 * The columns of a `DESCRIBE TABLE` answer (col_name, data_type, comment): the rows before the
 * first blank or `#` row, after which Databricks lists partitioning, clustering and details.
 * https://learn.microsoft.com/azure/databricks/sql/language-manual/sql-ref-syntax-aux-describe-table
 */
export function describedColumns(rows: readonly Record<string, unknown>[]): ExistingColumn[] {
  const columns: ExistingColumn[] = [];
  for (const row of rows) {
    const name = String(row.col_name ?? '').trim();
    if (name === '' || name.startsWith('#')) break;
    columns.push({ name, type: String(row.data_type ?? '').trim().toLowerCase() });
  }
  return columns;
}

/**
 * How an existing target differs from the model, or null when every model column is there with
 * its type. ensureTable never alters a table, so a difference is schema drift (exit 3) that a
 * person resolves; columns the target has beyond the model are allowed (left NULL by loads).
 * The text completes "target <catalog.schema.table> …".
 */
export function targetDrift(model: TableModel, existing: readonly ExistingColumn[]): string | null {
  const types = new Map(existing.map((c) => [c.name.toLowerCase(), c.type]));
  const missing: string[] = [];
  const retyped: string[] = [];
  for (const column of model.columns) {
    const actual = types.get(column.name);
    const expected = databricksReportedType(column.type);
    if (actual === undefined) missing.push(column.name);
    else if (actual !== expected) retyped.push(`${column.name} is ${actual}, the schema says ${expected}`);
  }
  if (missing.length === 0 && retyped.length === 0) return null;
  const parts = [...(missing.length > 0 ? [`lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`] : []), ...retyped];
  return `differs from the schema: ${parts.join('; ')} — migrate the table or regenerate the schema`;
}
