/**
 * How GCS requests are retried. The client does the retrying — it alone can resend a resumable
 * upload's buffered chunk or re-ask the server how many bytes it holds — so DataPipe's part is to
 * set its `retryOptions` deliberately and to decide which failures are worth another attempt
 * (https://cloud.google.com/storage/docs/retry-strategy: 408, 429, 5xx and dropped connections).
 *
 * The wait before retry n is min(2^n s + up to 1 s of random jitter, maxRetryDelay), within
 * totalTimeout (retry-request's and resumable-upload's `getRetryDelay` in @google-cloud/storage
 * 7.19.0); JSON API calls that got no answer at all (DNS failures included) are retried whatever
 * `isRetryableGcsError` says, as retry-request does. The defaults give up after 5 retries, about 62–67 s: long enough to ride out a
 * throttling burst or a zone hiccup, short enough that Airflow's own task retry takes over.
 */
import type { IdempotencyStrategy } from '@google-cloud/storage';
import { networkCodesOf, statusOf } from './gcs-errors.js';

/** How hard to retry before a request's failure is reported (as a TransientError, exit 1). */
export interface GcsRetryPolicy {
  /** Retries after the first attempt; 0 turns retrying off. */
  maxRetries: number;
  /**
   * The longest single wait, in seconds; at least 1. The client's `save` and upload-start retries
   * (async-retry, minimum wait 1 s) fail with "minTimeout is greater than maxTimeout" below that.
   */
  maxRetryDelaySeconds: number;
  /** No retry starts later than this after the first attempt, in seconds. */
  totalTimeoutSeconds: number;
}

export const DEFAULT_GCS_RETRY: GcsRetryPolicy = { maxRetries: 5, maxRetryDelaySeconds: 32, totalTimeoutSeconds: 300 };

/** HTTP statuses GCS documents as retryable. 501 Not Implemented is not: it never changes. */
const RETRYABLE_STATUS = (status: number) => status === 408 || status === 429 || (status >= 500 && status !== 501);

/** Node socket errors, and the reasons the client puts in `errors[]` for dropped connections. */
const RETRYABLE_NETWORK = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'UNEXPECTED CONNECTION CLOSURE', 'SOCKET CONNECTION TIMEOUT',
]);

/**
 * Whether a failed request is worth another attempt: throttling, a server error, a dropped or
 * refused connection. Not: 4xx answers (bad credentials, missing bucket, a lost precondition race),
 * and not a checksum mismatch (the body is gone by then; the caller reports it).
 */
export function isRetryableGcsError(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined) return RETRYABLE_STATUS(status);
  return networkCodesOf(error).some((code) => RETRYABLE_NETWORK.has(code));
}

/**
 * The client's `retryOptions` for a policy, with two deliberate choices:
 * - `idempotencyStrategy: RetryAlways`. Every write DataPipe makes is safe to repeat: parts and
 *   manifests are rewritten with the same bytes under the same run id, deletes tolerate 404, and
 *   `_state.json` / `_window.json` writes carry an `ifGenerationMatch` precondition. (The default,
 *   RetryConditional, also switches `autoRetry` off on the shared client for the rest of the
 *   process the first time an unconditional `save` runs — `File.save` in 7.19.0.) One cost: a
 *   conditional write whose success answer was lost is retried and then fails its precondition,
 *   so it reports a lost race (PreconditionFailedError, exit 1) that it in fact won; the protocol
 *   re-reads before acting on a lost race, and a re-run is idempotent.
 * - `autoRetry: false` when maxRetries is 0: the constructor reads a 0 `maxRetries` as "unset"
 *   and would retry 3 times.
 */
export function gcsRetryOptions(policy: GcsRetryPolicy, strategies: typeof IdempotencyStrategy) {
  if (!(policy.maxRetryDelaySeconds >= 1)) throw new RangeError(`GCS maxRetryDelaySeconds must be at least 1, not ${policy.maxRetryDelaySeconds}`);
  return {
    autoRetry: policy.maxRetries > 0,
    maxRetries: policy.maxRetries,
    retryDelayMultiplier: 2,
    maxRetryDelay: policy.maxRetryDelaySeconds,
    totalTimeout: policy.totalTimeoutSeconds,
    idempotencyStrategy: strategies.RetryAlways,
    retryableErrorFn: isRetryableGcsError,
  };
}
