import type { Storage } from '@google-cloud/storage';
import { afterEach, describe, expect, it } from 'vitest';
import { TerminalError } from '../../../shared/errors.js';
import { createGcsClient, emulatorEndpoint } from '../../../shared/stores/gcs/gcs-client.js';
import { DEFAULT_GCS_RETRY, isRetryableGcsError } from '../../../shared/stores/gcs/gcs-retry.js';

const saved = process.env.STORAGE_EMULATOR_HOST;
afterEach(() => {
  if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST;
  else process.env.STORAGE_EMULATOR_HOST = saved;
});

/** The real client, seen through the fields that decide where requests go and how they retry. */
async function clientWith(env: string | undefined, apiEndpoint?: string) {
  if (env === undefined) delete process.env.STORAGE_EMULATOR_HOST;
  else process.env.STORAGE_EMULATOR_HOST = env;
  const client = (await createGcsClient({ projectId: 'empresa-datalake-prod', retry: DEFAULT_GCS_RETRY, ...(apiEndpoint ? { apiEndpoint } : {}) })) as unknown as Storage;
  return { baseUrl: client.baseUrl, apiEndpoint: client.apiEndpoint, customEndpoint: client.customEndpoint };
}

describe('the GCS endpoint', () => {
  it('normalises STORAGE_EMULATOR_HOST in the forms emulators are documented with', () => {
    expect(emulatorEndpoint(undefined)).toBeUndefined();
    expect(emulatorEndpoint('  ')).toBeUndefined();
    expect(emulatorEndpoint('http://127.0.0.1:4443')).toBe('http://127.0.0.1:4443');
    expect(emulatorEndpoint('http://127.0.0.1:4443/')).toBe('http://127.0.0.1:4443');
    expect(emulatorEndpoint('http://localhost:8080/storage/v1')).toBe('http://localhost:8080');
    expect(emulatorEndpoint('http://localhost:8080/storage/v1/')).toBe('http://localhost:8080');
    expect(emulatorEndpoint('localhost:9023')).toBe('http://localhost:9023');
    expect(emulatorEndpoint('https://gcs.internal:8443/emulator/storage/v1')).toBe('https://gcs.internal:8443/emulator');
  });

  it('refuses a value that is not an http(s) URL, naming the variable', () => {
    expect(() => emulatorEndpoint('ftp://host:21')).toThrow(new TerminalError(
      'STORAGE_EMULATOR_HOST=ftp://host:21 is not an http(s) URL — write http://<host>:<port>, or unset it to use Google Cloud Storage',
    ));
    expect(() => emulatorEndpoint('http://exa mple:1')).toThrow(new TerminalError(
      'STORAGE_EMULATOR_HOST=http://exa mple:1 is not a URL — write http://<host>:<port>, or unset it to use Google Cloud Storage',
    ));
  });

  it('gives the real client the JSON API under /storage/v1 and uploads at the origin, whichever form the variable has', async () => {
    const expected = { baseUrl: 'http://127.0.0.1:4443/storage/v1', apiEndpoint: 'http://127.0.0.1:4443', customEndpoint: true };
    expect(await clientWith('http://127.0.0.1:4443')).toEqual(expected);
    expect(process.env.STORAGE_EMULATOR_HOST).toBe('http://127.0.0.1:4443');
    expect(await clientWith('http://127.0.0.1:4443/storage/v1')).toEqual(expected);
    expect(await clientWith('127.0.0.1:4443')).toEqual(expected);
  });

  it('prefers an explicit endpoint, and uses Google (authenticated) without either', async () => {
    expect(await clientWith('http://127.0.0.1:1', 'http://127.0.0.1:2')).toEqual({ baseUrl: 'http://127.0.0.1:2/storage/v1', apiEndpoint: 'http://127.0.0.1:2', customEndpoint: true });
    expect(await clientWith(undefined)).toEqual({ baseUrl: 'https://storage.googleapis.com/storage/v1', apiEndpoint: 'https://storage.googleapis.com', customEndpoint: false });
  });

  it('hands the real client the retry options as set (the constructor drops some values silently)', async () => {
    delete process.env.STORAGE_EMULATOR_HOST;
    const client = (await createGcsClient({ projectId: 'p', retry: DEFAULT_GCS_RETRY })) as unknown as Storage;
    expect(client.retryOptions).toEqual({
      autoRetry: true, maxRetries: 5, retryDelayMultiplier: 2, maxRetryDelay: 32, totalTimeout: 300,
      idempotencyStrategy: 0, retryableErrorFn: isRetryableGcsError,
    });
    const never = (await createGcsClient({ projectId: 'p', retry: { ...DEFAULT_GCS_RETRY, maxRetries: 0 } })) as unknown as Storage;
    expect(never.retryOptions.autoRetry).toBe(false);
  });
});
