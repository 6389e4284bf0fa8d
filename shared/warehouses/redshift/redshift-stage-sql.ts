/**
 * The statements that stage one run in Redshift, as pure functions (style.md §6): a raw
 * temporary table COPY fills from the run's parts, a check of the text-encoded values, and the
 * typed stage the shared protocol reads (../sql-warehouse.ts). All three tables are temporary:
 * they live in the load's Data API session and vanish with it.
 *
 * COPY (https://docs.aws.amazon.com/redshift/latest/dg/r_COPY.html) reads a manifest listing
 * exactly the run's parts, each `mandatory` so a missing part fails the load instead of loading
 * less (https://docs.aws.amazon.com/redshift/latest/dg/loading-data-files-using-manifest.html);
 * fields map to columns by name, case-insensitively (`'auto ignorecase'`); MAXERROR 0 fails on
 * the first bad value; COMPUPDATE and STATUPDATE OFF skip work a temporary table does not need.
 * Never TRUNCATECOLUMNS or ACCEPTINVCHARS: both change values silently
 * (https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-conversion.html).
 * COPY takes no bind parameters, so its two values, the manifest URL and the IAM role, are
 * written as literals with quotes doubled.
 */
import { createHash } from 'node:crypto';
import { ContractError, TerminalError } from '../../errors.js';
import type { Column, TableModel } from '../../model/column.js';
import type { StagedPart } from '../warehouse.js';
import { quoteIdentifier as q } from './redshift-dialect.js';
import { conversion, rawType } from './redshift-types.js';

/** The session's temporary tables. */
export const RAW_TABLE = q('_datapipe_raw');
export const STAGE_TABLE = q('_datapipe_stage');
export const DEDUP_TABLE = q('_datapipe_dedup');

/** Where the COPY manifest goes and what it says. */
export interface CopyManifest {
  /** Store key, beside the run's parts. */
  key: string;
  url: string;
  body: string;
}

/**
 * The manifest of exactly `parts`, named by a hash of their URIs so two loaders of one run write
 * the same object and a different list never overwrites it. Parts must be `s3://` objects whose
 * URI ends with their key (the S3 store's uri()).
 */
export function copyManifest(parts: readonly StagedPart[], where: string): CopyManifest {
  const [first] = parts;
  if (!first) throw new ContractError(`${where}: the manifests list no parts — re-run the extractor for this run`);
  for (const part of parts) {
    if (!part.uri.startsWith('s3://') || !part.uri.endsWith(part.key)) {
      throw new ContractError(`${where}: part ${part.key} is at ${part.uri}; Redshift COPY reads s3:// only — stage with the aws cloud's S3 store`);
    }
  }
  const hash = createHash('sha256').update(parts.map((p) => p.uri).join('\n')).digest('hex').slice(0, 16);
  const folder = first.key.includes('/') ? first.key.slice(0, first.key.lastIndexOf('/') + 1) : '';
  const key = `${folder}_redshift-copy-${hash}.manifest`;
  const url = `${first.uri.slice(0, first.uri.length - first.key.length)}${key}`;
  const entries = parts.map((p) => ({ url: p.uri, mandatory: true, meta: { content_length: p.bytes } }));
  return { key, url, body: `${JSON.stringify({ entries }, null, 2)}\n` };
}

/** A SQL string literal: quotes doubled; a backslash or control character is refused (Redshift reads `\` as an escape). */
export function sqlLiteral(text: string, what: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\\\u0000-\u001f]/.test(text)) throw new TerminalError(`${what} "${text}" contains a backslash or a control character, which a COPY literal cannot carry`);
  return `'${text.replace(/'/g, "''")}'`;
}

/** `IAM_ROLE default` or `IAM_ROLE '<arn>'` (https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-authorization.html). */
export function iamRoleClause(role: string): string {
  return role === 'default' ? 'IAM_ROLE default' : `IAM_ROLE ${sqlLiteral(role, 'destination.aws.redshift.iam_role')}`;
}

/** The raw table: every model column nullable, text-encoded kinds as VARCHAR(65535). */
export function createRawSql(model: TableModel): string {
  const columns = model.columns.map((c) => `  ${q(c.name)} ${rawType(c.type)}`);
  return `CREATE TEMP TABLE ${RAW_TABLE} (\n${columns.join(',\n')}\n)`;
}

/** COPY of the manifest's parts into the raw table. */
export function copySql(model: TableModel, manifestUrl: string, iamRole: string): string {
  return [
    `COPY ${RAW_TABLE} (${model.columns.map((c) => q(c.name)).join(', ')})`,
    `FROM ${sqlLiteral(manifestUrl, 'the COPY manifest URL')}`,
    iamRoleClause(iamRole),
    "FORMAT AS AVRO 'auto ignorecase'",
    'MANIFEST',
    'MAXERROR 0',
    'COMPUPDATE OFF',
    'STATUPDATE OFF',
  ].join('\n');
}

