/**
 * The SQL the PostgreSQL source runs, as pure functions (docs/style.md §6): identifiers are validated
 * and quoted here, values never appear in the text — they are bound, or for COPY (which takes no
 * parameters) bound into transaction-local settings read back with current_setting().
 */
import { TerminalError } from '../../errors.js';
import { findColumn, type Column, type TableModel, type WatermarkKind } from '../../model/column.js';
import type { ReadPlan, ReadWindow } from '../source.js';
import { wireOf } from './postgres-wire.js';

/** Setting names the window bounds travel in (custom settings need a dotted prefix). */
export const WINDOW_SETTINGS = { low: 'datapipe.window_low', high: 'datapipe.window_high' } as const;

/** A double-quoted identifier, embedded quotes doubled. Empty names and NUL are refused. */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.includes('\0')) {
    throw new TerminalError(`"${name.replace(/\0/g, '\\0')}" is not a valid PostgreSQL identifier`);
  }
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"`. */
export function qualifiedTable(model: TableModel): string {
  return `${quoteIdent(model.sourceSchema)}.${quoteIdent(model.sourceName)}`;
}

/** The table's alias in reads, so a whole-row reference cannot be mistaken for a column. */
const ROW_ALIAS = 'datapipe_row';

/** One select-list item: the column cast to the type it travels as (postgres-wire.ts). */
export function selectItem(column: Column): string {
  const cast = wireOf(column).cast;
  const name = quoteIdent(column.sourceName);
  return cast ? `${name}::${cast}` : name;
}

/** The column a window or a message names, by target or source name. */
export function columnOf(model: TableModel, name: string): Column {
  const column = findColumn(model, name);
  if (!column) throw new TerminalError(`${model.sourceName}: no column ${name} — pick one of ${model.columns.map((c) => c.sourceName).join(', ')}`);
  return column;
}

/** The cast a watermark bound's canonical text is read back with (ISO text with `T`/`Z` parses as is). */
export const BOUND_CAST: Record<WatermarkKind, string> = {
  int64: 'int8', date: 'date', datetime: 'timestamp', timestamp: 'timestamptz',
};

/**
 * The window predicate: `col >= low AND col <= high` (both inclusive, a null bound omitted) and
 * `OR col IS NULL` when NULLs are included. Each bound is a scalar subquery over the
 * transaction-local setting, so it is evaluated once (an InitPlan) and an index on `col` is usable.
 */
export function windowPredicate(model: TableModel, window: ReadWindow): string | null {
  const column = columnOf(model, window.column);
  const kind = column.type.kind;
  if (kind !== 'int64' && kind !== 'date' && kind !== 'datetime' && kind !== 'timestamp') {
    throw new TerminalError(`${model.sourceName}.${column.sourceName}: a ${kind} column cannot bound a window — use an integer, date, datetime or timestamp column`);
  }
  const name = quoteIdent(column.sourceName);
  const bound = (setting: string) => `(SELECT current_setting('${setting}')::${BOUND_CAST[kind]})`;
  const parts: string[] = [];
  if (window.low !== null) parts.push(`${name} >= ${bound(WINDOW_SETTINGS.low)}`);
  if (window.high !== null) parts.push(`${name} <= ${bound(WINDOW_SETTINGS.high)}`);
  const range = parts.join(' AND ');
  if (!window.includeNulls) return range || null;
  return range ? `(${range}) OR ${name} IS NULL` : null;
}

/**
 * The query for a window's upper bound H, as canonical watermark text: the database clock for
 * dates and times (CURRENT_DATE and LOCALTIMESTAMP in the session's zone — the database's default,
 * the wall clock applications write with; now() in UTC for timestamptz), MAX() for integers.
 */
export function windowHighSql(model: TableModel, column: Column): string {
  switch (column.type.kind) {
    case 'date': return `SELECT to_char(CURRENT_DATE, 'YYYY-MM-DD') AS high`;
    case 'datetime': return `SELECT to_char(LOCALTIMESTAMP, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS high`;
    case 'timestamp': return `SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS high`;
    case 'int64': return `SELECT max(${quoteIdent(column.sourceName)})::text AS high FROM ${qualifiedTable(model)}`;
    default:
      throw new TerminalError(`${model.sourceName}.${column.sourceName} is ${column.type.kind}; a window needs an integer, date, datetime or timestamp column`);
  }
}

