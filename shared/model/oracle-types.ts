/**
 * Oracle → canonical type decisions (docs/types.md, "Oracle → canonical"). Pure functions over recorded
 * ALL_TAB_COLUMNS facts, so every decision is unit-tested without a database; the source gathers
 * the facts and, for a NUMBER whose declaration does not bound it, a data profile.
 *
 * ALL_TAB_COLUMNS semantics (Oracle Reference, ALL_TAB_COLUMNS / DBA_TAB_COLS):
 * DATA_PRECISION is decimal precision for NUMBER and *binary* precision for FLOAT, NULL otherwise;
 * `NUMBER` → NULL/NULL, `INTEGER` (NUMBER(*,0)) → NULL/0, `NUMBER(9)` → 9/0, `NUMBER(*,2)` → NULL/2.
 * DATA_TYPE embeds fractional precision: `TIMESTAMP(6) WITH LOCAL TIME ZONE`.
 */
import { parseColumnOverride } from '../config/canonical-type-text.js';
import { TerminalError } from '../errors.js';
import { formatType, type CanonicalKind, type CanonicalType } from './column.js';
import { MAX_DECIMAL_PRECISION, PROFILE_HEADROOM_DIGITS, type NumericProfile, type TypeDecision } from './postgres-types.js';

export type { NumericProfile, TypeDecision };

/** One ALL_TAB_COLUMNS row's type facts. */
export interface OracleColumnFacts {
  /** DATA_TYPE: `NUMBER`, `VARCHAR2`, `TIMESTAMP(6) WITH TIME ZONE`, `INTERVAL DAY(2) TO SECOND(6)`. */
  dataType: string;
  /** DATA_LENGTH in bytes. */
  dataLength: number;
  /** DATA_PRECISION (NULL → null). */
  precision: number | null;
  /** DATA_SCALE (NULL → null). */
  scale: number | null;
  /** CHAR_LENGTH in characters (0 for non-character types). */
  charLength: number;
  /** CHAR_USED: `B` byte or `C` char semantics, null for non-character types. */
  charUsed: 'B' | 'C' | null;
}

/** How the reader treats a column, derived from its source type text alone (also from a committed .avsc). */
export type OracleFamily =
  | 'number' | 'float' | 'binary_float' | 'binary_double' | 'char' | 'clob' | 'long'
  | 'raw' | 'blob' | 'date' | 'timestamp' | 'timestamp_tz' | 'timestamp_ltz'
  | 'interval_ym' | 'interval_ds' | 'rowid' | 'json' | 'xml' | 'boolean' | 'unsupported';

/** Oracle's precision of a NUMBER declared with `*` (and of INTEGER). */
export const NUMBER_STAR_PRECISION = 38;

/** Decision text of a NUMBER described without profiling (the extractor's drift check). */
export const UNPROFILED_NUMBER = 'unconstrained NUMBER, not profiled: read as exact text (generate schema profiles it into a decimal)';

const PLAIN: Partial<Record<OracleFamily, CanonicalKind>> = {
  binary_float: 'float32', binary_double: 'float64', char: 'string', clob: 'string', long: 'string',
  raw: 'bytes', blob: 'bytes', date: 'datetime', timestamp: 'datetime', timestamp_tz: 'timestamp',
  timestamp_ltz: 'timestamp', interval_ym: 'interval', interval_ds: 'interval', rowid: 'string',
  json: 'json', xml: 'string', boolean: 'boolean',
};

/** The family of a DATA_TYPE or source type text; `WITH LOCAL TIME ZONE` is tested before `WITH TIME ZONE`. */
export function oracleFamily(dataType: string): OracleFamily {
  const t = dataType.trim().toUpperCase();
  if (/^TIMESTAMP(\(\d\))? WITH LOCAL TIME ZONE$/.test(t)) return 'timestamp_ltz';
  if (/^TIMESTAMP(\(\d\))? WITH TIME ZONE$/.test(t)) return 'timestamp_tz';
  if (/^TIMESTAMP(\(\d\))?$/.test(t)) return 'timestamp';
  if (/^INTERVAL YEAR(\(\d\))? TO MONTH$/.test(t)) return 'interval_ym';
  if (/^INTERVAL DAY(\(\d\))? TO SECOND(\(\d\))?$/.test(t)) return 'interval_ds';
  const base = t.replace(/\(.*\)$/, '');
  switch (base) {
    case 'NUMBER': case 'INTEGER': return 'number';
    case 'FLOAT': return 'float';
    case 'BINARY_FLOAT': return 'binary_float';
    case 'BINARY_DOUBLE': return 'binary_double';
    case 'VARCHAR2': case 'NVARCHAR2': case 'CHAR': case 'NCHAR': case 'VARCHAR': return 'char';
    case 'CLOB': case 'NCLOB': return 'clob';
    case 'LONG': return 'long';
    case 'RAW': case 'LONG RAW': return 'raw';
    case 'BLOB': return 'blob';
    case 'DATE': return 'date';
    case 'ROWID': case 'UROWID': return 'rowid';
    case 'JSON': return 'json';
    case 'XMLTYPE': return 'xml';
    case 'BOOLEAN': return 'boolean';
    default: return 'unsupported';
  }
}