/** The typed stage: each raw column converted to the target's type (redshift-types.ts conversion). */
export function createStageSql(model: TableModel): string {
  const columns = model.columns.map((c) => `  ${conversion(c, q(c.name))} AS ${q(c.name)}`);
  return `CREATE TEMP TABLE ${STAGE_TABLE} AS\nSELECT\n${columns.join(',\n')}\nFROM ${RAW_TABLE}`;
}

export function dropTableSql(table: string): string {
  return `DROP TABLE IF EXISTS ${table}`;
}

/**
 * POSIX patterns of the redshift-text forms (docs/encodings.md). Bracket expressions and counted
 * repetition only, no backslashes: Redshift reads `\` in a literal as an escape, PostgreSQL does
 * not (https://docs.aws.amazon.com/redshift/latest/dg/pattern-matching-conditions-posix.html).
 */
const FORMS: Partial<Record<Column['type']['kind'], string>> = {
  decimal: '^-?[0-9]+([.][0-9]+)?$',
  date: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
  datetime: '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?$',
  timestamp: '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]{1,6})?[+]00$',
  bytes: '^([0-9a-f][0-9a-f])*$',
};

/** The columns whose staged text is checked before it is converted. */
export function checkedColumns(model: TableModel): Column[] {
  return model.columns.filter((c) => FORMS[c.type.kind] !== undefined);
}

/**
 * TRUE where a raw value is not in its column's text form — for decimals also where it has more
 * digits after the point than the scale (a CAST would round them) or more significant digits
 * before it than precision − scale (the CAST would fail).
 */
export function badValueCondition(column: Column): string {
  const x = q(column.name);
  const form = `${x} !~ '${FORMS[column.type.kind] ?? ''}'`;
  if (column.type.kind !== 'decimal') return `${x} IS NOT NULL AND ${form}`;
  const { precision, scale } = column.type;
  const fraction = `LENGTH(SPLIT_PART(${x}, '.', 2)) > ${scale}`;
  const integer = `LENGTH(LTRIM(SPLIT_PART(LTRIM(${x}, '-'), '.', 1), '0')) > ${precision - scale}`;
  return `${x} IS NOT NULL AND (${form} OR ${fraction} OR ${integer})`;
}

/** One scan: `bad_<i>` counts the values of the i-th checked column that are not in their form. */
export function conversionCheckSql(model: TableModel): string | null {
  const checked = checkedColumns(model);
  if (checked.length === 0) return null;
  const counts = checked.map((c, i) => `  COUNT(CASE WHEN ${badValueCondition(c)} THEN 1 END) AS ${q(`bad_${i}`)}`);
  return `SELECT\n${counts.join(',\n')}\nFROM ${RAW_TABLE}`;
}

/** One offending row of `column`: its primary key (as text) and its raw value. */
export function firstBadValueSql(model: TableModel, column: Column): string {
  const keys = model.primaryKeys.map((k, i) => `CAST(${q(k)} AS VARCHAR(65535)) AS ${q(`key_${i}`)}`);
  return `SELECT ${[...keys, `${q(column.name)} AS ${q('value')}`].join(', ')}\nFROM ${RAW_TABLE}\nWHERE ${badValueCondition(column)}\nLIMIT 1`;
}

/**
 * The first rejected value of a failed COPY (parameter `query_id`, DescribeStatement's
 * RedshiftQueryId): STL_LOAD_ERRORS has the raw value
 * (https://docs.aws.amazon.com/redshift/latest/dg/r_STL_LOAD_ERRORS.html) but is not visible on
 * Serverless; SYS_LOAD_ERROR_DETAIL is, without it
 * (https://docs.aws.amazon.com/redshift/latest/dg/SYS_LOAD_ERROR_DETAIL.html). Tried in that order.
 */
export const LOAD_ERROR_SQL = [
  'SELECT TRIM(filename) AS file_name, line_number, TRIM(colname) AS column_name, TRIM(raw_field_value) AS raw_value,\n' +
    '  err_code AS error_code, TRIM(err_reason) AS reason\nFROM stl_load_errors WHERE query = CAST(:query_id AS BIGINT)\nORDER BY line_number LIMIT 1',
  'SELECT TRIM(file_name) AS file_name, line_number, TRIM(column_name) AS column_name,\n' +
    '  error_code, TRIM(error_message) AS reason\nFROM sys_load_error_detail WHERE query_id = CAST(:query_id AS BIGINT)\nORDER BY line_number LIMIT 1',
] as const;
