/**
 * How an existing target differs from what the model declares — the one wording every warehouse
 * uses. ensureTable never alters a table, so a difference is schema drift (exit 3) that a person
 * resolves; columns the target has beyond the model are allowed (loads leave them NULL).
 */
import type { CanonicalType, TableModel } from '../model/column.js';

/** A column of an existing target, by the type text the engine reports. */
export interface ExistingColumn {
  name: string;
  type: string;
}

/**
 * The text completing "target <table> …" for the columns missing and the other problems found,
 * or null when there are none.
 */
export function driftText(missing: readonly string[], problems: readonly string[]): string | null {
  if (missing.length === 0 && problems.length === 0) return null;
  const parts = [...(missing.length > 0 ? [`lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`] : []), ...problems];
  return `differs from the schema: ${parts.join('; ')} — migrate the table or regenerate the schema`;
}

/**
 * Drift judged by type text alone: every model column must be there, its reported type equal to
 * `reported(type)` (engines that spell a column's type one way in DDL and in their catalog alike).
 */
export function typeTextDrift(model: TableModel, existing: readonly ExistingColumn[], reported: (type: CanonicalType) => string): string | null {
  const types = new Map(existing.map((c) => [c.name.toLowerCase(), c.type]));
  const missing: string[] = [];
  const retyped: string[] = [];
  for (const column of model.columns) {
    const actual = types.get(column.name);
    const expected = reported(column.type);
    if (actual === undefined) missing.push(column.name);
    else if (actual !== expected) retyped.push(`${column.name} is ${actual}, the schema says ${expected}`);
  }
  return driftText(missing, retyped);
}
