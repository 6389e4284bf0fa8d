/**
 * GoogleSQL's spellings of the canonical text `datapipe verify` hashes (docs/verify.md):
 * `%E4Y` keeps year 1 four digits wide and `%E6S` gives seconds with six fractional digits
 * (https://cloud.google.com/bigquery/docs/reference/standard-sql/format-elements#format_elements_date_time);
 * MD5 returns BYTES, shown with TO_HEX; a `0x` string casts to INT64
 * (https://cloud.google.com/bigquery/docs/reference/standard-sql/conversion_functions#cast_hex_string_to_int64);
 * sums are BIGNUMERIC, since SUM of INT64 raises an error on overflow; IEEE_DIVIDE(1, -0.0) is -inf.
 */
import type { Column } from '../../model/column.js';
import { trimFraction } from '../../verify/canonical-sql.js';
import type { VerifyDialect } from '../../verify/verify-dialect.js';
import { quoteIdentifier } from './bigquery-names.js';

const TIME = '%E4Y-%m-%d %H:%M:%E6S';

export const BIGQUERY_VERIFY: VerifyDialect = {
  name: 'BigQuery',
  quote: quoteIdentifier,
  param: (name) => `@${name}`,
  int64Param: (name) => `CAST(@${name} AS INT64)`,
  text: (x, column) => bigQueryText(x, column),
  concat: (parts) => `CONCAT(${parts.join(', ')})`,
  integerText: (x) => `CAST(${x} AS STRING)`,
  rtrim: (x, char) => `RTRIM(${x}, '${char}')`,
  charLength: (x) => `CHAR_LENGTH(${x})`,
  byteLength: (x) => `BYTE_LENGTH(${x})`,
  md5: (x) => `TO_HEX(MD5(${x}))`,
  substr: (x, start, length) => `SUBSTR(${x}, ${start}, ${length})`,
  hexToInt: (x) => `CAST(CONCAT('0x', ${x}) AS INT64)`,
  exactSum: (x) => `SUM(CAST(${x} AS BIGNUMERIC))`,
  decimalSum: (x) => `SUM(CAST(${x} AS BIGNUMERIC))`,
  toDouble: (x) => `CAST(${x} AS FLOAT64)`,
  maxDouble: `CAST('1.7976931348623157e308' AS FLOAT64)`,
  isNan: (x) => `IS_NAN(${x})`,
  isNegativeZero: (x) => `(IEEE_DIVIDE(1, ${x}) < 0)`,
  log2: (x) => `LOG(${x}, 2)`,
  pow2: (x) => `POW(2, ${x})`,
  floor: (x) => `FLOOR(${x})`,
  doubleIntegerText: (x) => `CAST(CAST(${x} AS INT64) AS STRING)`,
};

function bigQueryText(x: string, column: Column): string {
  switch (column.type.kind) {
    case 'decimal': return `CAST(${x} AS STRING)`;
    case 'date': return `FORMAT_DATE('%E4Y-%m-%d', ${x})`;
    case 'datetime': return trimFraction(BIGQUERY_VERIFY, `FORMAT_DATETIME('${TIME}', ${x})`);
    case 'timestamp': return trimFraction(BIGQUERY_VERIFY, `FORMAT_TIMESTAMP('${TIME}', ${x}, 'UTC')`);
    case 'bytes': return `TO_HEX(${x})`;
    default: return x;
  }
}
