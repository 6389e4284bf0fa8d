/**
 * Classifies what @aws-sdk/client-s3 3.1178 throws (docs/style.md §7), in one place: which failures
 * are worth another attempt (the retry strategy asks `isRetryableS3Error`), and the one line a
 * user reads for each that is left. S3's answers arrive as service exceptions named by S3's error
 * code (`NoSuchBucket`, `AccessDenied`, `SlowDown`…, with `$metadata.httpStatusCode`; a HEAD answer
 * has no body, so only `NotFound`/`Forbidden`/the status); the network's as Node socket errors
 * (`code: 'ECONNRESET'`), the SDK's timeouts as `TimeoutError`, a failed credential chain as
 * `CredentialsProviderError`. https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 *
 * The error kept as `cause` is a scrubbed copy: SDK errors carry the raw response (`$response`)
 * and, for a signature mismatch, the string S3 expected to be signed with the access key id.
 */
import { DataPipeError, PreconditionFailedError, TerminalError, TransientError } from '../../errors.js';
import { errorCodes, isTransientSocketError } from '../../retry.js';

/** What a store operation needs from S3, named in the one line the user reads. */
export type S3Operation = 'uploading' | 'writing' | 'reading' | 'listing' | 'deleting';

/** What was being done, and to what. */
export interface S3ErrorContext {
  operation: S3Operation;
  bucket: string;
  /** destination.aws.region, to tell a wrong one. */
  region: string;
  /** `s3://bucket/key`, or `s3://bucket/prefix*` for a listing. */
  target: string;
}

/** The IAM actions each operation needs, for the AccessDenied fix. https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html */
const GRANTS: Record<S3Operation, (bucket: string) => string> = {
  uploading: (b) => `s3:PutObject and s3:AbortMultipartUpload on arn:aws:s3:::${b}/*`,
  writing: (b) => `s3:PutObject on arn:aws:s3:::${b}/*`,
  reading: (b) => `s3:GetObject on arn:aws:s3:::${b}/* and s3:ListBucket on arn:aws:s3:::${b} (without s3:ListBucket a key that does not exist also answers 403)`,
  listing: (b) => `s3:ListBucket on arn:aws:s3:::${b}`,
  deleting: (b) => `s3:DeleteObject on arn:aws:s3:::${b}/*`,
};

/** S3 and AWS error codes that mean "slow down" or "try again". */
const RETRYABLE_CODES = new Set([
  'SlowDown', 'Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottled', 'RequestThrottledException',
  'TooManyRequestsException', 'RequestLimitExceeded', 'BandwidthLimitExceeded', 'RequestTimeout', 'RequestTimeoutException',
  'InternalError', 'ServiceUnavailable', 'TimeoutError',
]);
/** Answers about the credentials themselves (not about what they may do). */
const REJECTED_CREDENTIALS = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'TokenRefreshRequired']);
/** S3 refusing a body whose declared checksum or digest it could not confirm: nothing was written. */
const ALTERED_BODY = new Set(['BadDigest', 'InvalidDigest', 'XAmzContentChecksumMismatch', 'XAmzContentSHA256Mismatch']);
/** The SDK's own messages when a response body fails its CRC32 check or ends early. */
const READ_MISMATCH = /^Checksum mismatch/;
const READ_CUT = /^Connection lost or stream closed before all data was received/;

