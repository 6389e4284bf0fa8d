/**
 * The storage account behind `destination.azure.account_url`, and the two addresses derived from
 * it: the Blob endpoint DataPipe writes through, and the ADLS Gen2 (dfs) host Databricks reads
 * `abfss://` URIs from. Both endpoints serve the same account, hierarchical namespace or not.
 * https://learn.microsoft.com/azure/storage/blobs/data-lake-storage-introduction-abfs-uri
 */
import { TerminalError } from '../../errors.js';

/** An account as DataPipe addresses it. */
export interface AzureAccount {
  /** The account name: the host's first label, or Azurite's first path segment. */
  name: string;
  /** The Blob endpoint the client talks to, without a trailing slash. */
  blobUrl: string;
  /** The host of `abfss://<container>@<host>/<path>`. */
  dfsHost: string;
  /** Azurite's path-style `http://127.0.0.1:<port>/<account>`: plain HTTP, no dfs endpoint of its own. */
  emulator: boolean;
}

/** Account names: 3–24 lowercase letters and digits (Azure's own rule). */
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;
/** `<account>.blob.<suffix>` or `<account>.dfs.<suffix>` (public, government and China clouds alike). */
const SERVICE_HOST = /^([a-z0-9]{3,24})\.(?:blob|dfs)\.([a-z0-9.-]+)$/;
/** Loopback hosts Azurite listens on. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const FIX = 'write https://<account>.blob.core.windows.net (or http://127.0.0.1:<port>/<account> for Azurite)';

/**
 * Parses `account_url`. A dfs URL is accepted and turned into its Blob endpoint (the same account);
 * a custom domain is refused, because the dfs host Databricks needs cannot be derived from it.
 */
export function azureAccount(accountUrl: string): AzureAccount {
  let url: URL;
  try {
    url = new URL(accountUrl.trim());
  } catch {
    throw new TerminalError(`destination.azure.account_url is not a URL — ${FIX}`);
  }
  // Never echo a query string or user info: a pasted SAS token (`?sv=…&sig=…`) is a secret.
  const shown = `${url.origin}${url.pathname}`;
  const path = url.pathname.replace(/\/+$/, '');
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) {
    const name = path.slice(1);
    if (!ACCOUNT_NAME.test(name)) {
      throw new TerminalError(`destination.azure.account_url ${shown}: an Azurite URL ends with the account name (http://127.0.0.1:<port>/devstoreaccount1)`);
    }
    return { name, blobUrl: `${url.origin}/${name}`, dfsHost: `${name}.dfs.core.windows.net`, emulator: true };
  }
  const host = SERVICE_HOST.exec(url.hostname);
  if (url.protocol !== 'https:' || !host || path !== '' || url.search !== '') {
    const why = url.search !== '' ? ' (remove the query string: credentials never go in config.yaml)' : '';
    throw new TerminalError(`destination.azure.account_url ${shown} is not a storage account URL${why} — ${FIX}`);
  }
  const [, name, suffix] = host as unknown as [string, string, string];
  return { name, blobUrl: `https://${name}.blob.${suffix}${url.port ? `:${url.port}` : ''}`, dfsHost: `${name}.dfs.${suffix}`, emulator: false };
}

/** `abfss://<container>@<account>.dfs.<suffix>/<key>`: the address Databricks reads. */
export function abfssUri(account: AzureAccount, container: string, key: string): string {
  return `abfss://${container}@${account.dfsHost}/${key}`;
}
