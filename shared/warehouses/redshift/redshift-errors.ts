/**
 * Redshift failures → DataPipe errors, in one place. A failure arrives either as a Data API
 * exception (the SDK's ServiceException: `name` is the error shape,
 * https://docs.aws.amazon.com/redshift-data/latest/APIReference/CommonErrors.html and each
 * operation's Errors section), as a socket or credentials error, or as a statement that ended
 * FAILED or ABORTED with Redshift's error text (SQL errors are never thrown by the API).
 */
import { ContractError, DataPipeError, TerminalError, TransientError } from '../../errors.js';
import { isTransientSocketError } from '../../retry.js';
import { failIfMarker } from './redshift-dialect.js';

/** What kind of statement failed: it decides whose fault a SQL error is. */
export type StatementOrigin = 'ddl' | 'copy' | 'convert' | 'query' | 'commit' | 'cleanup';

/** Where a failure happened, for the message and its fix. */
export interface FailureContext {
  /** What was being done: "loading ventas run 42 into Redshift workgroup wg, database dev". */
  doing: string;
  origin: StatementOrigin;
  /** "workgroup wg" or "cluster c1", for the fixes. */
  target: string;
  schema: string;
  iamRole: string;
}

/** A statement that ended FAILED or ABORTED. */
export interface FailedStatement {
  id: string;
  status: string;
  /** Redshift's text (`ERROR: …`). */
  error: string;
  /** The failing statement (a batch's failing sub-statement) and its RedshiftQueryId. */
  sql?: string;
  queryId?: number;
}

/** API errors a later try can get past: throttling, quotas of concurrent work, the service's own faults. */
const TRANSIENT_API = new Set([
  'ThrottlingException', 'TooManyRequestsException', 'ActiveStatementsExceededException', 'ActiveSessionsExceededException',
  'ActiveWaitingRequestsExceededException', 'InternalServerException', 'DatabaseConnectionException',
  'ExecuteStatementException', 'BatchExecuteStatementException', 'QueryTimeoutException', 'ServiceUnavailableException',
  'RequestTimeout', 'RequestTimeoutException', 'TimeoutError',
]);

/** Credentials missing, rejected or expired. */
const CREDENTIALS = new Set(['CredentialsProviderError', 'UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException', 'InvalidClientTokenId']);

/** Statement errors a new transaction may not meet again: conflicts, cancellations, node trouble. */
const TRANSIENT_SQL = [
  /\b1023\b|serializable isolation violation|could not serialize access/i,
  /deadlock detected|could not obtain lock|lock timeout|canceling statement due to lock/i,
  /cancell?ed (on user's request|by WLM)|query \(\d+\) cancell?ed|WLM|statement timeout/i,
  /disk full|out of memory|connection (?:was )?(?:lost|reset|closed)|terminating connection|server closed the connection/i,
  /duplicate key value violates unique constraint "pg_(?:type|class)/i,
];
/** A value COPY could not load: the load-error tables say which. */
const LOAD_REJECTED = /Load into table '[^']*' failed/i;
/** A listed part that is not in the bucket. */
const PART_MISSING = /(?:Load file|S3 file|file) .*(?:not found|does not exist)|mandatory/i;
const MANIFEST_UNREADABLE = /Problem reading manifest file/i;
/** COPY may not read the bucket with the IAM role. */
const S3_DENIED = /S3ServiceException:Access Denied|AccessDenied|not authorized to (?:assume|get credentials of) role|Not authorized to get credentials/i;
const PERMISSION = /permission denied/i;
const NO_SCHEMA = /schema "([^"]+)" does not exist/i;
/** A text value that does not convert to its target type. */
const CONVERSION = /invalid input syntax|invalid digit|out of range|overflow|invalid (?:date|timestamp)|date\/time field value|not a valid/i;
const INTEGER_CAST = /invalid input syntax for (?:type )?integer|invalid digit/i;

/** The one line a user sees when the default provider chain finds nothing. */
export const NO_CREDENTIALS_MESSAGE =
  'AWS credentials: none found — the loader uses the default provider chain: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY locally, ' +
  'or give the pod an IAM role (IRSA / EKS Pod Identity); never key files in the image';

