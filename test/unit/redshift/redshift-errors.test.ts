/**
 * The one classification of Redshift failures (shared/warehouses/redshift/redshift-errors.ts):
 * Data API exceptions by name, socket and credentials errors, and FAILED statements by their
 * text and origin — each to its exit code and the line a user sees.
 */
import { describe, expect, it } from 'vitest';
import { ContractError, DataPipeError, EXIT, TerminalError, TransientError } from '../../../shared/errors.js';
import {
  classifyApiError, classifyFailedStatement, CopyRejectedError, NO_CREDENTIALS_MESSAGE, type FailureContext, type StatementOrigin,
} from '../../../shared/warehouses/redshift/redshift-errors.js';
import { REDSHIFT_DIALECT } from '../../../shared/warehouses/redshift/redshift-dialect.js';

const ctx = (origin: StatementOrigin = 'query'): FailureContext => ({
  doing: 'loading ventas run R1 into Redshift workgroup wg, database dev', origin, target: 'workgroup wg', schema: 'raw', iamRole: 'arn:aws:iam::1:role/copy',
});

/** An SDK ServiceException's shape: name, message, $fault, $metadata. */
function apiError(name: string, status: number, message = `${name} happened`): Error {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

const failed = (error: string, extra: { sql?: string; status?: string; queryId?: number } = {}) => ({ id: 'id-1', status: extra.status ?? 'FAILED', error, ...extra });

describe('Data API exceptions', () => {
  it.each([
    ['ThrottlingException', 400], ['ActiveStatementsExceededException', 400], ['ActiveSessionsExceededException', 400],
    ['InternalServerException', 500], ['DatabaseConnectionException', 500], ['ExecuteStatementException', 500],
  ])('%s is transient (exit 1)', (name, status) => {
    const error = classifyApiError(apiError(name, status), ctx());
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe(`loading ventas run R1 into Redshift workgroup wg, database dev: ${name}: ${name} happened`);
  });

  it('ValidationException and ResourceNotFoundException are configuration errors (exit 2) naming what to check', () => {
    const error = classifyApiError(apiError('ValidationException', 400, 'Workgroup wg not found'), ctx());
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.exitCode).toBe(EXIT.usage);
    expect(error.message).toBe('loading ventas run R1 into Redshift workgroup wg, database dev: ValidationException: Workgroup wg not found — ' +
      'check destination.aws.redshift (workgroup wg, database) and destination.aws.region in config.yaml');
    expect(classifyApiError(apiError('ResourceNotFoundException', 404), ctx())).toBeInstanceOf(TerminalError);
  });

  it('a vanished session is transient: the load starts over in a new one', () => {
    const error = classifyApiError(apiError('ResourceNotFoundException', 404, 'Session x is closed or does not exist'), ctx(), true);
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/the Data API session of this load ended/);
  });

  it('AccessDenied names the IAM actions; missing credentials say how the chain finds them', () => {
    const denied = classifyApiError(apiError('AccessDeniedException', 403, 'User is not authorized'), ctx());
    expect(denied).toBeInstanceOf(TerminalError);
    expect(denied.message).toMatch(/redshift-data:ExecuteStatement, BatchExecuteStatement, DescribeStatement, GetStatementResult and CancelStatement, plus redshift-serverless:GetCredentials/);
    expect(classifyApiError(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), ctx()))
      .toEqual(new TerminalError(NO_CREDENTIALS_MESSAGE));
  });

  it('socket failures are transient, an endpoint that does not resolve is configuration', () => {
    expect(classifyApiError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), ctx())).toBeInstanceOf(TransientError);
    expect(classifyApiError(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }), ctx())).toBeInstanceOf(TerminalError);
    const ours = new ContractError('already classified');
    expect(classifyApiError(ours, ctx())).toBe(ours);
  });
});

