import type { TableModel } from '../model/column.js';
import type { Params, VerifyTable } from './verify-sql.js';

/**
 * One side of a verification, the source or the warehouse: its table as the queries read it and
 * a way to run them. Every query of one side sees one state (the source reads at one snapshot).
 */
export interface VerifySide {
  readonly table: VerifyTable;
  /** Runs one query; every value it selects is text, so rows come back as text (or null). */
  query(sql: string, params: Params, label: string): Promise<Record<string, unknown>[]>;
}

/** Opens a side for `model`, runs `work` on it, and ends it (a snapshot, a session) whatever happens. */
export type VerifySession = <T>(model: TableModel, work: (side: VerifySide) => Promise<T>) => Promise<T>;

/** A result value as text; drivers hand text back as strings, a few engines integers as numbers. */
export function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : String(value);
}
