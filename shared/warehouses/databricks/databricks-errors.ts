/**
 * Databricks failures → DataPipe errors, in one place. A failure reaches the loader as an HTTP
 * answer other than 200 (`{error_code, message}`), as a statement that ended FAILED
 * (`status.error.message` and `status.sql_state`), or as a socket error; the kind decides the exit
 * code. SQLSTATEs and error classes are Databricks' (https://learn.microsoft.com/azure/databricks/error-messages/,
 * https://learn.microsoft.com/azure/databricks/error-messages/sqlstates); the Statement Execution
 * API's answers are in https://docs.databricks.com/api/workspace/statementexecution.
 */
import { ContractError, DataPipeError, TerminalError, TransientError } from '../../errors.js';
import { errorCodes, isTransientSocketError } from '../../retry.js';

/** An answer other than 200 from the API: its HTTP status and `{error_code, message}`. */
export class DatabricksHttpError extends Error {
  constructor(readonly status: number, readonly errorCode: string, message: string, readonly request: 'submit' | 'poll' | 'cancel' | 'chunk') {
    super(message);
  }
}

/** A statement that ended FAILED, CANCELED or CLOSED. */
export class StatementFailedError extends Error {
  constructor(readonly state: string, readonly sqlState: string | undefined, readonly errorCode: string | undefined, message: string, readonly statementId: string) {
    super(message);
  }
}

/** A statement that did not finish in time; it was canceled. Not retried: the next attempt would take as long. */
export class StatementTimeoutError extends TransientError {}

/** Where a failure happened, for the message and its fix. */
export interface FailureContext {
  /** What was being done: "loading ventas run R1 into Databricks main.raw (merge)". */
  doing: string;
  /** `destination.azure.databricks.host` and `http_path`, named by the fixes. */
  host: string;
  httpPath: string;
  /** `catalog.schema`. */
  schema: string;
  /** What to check when the credentials are refused (the token source's fix). */
  authFix: string;
}

/** Error codes and HTTP statuses the API documents as worth retrying. */
const RETRY_CODES = new Set(['TEMPORARILY_UNAVAILABLE', 'RESOURCE_EXHAUSTED', 'REQUEST_LIMIT_EXCEEDED', 'DEADLINE_EXCEEDED', 'INTERNAL_ERROR', 'ABORTED']);
const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Delta's optimistic concurrency: another writer committed first (ConcurrentAppendException and
 * its siblings, SQLSTATE 2D521 — https://learn.microsoft.com/azure/databricks/optimizations/isolation-level).
 * The statement changed nothing; running it again is the fix.
 */
const CONCURRENT = /DELTA_CONCURRENT_|Concurrent(?:Append|DeleteRead|DeleteDelete|Transaction|Write)Exception|DELTA_METADATA_CHANGED|MetadataChangedException|DELTA_PROTOCOL_CHANGED|ProtocolChangedException/;
/** Storage the warehouse may not read: no external location, no READ FILES, a credential Azure refuses. */
const STORAGE_DENIED = /READ FILES|EXTERNAL[ _]LOCATION|storage credential|AbfsRestOperationException|This request is not authorized|AuthorizationPermissionMismatch|Failure to initialize configuration for storage account/i;
/** A part the manifests list that is not there. */
const PATH_MISSING = /^\[(?:PATH_NOT_FOUND|CLOUD_FILE_SOURCE_FILE_NOT_FOUND)\]|FileNotFoundException/;
const ERROR_CLASS = /^\[([A-Z0-9_.]+)\]/;

/** The first line of a message, our own whitespace trimmed. */
function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? text;
}

/**
 * The DataPipe error for a Databricks failure: one line saying what was being done, what
 * Databricks said, and the fix where there is one. Our own errors pass through; anything not
 * recognised is transient (errors.ts: the safe default).
 */
export function classifyDatabricksError(error: unknown, ctx: FailureContext): DataPipeError {
  if (error instanceof DataPipeError) return error;
  if (error instanceof DatabricksHttpError) return httpFailure(error, ctx);
  if (error instanceof StatementFailedError) return statementFailure(error, ctx);
  const text = error instanceof Error ? error.message : String(error);
  if (errorCodes(error).includes('ENOTFOUND')) {
    return new TerminalError(`${ctx.doing}: the workspace host ${ctx.host} does not resolve — check destination.azure.databricks.host`, { cause: error });
  }
  if (isTransientSocketError(error) || (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))) {
    return new TransientError(`${ctx.doing}: ${firstLine(text)} (${errorCodes(error)[0] ?? 'network'})`, { cause: error });
  }
  return new TransientError(`${ctx.doing}: ${firstLine(text)}`, { cause: error });
}

