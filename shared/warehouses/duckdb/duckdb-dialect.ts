/**
 * DuckDB's spellings of the load statements (../sql/load-sql.ts): double-quoted identifiers,
 * `$name` parameters, QUALIFY, MERGE from a subquery, DELETE + INSERT for full loads inside a
 * transaction, and `error()` to fail one (https://duckdb.org/docs/stable/sql/functions/utility).
 */
import { TerminalError } from '../../errors.js';
import { PLAIN_IDENTIFIER, type SqlDialect } from '../sql/sql-dialect.js';
import { duckDbType } from './duckdb-types.js';

/** `"name"`, after checking the name is a plain identifier (nothing to escape, nothing to inject). */
export function quoteIdentifier(name: string): string {
  if (!PLAIN_IDENTIFIER.test(name)) {
    throw new TerminalError(`"${name}" is not a valid table or column name for DuckDB: use letters, digits and _`);
  }
  return `"${name}"`;
}

export const DUCKDB_DIALECT: SqlDialect = {
  name: 'DuckDB',
  quote: quoteIdentifier,
  param: (name) => `$${name}`,
  isNan: (expression) => `isnan(${expression})`,
  columnType: duckDbType,
  latestRow: 'qualify',
  mergeReadsSubquery: true,
  replace: 'delete-insert',
  failIf: (condition, marker) => `SELECT CASE WHEN ${condition} THEN error('${marker}') END`,
  now: 'CURRENT_TIMESTAMP',
};
