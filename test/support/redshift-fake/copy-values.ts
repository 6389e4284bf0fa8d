/**
 * One AVRO value on its way into a Redshift column, as COPY converts it: rendered as text
 * (logical types ignored; `bytes` as their Avro JSON text, one U+0000–U+00FF character per byte;
 * records, maps and arrays as JSON), then checked by Redshift's rules where PostgreSQL's input
 * functions would differ (see copy-avro-load.ts for the documentation of each rule), and a
 * PostgreSQL conversion error mapped to the load error Redshift records.
 */
import type { Type } from 'avsc';
import { LOAD_ERROR } from './load-errors.js';

export interface TargetColumn {
  name: string;
  typname: string;
  formatted: string;
  typmod: number;
  notNull: boolean;
}

export type Issue = { error: { code: number; reason: string }; position?: number; detail?: string };

const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;
const TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INTEGER_RANGE: Record<string, [bigint, bigint]> = {
  int2: [-32768n, 32767n], int4: [-2147483648n, 2147483647n], int8: [-(2n ** 63n), 2n ** 63n - 1n],
};

/** A decoded AVRO value as the text COPY converts (null for NULL). */
export function render(value: unknown, type: Type): string | null {
  if (value === null || value === undefined) return null;
  if (type.typeName === 'union:wrapped' && typeof value === 'object') {
    const [branch, inner] = Object.entries(value as Record<string, unknown>)[0] ?? [];
    const branchType = (type as unknown as { types: Type[] }).types.find((t) => t.branchName === branch);
    return branchType ? render(inner, branchType) : null;
  }
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (typeof value === 'object') return type.toString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  // An AVRO double -0.0 keeps its sign bit; JavaScript's String(-0) would drop it ("0").
  if (typeof value === 'number' && Object.is(value, -0)) return '-0';
  return String(value);
}

/** Redshift's conversion rules where PostgreSQL's input functions would differ. */
export function checkValue(text: string | null, column: TargetColumn, truncate: boolean): { value: string | null } | { issue: Issue } {
  if (text === null) return column.notNull ? { issue: { error: LOAD_ERROR.notNull } } : { value: null };
  switch (column.typname) {
    case 'varchar':
    case 'bpchar': {
      if (text.includes('\0')) return { issue: { error: LOAD_ERROR.utf8, position: text.indexOf('\0') } };
      if (column.typname === 'bpchar' && /[\u0080-\uffff]/.test(text)) {
        return { issue: { error: { code: LOAD_ERROR.utf8.code, reason: 'Multibyte character not supported for CHAR (Hint: try using VARCHAR)' } } };
      }
      const limit = column.typmod - 4;
      if (limit > 0 && Buffer.byteLength(text, 'utf8') > limit) {
        if (!truncate) return { issue: { error: LOAD_ERROR.tooLong } };
        return { value: truncateBytes(text, limit) };
      }
      return { value: text };
    }
    case 'int2':
    case 'int4':
    case 'int8': {
      const bad = text.search(/[^0-9+-]|(?<=.)[+-]/);
      if (bad >= 0 || !/^[+-]?\d+$/.test(text)) {
        return { issue: { error: { code: LOAD_ERROR.digit.code, reason: `Invalid digit, Value '${text[Math.max(bad, 0)] ?? ''}', Pos ${Math.max(bad, 0)}, Type: Integer` }, position: Math.max(bad, 0) } };
      }
      const [min, max] = INTEGER_RANGE[column.typname]!;
      const value = BigInt(text);
      return value < min || value > max ? { issue: { error: LOAD_ERROR.integerOverflow } } : { value: text };
    }
    case 'numeric': {
      if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text)) {
        const bad = Math.max(text.search(/[^0-9.+-]/), 0);
        return { issue: { error: { code: LOAD_ERROR.digit.code, reason: `Invalid digit, Value '${text[bad] ?? ''}', Pos ${bad}, Type: Decimal` }, position: bad } };
      }
      const scale = column.typmod >= 4 ? (column.typmod - 4) & 0xffff : null;
      const dot = text.indexOf('.');
      // Truncated toward zero, as COPY does by default (ROUNDEC rounds instead).
      if (scale !== null && dot >= 0 && text.length - dot - 1 > scale) return { value: text.slice(0, scale === 0 ? dot : dot + 1 + scale) };
      return { value: text };
    }
    case 'timestamp':
      return TIMESTAMP.test(text) ? { value: text } : { issue: { error: LOAD_ERROR.timestamp } };
    case 'timestamptz':
      return TIMESTAMPTZ.test(text) ? { value: text } : { issue: { error: LOAD_ERROR.timestamp } };
    case 'date':
      return DATE.test(text) ? { value: text } : { issue: { error: LOAD_ERROR.date } };
    default:
      return { value: text };
  }
}

function truncateBytes(text: string, limit: number): string {
  let out = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > limit) break;
    out += char;
    bytes += size;
  }
  return out;
}

/** A PostgreSQL conversion error as the load error Redshift records for that type. */
export function issueFromPostgres(error: unknown, column: TargetColumn): Issue {
  const code = (error as { code?: string }).code;
  if (code === '22003') return { error: column.typname.startsWith('int') ? LOAD_ERROR.integerOverflow : LOAD_ERROR.outOfRange };
  if (code === '22001') return { error: LOAD_ERROR.tooLong };
  if (code === '23502') return { error: LOAD_ERROR.notNull };
  if (code === '22021') return { error: LOAD_ERROR.utf8 };
  const byType: Record<string, Issue['error']> = {
    float4: LOAD_ERROR.float, float8: LOAD_ERROR.float, bool: LOAD_ERROR.boolean, numeric: LOAD_ERROR.decimal,
    date: LOAD_ERROR.date, timestamp: LOAD_ERROR.timestamp, timestamptz: LOAD_ERROR.timestamp,
  };
  return { error: byType[column.typname] ?? { code: 1200, reason: `Unknown parse error. ${(error as Error).message}` } };
}