function httpFailure(error: DatabricksHttpError, ctx: FailureContext): DataPipeError {
  const { status, errorCode } = error;
  const line = `${ctx.doing}: HTTP ${status} ${errorCode ? `${errorCode} ` : ''}(${firstLine(error.message)})`;
  const options = { cause: error };
  if (RETRY_STATUSES.has(status) || RETRY_CODES.has(errorCode)) return new TransientError(line, options);
  // A missing or refused token is 401, or 403 "Invalid access token." (seen from the workspace).
  if (status === 401 || (status === 403 && /invalid access token|token/i.test(error.message))) {
    return new TerminalError(`${ctx.doing}: Databricks refused the credentials (HTTP ${status}: ${firstLine(error.message)}) — ${ctx.authFix}`, options);
  }
  if (status === 403) {
    return new TerminalError(`${line} — grant the loader's identity CAN USE on the SQL warehouse ${ctx.httpPath} (and workspace access)`, options);
  }
  if (status === 404 && error.request === 'submit') {
    return new TerminalError(
      `${ctx.doing}: no SQL warehouse answers at ${ctx.host}${ctx.httpPath} (${firstLine(error.message)}) — check destination.azure.databricks.http_path and host`,
      options,
    );
  }
  // A statement that vanished while polled (terminal statements expire after hours): try again.
  if (status === 404) return new TransientError(line, options);
  return new TerminalError(line, options);
}

function statementFailure(error: StatementFailedError, ctx: FailureContext): DataPipeError {
  const message = firstLine(error.message);
  const sqlState = error.sqlState ?? '';
  const errorClass = ERROR_CLASS.exec(message)?.[1] ?? '';
  const line = `${ctx.doing}: ${message}`;
  const options = { cause: error };
  if (error.state !== 'FAILED') {
    return new TransientError(`${ctx.doing}: statement ${error.statementId} was ${error.state} by someone else before it finished; run the load again`, options);
  }
  // Our own failIf (raise_error): the protocol reads its marker in the message.
  if (errorClass === 'USER_RAISED_EXCEPTION' || sqlState === 'P0001') return new TerminalError(line, options);
  if (CONCURRENT.test(message) || sqlState === '2D521') return new TransientError(`${line} — another writer changed the table first; retrying`, options);
  if (PATH_MISSING.test(message) || sqlState === '42K03') {
    return new ContractError(`${line} — a staged part the manifests list is missing; re-run the extractor for this run`, options);
  }
  if (STORAGE_DENIED.test(message)) {
    return new TerminalError(
      `${line} — the SQL warehouse cannot read the staging container: create a Unity Catalog external location on it ` +
        '(a storage credential with Storage Blob Data Reader) and GRANT READ FILES ON EXTERNAL LOCATION to the loader\'s identity',
      options,
    );
  }
  if (sqlState === '42501' || /^(?:INSUFFICIENT_PERMISSIONS|PERMISSION_DENIED|UNAUTHORIZED_ACCESS)/.test(errorClass)) {
    return new TerminalError(
      `${line} — grant the loader's identity USE CATALOG on the catalog, USE SCHEMA and CREATE TABLE on ${ctx.schema}, and SELECT and MODIFY on its tables`,
      options,
    );
  }
  if (/^(?:SCHEMA_NOT_FOUND|CATALOG_NOT_FOUND|NO_SUCH_CATALOG_EXCEPTION)/.test(errorClass) || sqlState === '42704') {
    return new TerminalError(`${line} — create it (CREATE SCHEMA ${ctx.schema}) or fix destination.azure.databricks.catalog and schema`, options);
  }
  // Two loaders creating the same table at once: the next attempt finds it.
  if (sqlState === '42P07') return new TransientError(line, options);
  // Class 22 (data exception: overflow, cast, datetime), 23 (constraint: NOT NULL, MERGE cardinality)
  // and the file readers' KD0xx: the staged values do not fit the table.
  if (/^(?:22|23|KD)/.test(sqlState)) {
    return new ContractError(`${line} — the staged data does not fit the table; fix the source rows or the schema, then re-run the extractor`, options);
  }
  // Internal errors (XX…), a warehouse restarting: worth another try.
  if (sqlState.startsWith('XX') || sqlState.startsWith('08') || sqlState === '') return new TransientError(line, options);
  return new TerminalError(line, options);
}