/** The HTTP status of an S3 answer; undefined when there was none (network, credentials). */
export function statusOf(error: unknown): number | undefined {
  const e = error as { $metadata?: { httpStatusCode?: unknown }; $response?: { statusCode?: unknown } } | null;
  const status = e?.$metadata?.httpStatusCode ?? e?.$response?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** S3's error code (`NoSuchBucket`, `SlowDown`…), or the SDK's name for a bodiless answer. */
export function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { Code, name, $metadata } = error as { Code?: unknown; name?: unknown; $metadata?: unknown };
  if (typeof Code === 'string' && Code !== '') return Code;
  return $metadata !== undefined && typeof name === 'string' && name !== 'Error' ? name : undefined;
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** S3's one-line explanation, capped; empty where S3 sent none (HEAD answers say `UnknownError`). */
function detailOf(error: unknown): string {
  const line = messageOf(error).split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  if (line === 'UnknownError' || line === codeOf(error)) return '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** `HTTP 503 SlowDown: Please reduce your request rate.`, `ECONNRESET`, …: a failure in a few words, for logs. */
export function describeS3Error(error: unknown): string {
  const status = statusOf(error);
  if (status !== undefined) {
    const code = codeOf(error);
    const detail = detailOf(error);
    return [`HTTP ${status}`, code, detail === '' ? undefined : `(${detail})`].filter(Boolean).join(' ');
  }
  return errorCodes(error)[0] ?? (detailOf(error) || 'no answer');
}

/**
 * Whether a failed request is worth another attempt: throttling (503 SlowDown, 429), server
 * errors (5xx but 501), S3's 400 RequestTimeout, timeouts and dropped or refused connections.
 * Never: other 4xx answers (a missing bucket, denied access, a lost precondition race), missing
 * credentials, a name that does not resolve (a configuration error, see shared/retry.ts).
 */
export function isRetryableS3Error(error: unknown): boolean {
  const status = statusOf(error);
  const code = codeOf(error);
  if (code !== undefined && RETRYABLE_CODES.has(code)) return true;
  if (status !== undefined) return status === 429 || (status >= 500 && status !== 501);
  if ((error as { name?: unknown } | null)?.name === 'TimeoutError') return true;
  return isTransientSocketError(error);
}

/** The bucket named in the config does not exist. */
export function bucketMissingError(bucket: string, region: string, cause?: unknown): TerminalError {
  return new TerminalError(
    `S3 bucket ${bucket} does not exist — create it in ${region} (aws s3 mb s3://${bucket} --region ${region}) or fix destination.aws.bucket`,
    cause === undefined ? undefined : { cause: scrubbed(cause) },
  );
}

/** The region S3 says the bucket is in, from a redirect or a region-mismatch answer; null when it says none. */
function bucketRegionOf(error: unknown): string | null {
  const e = error as { $response?: { headers?: Record<string, unknown> }; Region?: unknown; Endpoint?: unknown } | null;
  const header = e?.$response?.headers?.['x-amz-bucket-region'];
  if (typeof header === 'string' && header !== '') return header;
  if (typeof e?.Region === 'string' && e.Region !== '') return e.Region;
  const endpoint = typeof e?.Endpoint === 'string' ? /(?:^|\.)s3[.-]([a-z0-9-]+)\.amazonaws\.com/.exec(e.Endpoint) : null;
  if (endpoint?.[1]) return endpoint[1];
  return /expecting '([a-z0-9-]+)'/.exec(messageOf(error))?.[1] ?? null;
}

/**
 * A DataPipe error for anything an S3 call threw; our own errors pass through. Callers deal with
 * what only they can read correctly first (a NoSuchKey that means "absent", a 412 on a conditional write).
 */
export function classifyS3Error(error: unknown, context: S3ErrorContext): DataPipeError {
  if (error instanceof DataPipeError) return error;
  const { operation, bucket, region, target } = context;
  const options = { cause: scrubbed(error) };
  const at = `${operation} ${target}`;
  const status = statusOf(error);
  const code = codeOf(error);
  const name = (error as { name?: unknown } | null)?.name;
  const attempts = (error as { $metadata?: { attempts?: unknown } } | null)?.$metadata?.attempts;
  const after = typeof attempts === 'number' && attempts > 1 ? `after ${attempts} attempts` : 'after retries';

  if (name === 'CredentialsProviderError' || /Could not load credentials from any providers/.test(messageOf(error))) {
    return new TerminalError(
      `no AWS credentials for s3://${bucket}: the default provider chain found none — locally set AWS_PROFILE (after aws sso login) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; in EKS run the pod as a service account bound to an IAM role (IRSA or EKS Pod Identity); on EC2 or ECS use an instance profile or task role`,
      options,
    );
  }
  if (code === 'NoSuchBucket') return bucketMissingError(bucket, region, error);
  if (status === 301 || code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || code === 'IllegalLocationConstraintException') {
    const actual = bucketRegionOf(error);
    if (actual !== null && actual !== region) {
      return new TerminalError(`S3 bucket ${bucket} is in region ${actual}, not ${region} — set destination.aws.region: ${actual}`, options);
    }
    if (actual === null && code !== 'AuthorizationHeaderMalformed') {
      return new TerminalError(
        `S3 bucket ${bucket} is not in region ${region} (S3 answered HTTP ${status ?? '301'} ${code ?? 'PermanentRedirect'}) — set destination.aws.region to the bucket's region (aws s3api get-bucket-location --bucket ${bucket} shows it)`,
        options,
      );
    }
  }
  if (code !== undefined && REJECTED_CREDENTIALS.has(code)) {
    return new TerminalError(
      `${at}: S3 rejected the credentials (HTTP ${status} ${code}) — the default provider chain found a wrong or expired key, session or role: check AWS_ACCESS_KEY_ID, AWS_SESSION_TOKEN and AWS_PROFILE, or the IAM role the pod runs as`,
      options,
    );
  }
  if (code === 'AccessDenied' || status === 403) {
    const principal = /User: (arn:\S+) is not authorized/.exec(messageOf(error))?.[1];
    const who = principal ?? 'the identity DataPipe runs as (aws sts get-caller-identity shows it)';
    return new TerminalError(`${at}: S3 denied access (HTTP 403 ${code ?? 'Forbidden'}) — allow ${who} ${GRANTS[operation](bucket)}`, options);
  }
  if (status === 412 || code === 'PreconditionFailed' || code === 'ConditionalRequestConflict') {
    return new PreconditionFailedError(`${at}: the object changed since it was read (HTTP ${status} ${code}) — another writer got there first`, options);
  }
  if (code !== undefined && ALTERED_BODY.has(code)) {
    return new TransientError(`${target}: S3 refused the write because the body arrived altered (${code}); nothing was written — re-run to send it again`, options);
  }
  if (READ_MISMATCH.test(messageOf(error))) {
    return new TransientError(`${target}: the bytes received do not match the object's CRC32; re-run to read it again`, options);
  }
  if (READ_CUT.test(messageOf(error))) {
    return new TransientError(`${at}: the connection was lost before the whole object arrived — re-running is safe`, options);
  }
  if (status !== undefined) {
    const answer = describeS3Error(error);
    if (isRetryableS3Error(error)) {
      return new TransientError(`${at}: S3 answered ${answer}, still failing ${after} — a temporary error; re-running is safe`, options);
    }
    return new TerminalError(`${at}: S3 refused the request (${answer})`, options);
  }
  if (errorCodes(error).includes('ENOTFOUND')) {
    const host = (error as { hostname?: unknown }).hostname;
    return new TerminalError(`${at}: cannot resolve ${typeof host === 'string' ? host : 'the S3 endpoint'} (ENOTFOUND) — check destination.aws.endpoint and destination.aws.region`, options);
  }
  if (isRetryableS3Error(error)) {
    return new TransientError(`${at}: cannot reach S3 (${describeS3Error(error)}), still failing ${after} — check the network (or destination.aws.endpoint); re-running is safe`, options);
  }
  return new TransientError(`${at} failed: ${detailOf(error) || describeS3Error(error)}`, options);
}

/**
 * A copy of an SDK error with its message, name, code, status and stack, and nothing else — safe to
 * keep as a `cause` that debug logs serialise.
 */
export function scrubbed(error: unknown): Error {
  if (typeof error !== 'object' || error === null) return new Error(String(error));
  const source = error as { name?: unknown; stack?: unknown; code?: unknown };
  const copy = new Error(messageOf(error).slice(0, 2000));
  if (typeof source.name === 'string') copy.name = source.name;
  if (typeof source.stack === 'string') copy.stack = source.stack;
  const code = codeOf(error) ?? (typeof source.code === 'string' ? source.code : undefined);
  const status = statusOf(error);
  Object.assign(copy, { ...(code !== undefined ? { code } : {}), ...(status !== undefined ? { status } : {}) });
  return copy;
}
