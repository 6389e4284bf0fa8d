import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pLimit from 'p-limit';
import { PreconditionFailedError, TerminalError, TransientError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log.js';
import type { ObjectStore, VersionedObject } from '../object-store.js';
import { createGcsClient, type GcsBucket, type GcsClient, type GcsWriteOptions } from './gcs-client.js';
import { bucketMissingError, classifyGcsError, scrubbed, statusOf } from './gcs-errors.js';
import { DEFAULT_GCS_RETRY, type GcsRetryPolicy } from './gcs-retry.js';

/**
 * How every transfer is verified: the client hashes the bytes as they stream and compares the hash
 * GCS reports for the object (after an upload: deleting it on a mismatch; on a read: failing the
 * stream). MD5, not CRC32C: the client's CRC32C is plain JavaScript, about 37 MiB/s (3.4 s of CPU
 * per 128 MiB part), where Node's MD5 is native. Every object DataPipe writes has an MD5 (only
 * composite objects lack one). https://cloud.google.com/storage/docs/data-validation
 */
const VALIDATION = 'md5';

/** Resumable uploads send whole multiples of 256 KiB per request (except the last). */
const UPLOAD_CHUNK_UNIT = 256 * 1024;

export interface GcsStoreOptions {
  bucket: string;
  /**
   * Bytes per resumable-upload request, a multiple of 256 KiB (default 8 MiB, Google's advice).
   * Each request's bytes are held in memory so a failed request can be resent: this bounds memory.
   * https://cloud.google.com/storage/docs/performing-resumable-uploads#chunked-upload
   */
  uploadChunkBytes?: number;
  /** Keys per `objects.list` page (default and GCS maximum: 1000). */
  listPageSize?: number;
  /** Deletes in flight at once (default 16). */
  deleteConcurrency?: number;
  /** Uploads are logged at debug level with their size. */
  log?: Logger;
}

/** What `openGcsStore` needs: the bucket, the project, and optionally an emulator. */
export interface OpenGcsStoreOptions extends GcsStoreOptions {
  projectId: string;
  /** An emulator's base URL (tests); otherwise STORAGE_EMULATOR_HOST, otherwise Google with ADC. */
  apiEndpoint?: string;
  retry?: GcsRetryPolicy;
}

/** A GcsStore over a real client, created on first use (see createGcsClient). */
export function openGcsStore(options: OpenGcsStoreOptions): GcsStore {
  const { projectId, apiEndpoint, retry = DEFAULT_GCS_RETRY } = options;
  return new GcsStore(() => createGcsClient({ projectId, apiEndpoint, retry }), options);
}

/**
 * The `gcp` staging bucket. An object exists under its name only once complete (a resumable upload
 * is finalised by its last request), so uploads are never half-visible; conditional writes use
 * the object's generation (`ifGenerationMatch`, 0 meaning "does not exist yet").
 * https://cloud.google.com/storage/docs/request-preconditions
 */
export class GcsStore implements ObjectStore {
  readonly bucket: string;
  readonly #connect: () => Promise<GcsClient>;
  #handle: Promise<GcsBucket> | undefined;
  /** Set once a request proved the bucket exists, so a 404 can only mean the object. */
  #bucketSeen = false;
  readonly #chunkBytes: number;
  readonly #pageSize: number;
  readonly #deleteConcurrency: number;
  readonly #log: Logger;

  constructor(client: GcsClient | (() => Promise<GcsClient>), options: GcsStoreOptions) {
    this.bucket = options.bucket;
    this.#connect = typeof client === 'function' ? client : async () => client;
    this.#chunkBytes = options.uploadChunkBytes ?? 32 * UPLOAD_CHUNK_UNIT;
    if (!Number.isInteger(this.#chunkBytes / UPLOAD_CHUNK_UNIT) || this.#chunkBytes <= 0) {
      throw new TerminalError(`GCS upload chunk size ${this.#chunkBytes} must be a positive multiple of ${UPLOAD_CHUNK_UNIT} bytes (256 KiB)`);
    }
    this.#pageSize = options.listPageSize ?? 1000;
    this.#deleteConcurrency = options.deleteConcurrency ?? 16;
    this.#log = options.log ?? silentLogger;
  }

  uri(key: string): string {
    return `gs://${this.bucket}/${key}`;
  }

  async upload(key: string, body: Readable): Promise<void> {
    const file = (await this.#bucket()).file(key);
    const started = performance.now();
    // Resumable, in chunks: a failed request is resent from memory instead of failing the part.
    const sink = file.createWriteStream({ resumable: true, chunkSize: this.#chunkBytes, validation: VALIDATION });
    // Whichever stream fails first is the cause; the other is then destroyed with the same error.
    let failedFirst: 'body' | 'sink' | undefined;
    body.once('error', () => (failedFirst ??= 'body'));
    sink.once('error', () => (failedFirst ??= 'sink'));
    try {
      await pipeline(body, sink);
    } catch (error) {
      // The source's own failure (or its being destroyed) is not a storage error: pass it on as is.
      if (failedFirst !== 'sink') throw error;
      // A 404 is the bucket when the session is refused at the start, the session itself later on.
      if (statusOf(error) === 404) {
        await this.#absent(error, 'uploading', key);
        throw new TransientError(`uploading ${this.uri(key)}: GCS no longer knows the resumable upload session (HTTP 404) — re-running is safe`);
      }
      throw classifyGcsError(error, this.#at('uploading', key));
    }
    this.#bucketSeen = true;
    const { size, generation } = file.metadata ?? {};
    this.#log.debug({ uri: this.uri(key), bytes: Number(size), generation: String(generation), ms: Math.round(performance.now() - started) }, 'uploaded');
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    await this.#save(key, body, undefined);
  }

  async get(key: string): Promise<Buffer | null> {
    const file = (await this.#bucket()).file(key);
    try {
      const [body] = await file.download({ validation: VALIDATION });
      this.#bucketSeen = true;
      return body;
    } catch (error) {
      return this.#absent(error, 'reading', key);
    }
  }

  async openRead(key: string): Promise<Readable> {
    const source = (await this.#bucket()).file(key).createReadStream({ validation: VALIDATION });
    const out = new PassThrough();
    out.once('close', () => source.destroy());
    // The request starts when the stream is first read; wait for its answer before handing it out.
    const answered = new Promise<void>((resolve, reject) => {
      source.on('error', reject);
      source.once('response', (response: { statusCode?: number }) => {
        // An error status is followed by the error itself.
        if ((response.statusCode ?? 200) >= 300) return;
        source.off('error', reject);
        source.on('error', (error) => out.destroy(classifyGcsError(error, this.#at('reading', key))));
        resolve();
      });
    });
    source.pipe(out);
    try {
      await answered;
    } catch (error) {
      out.destroy();
      if (statusOf(error) !== 404) throw classifyGcsError(error, this.#at('reading', key));
      await this.#absent(error, 'reading', key);
      throw new TerminalError(`${this.uri(key)} does not exist — it was deleted, or never written by the run that lists it`);
    }
    this.#bucketSeen = true;
    return out;
  }

  async list(prefix: string): Promise<string[]> {
    const bucket = await this.#bucket();
    const keys: string[] = [];
    let pageToken: string | undefined;
    try {
      do {
        const [files, next] = await bucket.getFiles({ prefix, autoPaginate: false, maxResults: this.#pageSize, ...(pageToken ? { pageToken } : {}) });
        for (const file of files) keys.push(file.name);
        pageToken = next?.pageToken;
      } while (pageToken);
    } catch (error) {
      throw classifyGcsError(error, { operation: 'listing', bucket: this.bucket, target: `gs://${this.bucket}/${prefix}*` });
    }
    this.#bucketSeen = true;
    return keys.sort();
  }

  async delete(keys: string[]): Promise<void> {
    const bucket = await this.#bucket();
    const limit = pLimit(this.#deleteConcurrency);
    await Promise.all(keys.map((key) => limit(async () => {
      try {
        await bucket.file(key).delete();
      } catch (error) {
        // The first failure is reported at once; the deletes not yet started are dropped.
        limit.clearQueue();
        await this.#absent(error, 'deleting', key);
      }
    })));
  }

  async getVersioned(key: string): Promise<VersionedObject | null> {
    const bucket = await this.#bucket();
    // Metadata first, then exactly that generation's bytes: body and version always belong together.
    for (let attempt = 1; ; attempt++) {
      let generation: string;
      try {
        const [metadata] = await bucket.file(key).getMetadata();
        generation = String(metadata.generation);
      } catch (error) {
        return this.#absent(error, 'reading', key);
      }
      try {
        const [body] = await bucket.file(key, { generation }).download({ validation: VALIDATION });
        this.#bucketSeen = true;
        return { body, version: generation };
      } catch (error) {
        // Replaced between the two requests (the old generation is gone): read the new one.
        if (statusOf(error) !== 404) throw classifyGcsError(error, this.#at('reading', key));
        if (attempt === 3) throw new TransientError(`${this.uri(key)} changed three times while being read — another process keeps rewriting it; re-running is safe`);
      }
    }
  }

  async putIfVersion(key: string, body: Buffer | string, expected: string | null): Promise<void> {
    const wanted = expected === null ? 'it absent' : `generation ${expected}`;
    // Generations are positive integers; anything else can never match (as a stale version would not).
    if (expected !== null && !/^[1-9]\d*$/.test(expected)) {
      throw new PreconditionFailedError(`${this.uri(key)} changed since it was read (expected ${wanted}, which is not a GCS generation)`);
    }
    await this.#save(key, body, { ifGenerationMatch: expected ?? 0, wanted });
  }

  /**
   * One-request upload of a small body with its MD5 declared: GCS checks it and refuses a body
   * that arrived altered (HTTP 400, nothing written). The client's own after-the-fact check is off
   * because on a mismatch it deletes the object — for `_state.json` that would erase the
   * committed watermark. https://cloud.google.com/storage/docs/data-validation
   */
  async #save(key: string, body: Buffer | string, precondition?: { ifGenerationMatch: string | number; wanted: string }): Promise<void> {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const options: GcsWriteOptions = {
      resumable: false,
      validation: false,
      metadata: { md5Hash: createHash('md5').update(data).digest('base64') },
      ...(precondition ? { preconditionOpts: { ifGenerationMatch: precondition.ifGenerationMatch } } : {}),
    };
    try {
      await (await this.#bucket()).file(key).save(data, options);
    } catch (error) {
      if (precondition && statusOf(error) === 412) {
        throw new PreconditionFailedError(`${this.uri(key)} changed since it was read (expected ${precondition.wanted}) — another writer got there first`, { cause: scrubbed(error) });
      }
      throw classifyGcsError(error, this.#at('writing', key));
    }
    this.#bucketSeen = true;
    this.#log.debug({ uri: this.uri(key), bytes: data.length }, 'written');
  }

  /** A 404 on an object: null when the bucket exists (checked once), else the bucket's error. */
  async #absent(error: unknown, operation: string, key: string): Promise<null> {
    if (statusOf(error) !== 404) throw classifyGcsError(error, this.#at(operation, key));
    if (this.#bucketSeen) return null;
    try {
      // objects.list, not buckets.get: roles/storage.objectAdmin grants the first only.
      await (await this.#bucket()).getFiles({ autoPaginate: false, maxResults: 1 });
    } catch (probe) {
      if (statusOf(probe) === 404) throw bucketMissingError(this.bucket, probe);
      throw classifyGcsError(probe, { operation: 'listing', bucket: this.bucket, target: `gs://${this.bucket}` });
    }
    this.#bucketSeen = true;
    return null;
  }

  #bucket(): Promise<GcsBucket> {
    this.#handle ??= this.#connect().then((client) => client.bucket(this.bucket));
    return this.#handle;
  }

  #at(operation: string, key: string) {
    return { operation, bucket: this.bucket, target: this.uri(key) };
  }
}
