/**
 * Oracle as one side of `datapipe verify` (docs/verify.md), written to Oracle's SQL reference
 * (https://docs.oracle.com/en/database/oracle/oracle-database/23/sqlrf/): `STANDARD_HASH(…, 'MD5')`
 * for the row hashes, `TO_NUMBER(…, 'XXX…')` for their 60 bits, `TO_CHAR(…, 'TM9')` for decimals
 * (minimal digits, but `.5` for 0.5: the leading zero is put back), `SYS_EXTRACT_UTC` for time-zone
 * timestamps, BINARY_DOUBLE arithmetic for floats (IEEE: 1/-0 is -Infinity). Every query of a
 * verification reads `AS OF SCN` one SCN taken at its start. Runs in the Oracle suite only.
 */
import { TerminalError } from '../../errors.js';
import type { Column, TableModel } from '../../model/column.js';
import { trimFraction } from '../../verify/canonical-sql.js';
import type { VerifyDialect } from '../../verify/verify-dialect.js';
import { paramsUsedBy } from '../../warehouses/warehouse-driver.js';
import { quoteIdent } from './oracle-identifier.js';

const DAY = 'YYYY-MM-DD';
const SECOND = 'YYYY-MM-DD HH24:MI:SS';

export const ORACLE_VERIFY: VerifyDialect = {
  name: 'Oracle',
  quote: quoteIdent,
  param: (name) => `:${name}`,
  int64Param: (name) => `TO_NUMBER(:${name})`,
  text: (x, column) => oracleText(x, column),
  decimalText: (x) => `REGEXP_REPLACE(TO_CHAR(${x}, 'TM9'), '^(-?)\\.', '\\10.')`,
  integerText: (x) => `TO_CHAR(${x})`,
  rtrim: (x, char) => `RTRIM(${x}, '${char}')`,
  charLength: (x) => `LENGTH(${x})`,
  byteLength: (x) => `LENGTHB(${x})`,
  md5: (x) => `LOWER(RAWTOHEX(STANDARD_HASH(${x}, 'MD5')))`,
  substr: (x, start, length) => `SUBSTR(${x}, ${start}, ${length})`,
  hexToInt: (x) => `TO_NUMBER(${x}, 'XXXXXXXXXXXXXXX')`,
  exactSum: (x) => `SUM(${x})`,
  decimalSum: (x) => `SUM(${x})`,
  toDouble: (x) => `TO_BINARY_DOUBLE(${x})`,
  maxDouble: 'BINARY_DOUBLE_MAX_NORMAL',
  isNan: (x) => `(${x} IS NAN)`,
  isNegativeZero: (x) => `(1 / ${x} < 0)`,
  log2: (x) => `LOG(2, ${x})`,
  pow2: (x) => `POWER(TO_BINARY_DOUBLE(2), ${x})`,
  floor: (x) => `FLOOR(${x})`,
  doubleIntegerText: (x) => `TO_CHAR(CAST(${x} AS NUMBER))`,
};

function oracleText(x: string, column: Column): string {
  const source = column.sourceType.toUpperCase();
  switch (column.type.kind) {
    case 'decimal': return `TO_CHAR(${x}, 'TM9')`;
    case 'date': return `TO_CHAR(${x}, '${DAY}')`;
    case 'datetime':
    case 'timestamp': {
      const utc = /WITH (LOCAL )?TIME ZONE/.test(source) ? `SYS_EXTRACT_UTC(${x})` : x;
      if (!source.startsWith('TIMESTAMP')) return `TO_CHAR(${utc}, '${SECOND}')`;
      // Nine digits truncated to six, as the extractor reads TIMESTAMP(9) (docs/types.md).
      return trimFraction(ORACLE_VERIFY, `TO_CHAR(${utc}, '${SECOND}') || '.' || SUBSTR(TO_CHAR(${utc}, 'FF9'), 1, 6)`);
    }
    case 'bytes': return `LOWER(RAWTOHEX(${x}))`;
    default: return x;
  }
}

/** Columns the Oracle side cannot spell canonically yet: LOBs (STANDARD_HASH takes VARCHAR2), intervals, JSON. */
export function checkVerifiable(model: TableModel): void {
  const column = model.columns.find((c) => /LOB|LONG/.test(c.sourceType.toUpperCase()) || c.type.kind === 'interval' || c.type.kind === 'json');
  if (column) {
    throw new TerminalError(
      `${model.sourceName}.${column.sourceName}: ${column.sourceType} columns cannot be verified against Oracle yet (docs/verify.md, "Limits") — ` +
        'verify at --level 1 still counts them, or verify a table without such columns',
    );
  }
}

/** The binds of `params` a statement names (Oracle refuses a bind the statement does not use). */
export function bindsUsedBy(sql: string, params: Record<string, string>): Record<string, string> {
  return paramsUsedBy(sql, params, ORACLE_VERIFY.param) as Record<string, string>;
}
