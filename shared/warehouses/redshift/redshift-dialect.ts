/**
 * Redshift's spellings of the load statements (../sql/load-sql.ts), kept to what Redshift and
 * PostgreSQL both run, because PostgreSQL is the twin the tests execute them on
 * (test/support/redshift-data-fake.ts):
 * - the latest row per key by a ROW_NUMBER subquery: Redshift has QUALIFY since 2023
 *   (https://docs.aws.amazon.com/redshift/latest/dg/r_QUALIFY_clause.html), PostgreSQL none;
 * - MERGE reads a table, never a subquery, and names no target alias; it needs both WHEN clauses
 *   (https://docs.aws.amazon.com/redshift/latest/dg/r_MERGE.html): the deduplicated rows go to a
 *   temporary table first (`CREATE TEMP TABLE … AS`);
 * - `:name` parameters, which the Data API sends as text and Redshift converts
 *   (https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_SqlParameter.html), each
 *   cast explicitly to BIGINT or VARCHAR(65535): one parameter used both in a select list and in a
 *   comparison must have one type (PostgreSQL refuses "inconsistent types deduced for parameter");
 *   a value must have at least one character, so NULL travels as NULL_PARAM and is read back with
 *   NULLIF (see NULL_PARAM);
 * - failIf as a cast that fails: Redshift has no ERROR() (see failIf below);
 * - SYSDATE for the loads record: the transaction's start, with microseconds
 *   (https://docs.aws.amazon.com/redshift/latest/dg/r_SYSDATE.html). GETDATE() keeps only whole
 *   seconds, which would tie two loads of one second in `ORDER BY loaded_at`; CURRENT_TIMESTAMP
 *   is a leader-node-only function that cannot be used with user tables.
 */
import { TerminalError } from '../../errors.js';
import { PLAIN_IDENTIFIER, type SqlDialect } from '../sql/sql-dialect.js';
import { redshiftType } from './redshift-types.js';

/**
 * What a NULL parameter is sent as. The Data API has no NULL and no empty value (SqlParameter
 * `value`: "Minimum length of 1"); the nullable parameters of the protocol are run ids and
 * watermarks, which never contain `<`, so this text can never be a real value. The binder refuses
 * a value equal to it, and an empty one (redshift-statements.ts).
 */
export const NULL_PARAM = '<null>';

/** Redshift identifiers are at most 127 bytes (https://docs.aws.amazon.com/redshift/latest/dg/r_names.html). */
const MAX_IDENTIFIER_BYTES = 127;

/** `"name"`, after checking it is a plain identifier Redshift accepts (nothing to escape). */
export function quoteIdentifier(name: string): string {
  if (!PLAIN_IDENTIFIER.test(name) || Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES) {
    throw new TerminalError(`"${name}" is not a valid table or column name for Redshift: use letters, digits and _ (at most 127)`);
  }
  return `"${name}"`;
}

/**
 * The statement failIf writes: a CASE yielding the marker or '0', cast to INTEGER. The cast is
 * outside the CASE on purpose: a constant cast inside an arm may be folded, and so fail, when the
 * statement is planned (PostgreSQL documents this for CASE,
 * https://www.postgresql.org/docs/current/functions-conditional.html#FUNCTIONS-CASE); outside,
 * it casts the CASE's result, which depends on the condition's subquery and exists only at run time.
 */
function failIf(condition: string, marker: string): string {
  return `SELECT CAST(CASE WHEN ${condition} THEN '${marker}' ELSE '0' END AS INTEGER) AS ${quoteIdentifier('datapipe_check')}`;
}

/** The marker of a failIf statement, or null for any other statement. */
export function failIfMarker(sql: string): string | null {
  return /^SELECT CAST\(CASE WHEN [\s\S]* THEN '(\w+)' ELSE '0' END AS INTEGER\) AS "datapipe_check"$/.exec(sql)?.[1] ?? null;
}

export const REDSHIFT_DIALECT: SqlDialect = {
  name: 'Redshift',
  quote: quoteIdentifier,
  param: (name, type) => {
    if (type?.kind === 'int64') return `CAST(:${name} AS BIGINT)`;
    const text = `CAST(:${name} AS VARCHAR(65535))`;
    return type?.nullable ? `NULLIF(${text}, '${NULL_PARAM}')` : text;
  },
  // NaN equals NaN in PostgreSQL's float ordering (and Redshift's, asserted by the live suite);
  // Redshift has no isnan().
  isNan: (expression) => `(${expression} = CAST('NaN' AS DOUBLE PRECISION))`,
  columnType: redshiftType,
  latestRow: 'subquery',
  mergeReadsSubquery: false,
  createTempTableAs: (name, select) => `CREATE TEMP TABLE ${name} AS\n${select}`,
  mergeTargetAlias: false,
  mergeRequiresMatched: true,
  replace: 'delete-insert',
  failIf,
  now: 'SYSDATE',
};
