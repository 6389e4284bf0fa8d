/**
 * One classification of Databricks failures (shared/warehouses/databricks/databricks-errors.ts):
 * HTTP answers, FAILED statements by SQLSTATE and error class, socket errors — each to the exit
 * code and the one line a user sees. Messages and SQLSTATEs as Databricks and the Spark twin write them.
 */
import { describe, expect, it } from 'vitest';
import { ContractError, TerminalError, TransientError } from '../../../shared/errors.js';
import {
  classifyDatabricksError, DatabricksHttpError, StatementFailedError, type FailureContext,
} from '../../../shared/warehouses/databricks/databricks-errors.js';

const CTX: FailureContext = {
  doing: 'loading ventas run R1 into Databricks main.raw', host: 'adb-1.2.azuredatabricks.net', httpPath: '/sql/1.0/warehouses/abc',
  schema: 'main.raw', authFix: 'check destination.azure.databricks.token (DATABRICKS_TOKEN)',
};

const http = (status: number, code: string, message: string, request: DatabricksHttpError['request'] = 'submit') => classifyDatabricksError(new DatabricksHttpError(status, code, message, request), CTX);
const failed = (sqlState: string | undefined, message: string, state = 'FAILED') => classifyDatabricksError(new StatementFailedError(state, sqlState, 'BAD_REQUEST', message, '01ef-1'), CTX);
const socket = (code: string) => classifyDatabricksError(Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(`connect ${code}`), { code }) }), CTX);