describe('FAILED statements', () => {
  it('serialization and lock conflicts, cancellations and lost connections are transient', () => {
    for (const text of [
      'ERROR: 1023 DETAIL: Serializable isolation violation on table - 123, transactions forming the cycle are: 1, 2',
      'ERROR: could not serialize access due to concurrent update',
      'ERROR: deadlock detected',
      "ERROR: Query (12345) cancelled on user's request",
      'ERROR: Disk Full',
    ]) {
      expect(classifyFailedStatement(failed(text), ctx('commit'))).toBeInstanceOf(TransientError);
    }
    expect(classifyFailedStatement(failed('', { status: 'ABORTED' }), ctx('commit'))).toBeInstanceOf(TransientError);
  });

  it('a COPY that rejected a value is a contract error carrying the query id for the load-error row', () => {
    const error = classifyFailedStatement(failed("ERROR: Load into table '_datapipe_raw' failed. Check 'stl_load_errors' system table for details.", { queryId: 42 }), ctx('copy'));
    expect(error).toBeInstanceOf(CopyRejectedError);
    expect((error as CopyRejectedError).queryId).toBe(42);
    expect(error.exitCode).toBe(EXIT.contract);
  });

  it('COPY: a missing part is a contract error, a denied bucket names the IAM role, an unreadable manifest is transient', () => {
    const missing = classifyFailedStatement(failed('ERROR: Load file s3://b/k/part-1.avro not found: it is mandatory in the manifest'), ctx('copy'));
    expect(missing).toBeInstanceOf(ContractError);
    expect(missing.message).toMatch(/a staged file the manifests list is missing; re-run the extractor for this run$/);
    const denied = classifyFailedStatement(failed('ERROR: S3ServiceException:Access Denied,Status 403,Error AccessDenied'), ctx('copy'));
    expect(denied).toBeInstanceOf(TerminalError);
    expect(denied.message).toMatch(/COPY reads the bucket as IAM role arn:aws:iam::1:role\/copy: associate it with the workgroup wg and allow it s3:GetObject and s3:ListBucket/);
    expect(classifyFailedStatement(failed('ERROR: Problem reading manifest file - S3ServiceException:The specified key does not exist.'), ctx('copy'))).toBeInstanceOf(TransientError);
  });

  it('the continuity check failing is recognised by its statement, whatever Redshift\'s cast error says', () => {
    const sql = REDSHIFT_DIALECT.failIf('TRUE', 'datapipe_stale_run');
    for (const text of ["ERROR: Invalid digit, Value 'd', Pos 0, Type: Integer", 'ERROR: invalid input syntax for type integer: "datapipe_stale_run"']) {
      const error = classifyFailedStatement(failed(text, { sql }), ctx('commit'));
      expect(error).toBeInstanceOf(TerminalError);
      expect(error.message).toContain('datapipe_stale_run');
    }
  });

  it('a conversion failure of the typed stage is the data\'s fault; other SQL errors of ours are terminal', () => {
    expect(classifyFailedStatement(failed('ERROR: date/time field value out of range: "2024-02-30"'), ctx('convert'))).toBeInstanceOf(ContractError);
    const schema = classifyFailedStatement(failed('ERROR: schema "raw" does not exist'), ctx('ddl'));
    expect(schema.message).toBe('loading ventas run R1 into Redshift workgroup wg, database dev: schema "raw" does not exist — create it (CREATE SCHEMA raw) or fix destination.aws.redshift.schema');
    expect(classifyFailedStatement(failed('ERROR: permission denied for schema raw'), ctx('ddl')).message).toMatch(/grant the loader's database user CREATE and USAGE on schema raw/);
    const ours = classifyFailedStatement(failed('ERROR: syntax error at or near "MERGE"\nDETAIL: …'), ctx('commit'));
    expect(ours).toEqual(new TerminalError('loading ventas run R1 into Redshift workgroup wg, database dev: syntax error at or near "MERGE"'));
    expect(ours).toBeInstanceOf(DataPipeError);
  });
});
