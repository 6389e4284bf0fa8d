import type { TableModel } from '../../model/column.js';
import { typeTextDrift, type ExistingColumn } from '../target-drift.js';
import { duckDbReportedType } from './duckdb-types.js';

export type { ExistingColumn };

/**
 * How an existing target differs from the model (../target-drift.ts), by the types
 * `duckdb_columns()` reports; null when it does not. Completes "target main.<table> in <file> …".
 */
export function targetDrift(model: TableModel, existing: readonly ExistingColumn[]): string | null {
  return typeTextDrift(model, existing, duckDbReportedType);
}
