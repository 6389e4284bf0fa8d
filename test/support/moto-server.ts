/**
 * moto's standalone server (PyPI moto[server] 5.2.5), the S3 emulator, for tests. The executable
 * comes from `DATAPIPE_MOTO_BIN`, else ${DATAPIPE_CI_CACHE:-~/.cache/datapipe-ci}/moto/bin/moto_server,
 * where `bash test/tools/moto-server.sh` installs it. Each start is a fresh in-memory server on a
 * free loopback port; clients reach it with `endpoint` and path-style addressing, and any
 * credentials (MOTO_CREDENTIALS) — moto accepts every signature.
 */
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { onFreePort, startEmulator } from './emulator-process.js';

export interface MotoServer {
  /** `http://127.0.0.1:<port>`: the S3 endpoint (use path-style addressing). */
  endpoint: string;
  port: number;
  /** The server's process id (benchmarks read its CPU time). */
  pid: number | undefined;
  /** Creates a bucket in us-east-1. */
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** What the default credential chain finds in the environment while the S3 suites run. */
export const MOTO_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'moto-test-key', AWS_SECRET_ACCESS_KEY: 'moto-test-secret' } as const;

/** Where the executable is looked for. */
export function motoServerBinary(): string {
  const cache = process.env.DATAPIPE_CI_CACHE ?? join(homedir(), '.cache', 'datapipe-ci');
  return process.env.DATAPIPE_MOTO_BIN ?? join(cache, 'moto', 'bin', 'moto_server');
}

/** Why the emulator cannot run here, or null when it can. */
export function motoServerMissing(): string | null {
  const binary = motoServerBinary();
  try {
    accessSync(binary, constants.X_OK);
    return null;
  } catch {
    return `moto_server not found at ${binary}; run bash test/tools/moto-server.sh (or set DATAPIPE_MOTO_BIN)`;
  }
}

/**
 * Whether a suite must skip: says so loudly when the executable is missing. Under CI=true it never
 * skips — CI installs moto, so its absence fails the suite (startMotoServer throws why).
 */
export function skipWithoutMotoServer(suite: string): boolean {
  const missing = motoServerMissing();
  if (missing === null) return false;
  if (process.env.CI === 'true') return false;
  console.warn(`[${suite}] SKIPPING: ${missing}`);
  return true;
}

/** A fresh in-memory server. */
export async function startMotoServer(): Promise<MotoServer> {
  const missing = motoServerMissing();
  if (missing !== null) throw new Error(missing);
  return onFreePort(launch);
}

async function launch(port: number): Promise<MotoServer> {
  const endpoint = `http://127.0.0.1:${port}`;
  const { pid, stop } = await startEmulator({
    name: 'moto_server',
    command: motoServerBinary(),
    args: ['-H', '127.0.0.1', '-p', String(port)],
    // moto must not look for real AWS settings of the machine it runs on.
    options: { env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...MOTO_CREDENTIALS } },
    // S3's ListBuckets (unsigned, which moto accepts): answers once the S3 backend is loaded.
    ready: async () => (await fetch(`${endpoint}/`)).ok,
  });
  return {
    endpoint,
    port,
    pid,
    stop,
    createBucket: async (name) => {
      // moto takes an unsigned path-style CreateBucket; without a location constraint it is us-east-1.
      const response = await fetch(`${endpoint}/${name}`, { method: 'PUT' });
      if (!response.ok) throw new Error(`moto: creating bucket ${name} failed: HTTP ${response.status} ${await response.text()}`);
    },
  };
}
