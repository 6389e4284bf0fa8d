/**
 * Emulated COPY error tables, with the documented columns and types:
 * STL_LOAD_ERRORS (https://docs.aws.amazon.com/redshift/latest/dg/r_STL_LOAD_ERRORS.html) and
 * SYS_LOAD_ERROR_DETAIL (https://docs.aws.amazon.com/redshift/latest/dg/SYS_LOAD_ERROR_DETAIL.html).
 * Error codes and reasons follow the load error reference
 * (https://docs.aws.amazon.com/redshift/latest/dg/r_Load_Error_Reference.html). They live in a
 * schema on the database's search_path and are written on their own connection, outside the
 * COPY's transaction: system tables keep the error rows after the failed load rolls back.
 */
import type pg from 'pg';

export const SYSTEM_SCHEMA = 'rsfake_system';

export const CREATE_LOAD_ERROR_TABLES = `
CREATE SCHEMA ${SYSTEM_SCHEMA};
CREATE TABLE ${SYSTEM_SCHEMA}.stl_load_errors (
  userid integer, slice integer, tbl integer, starttime timestamp, session integer, query integer,
  filename character(256), line_number bigint, colname character(127), type character(10),
  col_length character(10), position integer, raw_line character(1024), raw_field_value character(1024),
  err_code integer, err_reason character(100));
CREATE TABLE ${SYSTEM_SCHEMA}.sys_load_error_detail (
  user_id integer, query_id bigint, transaction_id bigint, session_id integer, database_name character(64),
  table_id integer, start_time timestamp, file_name character(256), line_number bigint,
  column_name character(127), column_type character(10), column_length character(10), position integer,
  error_code integer, error_message character(512));
`;

/** One load error, as both tables record it. */
export interface LoadError {
  query: number;
  session: number;
  tableOid: number;
  startTime: Date;
  database: string;
  filename: string;
  lineNumber: number;
  colname: string;
  type: string;
  colLength: string;
  position: number;
  rawLine: string;
  rawFieldValue: string;
  errCode: number;
  errReason: string;
}

/** Load error codes used by the fake, with the reason texts Redshift writes (the reference's descriptions where no text is known). */
export const LOAD_ERROR = {
  tooLong: { code: 1204, reason: 'String length exceeds DDL length' },
  outOfRange: { code: 1204, reason: 'Input data exceeded the acceptable range for the data type' },
  date: { code: 1205, reason: 'Invalid date format or value [YYYY-MM-DD]' },
  timestamp: { code: 1206, reason: 'Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS]' },
  digit: { code: 1207, reason: 'Invalid digit' },
  float: { code: 1208, reason: 'FLOAT data type format error' },
  decimal: { code: 1209, reason: 'DECIMAL data type format error' },
  boolean: { code: 1210, reason: 'BOOLEAN data type format error' },
  notNull: { code: 1213, reason: 'Missing data for not-null field' },
  charError: { code: 1215, reason: 'CHAR field error' },
  utf8: { code: 1220, reason: 'String contains invalid or unsupported UTF8 codepoints' },
  integerOverflow: { code: 1222, reason: 'Integer value overflow error' },
  invalidType: { code: 1223, reason: 'Invalid data type' },
} as const;

/** Writes the rows to both tables, committed at once whatever happens to the COPY. */
export async function recordLoadErrors(pool: pg.Pool, errors: LoadError[]): Promise<void> {
  for (const raw of errors) {
    // PostgreSQL text cannot hold NUL; Redshift shows unprintable load data as periods anyway.
    const e = { ...raw, rawLine: raw.rawLine.replace(/\0/g, '.'), rawFieldValue: raw.rawFieldValue.replace(/\0/g, '.') };
    await pool.query(
      `INSERT INTO ${SYSTEM_SCHEMA}.stl_load_errors VALUES (100, 0, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [e.tableOid, e.startTime, e.session, e.query, e.filename, e.lineNumber, e.colname, e.type, e.colLength, e.position,
        e.rawLine.slice(0, 1024), e.rawFieldValue.slice(0, 1024), e.errCode, e.errReason.slice(0, 100)],
    );
    await pool.query(
      `INSERT INTO ${SYSTEM_SCHEMA}.sys_load_error_detail VALUES (100, $1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [e.query, e.session, e.database, e.tableOid, e.startTime, e.filename, e.lineNumber, e.colname, e.type, e.colLength, e.position,
        e.errCode, e.errReason.slice(0, 512)],
    );
  }
}
