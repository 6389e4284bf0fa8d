/**
 * The slice of @azure/storage-blob AzureBlobStore uses (docs/style.md §4), and the one place a real
 * client is made. Credentials come from the environment only: `AZURE_STORAGE_CONNECTION_STRING`
 * when set (Azurite, local development), otherwise `DefaultAzureCredential` — workload identity on
 * AKS, a managed identity, `az login` on a laptop. config.yaml never holds a key.
 * https://learn.microsoft.com/javascript/api/overview/azure/identity-readme#defaultazurecredential
 */
import { TerminalError } from '../../errors.js';
import type { AzureAccount } from './azure-account.js';

/** Every request can be abandoned: a per-attempt timeout, or a failed upload calling its blocks off. */
export interface AzureAbortable {
  abortSignal?: AbortSignal;
}

/** What a download answers: the body and the headers the store checks. */
export interface AzureDownload {
  readableStreamBody?: NodeJS.ReadableStream;
  etag?: string;
  /** The whole blob's MD5 when the request had no range (Content-MD5). */
  contentMD5?: Uint8Array;
  /** The whole blob's MD5 whatever the range (x-ms-blob-content-md5, API 2016-05-31 and later). */
  blobContentMD5?: Uint8Array;
}

/** One page of List Blobs (flat). */
export interface AzureListPage {
  segment: { blobItems: { name: string; metadata?: Record<string, string> }[] };
  continuationToken?: string;
}

export interface AzureBlockBlob {
  /** Put Block: the service checks the block against `transactionalContentMD5`. */
  stageBlock(blockId: string, body: Buffer, contentLength: number, options: AzureAbortable & { transactionalContentMD5: Uint8Array }): Promise<unknown>;
  /** Put Block List: publishes the listed blocks, in order, as the blob (discarding other uncommitted blocks). */
  commitBlockList(blocks: string[], options: AzureAbortable & { blobHTTPHeaders: { blobContentMD5: Uint8Array } }): Promise<{ etag?: string }>;
  /** Put Blob: one request, checked against `transactionalContentMD5`, optionally conditional. */
  upload(body: Buffer, contentLength: number, options: AzureAbortable & {
    transactionalContentMD5: Uint8Array;
    blobHTTPHeaders: { blobContentMD5: Uint8Array };
    conditions?: { ifMatch?: string; ifNoneMatch?: string };
  }): Promise<{ etag?: string }>;
  download(offset: number, count: undefined, options: AzureAbortable & { maxRetryRequests: number }): Promise<AzureDownload>;
  deleteIfExists(options: AzureAbortable & { deleteSnapshots: 'include' }): Promise<{ succeeded: boolean }>;
}

export interface AzureContainer {
  getBlockBlobClient(name: string): AzureBlockBlob;
  listBlobsFlat(options: AzureAbortable & { prefix: string; includeMetadata: boolean }): {
    byPage(settings: { maxPageSize: number; continuationToken?: string }): AsyncIterator<AzureListPage>;
  };
}

export interface AzureClientOptions {
  account: AzureAccount;
  container: string;
  /** Default: `AZURE_STORAGE_CONNECTION_STRING`; when empty, DefaultAzureCredential is used. */
  connectionString?: string | undefined;
}

/**
 * The SDK's own retry policy is switched off (`maxTries: 1`): AzureBlobStore retries with
 * DataPipe's policy instead (see its `#retrying`), because in @azure/storage-blob 12.32.0 the
 * EXPONENTIAL policy (StorageRetryPolicyV2 in @azure/storage-common) waits
 * min((2^(n−1) − 1) × retryDelayInMs, maxRetryDelayInMs) with no jitter at all — the first retry at
 * once, every client of a throttled account in lockstep — and it retries ENOTFOUND, which here
 * means a wrong account name (about 16 s with the defaults), but not 502 or 504.
 */
const PIPELINE = { retryOptions: { maxTries: 1 } };

/**
 * A container client for the options. The SDKs are imported on first use, so commands that never
 * touch Azure do not load them (@azure/identity only when no connection string is set).
 */
export async function createAzureContainer(options: AzureClientOptions): Promise<AzureContainer> {
  const { account, container } = options;
  const connectionString = (options.connectionString ?? process.env.AZURE_STORAGE_CONNECTION_STRING ?? '').trim();
  const { BlobServiceClient } = await import('@azure/storage-blob');
  if (connectionString !== '') {
    let service: InstanceType<typeof BlobServiceClient>;
    try {
      service = BlobServiceClient.fromConnectionString(connectionString, PIPELINE);
    } catch (error) {
      // The SDK's messages name the malformed part, never its value.
      const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new TerminalError(`AZURE_STORAGE_CONNECTION_STRING is not a usable connection string (${why}) — copy it from the storage account's Access keys, or unset it to sign in with DefaultAzureCredential`);
    }
    // Databricks reads the account named in config.yaml: staging into another one would lose the run.
    if (service.accountName !== account.name) {
      throw new TerminalError(
        `AZURE_STORAGE_CONNECTION_STRING is for account ${service.accountName || '(unknown: a custom domain)'}, but destination.azure.account_url names ${account.name} — make them the same account`,
      );
    }
    return service.getContainerClient(container);
  }
  if (account.emulator) {
    throw new TerminalError(
      `destination.azure.account_url ${account.blobUrl} is an Azurite address: set AZURE_STORAGE_CONNECTION_STRING to Azurite's connection string (Microsoft Entra ID tokens are only sent over HTTPS)`,
    );
  }
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new BlobServiceClient(account.blobUrl, new DefaultAzureCredential(), PIPELINE).getContainerClient(container);
}
