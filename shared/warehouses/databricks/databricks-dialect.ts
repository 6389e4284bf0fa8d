/**
 * Databricks SQL's spellings of the load statements (../sql/load-sql.ts): backquoted identifiers,
 * `:name` parameter markers (typed in the request), `isnan`, QUALIFY, MERGE from a subquery,
 * one INSERT OVERWRITE for full loads (no multi-statement transaction: each statement commits
 * alone), and `raise_error` to fail a statement with our marker in its message.
 * https://learn.microsoft.com/azure/databricks/sql/language-manual/sql-ref-parameter-marker
 * https://learn.microsoft.com/azure/databricks/sql/language-manual/functions/raise_error
 * https://learn.microsoft.com/azure/databricks/sql/language-manual/sql-ref-syntax-qry-select-qualify
 */
import type { SqlDialect } from '../sql/sql-dialect.js';
import { quoteIdentifier } from './databricks-names.js';
import { databricksType } from './databricks-types.js';

export const DATABRICKS_DIALECT: SqlDialect = {
  name: 'Databricks',
  quote: quoteIdentifier,
  // The request carries each parameter's type (databricks-statements.ts statementParameters).
  param: (name) => `:${name}`,
  isNan: (expression) => `isnan(${expression})`,
  columnType: databricksType,
  latestRow: 'qualify',
  mergeReadsSubquery: true,
  replace: 'insert-overwrite',
  // raise_error fails with [USER_RAISED_EXCEPTION] <marker> (SQLSTATE P0001); CASE evaluates it only when the condition holds.
  failIf: (condition, marker) => `SELECT CASE WHEN ${condition} THEN raise_error('${marker}') END`,
  now: 'current_timestamp()',
};
