import { PassThrough, type Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import pLimit from 'p-limit';
import type { AwsDestination } from '../../config/destination-schema.js';
import { PreconditionFailedError, TerminalError, TransientError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log.js';
import { STORE_RETRY, type RetryPolicy } from '../../retry.js';
import type { ObjectStore, VersionedObject } from '../object-store.js';
import { createS3Client, type S3Api } from './s3-client.js';
import { classifyS3Error, codeOf, scrubbed, statusOf, type S3ErrorContext, type S3Operation } from './s3-errors.js';
import { crc32Fields, unquoted, uploadObject, type UploadTuning } from './s3-upload.js';

const MIB = 1024 * 1024;
/** S3's smallest part (all but the last) and most keys per DeleteObjects request. */
const MIN_PART_BYTES = 5 * MIB;
const MAX_DELETE_BATCH = 1000;

export interface S3StoreOptions {
  bucket: string;
  /** destination.aws.region, named in errors (a bucket in another region is reported with it). */
  region: string;
  /**
   * Bytes per multipart part (default 8 MiB, the AWS CLI's; at least 5 MiB). Parts are held in
   * memory while they are sent (a failed request is resent from there), so memory per upload is
   * at most (uploadConcurrency + 2) × partBytes: 48 MiB by default. S3 allows 10,000 parts, so
   * 8 MiB parts cap an object at 78 GiB — far above staging.part_size_mb's 4096 MB maximum.
   * https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html
   */
  partBytes?: number;
  /** Parts of one upload in flight at once (default 4). */
  uploadConcurrency?: number;
  /** Keys per ListObjectsV2 page (default and S3 maximum: 1000). */
  listPageSize?: number;
  /** Keys per DeleteObjects request (default and S3 maximum: 1000). */
  deleteBatchSize?: number;
  /** DeleteObjects requests in flight at once (default 4). */
  deleteConcurrency?: number;
  /** Uploads and writes are logged at debug level with their size; retries as warnings. */
  log?: Logger;
}

/** What `openS3Store` needs beyond the store's own options: where S3 is, and how patiently to retry. */
export interface OpenS3StoreOptions extends S3StoreOptions {
  /** An S3-compatible endpoint or emulator; else AWS S3 in `region`. */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Run by the SDK's own retry loop (s3-retry.ts); default STORE_RETRY. */
  retry?: RetryPolicy;
}

/** An S3Store over a real client, created on first use (see createS3Client). */
export function openS3Store(options: OpenS3StoreOptions): S3Store {
  const { region, endpoint, forcePathStyle, retry = STORE_RETRY, log = silentLogger } = options;
  return new S3Store(() => createS3Client({ region, endpoint, forcePathStyle, retry, log }), options);
}

/** The `aws` cloud's staging store, as destination.aws configures it (credentials: the default provider chain). */
export function openAwsStagingStore(aws: AwsDestination, log: Logger): S3Store {
  return openS3Store({ bucket: aws.bucket, region: aws.region, endpoint: aws.endpoint, forcePathStyle: aws.force_path_style, log });
}

/**
 * The `aws` staging bucket. Uploads stream in parts with a CRC32 checked end to end and publish
 * the object only when complete (s3-upload.ts); conditional writes use the ETag: `If-None-Match: *`
 * to create, `If-Match` to replace, and S3 refuses the loser with 412 (or 409 when two
 * conditional writes race). https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-requests.html
 */
export class S3Store implements ObjectStore {
  readonly bucket: string;
  readonly region: string;
  readonly #connect: () => Promise<S3Api>;
  #api: Promise<S3Api> | undefined;
  readonly #tuning: UploadTuning;
  readonly #pageSize: number;
  readonly #deleteBatch: number;
  readonly #deleteConcurrency: number;
  readonly #log: Logger;

  constructor(client: S3Api | (() => Promise<S3Api>), options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.region = options.region;
    this.#connect = typeof client === 'function' ? client : async () => client;
    this.#tuning = { partBytes: options.partBytes ?? 8 * MIB, concurrency: options.uploadConcurrency ?? 4 };
    if (!Number.isInteger(this.#tuning.partBytes) || this.#tuning.partBytes < MIN_PART_BYTES) {
      throw new TerminalError(`S3 part size ${this.#tuning.partBytes} must be a whole number of bytes, at least ${MIN_PART_BYTES} (5 MiB)`);
    }
    this.#pageSize = options.listPageSize ?? 1000;
    this.#deleteBatch = Math.min(options.deleteBatchSize ?? MAX_DELETE_BATCH, MAX_DELETE_BATCH);
    this.#deleteConcurrency = options.deleteConcurrency ?? 4;
    this.#log = options.log ?? silentLogger;
  }

  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  async upload(key: string, body: Readable): Promise<void> {
    const api = await this.#client();
    const started = performance.now();
    const { bytes, parts, etag } = await uploadObject(api, { ...this.#at('uploading', key), key }, body, this.#tuning, this.#log);
    this.#log.debug({ uri: this.uri(key), bytes, parts, etag, ms: Math.round(performance.now() - started) }, 'uploaded');
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    await this.#write(key, body, undefined);
  }

  async get(key: string): Promise<Buffer | null> {
    return (await this.#read(key))?.body ?? null;
  }

  async openRead(key: string): Promise<Readable> {
    const api = await this.#client();
    let answer;
    try {
      // ChecksumMode ENABLED: the SDK checks the bytes against the object's CRC32 as they stream.
      answer = await api.getObject({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED' });
    } catch (error) {
      if (codeOf(error) === 'NoSuchKey') {
        throw new TerminalError(`${this.uri(key)} does not exist — it was deleted, or never written by the run that lists it`, { cause: scrubbed(error) });
      }
      throw classifyS3Error(error, this.#at('reading', key));
    }
    const source = answer.Body;
    const out = new PassThrough();
    source.on('error', (error) => out.destroy(classifyS3Error(error, this.#at('reading', key))));
    out.once('close', () => source.destroy());
    source.pipe(out);
    return out;
  }

  async list(prefix: string): Promise<string[]> {
    const api = await this.#client();
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await api.listObjectsV2({
          Bucket: this.bucket, MaxKeys: this.#pageSize, ...(prefix ? { Prefix: prefix } : {}), ...(token ? { ContinuationToken: token } : {}),
        });
        for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      throw classifyS3Error(error, { operation: 'listing', bucket: this.bucket, region: this.region, target: `s3://${this.bucket}/${prefix}*` });
    }
    return keys.sort();
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const api = await this.#client();
    const limit = pLimit(this.#deleteConcurrency);
    const batches = Array.from({ length: Math.ceil(keys.length / this.#deleteBatch) }, (_, i) => keys.slice(i * this.#deleteBatch, (i + 1) * this.#deleteBatch));
    const deleteBatch = async (batch: string[]) => {
      let answer;
      try {
        // Quiet: the answer lists only the keys S3 could not delete; a missing key counts as deleted.
        answer = await api.deleteObjects({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } });
      } catch (error) {
        throw classifyS3Error(error, this.#at('deleting', batch[0] ?? ''));
      }
      const [refused] = answer.Errors ?? [];
      if (refused === undefined) return;
      const target = this.#at('deleting', refused.Key ?? '');
      if (refused.Code === 'AccessDenied') throw classifyS3Error({ Code: 'AccessDenied', message: refused.Message, $metadata: { httpStatusCode: 403 } }, target);
      throw new TransientError(`deleting ${target.target}: S3 could not delete it (${refused.Code}: ${refused.Message}), nor ${(answer.Errors?.length ?? 1) - 1} other key(s) of the batch — re-running is safe`);
    };
    // After one failure no further batch starts: the caller is told at once.
    await Promise.all(batches.map((batch) => limit(deleteBatch, batch))).catch((error: unknown) => {
      limit.clearQueue();
      throw error;
    });
  }

  async getVersioned(key: string): Promise<VersionedObject | null> {
    // One GetObject: the body and the ETag it answers with always belong together.
    const object = await this.#read(key);
    return object && { body: object.body, version: object.etag };
  }

  async putIfVersion(key: string, body: Buffer | string, expected: string | null): Promise<void> {
    await this.#write(key, body, { expected });
  }

  /** GetObject, the whole body read and its CRC32 checked by the SDK; null for a missing key. */
  async #read(key: string): Promise<{ body: Buffer; etag: string } | null> {
    const api = await this.#client();
    try {
      const answer = await api.getObject({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED' });
      const chunks: Buffer[] = [];
      for await (const chunk of answer.Body) chunks.push(chunk as Buffer);
      return { body: Buffer.concat(chunks), etag: unquoted(answer.ETag) };
    } catch (error) {
      if (codeOf(error) === 'NoSuchKey') return null;
      throw classifyS3Error(error, this.#at('reading', key));
    }
  }

  /**
   * One PutObject of a small body with its CRC32 declared: S3 checks it and refuses a body that
   * arrived altered (nothing written). With `condition`, the write is conditional on the ETag.
   */
  async #write(key: string, body: Buffer | string, condition: { expected: string | null } | undefined): Promise<void> {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const expected = condition?.expected ?? null;
    const refused = (cause?: unknown) => new PreconditionFailedError(
      `${this.uri(key)} changed since it was read (expected ${expected === null ? 'it absent' : `ETag ${expected}`}) — another writer got there first`,
      cause === undefined ? undefined : { cause: scrubbed(cause) },
    );
    // An ETag is visible ASCII without quotes; anything else was never handed out, so it cannot match.
    if (expected !== null && !/^[\x21\x23-\x7e]+$/.test(expected)) throw refused();
    const precondition = condition === undefined ? {} : expected === null ? { IfNoneMatch: '*' } : { IfMatch: `"${expected}"` };
    const api = await this.#client();
    try {
      const checksum = Buffer.alloc(4);
      checksum.writeUInt32BE(crc32(data));
      await api.putObject({ Bucket: this.bucket, Key: key, Body: data, ...crc32Fields(checksum.toString('base64')), ...precondition });
    } catch (error) {
      // 412: the ETag moved on; 409: a concurrent conditional write won; 404 NoSuchKey: If-Match on a deleted object.
      if (condition && (statusOf(error) === 412 || codeOf(error) === 'ConditionalRequestConflict' || codeOf(error) === 'NoSuchKey')) throw refused(error);
      throw classifyS3Error(error, this.#at('writing', key));
    }
    this.#log.debug({ uri: this.uri(key), bytes: data.length }, 'written');
  }

  #client(): Promise<S3Api> {
    this.#api ??= this.#connect();
    return this.#api;
  }

  #at(operation: S3Operation, key: string): S3ErrorContext {
    return { operation, bucket: this.bucket, region: this.region, target: this.uri(key) };
  }
}
