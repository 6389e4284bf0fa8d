/**
 * Azurite (npm `azurite`, 3.35.0: the last release that runs on Node 20), the Azure Storage
 * emulator, for tests. It is a devDependency, so `npm ci` installs it; each start is a fresh
 * in-memory Blob service on a free loopback port:
 *
 *   azurite-blob --inMemoryPersistence --skipApiVersionCheck --loose --blobHost 127.0.0.1 --blobPort <port>
 *
 * `--skipApiVersionCheck`: @azure/storage-blob 12.32.0 sends a newer `x-ms-version` than 3.35.0
 * knows, which Azurite otherwise refuses with 400. `--loose` ignores headers it does not support.
 * `--disableTelemetry` keeps the tests off the network. Clients authenticate with Azurite's
 * well-known development account (devstoreaccount1 and its published key: not a secret).
 * https://github.com/Azure/Azurite#usage-with-azure-storage-sdks-or-tools
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { freePort } from './free-port.js';

export const AZURITE_ACCOUNT = 'devstoreaccount1';
/** Azurite's documented development key (the same in every installation). */
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface Azurite {
  /** `http://127.0.0.1:<port>/devstoreaccount1`: what `destination.azure.account_url` holds for it. */
  accountUrl: string;
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** The server's process (benchmarks read its CPU time). */
  pid: number;
  /** A connection string for this server, or for `origin` (a proxy in front of it). */
  connectionString(origin?: string): string;
  /** `publicRead`: blobs readable without credentials (what the Databricks fake fetches them with). */
  createContainer(name: string, options?: { publicRead?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** The Blob service's entry point in the installed package. */
export function azuriteEntry(): string {
  return resolve(import.meta.dirname, '../../node_modules/azurite/dist/src/blob/main.js');
}

/** Why Azurite cannot run here, or null when it can. */
export function azuriteMissing(): string | null {
  try {
    accessSync(azuriteEntry(), constants.R_OK);
    return null;
  } catch {
    return `Azurite not found at ${azuriteEntry()}; run npm ci (azurite is a devDependency)`;
  }
}

/** Whether a suite must skip: says so loudly; under CI=true never (startAzurite then fails, saying why). */
export function skipWithoutAzurite(suite: string): boolean {
  const missing = azuriteMissing();
  if (missing === null || process.env.CI === 'true') return false;
  console.warn(`[${suite}] SKIPPING: ${missing}`);
  return true;
}

/** A connection string for the development account at `origin`. */
export function azuriteConnectionString(origin: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${origin}/${AZURITE_ACCOUNT};`;
}

/** A fresh in-memory Blob service with `containers` created. */
export async function startAzurite(options: { containers?: string[] } = {}): Promise<Azurite> {
  const missing = azuriteMissing();
  if (missing !== null) throw new Error(missing);
  let server: Azurite | undefined;
  // A free port can be taken between probing and binding: try a few.
  for (let attempt = 1; !server; attempt++) {
    try {
      server = await launch(await freePort());
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  try {
    for (const name of options.containers ?? []) await server.createContainer(name);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

async function launch(port: number): Promise<Azurite> {
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [
    azuriteEntry(), '--inMemoryPersistence', '--skipApiVersionCheck', '--loose', '--disableTelemetry', '--silent',
    '--blobHost', '127.0.0.1', '--blobPort', String(port),
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((done) => child.once('exit', () => ((exited = true), done())));
  const killNow = () => child.kill('SIGKILL');
  // A test process that dies without teardown must not leave a server behind.
  process.once('exit', killNow);
  const stop = async () => {
    process.removeListener('exit', killNow);
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(killNow, 5000);
      await exit;
      clearTimeout(timer);
    }
  };

  try {
    // Ready once it answers HTTP at all (an unsigned request is refused, which is fine).
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (exited) throw new Error(`Azurite exited with code ${child.exitCode} before answering: ${output.trim()}`);
      try {
        await fetch(`${origin}/${AZURITE_ACCOUNT}?comp=list`);
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`Azurite did not answer at ${origin} within 30 s: ${output.trim()}`);
        await new Promise((ok) => setTimeout(ok, 50));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const connectionString = (at = origin) => azuriteConnectionString(at);
  return {
    accountUrl: `${origin}/${AZURITE_ACCOUNT}`,
    origin,
    pid: child.pid!,
    connectionString,
    stop,
    createContainer: async (name, options = {}) => {
      const { BlobServiceClient } = await import('@azure/storage-blob');
      const container = BlobServiceClient.fromConnectionString(connectionString(), { retryOptions: { maxTries: 1 } }).getContainerClient(name);
      await container.create(options.publicRead ? { access: 'container' } : {});
    },
  };
}
