/**
 * PostgreSQL as one side of `datapipe verify` (docs/verify.md): the dialect of its canonical text,
 * and a side that reads every query in one REPEATABLE READ, READ ONLY transaction — one snapshot
 * for the profile, every bucket pass and the rows fetched at the end.
 */
import type { Column, TableModel } from '../../model/column.js';
import type { VerifyDialect } from '../../verify/verify-dialect.js';
import type { Params } from '../../verify/verify-sql.js';
import type { VerifySide } from '../../verify/verify-side.js';
import { wireOf } from './postgres-wire.js';
import { qualifiedTable, quoteIdent, readSettings, BEGIN_READ } from './postgres-sql.js';

const DOUBLE = 'double precision';

/** The PostgreSQL version (`server_version_num`) from which trim_scale() exists. */
const TRIM_SCALE_SINCE = 130000;

export const POSTGRES_VERIFY: VerifyDialect = {
  name: 'PostgreSQL',
  quote: quoteIdent,
  // Named here, numbered by the side (bindNamed): pg binds $1, $2, … only.
  param: (name) => `$${name}`,
  int64Param: (name) => `CAST($${name} AS bigint)`,
  text: (x, column) => postgresText(x, column),
  integerText: (x) => `CAST(${x} AS text)`,
  rtrim: (x, char) => `rtrim(${x}, '${char}')`,
  charLength: (x) => `char_length(${x})`,
  byteLength: (x) => `octet_length(${x})`,
  md5: (x) => `md5(${x})`,
  substr: (x, start, length) => `substr(${x}, ${start}, ${length})`,
  hexToInt: (x) => `CAST(CAST('x' || lpad(${x}, 16, '0') AS bit(64)) AS bigint)`,
  // SUM of bigint is numeric, of integer bigint: exact.
  exactSum: (x) => `SUM(${x})`,
  decimalSum: (x) => `SUM(${x})`,
  toDouble: (x) => `CAST(${x} AS ${DOUBLE})`,
  maxDouble: `CAST('1.7976931348623157e308' AS ${DOUBLE})`,
  // NaN equals NaN in PostgreSQL's float comparisons.
  isNan: (x) => `(${x} = CAST('NaN' AS ${DOUBLE}))`,
  isNegativeZero: (x) => `(CAST(${x} AS text) = '-0')`,
  log2: (x) => `(ln(${x}) / ln(CAST(2 AS ${DOUBLE})))`,
  pow2: (x) => `power(CAST(2 AS ${DOUBLE}), ${x})`,
  floor: (x) => `floor(${x})`,
  doubleIntegerText: (x) => `CAST(CAST(${x} AS bigint) AS text)`,
};

/**
 * The dialect for a server: from PostgreSQL 13, trim_scale() gives a decimal's canonical text in
 * one step (a third of the cost of trimming its text).
 */
export function postgresVerify(serverVersion: number): VerifyDialect {
  return serverVersion >= TRIM_SCALE_SINCE ? { ...POSTGRES_VERIFY, decimalText: (x) => `CAST(trim_scale(${x}) AS text)` } : POSTGRES_VERIFY;
}

/**
 * Dates and timestamps are the server's own ISO text (DateStyle ISO, set by readSettings): it
 * already drops a zero fraction's trailing zeros, and costs a third of to_char().
 */
function postgresText(x: string, column: Column): string {
  switch (column.type.kind) {
    case 'decimal': return `CAST(${x} AS text)`;
    case 'date': return `CAST(${x} AS text)`;
    case 'datetime': return `CAST(${x} AS text)`;
    case 'timestamp': return `CAST(${x} AT TIME ZONE 'UTC' AS text)`;
    case 'bytes': return `encode(${x}, 'hex')`;
    // character(n) travels uncast (its padding is its value); concat() keeps it where ::text strips it.
    default: return wireOf(column).cast === null ? `concat(${x})` : `CAST(${x} AS text)`;
  }
}

/** A column as the extractor reads it: cast to its wire type; int64 always as int8 (whole by contract). */
export function postgresColumn(column: Column): string {
  if (column.type.kind === 'int64') return `${quoteIdent(column.sourceName)}::int8`;
  const cast = wireOf(column).cast;
  return cast ? `${quoteIdent(column.sourceName)}::${cast}` : quoteIdent(column.sourceName);
}

/** `$name` placeholders numbered `$1…` in order of first use, with their values. */
export function bindNamed(sql: string, params: Params): { text: string; values: string[] } {
  const order = new Map<string, number>();
  // Quoted identifiers and literals are skipped: a column may be named "a$b0".
  const text = sql.replace(/"(?:[^"]|"")*"|'(?:[^']|'')*'|\$([a-z_][a-z0-9_]*)/g, (match, name: string | undefined) => {
    if (name === undefined || !(name in params)) return match;
    if (!order.has(name)) order.set(name, order.size + 1);
    return `$${order.get(name)}`;
  });
  return { text, values: [...order.keys()].map((name) => params[name]!) };
}

/** The minimal client a side needs: pg's PoolClient. */
export interface PostgresQueryClient {
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * Runs `work` on a side reading `model` in one REPEATABLE READ, READ ONLY transaction with the
 * output settings the canonical text relies on (UTC, ISO-8601 intervals), rolled back afterwards.
 */
export async function withPostgresSide<T>(client: PostgresQueryClient, model: TableModel, work: (side: VerifySide) => Promise<T>): Promise<T> {
  await client.query(BEGIN_READ);
  try {
    const settings = readSettings(undefined);
    await client.query(settings.sql, settings.values);
    const [version] = (await client.query("SELECT current_setting('server_version_num') AS v")).rows;
    const side: VerifySide = {
      table: { dialect: postgresVerify(Number(version?.v ?? 0)), model, from: qualifiedTable(model), column: postgresColumn },
      query: async (sql, params) => {
        const { text, values } = bindNamed(sql, params);
        return (await client.query(text, values)).rows;
      },
    };
    return await work(side);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}
