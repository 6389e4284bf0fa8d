/**
 * DuckDB's spellings of the canonical text `datapipe verify` hashes (docs/verify.md;
 * https://duckdb.org/docs/stable/sql/functions/overview). SUM of BIGINT is a HUGEINT, exact.
 */
import type { Column } from '../../model/column.js';
import { trimFraction } from '../../verify/canonical-sql.js';
import type { VerifyDialect } from '../../verify/verify-dialect.js';
import { quoteIdentifier } from './duckdb-dialect.js';

const TIME = '%Y-%m-%d %H:%M:%S.%f';

export const DUCKDB_VERIFY: VerifyDialect = {
  name: 'DuckDB',
  quote: quoteIdentifier,
  param: (name) => `$${name}`,
  int64Param: (name) => `CAST($${name} AS BIGINT)`,
  text: (x, column) => duckDbText(x, column),
  integerText: (x) => `CAST(${x} AS VARCHAR)`,
  // One variadic call, not a chain of ||: DuckDB evaluates each || into a new string vector, so a
  // 200-column row built 400 growing copies per chunk — gigabytes outside memory_limit.
  concat: (parts) => `concat(${parts.join(', ')})`,
  rtrim: (x, char) => `rtrim(${x}, '${char}')`,
  charLength: (x) => `length(${x})`,
  byteLength: (x) => `octet_length(${x})`,
  md5: (x) => `md5(${x})`,
  substr: (x, start, length) => `substr(${x}, ${start}, ${length})`,
  hexToInt: (x) => `CAST('0x' || ${x} AS BIGINT)`,
  exactSum: (x) => `SUM(${x})`,
  decimalSum: (x) => `SUM(${x})`,
  toDouble: (x) => `CAST(${x} AS DOUBLE)`,
  maxDouble: `CAST('1.7976931348623157e308' AS DOUBLE)`,
  isNan: (x) => `isnan(${x})`,
  isNegativeZero: (x) => `signbit(${x})`,
  log2: (x) => `log2(${x})`,
  pow2: (x) => `pow(CAST(2 AS DOUBLE), ${x})`,
  floor: (x) => `floor(${x})`,
  doubleIntegerText: (x) => `CAST(CAST(${x} AS BIGINT) AS VARCHAR)`,
};

function duckDbText(x: string, column: Column): string {
  switch (column.type.kind) {
    case 'decimal': return `CAST(${x} AS VARCHAR)`;
    case 'date': return `strftime(${x}, '%Y-%m-%d')`;
    case 'datetime': return trimFraction(DUCKDB_VERIFY, `strftime(${x}, '${TIME}')`);
    case 'timestamp': return trimFraction(DUCKDB_VERIFY, `strftime(${x} AT TIME ZONE 'UTC', '${TIME}')`);
    case 'bytes': return `lower(hex(${x}))`;
    default: return x;
  }
}
