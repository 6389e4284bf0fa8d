/**
 * fake-gcs-server (github.com/fsouza/fake-gcs-server, v1.56.1), the GCS emulator, for tests. The
 * binary comes from `DATAPIPE_FAKE_GCS_BIN`, else ${DATAPIPE_CI_CACHE:-~/.cache/datapipe-ci}/bin,
 * where `bash test/tools/fake-gcs-server.sh` builds it. Each start is a fresh in-memory server on
 * a free loopback port; clients reach it with `apiEndpoint: endpoint` or, in a child process,
 * `STORAGE_EMULATOR_HOST=<endpoint>`, and need no credentials.
 */
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { onFreePort, startEmulator } from './emulator-process.js';

export interface FakeGcsServer {
  /** `http://127.0.0.1:<port>`: the apiEndpoint, or the STORAGE_EMULATOR_HOST value. */
  endpoint: string;
  port: number;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Where the binary is looked for. */
export function fakeGcsServerBinary(): string {
  const cache = process.env.DATAPIPE_CI_CACHE ?? join(homedir(), '.cache', 'datapipe-ci');
  return process.env.DATAPIPE_FAKE_GCS_BIN ?? join(cache, 'bin', 'fake-gcs-server');
}

/** Why the emulator cannot run here, or null when it can. */
export function fakeGcsServerMissing(): string | null {
  const binary = fakeGcsServerBinary();
  try {
    accessSync(binary, constants.X_OK);
    return null;
  } catch {
    return `fake-gcs-server not found at ${binary}; run bash test/tools/fake-gcs-server.sh (or set DATAPIPE_FAKE_GCS_BIN)`;
  }
}

/**
 * Whether a suite must skip: says so loudly when the binary is missing. Under CI=true it never
 * skips — CI installs the binary, so its absence fails the suite (startFakeGcsServer throws why).
 */
export function skipWithoutFakeGcsServer(suite: string): boolean {
  const missing = fakeGcsServerMissing();
  if (missing === null) return false;
  if (process.env.CI === 'true') return false;
  console.warn(`[${suite}] SKIPPING: ${missing}`);
  return true;
}

/** A fresh in-memory server with `buckets` created. */
export async function startFakeGcsServer(options: { buckets?: string[] } = {}): Promise<FakeGcsServer> {
  const missing = fakeGcsServerMissing();
  if (missing !== null) throw new Error(missing);
  const server = await onFreePort(launch);
  try {
    for (const bucket of options.buckets ?? []) await server.createBucket(bucket);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

async function launch(port: number): Promise<FakeGcsServer> {
  const endpoint = `http://127.0.0.1:${port}`;
  const { stop } = await startEmulator({
    name: 'fake-gcs-server',
    command: fakeGcsServerBinary(),
    args: [
      '-scheme', 'http', '-host', '127.0.0.1', '-port', String(port), '-backend', 'memory',
      // Resumable uploads continue at the Location this URL yields.
      '-external-url', endpoint, '-log-level', 'error',
    ],
    ready: async () => (await fetch(`${endpoint}/_internal/healthcheck`)).ok,
    timeoutMs: 20_000,
  });
  return {
    endpoint,
    port,
    stop,
    createBucket: async (name) => {
      const response = await fetch(`${endpoint}/storage/v1/b`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }),
      });
      if (!response.ok) throw new Error(`fake-gcs-server: creating bucket ${name} failed: HTTP ${response.status} ${await response.text()}`);
    },
  };
}
