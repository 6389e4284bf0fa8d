/**
 * The SQL the Oracle source runs, as pure functions (docs/style.md §6): identifiers validated and
 * double-quoted (oracle-identifier.ts), every value a bind variable (`:name`) returned beside the
 * text. Constructs checked against Oracle's documentation:
 * - `AS OF SCN expr` after the table in FROM (flashback query, SQL Reference SELECT; the form
 *   EclipseLink's AsOfSCNClause writes: `FROM EMPLOYEE AS OF SCN (value) t0`). The table's owner
 *   needs no privilege for it; any other user needs SELECT plus the FLASHBACK object privilege on
 *   the table, or FLASHBACK ANY TABLE.
 * - `ORA_HASH(expr, max_bucket)` returns 0..max_bucket, by MOD of a 32-bit hash; expr may be of
 *   any type but LONG, LOB or a user-defined object type (SQL Reference 26, ORA_HASH), a ROWID
 *   included; "most scalar functions return null when given a null argument" (SQL Reference,
 *   "About SQL Functions"), hence NVL around a key's hash.
 * - `SYS_EXTRACT_UTC(datetime)`: the UTC of a value with an offset or region (SQL Reference 12.2).
 * - `DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER` returns the current SCN; "to use this package, a
 *   database administrator must grant EXECUTE privileges for DBMS_FLASHBACK" (PL/SQL Packages and
 *   Types Reference, DBMS_FLASHBACK, Security Model), hence the V$DATABASE alternative.
 * - `FETCH FIRST n ROWS ONLY` (row limiting clause, 12.1+; duplicate select-list names would raise
 *   ORA-00918, hence the V<i> aliases); TO_CHAR renders NUMBER infinities as `~` / `-~` (SQL
 *   Reference, Number Format Models).
 * - `TM9`, the text-minimum number format, "returns the number in fixed notation unless the output
 *   exceeds 64 characters", then in scientific notation (SQL Reference, Number Format Models) —
 *   profileSql counts any `E` as too wide for a decimal.
 * - ROWID comparisons (`>=`, `<`) in the table's ROWID order, which a ROWID range scan serves.
 */
import { TerminalError } from '../../errors.js';
import { findColumn, type Column, type TableModel } from '../../model/column.js';
import { oracleFamily } from '../../model/oracle-types.js';
import { datetimeTextToMicros, microsToDatetimeText, timestampTextToMicros } from '../../model/temporal.js';
import type { ReadPlan, ReadWindow } from '../source.js';
import { qualifiedName, quoteIdent } from './oracle-identifier.js';
import { readExpression } from './oracle-values.js';

/** SQL text with its bind values, passed as they are to `connection.execute(sql, binds)`. */
export interface BoundSql {
  sql: string;
  binds: Record<string, string | number>;
}

/** The table's alias in reads. */
const ROW_ALIAS = 't';
/** How bound datetime text is read back (the canonical watermark text, six fraction digits). */
export const BOUND_TIMESTAMP_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.FF6';
export const BOUND_DATE_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS';

/**
 * ALL_TAB_COLUMNS rows of one table in COLUMN_ID order (binds :owner, :table_name). The view
 * leaves out hidden columns (ALL_TAB_COLS shows them); the facts map onto OracleColumnFacts.
 */
export const COLUMNS_SQL = 'SELECT COLUMN_NAME, DATA_TYPE, DATA_LENGTH, DATA_PRECISION, DATA_SCALE, CHAR_LENGTH, CHAR_USED, NULLABLE'
  + ' FROM ALL_TAB_COLUMNS WHERE OWNER = :owner AND TABLE_NAME = :table_name ORDER BY COLUMN_ID';

/** The primary key's columns in key order (binds :owner, :table_name). */
export const PRIMARY_KEY_SQL = 'SELECT cc.COLUMN_NAME FROM ALL_CONSTRAINTS c'
  + ' JOIN ALL_CONS_COLUMNS cc ON cc.OWNER = c.OWNER AND cc.CONSTRAINT_NAME = c.CONSTRAINT_NAME AND cc.TABLE_NAME = c.TABLE_NAME'
  + " WHERE c.OWNER = :owner AND c.TABLE_NAME = :table_name AND c.CONSTRAINT_TYPE = 'P' ORDER BY cc.POSITION";

/** The database clock: SYSDATE and SYSTIMESTAMP (the server's wall clock applications write with) and the UTC instant. */
export const CLOCK_SQL = `SELECT TO_CHAR(SYSDATE, '${BOUND_DATE_FORMAT}') AS SYS_DATE,`
  + ` TO_CHAR(CAST(SYSTIMESTAMP AS TIMESTAMP), '${BOUND_TIMESTAMP_FORMAT}') AS SYS_TIMESTAMP,`
  + ` TO_CHAR(SYS_EXTRACT_UTC(SYSTIMESTAMP), '${BOUND_TIMESTAMP_FORMAT}') || 'Z' AS UTC_TIMESTAMP FROM DUAL`;

