/**
 * The canonical type as written in config.yaml's per-column overrides
 * (`columns: { MONTO: { type: "decimal(18,2)" } }`) — the spelling formatType produces.
 */
import { TerminalError } from '../errors.js';
import type { CanonicalKind, CanonicalType } from '../model/column.js';

const SIMPLE_KINDS = [
  'boolean', 'int64', 'float32', 'float64', 'string', 'bytes',
  'date', 'datetime', 'timestamp', 'json', 'interval',
] as const satisfies readonly Exclude<CanonicalKind, 'decimal'>[];

/**
 * The widest decimal any target holds exactly (BigQuery BIGNUMERIC: 76 digits); whether a given
 * warehouse can hold a narrower one is decided at `generate schema` time (docs/types.md).
 */
export const MAX_DECIMAL_PRECISION = 76;

/** The fix half of every canonical type error. */
export const CANONICAL_TYPE_HINT = `use one of ${SIMPLE_KINDS.join(', ')} or decimal(p,s) with 1 ≤ p ≤ ${MAX_DECIMAL_PRECISION} and 0 ≤ s ≤ p`;

/**
 * Parses a canonical type text: `int64`, `string`, `decimal(18,2)`, … Case and spaces are
 * forgiven (`DECIMAL(18, 2)`); `decimal(p)` means `decimal(p,0)` as in SQL. Throws TerminalError
 * naming the accepted spellings.
 */
export function parseCanonicalType(text: string): CanonicalType {
  const normalized = text.trim().toLowerCase();
  const simple = SIMPLE_KINDS.find((kind) => kind === normalized);
  if (simple) return { kind: simple };

  const decimal = /^decimal\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$/.exec(normalized);
  if (!decimal) throw new TerminalError(`"${text}" is not a canonical type — ${CANONICAL_TYPE_HINT}`);
  const precision = Number(decimal[1]);
  const scale = Number(decimal[2] ?? '0');
  if (precision < 1 || precision > MAX_DECIMAL_PRECISION || scale > precision) {
    throw new TerminalError(`"${text}" is not a valid decimal — ${CANONICAL_TYPE_HINT}`);
  }
  return { kind: 'decimal', precision, scale };
}

/** `columns.<column>.type` parsed, or a TerminalError naming that field. */
export function parseColumnOverride(column: string, text: string): CanonicalType {
  try {
    return parseCanonicalType(text);
  } catch (error) {
    throw new TerminalError(`columns.${column}.type: ${(error as Error).message}`, { cause: error });
  }
}
