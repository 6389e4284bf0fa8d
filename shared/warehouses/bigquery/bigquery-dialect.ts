/**
 * BigQuery's spellings of the load statements (../sql/load-sql.ts): backquoted identifiers,
 * `@name` parameters, QUALIFY (which GoogleSQL wants beside a WHERE), MERGE from a subquery with
 * its SET columns named through the target's alias, DELETE + INSERT for full loads inside a
 * multi-statement transaction, and `ERROR()` to fail one
 * (https://cloud.google.com/bigquery/docs/reference/standard-sql/debugging_functions#error).
 */
import type { SqlDialect } from '../sql/sql-dialect.js';
import { quoteIdentifier } from './bigquery-names.js';
import { bigQueryType, bigQueryTypeText } from './bigquery-schema.js';

export const BIGQUERY_DIALECT: SqlDialect = {
  name: 'BigQuery',
  quote: quoteIdentifier,
  param: (name) => `@${name}`,
  isNan: (expression) => `IS_NAN(${expression})`,
  columnType: (type) => bigQueryTypeText(bigQueryType(type)),
  latestRow: 'qualify',
  mergeReadsSubquery: true,
  // A column named `target` is otherwise read as the MERGE's target alias (the whole row).
  mergeSetQualified: true,
  replace: 'delete-insert',
  failIf: (condition, marker) => `SELECT IF(${condition}, ERROR('${marker}'), NULL)`,
  now: 'CURRENT_TIMESTAMP()',
};

/**
 * One BigQuery multi-statement query: the statements commit together or not at all; an error
 * rolls everything back (https://cloud.google.com/bigquery/docs/transactions).
 */
export function transactionScript(statements: readonly string[]): string {
  return ['BEGIN TRANSACTION', ...statements, 'COMMIT TRANSACTION'].map((s) => `${s};`).join('\n');
}
