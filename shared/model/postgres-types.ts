/**
 * PostgreSQL → canonical type decisions (docs/types.md, "PostgreSQL → canonical"). Pure functions over
 * catalog facts, so every decision is unit-tested without a database; the source only gathers the
 * facts (sources/postgres/postgres-catalog.ts) and, for unconstrained numeric, a data profile.
 */
import { parseColumnOverride } from '../config/canonical-type-text.js';
import { TerminalError } from '../errors.js';
import { formatType, type CanonicalKind, type CanonicalType } from './column.js';

/** What the catalog says about one column's type (domains already resolved to their base type). */
export interface PostgresTypeFacts {
  /** `format_type()` of the declared type: `numeric(18,2)`, `timestamp without time zone`, `text[]`. */
  formatted: string;
  /** `pg_type.typname` of the base type: `int4`, `numeric`, `_text`, `mood`. */
  typeName: string;
  /** `pg_type.typcategory` of the base type (`A` array, `E` enum, …). */
  category: string;
  /** numeric precision and scale from the type modifier; null for an unconstrained numeric. */
  precision: number | null;
  scale: number | null;
}

/** A canonical type and, when it was not a plain mapping, why it was chosen (written into the .avsc). */
export interface TypeDecision {
  type: CanonicalType;
  decision?: string;
}

/** What profiling an unconstrained numeric column found (postgres-catalog.ts `profileNumerics`). */
export interface NumericProfile {
  /** Rows profiled (the sample size actually read). */
  rows: number;
  /** Non-null values among them. */
  values: number;
  /** NaN / ±Infinity values, which no decimal can hold. */
  special: number;
  /** Most digits left of the decimal point in any value (0 for |x| < 1). */
  maxIntegerDigits: number;
  /** Most digits right of the decimal point any value needs (trailing zeros ignored). */
  maxScale: number;
}

/** The widest decimal every target (AVRO, BigQuery BIGNUMERIC, Redshift, Databricks, DuckDB) holds. */
export const MAX_DECIMAL_PRECISION = 38;

/**
 * Integer digits added above the largest value profiled: room for 10,000× growth before a value
 * stops fitting (which then fails the run loudly, exit 3, rather than rounding).
 */
export const PROFILE_HEADROOM_DIGITS = 4;

/**
 * Decision text of an unconstrained numeric described without profiling. The extractor's drift
 * check describes with `profile: false` and compares source types only; the committed .avsc keeps
 * the profiled decimal. `generate schema` always profiles.
 */
export const UNPROFILED_NUMERIC = 'unconstrained numeric, not profiled: read as text (generate schema profiles it into a decimal)';

const PLAIN: Record<string, CanonicalKind> = {
  int2: 'int64', int4: 'int64', int8: 'int64',
  float4: 'float32', float8: 'float64',
  text: 'string', varchar: 'string', bpchar: 'string', name: 'string', citext: 'string', uuid: 'string',
  bytea: 'bytes', date: 'date', timestamp: 'datetime', timestamptz: 'timestamp', bool: 'boolean',
  json: 'json', jsonb: 'json', interval: 'interval',
};

/** True when the column is an unconstrained `numeric` whose decimal must come from its data. */
export function needsProfile(facts: PostgresTypeFacts): boolean {
  return facts.typeName === 'numeric' && facts.precision === null;
}

/**
 * The canonical type of a PostgreSQL column. `profile` is the data profile of an unconstrained
 * numeric; without one such a column is read as text (UNPROFILED_NUMERIC).
 */
export function mapPostgresType(facts: PostgresTypeFacts, profile?: NumericProfile): TypeDecision {
  if (facts.typeName === 'numeric') return numericDecision(facts, profile);
  const kind = PLAIN[facts.typeName];
  if (kind) return { type: { kind } as CanonicalType };
  if (facts.typeName === 'money') {
    return { type: { kind: 'string' }, decision: 'money is read as its locale-formatted text; override as decimal(19,2) to read money::numeric' };
  }
  const what = facts.category === 'A' ? 'an array' : facts.category === 'E' ? 'an enum' : 'a type without a canonical equivalent';
  return { type: { kind: 'string' }, decision: `${facts.formatted} is ${what}: read as its PostgreSQL text (::text)` };
}