/** The current SCN as exact text, shared by every chunk's `AS OF SCN` (needs EXECUTE on DBMS_FLASHBACK). */
export const CURRENT_SCN_SQL = 'SELECT TO_CHAR(DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER) AS CURRENT_SCN FROM DUAL';

/** The same from V$DATABASE, for a user granted SELECT on V_$DATABASE (or SELECT_CATALOG_ROLE) instead. */
export const DATABASE_SCN_SQL = 'SELECT TO_CHAR(CURRENT_SCN) AS CURRENT_SCN FROM V$DATABASE';

/** The column a window or message names, by target or source name. */
export function columnOf(model: TableModel, name: string): Column {
  const column = findColumn(model, name);
  if (!column) throw new TerminalError(`${model.sourceName}: no column ${name} — pick one of ${model.columns.map((c) => c.sourceName).join(', ')}`);
  return column;
}

/** A window bound in SQL and its bind value (normalised canonical text) for the column's kind. */
function bound(column: Column, bind: 'low' | 'high', text: string): { sql: string; value: string } {
  const family = oracleFamily(column.sourceType);
  switch (column.type.kind) {
    case 'int64': return { sql: `TO_NUMBER(:${bind})`, value: text };
    case 'datetime':
      if (family === 'date') {
        // A DATE bound stays a DATE so an index on the column is usable; DATE holds whole seconds,
        // so dropping the fraction keeps `<= high` exact and only widens `>= low` (the merge absorbs it).
        return { sql: `TO_DATE(:${bind}, '${BOUND_DATE_FORMAT}')`, value: microsToDatetimeText(datetimeTextToMicros(text)).slice(0, 19) };
      }
      return { sql: `TO_TIMESTAMP(:${bind}, '${BOUND_TIMESTAMP_FORMAT}')`, value: microsToDatetimeText(datetimeTextToMicros(text)) };
    case 'timestamp':
      return { sql: `FROM_TZ(TO_TIMESTAMP(:${bind}, '${BOUND_TIMESTAMP_FORMAT}'), '+00:00')`, value: microsToDatetimeText(timestampTextToMicros(text)) };
    default:
      throw new TerminalError(`${column.sourceName} is ${column.type.kind}; a window needs an integer, datetime or timestamp column`);
  }
}

/** `col >= low AND col <= high` (inclusive, a null bound omitted), `OR col IS NULL` when NULLs are included. */
export function windowPredicate(model: TableModel, window: ReadWindow): { sql: string | null; binds: Record<string, string> } {
  const column = columnOf(model, window.column);
  const name = `${ROW_ALIAS}.${quoteIdent(column.sourceName)}`;
  const parts: string[] = [];
  const binds: Record<string, string> = {};
  for (const [bind, text, op] of [['low', window.low, '>='], ['high', window.high, '<=']] as const) {
    if (text === null) continue;
    const b = bound(column, bind, text);
    parts.push(`${name} ${op} ${b.sql}`);
    binds[bind] = b.value;
  }
  const range = parts.join(' AND ');
  if (!window.includeNulls) return { sql: range || null, binds };
  return { sql: range ? `(${range} OR ${name} IS NULL)` : null, binds };
}

/** Column families ORA_HASH cannot hash ("expr cannot be a LONG or LOB type", SQL Reference, ORA_HASH). */
const UNHASHABLE = new Set(['clob', 'blob', 'long', 'json', 'xml']);

/**
 * The ORA_HASH fallback of `--chunk i/n` (binds :chunk_max = n − 1, :chunk_index = i). Only ever
 * read `AS OF SCN` the run's snapshot (selectSql refuses otherwise), so every chunk hashes the
 * same rows:
 * - by default the row's address, `ORA_HASH(t.ROWID, …)`: never NULL, unique per row (even
 *   buckets whatever the key's values), and fixed for a given SCN — a physical ROWID changes
 *   only when the row moves, and a read AS OF one SCN sees every row where it was at that SCN.
 *   The ROWID is hashed as it is (no ROWIDTOCHAR: ORA_HASH takes a ROWID).
 * - by `hashKey` (source column names) when the snapshot names one: an index-organized table's
 *   primary key (its logical ROWIDs carry a physical guess that Oracle does not document as stable
 *   across sessions) or a view's keys (a view has no ROWID of its own). Key columns are joined with
 *   CHR(31), the unit separator; a NULL hash (every key column NULL) counts as bucket 0 through
 *   NVL, so such rows are read exactly once rather than by no chunk.
 */