describe('classifyDatabricksError', () => {
  it('HTTP: refused credentials and an unknown warehouse are exit 2 naming the setting; throttling and 5xx are exit 1', () => {
    const token = http(403, '403', 'Invalid access token.');
    expect(token).toEqual(new TerminalError(`${CTX.doing}: Databricks refused the credentials (HTTP 403: Invalid access token.) — ${CTX.authFix}`));
    expect(http(401, '401', 'Credential was not sent or was of an unsupported type for this API. [ReqId: x]').message)
      .toBe(`${CTX.doing}: Databricks refused the credentials (HTTP 401: Credential was not sent or was of an unsupported type for this API. [ReqId: x]) — ${CTX.authFix}`);
    const denied = http(403, 'PERMISSION_DENIED', 'User is not allowed to use warehouse abc');
    expect(denied).toBeInstanceOf(TerminalError);
    expect(denied.message).toBe(`${CTX.doing}: HTTP 403 PERMISSION_DENIED (User is not allowed to use warehouse abc) — grant the loader's identity CAN USE on the SQL warehouse /sql/1.0/warehouses/abc (and workspace access)`);
    expect(http(404, 'RESOURCE_DOES_NOT_EXIST', 'Warehouse abc does not exist').message)
      .toBe(`${CTX.doing}: no SQL warehouse answers at adb-1.2.azuredatabricks.net/sql/1.0/warehouses/abc (Warehouse abc does not exist) — check destination.azure.databricks.http_path and host`);
    expect(http(404, 'NOT_FOUND', 'Statement x not found', 'poll')).toBeInstanceOf(TransientError);
    for (const [status, code] of [[429, 'REQUEST_LIMIT_EXCEEDED'], [503, 'TEMPORARILY_UNAVAILABLE'], [500, 'INTERNAL_ERROR'], [502, ''], [504, '']] as const) {
      expect(http(status, code, 'busy')).toBeInstanceOf(TransientError);
    }
    expect(http(400, 'INVALID_PARAMETER_VALUE', 'wait_timeout must be 0s or between 5s and 50s')).toBeInstanceOf(TerminalError);
  });

  it('network: a host that does not resolve is exit 2 naming it; a dropped or refused connection, a timeout, exit 1', () => {
    expect(socket('ENOTFOUND')).toEqual(new TerminalError(`${CTX.doing}: the workspace host adb-1.2.azuredatabricks.net does not resolve — check destination.azure.databricks.host`));
    expect(socket('ECONNRESET')).toEqual(new TransientError(`${CTX.doing}: fetch failed (ECONNRESET)`));
    expect(classifyDatabricksError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'), CTX)).toBeInstanceOf(TransientError);
  });

  it('our failIf marker reaches the protocol in the message (exit 2 until the protocol names the stale run)', () => {
    const stale = failed('P0001', '[USER_RAISED_EXCEPTION] datapipe_stale_run SQLSTATE: P0001');
    expect(stale).toEqual(new TerminalError(`${CTX.doing}: [USER_RAISED_EXCEPTION] datapipe_stale_run SQLSTATE: P0001`));
  });

  it('FAILED: Delta\'s concurrent-writer conflicts and internal errors are exit 1 (submitted again)', () => {
    const conflict = failed('2D521', '[DELTA_CONCURRENT_APPEND] ConcurrentAppendException: Files were added to the root of the table by a concurrent update. Please try the operation again.');
    expect(conflict).toBeInstanceOf(TransientError);
    expect(conflict.message).toMatch(/ — another writer changed the table first; retrying$/);
    expect(failed(undefined, 'io.delta.exceptions.ConcurrentDeleteReadException: This transaction attempted to read one or more files that were deleted')).toBeInstanceOf(TransientError);
    expect(failed('XX000', '[INTERNAL_ERROR] something broke')).toBeInstanceOf(TransientError);
    expect(failed('42P07', '[TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create table or view `main`.`raw`.`t`')).toBeInstanceOf(TransientError);
    expect(failed(undefined, 'canceled', 'CANCELED')).toEqual(new TransientError(`${CTX.doing}: statement 01ef-1 was CANCELED by someone else before it finished; run the load again`));
  });

  it('FAILED: a missing part, a value that does not fit, an unreadable file are exit 3', () => {
    expect(failed('42K03', '[PATH_NOT_FOUND] Path does not exist: abfss://staging@acme.dfs.core.windows.net/p/run=R1/part-1.avro. SQLSTATE: 42K03'))
      .toEqual(new ContractError(`${CTX.doing}: [PATH_NOT_FOUND] Path does not exist: abfss://staging@acme.dfs.core.windows.net/p/run=R1/part-1.avro. SQLSTATE: 42K03 — a staged part the manifests list is missing; re-run the extractor for this run`));
    for (const [state, message] of [
      ['22003', '[DECIMAL_PRECISION_EXCEEDS_MAX_PRECISION] Decimal precision 40 exceeds max precision 38. SQLSTATE: 22003'],
      ['22018', '[CAST_INVALID_INPUT] The value \'x\' of the type "STRING" cannot be cast to "INT" because it is malformed.'],
      ['23502', '[DELTA_NOT_NULL_CONSTRAINT_VIOLATED] NOT NULL constraint violated for column: id.'],
      ['23K01', '[MERGE_CARDINALITY_VIOLATION] The ON search condition of the MERGE statement matched a single row from the target table with multiple rows of the source table.'],
      ['KD001', '[FAILED_READ_FILE.NO_HINT] Encountered error while reading file abfss://staging@acme.dfs.core.windows.net/p/part-1.avro.  SQLSTATE: KD001'],
    ] as const) {
      const error = failed(state, message);
      expect(error).toBeInstanceOf(ContractError);
      expect(error.message).toBe(`${CTX.doing}: ${message} — the staged data does not fit the table; fix the source rows or the schema, then re-run the extractor`);
    }
  });

  it('FAILED: storage the warehouse may not read, missing grants, a missing schema are exit 2 with the fix', () => {
    const storage = failed('42501', '[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have READ FILES on External Location \'staging\'.');
    expect(storage).toBeInstanceOf(TerminalError);
    expect(storage.message).toMatch(/ — the SQL warehouse cannot read the staging container: create a Unity Catalog external location on it \(a storage credential with Storage Blob Data Reader\) and GRANT READ FILES ON EXTERNAL LOCATION to the loader's identity$/);
    expect(failed(undefined, 'Failure to initialize configuration for storage account acme.dfs.core.windows.net: Invalid configuration value detected for fs.azure.account.key').message)
      .toMatch(/create a Unity Catalog external location on it/);
    const grants = failed('42501', '[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have MODIFY on Table \'main.raw.ventas\'.');
    expect(grants.message).toMatch(/ — grant the loader's identity USE CATALOG on the catalog, USE SCHEMA and CREATE TABLE on main\.raw, and SELECT and MODIFY on its tables$/);
    const schema = failed('42704', '[SCHEMA_NOT_FOUND] The schema `main`.`raw` cannot be found. SQLSTATE: 42704');
    expect(schema).toEqual(new TerminalError(`${CTX.doing}: [SCHEMA_NOT_FOUND] The schema \`main\`.\`raw\` cannot be found. SQLSTATE: 42704 — create it (CREATE SCHEMA main.raw) or fix destination.azure.databricks.catalog and schema`));
    expect(failed('42P01', '[TABLE_OR_VIEW_NOT_FOUND] The table or view `main`.`raw`.`t` cannot be found.')).toBeInstanceOf(TerminalError);
    expect(failed('42601', "[PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'.")).toBeInstanceOf(TerminalError);
  });
});
