/**
 * fake-gcs-server (github.com/fsouza/fake-gcs-server, v1.56.1), the GCS emulator, for tests. The
 * binary comes from `DATAPIPE_FAKE_GCS_BIN`, else ${DATAPIPE_CI_CACHE:-~/.cache/datapipe-ci}/bin,
 * where `bash test/tools/fake-gcs-server.sh` builds it. Each start is a fresh in-memory server on
 * a free loopback port; clients reach it with `apiEndpoint: endpoint` or, in a child process,
 * `STORAGE_EMULATOR_HOST=<endpoint>`, and need no credentials.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

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
  let server: FakeGcsServer | undefined;
  // A free port can be taken between probing and binding: try a few.
  for (let attempt = 1; !server; attempt++) {
    try {
      server = await launch(await freePort());
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
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
  const child = spawn(fakeGcsServerBinary(), [
    '-scheme', 'http', '-host', '127.0.0.1', '-port', String(port), '-backend', 'memory',
    // Resumable uploads continue at the Location this URL yields.
    '-external-url', endpoint, '-log-level', 'error',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killNow = () => child.kill('SIGKILL');
  // A test process that dies without teardown must not leave a server behind.
  process.once('exit', killNow);

  const stop = async () => {
    process.removeListener('exit', killNow);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(killNow, 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    await waitUntilAnswering(endpoint, child, exited, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
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

async function waitUntilAnswering(endpoint: string, child: ChildProcess, exited: Promise<number | null>, output: () => string): Promise<void> {
  let done = false;
  void exited.then(() => (done = true));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (done) throw new Error(`fake-gcs-server exited with code ${child.exitCode} before answering: ${output().trim()}`);
    try {
      const response = await fetch(`${endpoint}/_internal/healthcheck`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`fake-gcs-server did not answer at ${endpoint} within 20 s: ${output().trim()}`);
}