export function hashChunkPredicate(model: TableModel, chunk: { index: number; count: number }, hashKey?: readonly string[]): BoundSql {
  if (!Number.isInteger(chunk.count) || chunk.count < 1 || !Number.isInteger(chunk.index) || chunk.index < 0 || chunk.index >= chunk.count) {
    throw new TerminalError(`--chunk ${chunk.index + 1}/${chunk.count} is not a chunk — use i/n with 1 ≤ i ≤ n`);
  }
  const binds = { chunk_max: chunk.count - 1, chunk_index: chunk.index };
  if (!hashKey || hashKey.length === 0) return { sql: `ORA_HASH(${ROW_ALIAS}.ROWID, :chunk_max) = :chunk_index`, binds };
  return { sql: `NVL(ORA_HASH(${hashKeyExpression(model, hashKey)}, :chunk_max), 0) = :chunk_index`, binds };
}

/** `t."A" || CHR(31) || t."B"`: the key columns ORA_HASH reads; a LOB, LONG, JSON or XML column is refused. */
export function hashKeyExpression(model: TableModel, hashKey: readonly string[]): string {
  return hashKey.map((name) => {
    const column = model.columns.find((c) => c.sourceName === name);
    if (column && UNHASHABLE.has(oracleFamily(column.sourceType))) {
      throw new TerminalError(`${model.sourceName}.${name} is ${column.sourceType}, which ORA_HASH cannot hash to split --chunk buckets — set primary_keys to columns of other types, or run the table without --chunk`);
    }
    return `${ROW_ALIAS}.${quoteIdent(name)}`;
  }).join(' || CHR(31) || ');
}

/** An extended ROWID as text: 18 characters of Oracle's base-64 alphabet. */
const ROWID_TEXT = /^[A-Za-z0-9+/]{18}$/;

/**
 * This chunk's slice of the ROWID space, `low <= ROWID < high`; a null bound is open, so the
 * first and last chunks reach past every extent and the chunks of a run cover every row once.
 */
export interface RowidRange {
  low: string | null;
  high: string | null;
}

/** How one read is narrowed beyond the plan: a shared snapshot SCN and how its chunk is cut. */
export interface ReadScope {
  /** `AS OF SCN` this SCN (exact decimal text). */
  scn?: string;
  /** This chunk's ROWID range (boundaries from DBA_EXTENTS, oracle-chunks.ts). */
  rowidRange?: RowidRange;
  /** Without a range: the columns whose ORA_HASH buckets the chunks (absent: the ROWID's). */
  hashKey?: readonly string[];
}

/** `t.ROWID >= CHARTOROWID(:rowid_low) AND t.ROWID < CHARTOROWID(:rowid_high)`, open bounds left out. */
function rowidPredicate(range: RowidRange): { sql: string | null; binds: Record<string, string> } {
  const parts: string[] = [];
  const binds: Record<string, string> = {};
  for (const [bind, text, op] of [['rowid_low', range.low, '>='], ['rowid_high', range.high, '<']] as const) {
    if (text === null) continue;
    if (!ROWID_TEXT.test(text)) throw new TerminalError(`${JSON.stringify(text)} is not a ROWID — start a new run (a new --run-id) so the chunk boundaries are read again`);
    parts.push(`${ROW_ALIAS}.ROWID ${op} CHARTOROWID(:${bind})`);
    binds[bind] = text;
  }
  return { sql: parts.length === 0 ? null : parts.join(' AND '), binds };
}

/**
 * The plan's SELECT: every model column's read expression in order, window applied, the chunk as
 * a ROWID range when the scope has one, else as ORA_HASH buckets when the plan is chunked. A
 * chunked read without the run's SCN is refused: buckets (and ranges) of data that changes
 * between the chunks' queries would read some rows twice and others never.
 */