/**
 * The type as Oracle shows it, deterministic: `NUMBER`, `NUMBER(9)`, `NUMBER(18,2)`, `NUMBER(*,0)`,
 * `FLOAT(126)`, `VARCHAR2(200 CHAR)`, `VARCHAR2(200)` (byte semantics), `NVARCHAR2(50)`, `RAW(16)`;
 * every other DATA_TYPE as the dictionary spells it.
 */
export function oracleSourceType(facts: OracleColumnFacts): string {
  const t = facts.dataType.trim().toUpperCase();
  const { precision, scale } = facts;
  switch (t) {
    case 'NUMBER':
      if (precision === null && scale === null) return 'NUMBER';
      if (precision === null) return `NUMBER(*,${scale ?? 0})`;
      return scale === null || scale === 0 ? `NUMBER(${precision})` : `NUMBER(${precision},${scale})`;
    case 'FLOAT': return `FLOAT(${precision ?? 126})`;
    case 'VARCHAR2': case 'CHAR': case 'VARCHAR':
      return facts.charUsed === 'C' ? `${t}(${facts.charLength} CHAR)` : `${t}(${facts.dataLength})`;
    case 'NVARCHAR2': case 'NCHAR': return `${t}(${facts.charLength})`;
    case 'RAW': return `RAW(${facts.dataLength})`;
    default: return t;
  }
}

/** Digits and scale a NUMBER's declaration bounds its values to, or null when it does not. */
function declaredDecimal(facts: OracleColumnFacts): { digits: number; scale: number } | null {
  if (facts.scale === null) return null; // plain NUMBER
  const precision = facts.precision ?? NUMBER_STAR_PRECISION;
  // NUMBER(5,-2) holds 9999900 (integers of 7 digits); NUMBER(2,5) holds 0.00099 (5 fraction digits).
  const digits = facts.scale < 0 ? precision - facts.scale : Math.max(precision, facts.scale);
  return { digits, scale: Math.max(facts.scale, 0) };
}

/**
 * True when generate schema should profile the column: a plain NUMBER, a NUMBER(*,s) (a narrower
 * decimal than 38 digits is usually possible), or a declaration wider than decimal(38).
 */
export function needsProfile(facts: OracleColumnFacts): boolean {
  if (oracleFamily(facts.dataType) !== 'number') return false;
  const declared = declaredDecimal(facts);
  return declared === null || facts.precision === null || declared.digits > MAX_DECIMAL_PRECISION;
}

/** The canonical type of an Oracle column; `profile` is the data profile when needsProfile says so. */
export function mapOracleType(facts: OracleColumnFacts, profile?: NumericProfile): TypeDecision {
  const family = oracleFamily(facts.dataType);
  const shown = oracleSourceType(facts);
  if (family === 'number') return numberDecision(facts, shown, profile);
  if (family === 'float') {
    return { type: { kind: 'float64' }, decision: `${shown} is a decimal NUMBER with binary precision ${facts.precision ?? 126}: read as float64, and a value a double cannot hold exactly fails the run (override as string or decimal to keep every digit)` };
  }
  if (family === 'timestamp') {
    const fraction = Number(/\((\d)\)/.exec(shown)?.[1] ?? '6');
    if (fraction > 6) {
      return { type: { kind: 'datetime' }, decision: `${shown} keeps ${fraction} fraction digits; AVRO keeps microseconds, so digits past the sixth are truncated (override as string to keep them)` };
    }
  }
  if (family === 'timestamp_tz' || family === 'timestamp_ltz') {
    return { type: { kind: 'timestamp' }, decision: `${shown} is read as its UTC instant (SYS_EXTRACT_UTC); the original zone is not kept, and digits past the sixth fraction digit are truncated` };
  }
  const kind = PLAIN[family];
  if (kind) return { type: { kind } as CanonicalType };
  throw new TerminalError(`${shown} has no canonical type — extract a view that converts the column (TO_CHAR, a CAST) instead of the table, or ask for the type to be supported`);
}

