/**
 * Redshift's spellings of the canonical text `datapipe verify` hashes (docs/verify.md), kept to
 * what PostgreSQL also runs — its twin in the tests — except two Redshift functions the twin
 * defines (test/support/redshift-fake/verify-functions.ts):
 * - STRTOL(text, 16), hex digits to BIGINT (https://docs.aws.amazon.com/redshift/latest/dg/r_STRTOL.html);
 * - FROM_VARBYTE(varbyte, 'hex'), bytes to lower-case hex
 *   (https://docs.aws.amazon.com/redshift/latest/dg/r_FROM_VARBYTE.html).
 * Sums cast to DECIMAL(38,0): Redshift's SUM of BIGINT is a BIGINT, which would overflow.
 * TO_CHAR's `US` is microseconds (https://docs.aws.amazon.com/redshift/latest/dg/r_FORMAT_strings.html).
 */
import type { Column } from '../../model/column.js';
import { trimFraction } from '../../verify/canonical-sql.js';
import type { VerifyDialect } from '../../verify/verify-dialect.js';
import { quoteIdentifier, REDSHIFT_DIALECT } from './redshift-dialect.js';

const DOUBLE = 'DOUBLE PRECISION';
const TIME = 'YYYY-MM-DD HH24:MI:SS.US';

export const REDSHIFT_VERIFY: VerifyDialect = {
  name: 'Redshift',
  quote: quoteIdentifier,
  param: (name) => REDSHIFT_DIALECT.param(name, { kind: 'string' }),
  int64Param: (name) => REDSHIFT_DIALECT.param(name, { kind: 'int64' }),
  text: (x, column) => redshiftText(x, column),
  integerText: (x) => `CAST(${x} AS VARCHAR)`,
  rtrim: (x, char) => `RTRIM(${x}, '${char}')`,
  charLength: (x) => `CHAR_LENGTH(${x})`,
  byteLength: (x) => `OCTET_LENGTH(${x})`,
  md5: (x) => `MD5(${x})`,
  substr: (x, start, length) => `SUBSTRING(${x}, ${start}, ${length})`,
  hexToInt: (x) => `STRTOL(${x}, 16)`,
  exactSum: (x) => `SUM(CAST(${x} AS DECIMAL(38,0)))`,
  decimalSum: (x) => `SUM(${x})`,
  toDouble: (x) => `CAST(${x} AS ${DOUBLE})`,
  maxDouble: `CAST('1.7976931348623157e308' AS ${DOUBLE})`,
  isNan: (x) => REDSHIFT_DIALECT.isNan(x),
  isNegativeZero: (x) => `(CAST(${x} AS VARCHAR) = '-0')`,
  log2: (x) => `(LN(${x}) / LN(CAST(2 AS ${DOUBLE})))`,
  pow2: (x) => `POWER(CAST(2 AS ${DOUBLE}), ${x})`,
  floor: (x) => `FLOOR(${x})`,
  doubleIntegerText: (x) => `CAST(CAST(${x} AS BIGINT) AS VARCHAR)`,
};

function redshiftText(x: string, column: Column): string {
  switch (column.type.kind) {
    // A decimal wider than NUMERIC is kept as its text already (redshift-types.ts).
    case 'decimal': return `CAST(${x} AS VARCHAR)`;
    case 'date': return `TO_CHAR(${x}, 'YYYY-MM-DD')`;
    case 'datetime': return trimFraction(REDSHIFT_VERIFY, `TO_CHAR(${x}, '${TIME}')`);
    case 'timestamp': return trimFraction(REDSHIFT_VERIFY, `TO_CHAR(${x} AT TIME ZONE 'UTC', '${TIME}')`);
    case 'bytes': return `FROM_VARBYTE(${x}, 'hex')`;
    default: return x;
  }
}
