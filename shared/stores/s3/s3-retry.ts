/**
 * How S3 requests are retried: exactly one layer, the SDK's own retry middleware, driven by
 * DataPipe's policy. The SDK's loop is the right place — it resends the request it already built
 * (a part's bytes held in memory) and re-signs every attempt with fresh credentials and a
 * corrected clock — so S3Store never wraps an S3 call in withRetry. What the SDK's standard mode
 * would not give is DataPipe's policy: this strategy replaces its backoff (100 ms base, 20 s cap)
 * with shared/retry.ts's (exponential, full jitter; STORE_RETRY by default) and its
 * classification with s3-errors.ts's, so throttling (503 SlowDown), 5xx answers, timeouts and
 * dropped connections are retried and 4xx answers never are. Two things stay outside any retry:
 * a body that fails while it streams to the caller (a GetObject read cut short: the caller gets a
 * TransientError, exit 1), and the lost answer of a conditional write whose retry then finds its
 * own write (it reports a lost race; the protocol re-reads before acting on one).
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 */
import { backoffMs, type RetryPolicy } from '../../retry.js';
import type { Logger } from '../../log.js';
import { describeS3Error, isRetryableS3Error } from './s3-errors.js';

/** What the SDK's retry middleware reads from a token (RetryToken in @smithy/types). */
export interface S3RetryToken {
  /** Retries made so far; the middleware reports `count + 1` attempts on the error it finally throws. */
  getRetryCount(): number;
  /** Milliseconds to wait before the next attempt. */
  getRetryDelay(): number;
}

/** The SDK's RetryStrategyV2, structurally: asked once per request, then once per failure. */
export interface S3RetryStrategy {
  acquireInitialRetryToken(scope: string): Promise<S3RetryToken>;
  /** Resolves to the next attempt's token, or rejects to give up (the request's own error is then thrown). */
  refreshRetryTokenForRetry(token: S3RetryToken, errorInfo: { error?: unknown }): Promise<S3RetryToken>;
  recordSuccess(token: S3RetryToken): void;
}

function token(retries: number, delayMs: number): S3RetryToken {
  return { getRetryCount: () => retries, getRetryDelay: () => delayMs };
}

/**
 * The client's `retryStrategy` for `policy`: up to `policy.attempts` tries of each request, waiting
 * backoffMs(policy, n) before retry n; each retry is logged as a warning.
 */
export function s3RetryStrategy(policy: RetryPolicy, log: Logger, random: () => number = Math.random): S3RetryStrategy {
  return {
    acquireInitialRetryToken: async () => token(0, 0),
    refreshRetryTokenForRetry: async (previous, { error }) => {
      const retries = previous.getRetryCount();
      if (retries + 1 >= policy.attempts || !isRetryableS3Error(error)) throw error;
      const wait = backoffMs(policy, retries, random);
      const reason = describeS3Error(error);
      log.warn({ err: reason, attempt: retries + 1, of: policy.attempts, retry_in_ms: wait }, `S3 request failed (${reason}); retrying in ${wait} ms`);
      return token(retries + 1, wait);
    },
    recordSuccess: () => undefined,
  };
}