function numberDecision(facts: OracleColumnFacts, shown: string, profile: NumericProfile | undefined): TypeDecision {
  const declared = declaredDecimal(facts);
  if (profile && needsProfile(facts)) return numberFromProfile(profile, shown);
  if (declared === null) return { type: { kind: 'string' }, decision: UNPROFILED_NUMBER };
  if (declared.digits > MAX_DECIMAL_PRECISION) {
    return { type: { kind: 'string' }, decision: `${shown} is wider than decimal(${MAX_DECIMAL_PRECISION}), not profiled: read as exact text` };
  }
  if (declared.scale === 0 && declared.digits <= 18) {
    const type: CanonicalType = { kind: 'int64' };
    return facts.scale === 0 && facts.precision !== null ? { type } : { type, decision: `${shown} holds only integers of at most ${declared.digits} digits: int64` };
  }
  const type: CanonicalType = { kind: 'decimal', precision: declared.digits, scale: declared.scale };
  if (facts.precision === declared.digits && facts.scale === declared.scale) return { type };
  return { type, decision: `${shown} holds exactly the values of ${formatType(type)}` };
}

/**
 * The decimal chosen from a profile (`shown` names the source type in the reason): scale = the
 * largest present; precision = integer digits + PROFILE_HEADROOM_DIGITS + scale, capped at 38.
 * Oracle's ±infinity, more than 38 digits, or no values at all → exact text.
 */
export function numberFromProfile(profile: NumericProfile, shown = 'NUMBER'): TypeDecision {
  const seen = `${profile.values} values in ${profile.rows} rows profiled`;
  if (profile.special > 0) {
    return { type: { kind: 'string' }, decision: `${shown} holds ±infinity (${profile.special} of ${seen}): read as exact text` };
  }
  if (profile.values === 0) {
    return { type: { kind: 'string' }, decision: `${shown} with no values to profile (${seen}): read as exact text; override columns.<name>.type to choose a decimal` };
  }
  const needed = profile.maxIntegerDigits + profile.maxScale;
  if (needed > MAX_DECIMAL_PRECISION) {
    return { type: { kind: 'string' }, decision: `${shown} needs ${needed} digits (${profile.maxIntegerDigits} integer + ${profile.maxScale} scale; ${seen}), more than decimal(38): read as exact text` };
  }
  const precision = Math.max(1, Math.min(MAX_DECIMAL_PRECISION, needed + PROFILE_HEADROOM_DIGITS));
  const type: CanonicalType = { kind: 'decimal', precision, scale: profile.maxScale };
  return {
    type,
    decision: `${shown} profiled (${seen}): at most ${profile.maxIntegerDigits} integer digits and scale ${profile.maxScale}, so ${formatType(type)} (${precision - needed} digits of headroom)`,
  };
}

/**
 * Overrides that cannot lose data, by source family: a NUMBER (or FLOAT, itself a decimal NUMBER)
 * may become int64, any decimal or its exact text, each value checked on read; TIMESTAMP(n) may
 * become its full-precision text; JSON and INTERVAL their text; BINARY_FLOAT widens to float64.
 */
const OVERRIDES: Partial<Record<OracleFamily, readonly CanonicalKind[]>> = {
  number: ['int64', 'decimal', 'string'],
  float: ['float64', 'decimal', 'string'],
  binary_float: ['float32', 'float64'],
  timestamp: ['datetime', 'string'],
  json: ['json', 'string'],
  interval_ym: ['interval', 'string'],
  interval_ds: ['interval', 'string'],
};

/** Applies a config override (`columns.MONTO.type: "decimal(18,2)"`) when OVERRIDES allows it, else TerminalError. */
export function applyOverride(column: string, facts: OracleColumnFacts, mapped: TypeDecision, overrideText: string): TypeDecision {
  const type = parseColumnOverride(column, overrideText);
  const shown = oracleSourceType(facts);
  const allowed = OVERRIDES[oracleFamily(facts.dataType)] ?? [mapped.type.kind];
  if (type.kind === 'decimal' && type.precision > MAX_DECIMAL_PRECISION) {
    throw new TerminalError(`columns.${column}.type: ${overrideText} is wider than decimal(${MAX_DECIMAL_PRECISION}) — use at most decimal(${MAX_DECIMAL_PRECISION},s) or string`);
  }
  if (!allowed.includes(type.kind)) {
    throw new TerminalError(`columns.${column}.type: ${shown} cannot be read as ${overrideText} without losing data — use one of ${allowed.join(', ')}`);
  }
  return { type, decision: `config override columns.${column}.type = ${formatType(type)} (source ${shown}, default ${formatType(mapped.type)})` };
}
