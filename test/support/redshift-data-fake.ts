/**
 * A FAKE of the Amazon Redshift Data API (awsJson1_1, the operations ExecuteStatement,
 * BatchExecuteStatement, DescribeStatement, GetStatementResult, CancelStatement) that the real
 * @aws-sdk/client-redshift-data talks to through `endpoint`, and that EXECUTES the SQL on a
 * PostgreSQL server (≥ 15, for MERGE) as Redshift's twin. Redshift has no emulator that runs SQL
 * (moto's redshift-data records statements and returns a canned result), so this is the one place
 * DataPipe's Redshift SQL runs before it meets a cluster. Each instance creates its own PostgreSQL
 * database for the Redshift database and drops it on close. The implementation is in
 * ./redshift-fake/ (one file per role); every emulated behaviour cites its documentation there.
 *
 * Redshift-only syntax rewritten to PostgreSQL, text-level, outside literals and comments
 * (redshift-fake/sql-text.ts):
 * - `VARBYTE[(n)]`, `VARBINARY`, `BINARY VARYING` → `bytea`;
 * - `TO_VARBYTE(x, 'hex')` → `decode(x, 'hex')`, `FROM_VARBYTE(x, 'hex')` → `encode(x, 'hex')`
 *   ('utf8' → convert_to / convert_from);
 * - `GETDATE()` → `date_trunc('second', localtimestamp)` (sessions run in UTC); `SYSDATE` → `localtimestamp`
 *   (both the transaction's start, to the microsecond);
 * - `VARCHAR(MAX)` → `varchar(65535)`; in CREATE/ALTER, a bare `VARCHAR` → `varchar(256)`;
 * - in CREATE/ALTER: `DISTSTYLE …`, `DISTKEY(…)`, `[COMPOUND|INTERLEAVED] SORTKEY(…)`,
 *   `SORTKEY AUTO`, `ENCODE <encoding>`, `BACKUP YES|NO` and column `DISTKEY`/`SORTKEY` removed;
 *   PRIMARY KEY and UNIQUE removed, because Redshift never enforces them;
 * - `:name` parameters → `$n`, bound as text (PostgreSQL infers the type, as Redshift converts).
 * Redshift functions PostgreSQL lacks, defined in the twin database (redshift-fake/redshift-functions.ts):
 * `STRTOL(text, 16)`.
 * Refused with a FAILED statement, to keep DataPipe's SQL in the Redshift ∩ PostgreSQL subset:
 * QUALIFY (PostgreSQL has none), MERGE … USING (subquery) and WITH … MERGE (Redshift has neither).
 * Emulated by the fake itself: `COPY … FROM 's3://…' IAM_ROLE … FORMAT AS AVRO 'auto [ignorecase]'
 * [MANIFEST] [COMPUPDATE|STATUPDATE …] [MAXERROR n] [TRUNCATECOLUMNS] [REGION …]` reading objects
 * through an injected ObjectReader (redshift-fake/copy-avro-load.ts), with STL_LOAD_ERRORS and
 * SYS_LOAD_ERROR_DETAIL; a TRUNCATE inside a batch commits the transaction, as on Redshift.
 *
 * Knowingly different from Redshift:
 * - PostgreSQL's input functions stand in for COPY's implicit conversion, after the fake's own
 *   checks (byte lengths, CHAR single-byte, the default date/time formats, DECIMAL scale truncation,
 *   integer ranges); other text PostgreSQL accepts (e.g. 'yes' for BOOLEAN, 'NaN' for REAL) may
 *   differ from what Redshift accepts. Load-error reasons are Redshift's texts where known, else
 *   the load error reference's descriptions. A bare `bytes` value's "JSON representation" is taken
 *   as its Avro JSON encoding (one U+0000–U+00FF character per byte), which is not documented.
 * - Everything else is PostgreSQL 15+: functions, casts, error texts (after `ERROR: `), identifier
 *   rules, MERGE semantics (PostgreSQL 15's MERGE has no REMOVE DUPLICATES), implicit NOT NULL of
 *   PRIMARY KEY columns is dropped with the constraint, SUPER/GEOMETRY/HLLSKETCH do not exist.
 * - Result pages are `pageRows` rows, not the service's byte-sized pages; ResultSize approximates.
 * - Service limits not emulated: 24-hour query time, 100 MB results, 500 sessions, waiters per
 *   statement (ActiveWaitingRequestsExceededException is available through failNext only),
 *   WithEvent, StatementName filtering (ListStatements), GetStatementResultV2/CSV, ListSessions,
 *   DescribeTable and the other metadata operations (answered UnknownOperationException).
 * - Where the documentation is silent the fake decides, and says so: a busy session answers
 *   ValidationException, a closed one ResourceNotFoundException; a reused ClientToken with another
 *   request answers ValidationException; statements after a batch's failure are ABORTED.
 */
import { postgresServerAvailability, startPostgresServer, type PostgresHandle } from './postgres-server.js';
import { RedshiftDataFake, type RedshiftDataFakeOptions } from './redshift-fake/data-api-fake.js';

export { RedshiftDataFake } from './redshift-fake/data-api-fake.js';
export type { ExecutedSql, Operation, RecordedRequest, RedshiftDataFakeOptions } from './redshift-fake/data-api-fake.js';
export type { ErrorName } from './redshift-fake/api-error.js';
export { folderObjectReader, s3ObjectReader, type ObjectReader } from './redshift-fake/object-readers.js';

/**
 * Why the fake cannot run here, or null. It needs a real PostgreSQL server: PGlite serves one
 * backend to every connection (no separate sessions, no CREATE DATABASE, no pg_cancel_backend).
 */
export function redshiftFakeUnavailable(): string | null {
  const server = postgresServerAvailability();
  return server.available ? null : `the Redshift Data API fake needs a PostgreSQL server (PGlite cannot stand in: one backend for all sessions): ${server.reason}`;
}

/** Whether a suite skips, saying so loudly; under CI=true it never skips (CI installs PostgreSQL). */
export function skipWithoutRedshiftFake(suite: string): boolean {
  const reason = redshiftFakeUnavailable();
  if (reason === null || process.env.CI === 'true') return false;
  console.warn(`[${suite}] SKIPPING: ${reason}`);
  return true;
}

/** A fake on a PostgreSQL server of its own (or DATAPIPE_PG_URL's); `stop` closes both. */
export async function startRedshiftDataFake(options: Omit<RedshiftDataFakeOptions, 'postgres'> = {}): Promise<{ fake: RedshiftDataFake; postgres: PostgresHandle; stop: () => Promise<void> }> {
  const reason = redshiftFakeUnavailable();
  if (reason !== null) throw new Error(reason);
  const postgres = await startPostgresServer();
  const { host, port, user, password, database } = postgres.config;
  const fake = await RedshiftDataFake.start({ ...options, postgres: { host, port, user, password, database } });
  return { fake, postgres, stop: async () => { await fake.close(); await postgres.stop(); } };
}