function numericDecision(facts: PostgresTypeFacts, profile: NumericProfile | undefined): TypeDecision {
  const { precision, scale } = facts;
  if (precision === null || scale === null) {
    return profile ? decimalFromProfile(profile) : { type: { kind: 'string' }, decision: UNPROFILED_NUMERIC };
  }
  // PostgreSQL 15 allows scale < 0 (numeric(5,-2) holds 9999900) and scale > precision
  // (numeric(2,5) holds 0.00099): both are exact as a decimal with the digits they really span.
  const digits = scale < 0 ? precision - scale : Math.max(precision, scale);
  const effectiveScale = Math.max(scale, 0);
  if (digits > MAX_DECIMAL_PRECISION) {
    return { type: { kind: 'string' }, decision: `${facts.formatted} is wider than decimal(${MAX_DECIMAL_PRECISION}): read as exact text` };
  }
  const type: CanonicalType = { kind: 'decimal', precision: digits, scale: effectiveScale };
  if (digits === precision && effectiveScale === scale) return { type };
  return { type, decision: `${facts.formatted} holds exactly the values of ${formatType(type)}` };
}

/**
 * The decimal chosen from a profile: scale = the largest scale present; precision = largest
 * integer digits + PROFILE_HEADROOM_DIGITS + scale, capped at 38 (the headroom shrinks first).
 * NaN/Infinity, more than 38 significant digits, or no values at all → exact text.
 */
export function decimalFromProfile(profile: NumericProfile): TypeDecision {
  const seen = `${profile.values} values in ${profile.rows} rows profiled`;
  if (profile.special > 0) {
    return { type: { kind: 'string' }, decision: `unconstrained numeric holds NaN/Infinity (${profile.special} of ${seen}): read as exact text` };
  }
  if (profile.values === 0) {
    return { type: { kind: 'string' }, decision: `unconstrained numeric with no values to profile (${seen}): read as exact text; override columns.<name>.type to choose a decimal` };
  }
  const needed = profile.maxIntegerDigits + profile.maxScale;
  if (needed > MAX_DECIMAL_PRECISION) {
    return { type: { kind: 'string' }, decision: `unconstrained numeric needs ${needed} digits (${profile.maxIntegerDigits} integer + ${profile.maxScale} scale; ${seen}), more than decimal(38): read as exact text` };
  }
  const precision = Math.max(1, Math.min(MAX_DECIMAL_PRECISION, needed + PROFILE_HEADROOM_DIGITS));
  const type: CanonicalType = { kind: 'decimal', precision, scale: profile.maxScale };
  return {
    type,
    decision: `unconstrained numeric profiled (${seen}): at most ${profile.maxIntegerDigits} integer digits and scale ${profile.maxScale}, so ${formatType(type)} (${precision - needed} digits of headroom)`,
  };
}

/**
 * Which canonical kinds a column may be overridden to, by its mapped kind. Every allowed pair is
 * read without silent loss: text casts are exact, and decimal/int64 reads are checked per value.
 * float64 from a decimal is the one lossy choice, allowed because the user asks for it explicitly.
 */
const OVERRIDES: Partial<Record<CanonicalKind, readonly CanonicalKind[]>> = {
  int64: ['decimal', 'float64'],
  decimal: ['int64', 'decimal', 'float64'],
  float32: ['float64'],
  json: ['string'],
  interval: ['string'],
};

/**
 * Applies a config override (`columns.MONTO.type: "decimal(18,2)"`) to a mapped type. Any column
 * may become `string` (read through ::text); other changes must appear in OVERRIDES. An
 * unconstrained numeric counts as `decimal` whatever its profile said, and money (read as text by
 * default) as `decimal` too: money::numeric is exact.
 */
export function applyOverride(column: string, facts: PostgresTypeFacts, mapped: TypeDecision, overrideText: string): TypeDecision {
  const type = parseColumnOverride(column, overrideText);
  const from: CanonicalKind = facts.typeName === 'numeric' || facts.typeName === 'money' ? 'decimal' : mapped.type.kind;
  const allowed = type.kind === 'string' || type.kind === from || (OVERRIDES[from] ?? []).includes(type.kind);
  if (!allowed) {
    const choices = ['string', from, ...(OVERRIDES[from] ?? [])].filter((k, i, all) => all.indexOf(k) === i);
    throw new TerminalError(`columns.${column}.type: ${facts.formatted} cannot be read as ${overrideText} — use one of ${choices.join(', ')}`);
  }
  return { type, decision: `config override columns.${column}.type = ${formatType(type)} (source ${facts.formatted}, default ${formatType(mapped.type)})` };
}
