/**
 * What `datapipe run` and `datapipe status` ask PostgreSQL beyond the rows (docs/style.md §6, SQL
 * as pure functions): a row estimate from the planner's statistics for the live line's percentage
 * (https://www.postgresql.org/docs/current/row-estimation-examples.html), and the newest value of
 * the partition column for the lag.
 */
import { TerminalError } from '../../errors.js';
import type { Column, TableModel } from '../../model/column.js';
import type { PostgresPoolClient } from './postgres-client.js';
import { BOUND_CAST, columnOf, qualifiedTable, quoteIdent } from './postgres-sql.js';
import type { ReadWindow, RowEstimate } from '../source.js';

/** The table's estimated rows (`reltuples`: -1 until the table is first vacuumed or analyzed). Binds $1 schema, $2 table. */
export const RELTUPLES_SQL = 'SELECT c.reltuples::float8 AS estimate FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace'
  + ' WHERE n.nspname = $1 AND c.relname = $2';

/**
 * The planner's row estimate for the window's predicate, read from `EXPLAIN (FORMAT JSON)`. The
 * bounds are bound parameters of an unnamed statement, which PostgreSQL plans with their values,
 * so the column's histogram gives the window's share of the table.
 */
export function windowEstimateSql(model: TableModel, window: ReadWindow | undefined): { sql: string; values: string[] } {
  if (!window) return { sql: `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${qualifiedTable(model)}`, values: [] };
  const column = columnOf(model, window.column);
  const kind = column.type.kind;
  if (kind !== 'int64' && kind !== 'date' && kind !== 'datetime' && kind !== 'timestamp') {
    throw new TerminalError(`${model.sourceName}.${column.sourceName}: a ${kind} column cannot bound a window`);
  }
  const name = quoteIdent(column.sourceName);
  const values: string[] = [];
  const parts: string[] = [];
  if (window.low !== null) parts.push(`${name} >= $${values.push(window.low)}::${BOUND_CAST[kind]}`);
  if (window.high !== null) parts.push(`${name} <= $${values.push(window.high)}::${BOUND_CAST[kind]}`);
  let where = parts.join(' AND ');
  if (window.includeNulls) where = where ? `(${where}) OR ${name} IS NULL` : '';
  return { sql: `EXPLAIN (FORMAT JSON) SELECT 1 FROM ${qualifiedTable(model)}${where ? ` WHERE ${where}` : ''}`, values };
}

/** `MAX(column)` as canonical watermark text (newest), NULL for an empty table. */
export function newestValueSql(model: TableModel, column: Column): string {
  const max = `max(${quoteIdent(column.sourceName)})`;
  const from = ` AS newest FROM ${qualifiedTable(model)}`;
  switch (column.type.kind) {
    case 'int64': return `SELECT ${max}::text${from}`;
    case 'date': return `SELECT to_char(${max}, 'YYYY-MM-DD')${from}`;
    case 'datetime': return `SELECT to_char(${max}, 'YYYY-MM-DD"T"HH24:MI:SS.US')${from}`;
    case 'timestamp': return `SELECT to_char(${max} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')${from}`;
    default:
      throw new TerminalError(`${model.sourceName}.${column.sourceName} is ${column.type.kind}; a watermark is an integer, date, datetime or timestamp column`);
  }
}

/** The estimate for a read of `window` (the whole table when absent); null without statistics. */
export async function estimateRows(client: PostgresPoolClient, model: TableModel, window?: ReadWindow): Promise<RowEstimate | null> {
  // A window without bounds reads the whole table (NULL partition values included, if any).
  const bounded = window && (window.low !== null || window.high !== null) ? window : undefined;
  if (!bounded) {
    const { rows } = await client.query<{ estimate: number }>(RELTUPLES_SQL, [model.sourceSchema, model.sourceName]);
    const estimate = rows[0]?.estimate ?? -1;
    if (estimate >= 0) return { rows: Math.round(estimate), basis: 'pg_class.reltuples' };
    // Never analyzed: the planner still estimates from the table's size on disk.
  }
  const { sql, values } = windowEstimateSql(model, bounded);
  const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(sql, values);
  const plan = planOf(rows[0]?.['QUERY PLAN']);
  const estimate = plan?.['Plan Rows'];
  return typeof estimate === 'number' ? { rows: Math.round(estimate), basis: 'the planner\'s estimate' } : null;
}

/** The top plan node of an `EXPLAIN (FORMAT JSON)` result (pg parses the json column; a text one is parsed here). */
function planOf(value: unknown): Record<string, unknown> | undefined {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  const first = Array.isArray(parsed) ? (parsed[0] as { Plan?: Record<string, unknown> } | undefined) : undefined;
  return first?.Plan;
}