export function selectSql(plan: ReadPlan, scope: ReadScope = {}): BoundSql {
  const { model } = plan;
  const where: string[] = [];
  const binds: Record<string, string | number> = {};
  if (plan.window) {
    const window = windowPredicate(model, plan.window);
    if (window.sql) where.push(window.sql);
    Object.assign(binds, window.binds);
  }
  if (scope.rowidRange) {
    const range = rowidPredicate(scope.rowidRange);
    if (range.sql) where.push(range.sql);
    Object.assign(binds, range.binds);
  } else if (plan.chunk && plan.chunk.count > 1) {
    if (scope.scn === undefined) {
      throw new TerminalError(`--chunk ${plan.chunk.index + 1}/${plan.chunk.count}: ${model.sourceName} has no snapshot SCN for its chunks to share — start a new run (a new --run-id) with --chunk on every chunk`);
    }
    const hash = hashChunkPredicate(model, plan.chunk, scope.hashKey);
    where.push(hash.sql);
    Object.assign(binds, hash.binds);
  }
  let from = qualifiedName(model.sourceSchema, model.sourceName);
  if (scope.scn !== undefined) {
    if (!/^\d+$/.test(scope.scn)) throw new TerminalError(`SCN ${JSON.stringify(scope.scn)} is not a system change number`);
    from += ' AS OF SCN TO_NUMBER(:scn)';
    binds.scn = scope.scn;
  }
  const list = model.columns.map((c) => readExpression(c, ROW_ALIAS)).join(', ');
  const filter = where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`;
  return { sql: `SELECT ${list} FROM ${from} ${ROW_ALIAS}${filter}`, binds };
}

/**
 * The window's upper bound H as canonical watermark text: the database clock for datetime /
 * timestamp columns (see CLOCK_SQL), `MAX(col)` as exact text for int64 (NULL when empty).
 */
export function windowHighSql(model: TableModel, column: Column): string {
  const family = oracleFamily(column.sourceType);
  switch (column.type.kind) {
    case 'datetime':
      return family === 'date'
        ? `SELECT TO_CHAR(SYSDATE, '${BOUND_DATE_FORMAT}') AS HIGH FROM DUAL`
        : `SELECT TO_CHAR(CAST(SYSTIMESTAMP AS TIMESTAMP), '${BOUND_TIMESTAMP_FORMAT}') AS HIGH FROM DUAL`;
    case 'timestamp': return `SELECT TO_CHAR(SYS_EXTRACT_UTC(SYSTIMESTAMP), '${BOUND_TIMESTAMP_FORMAT}') || 'Z' AS HIGH FROM DUAL`;
    case 'int64': return `SELECT TO_CHAR(MAX(${quoteIdent(column.sourceName)})) AS HIGH FROM ${qualifiedName(model.sourceSchema, model.sourceName)}`;
    default:
      throw new TerminalError(`${model.sourceName}.${column.sourceName} is ${column.type.kind}; a window needs an integer, datetime or timestamp column`);
  }
}

/** Rows whose `column` is NULL (the `null_watermark: fail` check), as NULL_ROWS. */
export function countNullsSql(model: TableModel, column: Column): string {
  return `SELECT COUNT(*) AS NULL_ROWS FROM ${qualifiedName(model.sourceSchema, model.sourceName)} WHERE ${quoteIdent(column.sourceName)} IS NULL`;
}

/**
 * Profiles NUMBER columns (NumericProfile per column, aliases P<i>_VALUES, P<i>_SPECIAL,
 * P<i>_INT_DIGITS, P<i>_SCALE, plus PROFILED_ROWS). Each value is rendered with the `TM9` text
 * minimum format (no trailing zeros, scientific only past 64 characters — then counted as 127
 * digits, too wide for any decimal) with `.` as the decimal character whatever the session's NLS;
 * Oracle's infinities render as `~`. `sampleRows` > 0 reads the first that many rows
 * (`FETCH FIRST :sample_rows ROWS ONLY`, 12c+), 0 the whole table.
 */
export function profileSql(model: TableModel, columns: readonly string[], sampleRows: number): BoundSql {
  if (columns.length === 0) throw new TerminalError(`${model.sourceName}: nothing to profile`);
  const inner = columns.map((name, i) => `TO_CHAR(ABS(${quoteIdent(name)}), 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''') AS V${i}`);
  const limit = sampleRows > 0 ? ' FETCH FIRST :sample_rows ROWS ONLY' : '';
  const outer = columns.map((_, i) => {
    const v = `V${i}`;
    const wide = `INSTR(${v}, 'E') > 0 OR INSTR(${v}, '~') > 0`;
    return [
      `COUNT(${v}) AS P${i}_VALUES`,
      `SUM(CASE WHEN INSTR(${v}, '~') > 0 THEN 1 ELSE 0 END) AS P${i}_SPECIAL`,
      `MAX(CASE WHEN ${wide} THEN 127 WHEN INSTR(${v}, '.') = 0 THEN LENGTH(${v}) ELSE INSTR(${v}, '.') - 1 END) AS P${i}_INT_DIGITS`,
      `MAX(CASE WHEN ${wide} THEN 127 WHEN INSTR(${v}, '.') = 0 THEN 0 ELSE LENGTH(${v}) - INSTR(${v}, '.') END) AS P${i}_SCALE`,
    ].join(', ');
  });
  const sql = `SELECT COUNT(*) AS PROFILED_ROWS, ${outer.join(', ')} FROM (SELECT ${inner.join(', ')} FROM ${qualifiedName(model.sourceSchema, model.sourceName)}${limit})`;
  return { sql, binds: sampleRows > 0 ? { sample_rows: sampleRows } : {} };
}