/** Separator between key columns in the chunk hash (the ASCII unit separator, absent from keys). */
const KEY_SEPARATOR = "E'\\x1f'";

/**
 * `--chunk i/n`: a row belongs to chunk `hash(primary key text) mod n`. hashtextextended is stable
 * across sessions and servers of one major version, so parallel chunk readers (separate
 * connections and snapshots) agree. The double mod keeps the bucket in 0..n-1 for negative hashes
 * (abs() would fail on the minimum bigint and give bucket 0 half the rows). Without a primary key
 * the whole row's text is hashed.
 */
export function chunkPredicate(model: TableModel, chunk: { index: number; count: number }): string {
  if (!Number.isInteger(chunk.count) || chunk.count < 1 || !Number.isInteger(chunk.index) || chunk.index < 0 || chunk.index >= chunk.count) {
    throw new TerminalError(`--chunk ${chunk.index + 1}/${chunk.count} is not a chunk — use i/n with 1 ≤ i ≤ n`);
  }
  const keys = model.primaryKeys.map((key) => quoteIdent(columnOf(model, key).sourceName));
  const text = keys.length === 0 ? `(${ROW_ALIAS}.*)::text`
    : keys.length === 1 ? `${keys[0]}::text`
      : `concat_ws(${KEY_SEPARATOR}, ${keys.map((k) => `${k}::text`).join(', ')})`;
  return `mod(mod(hashtextextended(${text}, 0), ${chunk.count}) + ${chunk.count}, ${chunk.count}) = ${chunk.index}`;
}

/** The plan's SELECT: every model column in order, cast to its wire type, window and chunk applied. */
export function selectSql(plan: ReadPlan): string {
  const { model } = plan;
  const where = [
    plan.window ? windowPredicate(model, plan.window) : null,
    plan.chunk && plan.chunk.count > 1 ? chunkPredicate(model, plan.chunk) : null,
  ].filter((p): p is string => p !== null);
  const list = model.columns.map(selectItem).join(', ');
  const filter = where.length === 0 ? '' : ` WHERE ${where.map((p) => (where.length > 1 ? `(${p})` : p)).join(' AND ')}`;
  return `SELECT ${list} FROM ${qualifiedTable(model)} AS ${ROW_ALIAS}${filter}`;
}

/** The COPY of the plan's SELECT in PostgreSQL's binary format (parsed by postgres-binary-copy.ts). */
export function copySql(plan: ReadPlan): string {
  return `COPY (${selectSql(plan)}) TO STDOUT (FORMAT binary)`;
}

/**
 * Transaction-local settings for one read, all bound values: the window bounds, text sent as
 * UTF-8 (pg does not ask for it at connect, and the session would otherwise use the database's
 * encoding: LATIN1 bytes read as UTF-8 would garble every accent), and the output formats the text
 * (cursor) path parses — UTC, ISO dates, ISO-8601 intervals, shortest exact floats.
 */
export function readSettings(window: ReadWindow | undefined): { sql: string; values: string[] } {
  const settings: [string, string][] = [
    ['client_encoding', 'UTF8'], ['TimeZone', 'UTC'], ['DateStyle', 'ISO, YMD'], ['IntervalStyle', 'iso_8601'],
    ['extra_float_digits', '3'], ['bytea_output', 'hex'],
    [WINDOW_SETTINGS.low, window?.low ?? ''], [WINDOW_SETTINGS.high, window?.high ?? ''],
  ];
  const calls = settings.map(([name], i) => `set_config('${name}', $${i + 1}, true)`);
  return { sql: `SELECT ${calls.join(', ')}`, values: settings.map(([, value]) => value) };
}

/** Opens the read's snapshot: one consistent view for the whole COPY, never writing. */
export const BEGIN_READ = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
