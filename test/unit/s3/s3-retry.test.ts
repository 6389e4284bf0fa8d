import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/log.js';
import { backoffMs, type RetryPolicy } from '../../../shared/retry.js';
import { isRetryableS3Error } from '../../../shared/stores/s3/s3-errors.js';
import { s3RetryStrategy } from '../../../shared/stores/s3/s3-retry.js';

const POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 250 };

/** An error shaped as @aws-sdk/client-s3 throws for an S3 answer. */
const answer = (status: number, code: string) => Object.assign(new Error(code), { name: code, Code: code, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
const socket = (code: string) => Object.assign(new Error(`socket: ${code}`), { code });

describe('which S3 failures are retried', () => {
  it('retries throttling, server errors, timeouts and dropped connections', () => {
    for (const error of [
      answer(503, 'SlowDown'), answer(500, 'InternalError'), answer(502, 'BadGateway'), answer(504, 'GatewayTimeout'), answer(429, 'TooManyRequests'),
      answer(400, 'RequestTimeout'), socket('ECONNRESET'), socket('EPIPE'), socket('ECONNREFUSED'), socket('EAI_AGAIN'),
      Object.assign(new Error('Socket timed out without establishing a connection within 10000 ms'), { name: 'TimeoutError' }),
    ]) expect([error.message, isRetryableS3Error(error)]).toEqual([error.message, true]);
  });

  it('does not retry 4xx answers, 501, missing credentials or a name that does not resolve', () => {
    for (const error of [
      answer(400, 'InvalidArgument'), answer(403, 'AccessDenied'), answer(404, 'NoSuchBucket'), answer(412, 'PreconditionFailed'),
      answer(409, 'ConditionalRequestConflict'), answer(301, 'PermanentRedirect'), answer(501, 'NotImplemented'),
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      Object.assign(new Error('getaddrinfo ENOTFOUND s3.example.internal'), { code: 'ENOTFOUND', hostname: 's3.example.internal' }),
    ]) expect([error.message, isRetryableS3Error(error)]).toEqual([error.message, false]);
  });
});

describe('s3RetryStrategy', () => {
  it('waits backoffMs(policy, n) before retry n and gives up after the policy\'s attempts with the request\'s own error', async () => {
    const strategy = s3RetryStrategy(POLICY, silentLogger, () => 0.999999);
    let token = await strategy.acquireInitialRetryToken('');
    expect([token.getRetryCount(), token.getRetryDelay()]).toEqual([0, 0]);
    const waits: number[] = [];
    const error = answer(503, 'SlowDown');
    for (let n = 0; n < POLICY.attempts - 1; n++) {
      token = await strategy.refreshRetryTokenForRetry(token, { error });
      waits.push(token.getRetryDelay());
      expect(token.getRetryCount()).toBe(n + 1);
    }
    expect(waits).toEqual([0, 1, 2].map((n) => backoffMs(POLICY, n, () => 0.999999)));
    expect(waits).toEqual([100, 200, 250]);
    await expect(strategy.refreshRetryTokenForRetry(token, { error })).rejects.toBe(error);
  });

  it('gives up at once on what is not retryable', async () => {
    const strategy = s3RetryStrategy(POLICY, silentLogger);
    const denied = answer(403, 'AccessDenied');
    await expect(strategy.refreshRetryTokenForRetry(await strategy.acquireInitialRetryToken(''), { error: denied })).rejects.toBe(denied);
  });
});