/** A COPY that rejected a value; the session adds the load-error row (redshift-session.ts). */
export class CopyRejectedError extends ContractError {
  constructor(message: string, readonly queryId: number | undefined, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A statement that outlived its deadline and was cancelled: exit 1, not retried in this process. */
export class StatementDeadlineError extends TransientError {}

/** The Data API exception's name, or null for anything else. */
export function apiErrorName(error: unknown): string | null {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== 'Error' ? name : null;
}

/** Redshift's text without `ERROR: ` and anything after its first line. */
export function redshiftMessage(text: string): string {
  const first = text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? text;
  return first.replace(/^(?:ERROR|FATAL):\s*/, '');
}

/**
 * A Data API exception, socket or credentials error as a DataPipe error. `onSession`: the call
 * named a SessionId, so a missing resource is the session (it expired or was closed).
 */
export function classifyApiError(error: unknown, ctx: FailureContext, onSession = false): DataPipeError {
  if (error instanceof DataPipeError) return error;
  const name = apiErrorName(error) ?? '';
  const text = error instanceof Error ? error.message : String(error);
  const line = `${ctx.doing}: ${name ? `${name}: ` : ''}${redshiftMessage(text)}`;
  const options = { cause: error };
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  if (name === 'CredentialsProviderError') return new TerminalError(NO_CREDENTIALS_MESSAGE, options);
  if (CREDENTIALS.has(name)) return new TerminalError(`${line} — the AWS credentials were rejected; refresh them (aws sso login) or check the pod's IAM role`, options);
  if (TRANSIENT_API.has(name) || isTransientSocketError(error)) return new TransientError(line, options);
  if (name === 'AccessDeniedException' || status === 403) {
    return new TerminalError(
      `${line} — allow the loader's identity redshift-data:ExecuteStatement, BatchExecuteStatement, DescribeStatement, GetStatementResult and ` +
        `CancelStatement, plus redshift-serverless:GetCredentials (workgroup), redshift:GetClusterCredentialsWithIAM / GetClusterCredentials (cluster) ` +
        'or secretsmanager:GetSecretValue (secret_arn)', options,
    );
  }
  if (name === 'ResourceNotFoundException' && onSession) {
    return new TransientError(`${line} — the Data API session of this load ended (closed or expired); the load starts over on retry`, options);
  }
  if (name === 'ResourceNotFoundException' || name === 'ValidationException') {
    return new TerminalError(`${line} — check destination.aws.redshift (${ctx.target}, database) and destination.aws.region in config.yaml`, options);
  }
  if ((error as { code?: unknown } | null)?.code === 'ENOTFOUND') {
    return new TerminalError(`${line} — the Redshift Data API endpoint does not resolve; check destination.aws.region (and AWS_ENDPOINT_URL_REDSHIFT_DATA if set)`, options);
  }
  // errors.ts: the unknown is transient, the safe default (a garbled answer, an unlisted 5xx).
  return new TransientError(line, options);
}

/** A FAILED or ABORTED statement as a DataPipe error, its fix named where there is one. */
export function classifyFailedStatement(failed: FailedStatement, ctx: FailureContext): DataPipeError {
  const reason = redshiftMessage(failed.error || `the statement ended ${failed.status} without a message`);
  const line = `${ctx.doing}: ${reason}`;
  const marker = failed.sql ? failIfMarker(failed.sql) : null;
  if (marker && (INTEGER_CAST.test(reason) || reason.includes(marker))) return new TerminalError(`${ctx.doing}: ${marker} (${reason})`);
  if (failed.status === 'ABORTED' || TRANSIENT_SQL.some((p) => p.test(reason))) return new TransientError(line);
  if (ctx.origin === 'copy') {
    if (LOAD_REJECTED.test(reason)) return new CopyRejectedError(line, failed.queryId);
    if (MANIFEST_UNREADABLE.test(reason)) return new TransientError(`${line} — the COPY manifest the loader just wrote could not be read; retry`);
    if (S3_DENIED.test(reason)) {
      return new TerminalError(
        `${line} — COPY reads the bucket as IAM role ${ctx.iamRole}: associate it with the ${ctx.target} and allow it s3:GetObject and s3:ListBucket on the staging bucket`,
      );
    }
    if (PART_MISSING.test(reason)) return new ContractError(`${line} — a staged file the manifests list is missing; re-run the extractor for this run`);
  }
  if (ctx.origin === 'convert' && CONVERSION.test(reason)) {
    return new ContractError(`${line} — a staged value does not convert to its column's type; re-run the extractor with the committed schema`);
  }
  const schema = NO_SCHEMA.exec(reason);
  if (schema) return new TerminalError(`${line} — create it (CREATE SCHEMA ${schema[1]}) or fix destination.aws.redshift.schema`);
  if (PERMISSION.test(reason)) {
    return new TerminalError(`${line} — grant the loader's database user CREATE and USAGE on schema ${ctx.schema} and SELECT, INSERT, UPDATE, DELETE on its tables`);
  }
  // What is left is a statement of ours Redshift refuses: retrying runs the same SQL again.
  return new TerminalError(line);
}
