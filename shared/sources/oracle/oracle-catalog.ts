/**
 * Catalog rows → the canonical TableModel, without a connection: the rows of COLUMNS_SQL and
 * PRIMARY_KEY_SQL (oracle-sql.ts) as the driver returns them, profiles from profileSql, and the
 * config's overrides. NUMBER dictionary columns may arrive as strings (the source's
 * fetchTypeHandler fetches every NUMBER as text), so numbers are read from either form.
 */
import { TerminalError } from '../../errors.js';
import { targetName, type Column, type TableModel } from '../../model/column.js';
import {
  applyOverride, mapOracleType, needsProfile, oracleSourceType, type NumericProfile, type OracleColumnFacts, type TypeDecision,
} from '../../model/oracle-types.js';
import type { DescribeOptions } from '../source.js';

/** One COLUMNS_SQL row (outFormat OBJECT). */
export interface AllTabColumnsRow {
  COLUMN_NAME: string;
  DATA_TYPE: string;
  DATA_LENGTH: number | string;
  DATA_PRECISION: number | string | null;
  DATA_SCALE: number | string | null;
  CHAR_LENGTH: number | string;
  CHAR_USED: string | null;
  NULLABLE: string;
}

function count(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}

/** The type facts of one ALL_TAB_COLUMNS row. */
export function factsOf(row: AllTabColumnsRow): OracleColumnFacts {
  return {
    dataType: row.DATA_TYPE,
    dataLength: count(row.DATA_LENGTH) ?? 0,
    precision: count(row.DATA_PRECISION),
    scale: count(row.DATA_SCALE),
    charLength: count(row.CHAR_LENGTH) ?? 0,
    charUsed: row.CHAR_USED === 'B' || row.CHAR_USED === 'C' ? row.CHAR_USED : null,
  };
}

/** Column source names generate schema must profile (in COLUMN_ID order). */
export function columnsToProfile(rows: readonly AllTabColumnsRow[]): string[] {
  return rows.filter((row) => needsProfile(factsOf(row))).map((row) => row.COLUMN_NAME);
}

/** The NumericProfile of the i-th profiled column from profileSql's one result row. */
export function profileOf(result: Record<string, unknown>, index: number): NumericProfile {
  const read = (name: string) => Number(result[name] ?? 0);
  return {
    rows: read('PROFILED_ROWS'),
    values: read(`P${index}_VALUES`),
    special: read(`P${index}_SPECIAL`),
    maxIntegerDigits: read(`P${index}_INT_DIGITS`),
    maxScale: read(`P${index}_SCALE`),
  };
}

/**
 * The table's model: columns in COLUMN_ID order with their decisions (profiles by source name when
 * profiled; overrides by any-case column name), and the primary key as target names.
 */
export function tableModelFromCatalog(
  owner: string,
  table: string,
  rows: readonly AllTabColumnsRow[],
  primaryKeyColumns: readonly string[],
  options: Pick<DescribeOptions, 'overrides'> & { profiles?: Record<string, NumericProfile> } = {},
): TableModel {
  if (rows.length === 0) {
    throw new TerminalError(`table ${owner}.${table} not found (or not visible to the user) — check the table name and source.schema, and that SELECT is granted`);
  }
  const overrides = new Map(Object.entries(options.overrides ?? {}).map(([name, override]) => [name.toLowerCase(), { name, override }]));
  const seen = new Map<string, string>();
  const columns = rows.map((row): Column => {
    const facts = factsOf(row);
    let decision: TypeDecision;
    try {
      decision = mapOracleType(facts, options.profiles?.[row.COLUMN_NAME]);
    } catch (error) {
      if (!(error instanceof TerminalError)) throw error;
      throw new TerminalError(`${owner}.${table}.${row.COLUMN_NAME}: ${error.message}`, { cause: error });
    }
    const override = overrides.get(row.COLUMN_NAME.toLowerCase());
    if (override) {
      decision = applyOverride(override.name, facts, decision, override.override.type);
      overrides.delete(row.COLUMN_NAME.toLowerCase());
    }
    const name = targetName(row.COLUMN_NAME);
    const clash = seen.get(name);
    if (clash) throw new TerminalError(`${owner}.${table}: columns ${clash} and ${row.COLUMN_NAME} both map to ${name} — rename one in the source, or extract a view that renames it`);
    seen.set(name, row.COLUMN_NAME);
    const column: Column = { name, sourceName: row.COLUMN_NAME, sourceType: oracleSourceType(facts), type: decision.type, nullable: row.NULLABLE !== 'N' };
    if (decision.decision) column.decision = decision.decision;
    return column;
  });
  const unknown = [...overrides.values()].map((o) => o.name);
  if (unknown.length > 0) {
    throw new TerminalError(`columns.${unknown.join(', columns.')}: no such column in ${owner}.${table} — pick from ${rows.map((r) => r.COLUMN_NAME).join(', ')}`);
  }
  return { sourceSchema: owner, sourceName: table, name: targetName(table), columns, primaryKeys: primaryKeyColumns.map(targetName) };
}
