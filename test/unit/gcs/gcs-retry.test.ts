import { ApiError, IdempotencyStrategy } from '@google-cloud/storage';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GCS_RETRY, gcsRetryOptions, isRetryableGcsError } from '../../../shared/stores/gcs/gcs-retry.js';

const status = (code: number) => Object.assign(new ApiError(`HTTP ${code}`), { code });
const socket = (code: string) => Object.assign(new Error(code), { code });

describe('which GCS failures are retried', () => {
  it('retries 408, 429 and 5xx except 501', () => {
    expect([408, 429, 500, 502, 503, 504, 599].map((c) => isRetryableGcsError(status(c)))).toEqual([true, true, true, true, true, true, true]);
    expect([400, 401, 403, 404, 409, 412, 501].map((c) => isRetryableGcsError(status(c)))).toEqual([false, false, false, false, false, false, false]);
    // The resumable upload hands in `{ code: <status>, message, name }` and gaxios a string code.
    expect(isRetryableGcsError({ code: 503, message: 'Service Unavailable' })).toBe(true);
    expect(isRetryableGcsError({ code: '429' })).toBe(true);
  });

  it('retries dropped, refused and timed-out connections, but not a host that does not resolve', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']) expect(isRetryableGcsError(socket(code))).toBe(true);
    expect(isRetryableGcsError({ errors: [{ reason: 'unexpected connection closure' }] })).toBe(true);
    expect(isRetryableGcsError(socket('ENOTFOUND'))).toBe(false);
  });

  it('does not retry a checksum mismatch or an unknown error', () => {
    expect(isRetryableGcsError(socket('FILE_NO_UPLOAD'))).toBe(false);
    expect(isRetryableGcsError(new Error('something odd'))).toBe(false);
    expect(isRetryableGcsError(undefined)).toBe(false);
  });
});

describe('the client retry options', () => {
  it('default: 5 retries, exponential waits capped at 32 s within 300 s, every operation (all are idempotent here)', () => {
    expect(gcsRetryOptions(DEFAULT_GCS_RETRY, IdempotencyStrategy)).toEqual({
      autoRetry: true,
      maxRetries: 5,
      retryDelayMultiplier: 2,
      maxRetryDelay: 32,
      totalTimeout: 300,
      idempotencyStrategy: IdempotencyStrategy.RetryAlways,
      retryableErrorFn: isRetryableGcsError,
    });
  });

  it('no retries means autoRetry off (the client reads maxRetries 0 as "unset", i.e. 3)', () => {
    expect(gcsRetryOptions({ ...DEFAULT_GCS_RETRY, maxRetries: 0 }, IdempotencyStrategy)).toMatchObject({ autoRetry: false, maxRetries: 0 });
  });

  it('refuses a maximum wait under 1 s, which the client\'s upload retries cannot honour', () => {
    expect(() => gcsRetryOptions({ ...DEFAULT_GCS_RETRY, maxRetryDelaySeconds: 0.5 }, IdempotencyStrategy)).toThrow(
      new RangeError('GCS maxRetryDelaySeconds must be at least 1, not 0.5'),
    );
  });
});
