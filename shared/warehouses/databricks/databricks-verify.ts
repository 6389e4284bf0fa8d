/**
 * Databricks SQL's spellings of the canonical text `datapipe verify` hashes (docs/verify.md;
 * https://learn.microsoft.com/azure/databricks/sql/language-manual/sql-ref-functions-builtin).
 * A TIMESTAMP is rendered from its epoch microseconds as a TIMESTAMP_NTZ, so the session's time
 * zone never enters; sums are DECIMAL(38,0), since SUM of BIGINT would overflow.
 */
import type { Column } from '../../model/column.js';
import { trimFraction } from '../../verify/canonical-sql.js';
import type { VerifyDialect } from '../../verify/verify-dialect.js';
import { quoteIdentifier } from './databricks-names.js';

const TIME = 'yyyy-MM-dd HH:mm:ss.SSSSSS';

export const DATABRICKS_VERIFY: VerifyDialect = {
  name: 'Databricks',
  quote: quoteIdentifier,
  param: (name) => `:${name}`,
  int64Param: (name) => `CAST(:${name} AS BIGINT)`,
  text: (x, column) => databricksText(x, column),
  integerText: (x) => `CAST(${x} AS STRING)`,
  rtrim: (x, char) => `TRIM(TRAILING '${char}' FROM ${x})`,
  charLength: (x) => `char_length(${x})`,
  byteLength: (x) => `octet_length(${x})`,
  md5: (x) => `md5(${x})`,
  substr: (x, start, length) => `substr(${x}, ${start}, ${length})`,
  hexToInt: (x) => `CAST(conv(${x}, 16, 10) AS BIGINT)`,
  exactSum: (x) => `SUM(CAST(${x} AS DECIMAL(38,0)))`,
  decimalSum: (x) => `SUM(${x})`,
  toDouble: (x) => `CAST(${x} AS DOUBLE)`,
  maxDouble: `CAST('1.7976931348623157e308' AS DOUBLE)`,
  isNan: (x) => `isnan(${x})`,
  isNegativeZero: (x) => `(CAST(${x} AS STRING) = '-0.0')`,
  log2: (x) => `log2(${x})`,
  pow2: (x) => `pow(CAST(2 AS DOUBLE), ${x})`,
  floor: (x) => `CAST(floor(${x}) AS DOUBLE)`,
  doubleIntegerText: (x) => `CAST(CAST(${x} AS BIGINT) AS STRING)`,
};

function databricksText(x: string, column: Column): string {
  switch (column.type.kind) {
    case 'decimal': return `CAST(${x} AS STRING)`;
    case 'date': return `date_format(${x}, 'yyyy-MM-dd')`;
    case 'datetime': return trimFraction(DATABRICKS_VERIFY, `date_format(${x}, '${TIME}')`);
    case 'timestamp': return trimFraction(DATABRICKS_VERIFY, `date_format(timestampadd(MICROSECOND, unix_micros(${x}), TIMESTAMP_NTZ'1970-01-01 00:00:00'), '${TIME}')`);
    case 'bytes': return `lower(hex(${x}))`;
    default: return x;
  }
}
