import type { TableModel } from '../../model/column.js';
import { typeTextDrift, type ExistingColumn } from '../target-drift.js';
import { databricksReportedType } from './databricks-types.js';

export type { ExistingColumn };

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
 * How an existing target differs from the model (../target-drift.ts), by the types `DESCRIBE
 * TABLE` reports; null when it does not. Completes "target <catalog.schema.table> …".
 */
export function targetDrift(model: TableModel, existing: readonly ExistingColumn[]): string | null {
  return typeTextDrift(model, existing, databricksReportedType);
}
