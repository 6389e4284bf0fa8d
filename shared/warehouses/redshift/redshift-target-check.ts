import type { TableModel } from '../../model/column.js';
import { fitsNumeric, redshiftType, reportedTypes } from './redshift-types.js';
import { driftText } from '../target-drift.js';

/** A column of an existing target, as information_schema.columns reports it (redshift-ddl.ts describeTargetSql). */
export interface ExistingColumn {
  name: string;
  dataType: string;
  numericPrecision: string | null;
  numericScale: string | null;
}

/**
 * How an existing target differs from the model, or null when every model column is there with
 * a type that holds its values (for decimals: the same precision and scale). ensureTable never
 * alters a table, so a difference is schema drift (exit 3) a person resolves; columns the target
 * has beyond the model are allowed (loads leave them NULL). Completes "target <schema>.<t> …".
 */
export function targetDrift(model: TableModel, existing: readonly ExistingColumn[]): string | null {
  const byName = new Map(existing.map((c) => [c.name.toLowerCase(), c]));
  const missing: string[] = [];
  const retyped: string[] = [];
  for (const column of model.columns) {
    const actual = byName.get(column.name);
    if (!actual) {
      missing.push(column.name);
      continue;
    }
    const { type } = column;
    const family = reportedTypes(type).includes(actual.dataType.toLowerCase());
    const sized = type.kind !== 'decimal' || !fitsNumeric(type.precision, type.scale)
      || (actual.numericPrecision === String(type.precision) && actual.numericScale === String(type.scale));
    if (!family || !sized) {
      const shown = actual.dataType.toLowerCase() === 'numeric' ? `numeric(${actual.numericPrecision},${actual.numericScale})` : actual.dataType;
      retyped.push(`${column.name} is ${shown}, the schema says ${redshiftType(type)}`);
    }
  }
  return driftText(missing, retyped);
}
