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
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { onFreePort, startEmulator } from './emulator-process.js';

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

/** A storage account Azurite serves: its name and key. */
export interface AzuriteAccount {
  name: string;
  key: string;
}

/** The development account every Azurite has. */
const DEVELOPMENT_ACCOUNT: AzuriteAccount = { name: AZURITE_ACCOUNT, key: AZURITE_KEY };

/** An account of its own, so suites sharing a service that reads storage by account never mix. */
export function uniqueAzuriteAccount(): AzuriteAccount {
  return { name: `dp${randomBytes(6).toString('hex')}`, key: randomBytes(32).toString('base64') };
}

/** A connection string for `account` (the development one by default) at `origin`. */
export function azuriteConnectionString(origin: string, account: AzuriteAccount = DEVELOPMENT_ACCOUNT): string {
  return `DefaultEndpointsProtocol=http;AccountName=${account.name};AccountKey=${account.key};BlobEndpoint=${origin}/${account.name};`;
}

/** A fresh in-memory Blob service with `containers` created, serving `account` (default: the development one). */
export async function startAzurite(options: { containers?: string[]; account?: AzuriteAccount } = {}): Promise<Azurite> {
  const missing = azuriteMissing();
  if (missing !== null) throw new Error(missing);
  const account = options.account ?? DEVELOPMENT_ACCOUNT;
  const server = await onFreePort((port) => launch(port, account));
  try {
    for (const name of options.containers ?? []) await server.createContainer(name);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

async function launch(port: number, account: AzuriteAccount): Promise<Azurite> {
  const origin = `http://127.0.0.1:${port}`;
  const { pid, stop } = await startEmulator({
    name: 'Azurite',
    command: process.execPath,
    args: [
      azuriteEntry(), '--inMemoryPersistence', '--skipApiVersionCheck', '--loose', '--disableTelemetry', '--silent',
      '--blobHost', '127.0.0.1', '--blobPort', String(port),
    ],
    options: account === DEVELOPMENT_ACCOUNT ? {} : { env: { ...process.env, AZURITE_ACCOUNTS: `${account.name}:${account.key}` } },
    // Ready once it answers HTTP at all (an unsigned request is refused, which is fine).
    ready: async () => Boolean(await fetch(`${origin}/${account.name}?comp=list`)),
  });

  const connectionString = (at = origin) => azuriteConnectionString(at, account);
  return {
    accountUrl: `${origin}/${account.name}`,
    origin,
    pid: pid!,
    connectionString,
    stop,
    createContainer: async (name, options = {}) => {
      const { BlobServiceClient } = await import('@azure/storage-blob');
      const container = BlobServiceClient.fromConnectionString(connectionString(), { retryOptions: { maxTries: 1 } }).getContainerClient(name);
      await container.create(options.publicRead ? { access: 'container' } : {});
    },
  };
}
