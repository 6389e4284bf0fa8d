import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import pLimit from 'p-limit';
import { PreconditionFailedError, TerminalError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log.js';
import { STORE_RETRY, withRetry, type RetryPolicy } from '../../retry.js';
import type { ObjectStore, VersionedObject } from '../object-store.js';
import { abfssUri, azureAccount, type AzureAccount } from './azure-account.js';
import { uploadInBlocks } from './azure-block-upload.js';
import { createAzureContainer, type AzureBlockBlob, type AzureContainer, type AzureDownload } from './azure-client.js';
import { classifyAzureError, ContentMismatch, scrubbed, serviceCodeOf, statusOf, type AzureErrorContext } from './azure-errors.js';

const MIB = 1024 * 1024;
/** Azure's largest block (service version 2019-12-12 and later). */
const MAX_BLOCK_BYTES = 4000 * MIB;
/** What Azure hands out as an ETag: a quoted hexadecimal number. Anything else can never match. */
const ETAG = /^"0x[0-9A-F]+"$/i;

export interface AzureStoreOptions {
  /** `destination.azure.account_url`: https://<account>.blob.core.windows.net, or Azurite's http://127.0.0.1:<port>/<account>. */
  accountUrl: string;
  /** `destination.azure.container`. */
  container: string;
  /**
   * Bytes per block (default 8 MiB). Each block in flight is held in memory so a failed request
   * can be resent: an upload holds at most (blockConcurrency + 1) × blockBytes. 50,000 blocks of
   * 8 MiB allow parts up to 390 GiB.
   */
  blockBytes?: number;
  /** Blocks of one upload in flight at once (default 4). */
  blockConcurrency?: number;
  /** Keys per List Blobs page (default and Azure maximum: 5000). */
  listPageSize?: number;
  /** Deletes in flight at once (default 16). */
  deleteConcurrency?: number;
  /** How each request is retried (default STORE_RETRY: 5 tries, full jitter, waits capped at 32 s). */
  retry?: RetryPolicy;
  /** One attempt's time limit — for openRead, until the answer starts (default 120 s; a block of 8 MiB then needs 70 KB/s). */
  requestTimeoutMs?: number;
  /** Uploads and writes are logged at debug level with their size. */
  log?: Logger;
}

/** What `openAzureStore` needs beyond the store's options. */
export interface OpenAzureStoreOptions extends AzureStoreOptions {
  /** Default: `AZURE_STORAGE_CONNECTION_STRING`; when empty, DefaultAzureCredential signs in. */
  connectionString?: string;
}

/** An AzureBlobStore over a real client, created on first use (see createAzureContainer). */
export function openAzureStore(options: OpenAzureStoreOptions): AzureBlobStore {
  const account = azureAccount(options.accountUrl);
  return new AzureBlobStore(() => createAzureContainer({ account, container: options.container, connectionString: options.connectionString }), options);
}

/**
 * The `azure` staging container (Blob storage, or ADLS Gen2 through its Blob endpoint). Uploads are
 * block lists committed last, so never half-visible; every write declares its MD5 and every read
 * checks it; conditional writes use the blob's ETag (`If-Match`) or its absence (`If-None-Match: *`).
 * https://learn.microsoft.com/rest/api/storageservices/specifying-conditional-headers-for-blob-service-operations
 *
 * Retries: this store is the one layer. The SDK's policy is off (azure-client.ts says why); each
 * request — one block, one commit, one page, one read — is retried by `withRetry` with full jitter
 * after azure-errors.ts classified the failure: 503 ServerBusy, 500 OperationTimedOut, other 5xx,
 * timeouts and dropped connections are; 4xx answers are not. A block is resent from memory; a
 * conditional write is safe to resend, but one whose success answer was lost then reports a lost
 * race (PreconditionFailedError, exit 1) it in fact won — the protocol re-reads before acting on it.
 */
export class AzureBlobStore implements ObjectStore {
  readonly container: string;
  readonly account: AzureAccount;
  readonly #connect: () => Promise<AzureContainer>;
  #handle: Promise<AzureContainer> | undefined;
  readonly #blockBytes: number;
  readonly #blockConcurrency: number;
  readonly #pageSize: number;
  readonly #deleteConcurrency: number;
  readonly #retry: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #log: Logger;

  constructor(client: AzureContainer | (() => Promise<AzureContainer>), options: AzureStoreOptions) {
    this.container = options.container;
    this.account = azureAccount(options.accountUrl);
    this.#connect = typeof client === 'function' ? client : async () => client;
    this.#blockBytes = options.blockBytes ?? 8 * MIB;
    if (!Number.isInteger(this.#blockBytes) || this.#blockBytes <= 0 || this.#blockBytes > MAX_BLOCK_BYTES) {
      throw new TerminalError(`Azure block size ${this.#blockBytes} must be a whole number of bytes between 1 and ${MAX_BLOCK_BYTES} (4000 MiB)`);
    }
    this.#blockConcurrency = options.blockConcurrency ?? 4;
    this.#pageSize = options.listPageSize ?? 5000;
    this.#deleteConcurrency = options.deleteConcurrency ?? 16;
    this.#retry = options.retry ?? STORE_RETRY;
    this.#timeoutMs = options.requestTimeoutMs ?? 120_000;
    this.#log = options.log ?? silentLogger;
  }

  uri(key: string): string {
    return abfssUri(this.account, this.container, key);
  }

  async upload(key: string, body: Readable): Promise<void> {
    const blob = await this.#blob(key);
    const started = performance.now();
    const at = this.#at('uploading', key);
    const { bytes, blocks } = await uploadInBlocks(body, {
      stage: (id, block, md5, cancel) => this.#retrying(at, (signal) => blob.stageBlock(id, block, block.length, { transactionalContentMD5: md5, abortSignal: signal }), cancel),
      commit: (ids, md5) => this.#retrying(at, (signal) => blob.commitBlockList(ids, { blobHTTPHeaders: { blobContentMD5: md5 }, abortSignal: signal })),
      putWhole: (data, md5) => this.#retrying(at, (signal) => blob.upload(data, data.length, { transactionalContentMD5: md5, blobHTTPHeaders: { blobContentMD5: md5 }, abortSignal: signal })),
    }, { blockBytes: this.#blockBytes, concurrency: this.#blockConcurrency });
    this.#log.debug({ uri: this.uri(key), bytes, blocks, ms: Math.round(performance.now() - started) }, 'uploaded');
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    await this.#save(key, body);
  }

  async get(key: string): Promise<Buffer | null> {
    return (await this.#read(key))?.body ?? null;
  }

  async getVersioned(key: string): Promise<VersionedObject | null> {
    // One request answers both: the body and the ETag of exactly that body.
    const read = await this.#read(key);
    if (!read) return null;
    if (!read.etag) throw new TerminalError(`${this.uri(key)}: Azure answered without an ETag, so the blob cannot be updated conditionally`);
    return { body: read.body, version: read.etag };
  }

  async openRead(key: string): Promise<Readable> {
    const blob = await this.#blob(key);
    const at = this.#at('reading', key);
    // The timeout covers the attempt until the answer starts; the body then streams at the reader's
    // pace. `maxRetryRequests: 0`: the SDK would otherwise re-request a broken body on its own, a
    // second retry layer; a read that breaks midway fails (exit 1) and the step is re-run.
    const answer = await this.#retrying(at, (signal) => blob.download(0, undefined, { maxRetryRequests: 0, abortSignal: signal }));
    const source = answer.readableStreamBody as Readable | undefined;
    if (!source) throw new TerminalError(`${this.uri(key)}: Azure answered without a body`);
    const expected = declaredMd5(answer);
    const hash = createHash('md5');
    const checked = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
      flush: (done) => {
        done(expected && !hash.digest().equals(expected) ? classifyAzureError(new ContentMismatch(), this.#context(at)) : undefined);
      },
    });
    source.on('error', (error) => checked.destroy(classifyAzureError(error, this.#context(at))));
    checked.once('close', () => source.destroy());
    return source.pipe(checked);
  }

  async list(prefix: string): Promise<string[]> {
    const container = await this.#container();
    const at = { operation: 'listing', target: `${this.uri(prefix)}*` };
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#retrying(at, async (signal) => {
        const pages = container.listBlobsFlat({ prefix, includeMetadata: true, abortSignal: signal })
          .byPage({ maxPageSize: this.#pageSize, ...(token ? { continuationToken: token } : {}) });
        const next = await pages.next();
        return next.done ? undefined : next.value;
      });
      for (const item of page?.segment.blobItems ?? []) {
        // With a hierarchical namespace (ADLS Gen2) a flat listing also returns each directory, as a
        // blob marked hdi_isfolder=true; they are not objects DataPipe wrote.
        if (item.metadata?.hdi_isfolder?.toLowerCase() !== 'true') keys.push(item.name);
      }
      token = page?.continuationToken || undefined;
    } while (token);
    return keys.sort();
  }

  async delete(keys: string[]): Promise<void> {
    const container = await this.#container();
    const limit = pLimit(this.#deleteConcurrency);
    let failed: { error: unknown } | undefined;
    // After one failure the remaining keys are skipped: the caller is told at once.
    await Promise.all(keys.map((key) => limit(async () => {
      if (failed) return;
      try {
        await this.#retrying(this.#at('deleting', key), (signal) =>
          container.getBlockBlobClient(key).deleteIfExists({ deleteSnapshots: 'include', abortSignal: signal }));
      } catch (error) {
        failed ??= { error };
      }
    })));
    if (failed) throw failed.error;
  }

  async putIfVersion(key: string, body: Buffer | string, expected: string | null): Promise<void> {
    const wanted = expected === null ? 'it absent' : `ETag ${expected}`;
    // Only ETags Azure handed out are sent: `If-Match: *` in particular would match any blob (and,
    // in Azurite before 3.36, even a missing one).
    if (expected !== null && !ETAG.test(expected)) {
      throw new PreconditionFailedError(`${this.uri(key)} changed since it was read (expected ${wanted}, which is not an Azure ETag)`);
    }
    await this.#save(key, body, { conditions: expected === null ? { ifNoneMatch: '*' } : { ifMatch: expected }, wanted });
  }

  /**
   * One Put Blob with the body's MD5: Azure checks it (refusing an altered body, nothing written)
   * and stores it as the blob's Content-MD5 for later reads to check.
   */
  async #save(key: string, body: Buffer | string, precondition?: { conditions: { ifMatch?: string; ifNoneMatch?: string }; wanted: string }): Promise<void> {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const md5 = createHash('md5').update(data).digest();
    const blob = await this.#blob(key);
    await this.#retrying(this.#at('writing', key), async (signal) => {
      try {
        await blob.upload(data, data.length, {
          transactionalContentMD5: md5, blobHTTPHeaders: { blobContentMD5: md5 }, abortSignal: signal,
          ...(precondition ? { conditions: precondition.conditions } : {}),
        });
      } catch (error) {
        // Create-only on an existing blob: 409 BlobAlreadyExists (Azure and Azurite); a stale or
        // missing ETag: 412 ConditionNotMet. Both are lost races, never retried.
        const code = serviceCodeOf(error);
        if (precondition && ((statusOf(error) === 409 && code === 'BlobAlreadyExists') || (statusOf(error) === 412 && code === 'ConditionNotMet'))) {
          throw new PreconditionFailedError(`${this.uri(key)} changed since it was read (expected ${precondition.wanted}) — another writer got there first`, { cause: scrubbed(error) });
        }
        throw error;
      }
    });
    this.#log.debug({ uri: this.uri(key), bytes: data.length }, 'written');
  }

  /** A whole small blob, its MD5 checked; null when it does not exist. A mismatch is retried like a dropped read. */
  async #read(key: string): Promise<{ body: Buffer; etag: string | undefined } | null> {
    const blob = await this.#blob(key);
    return this.#retrying(this.#at('reading', key), async (signal) => {
      let answer: AzureDownload;
      try {
        answer = await blob.download(0, undefined, { maxRetryRequests: 0, abortSignal: signal });
      } catch (error) {
        if (serviceCodeOf(error) === 'BlobNotFound') return null;
        throw error;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of (answer.readableStreamBody ?? []) as AsyncIterable<Buffer>) chunks.push(chunk);
      const body = Buffer.concat(chunks);
      const expected = declaredMd5(answer);
      if (expected && !createHash('md5').update(body).digest().equals(expected)) throw new ContentMismatch();
      return { body, etag: answer.etag };
    });
  }

  /**
   * Runs one request under DataPipe's retry policy: each attempt gets its own timeout, and stops
   * when `cancel` aborts (a failed upload calling off its other blocks); failures are classified
   * once, and the last attempt's message says how many were made.
   */
  async #retrying<T>(at: { operation: string; target: string }, attempt: (signal: AbortSignal) => Promise<T>, cancel?: AbortSignal): Promise<T> {
    const policy = this.#retry;
    return withRetry(async (n) => {
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), this.#timeoutMs);
      try {
        return await attempt(cancel ? AbortSignal.any([cancel, timeout.signal]) : timeout.signal);
      } catch (error) {
        throw classifyAzureError(error, this.#context(at, n + 1 >= policy.attempts ? n + 1 : undefined));
      } finally {
        clearTimeout(timer);
      }
    }, { policy, what: `${at.operation} ${at.target}`, log: this.#log, ...(cancel ? { signal: cancel } : {}) });
  }

  #container(): Promise<AzureContainer> {
    this.#handle ??= this.#connect();
    return this.#handle;
  }

  async #blob(key: string): Promise<AzureBlockBlob> {
    return (await this.#container()).getBlockBlobClient(key);
  }

  #at(operation: string, key: string) {
    return { operation, target: this.uri(key) };
  }

  #context(at: { operation: string; target: string }, attempts?: number): AzureErrorContext {
    return { ...at, container: this.container, accountUrl: this.account.blobUrl, attempts };
  }
}

/** The MD5 the blob declares: x-ms-blob-content-md5, else Content-MD5 (the whole blob: no range is asked). */
function declaredMd5(answer: AzureDownload): Buffer | undefined {
  const md5 = answer.blobContentMD5 ?? answer.contentMD5;
  return md5 && md5.length > 0 ? Buffer.from(md5) : undefined;
}
