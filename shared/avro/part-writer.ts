import { createHash, randomBytes } from 'node:crypto';
import { Transform, pipeline, type Duplex, type TransformCallback } from 'node:stream';
import avro from 'avsc';
import type { Type } from 'avsc';
import { ContractError } from '../errors.js';
import type { Row } from '../model/column.js';
import type { ObjectStore } from '../stores/object-store.js';
import type { AvscRecordSchema } from './avsc-schema.js';
import { encoderCodecs, type AvroCodec, type CodecFunction } from './codecs.js';
import { containerHeader, SYNC_MARKER_BYTES } from './container-header.js';
import { describeEncodeFailure } from './encode-failure.js';
import { avroTypeFor } from './long-type.js';

export interface PartWriterOptions {
  store: ObjectStore;
  /** The plain `.avsc` JSON: it goes into every file header as is. */
  schema: AvscRecordSchema;
  codec: AvroCodec;
  /** A part is closed once its encoded size reaches this (checked after each row; may overshoot by about a block). */
  partSizeBytes: number;
  /** The object key of part number `seq` (0, 1, 2, …). */
  keyFor(seq: number): string;
  /** Uncompressed bytes per AVRO block (avsc's `blockSize`); DEFAULT_BLOCK_SIZE_BYTES when absent. */
  blockSizeBytes?: number;
  /** zlib level for `deflate`. */
  deflateLevel?: number;
}

/** One uploaded part, as the manifest lists it. */
export interface PartInfo {
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/**
 * 256 KiB blocks: fewer compression round trips than avsc's 64 KiB default and slightly better
 * ratios, far below BigQuery's 16 MB block limit (research/warehouses.md).
 */
export const DEFAULT_BLOCK_SIZE_BYTES = 262_144;

/** An AVRO block's framing besides its data: two varint counts (≤ 10 bytes each) and the sync marker. */
const BLOCK_FRAMING_BYTES = 2 + SYNC_MARKER_BYTES;

interface OpenPart {
  key: string;
  encoder: Duplex;
  sink: PartSink;
  /** The store's upload; rejected uploads are observed by finish, drain and abort. */
  upload: Promise<void>;
  /** Set once the upload has ended, either way: from then on the part can take no more rows. */
  ended: unknown;
  /** Called when the upload ends while write() waits for `drain`. */
  onEnded: ((error: unknown) => void) | null;
  rows: number;
  /** Header plus compressed blocks so far: what rotation compares with `partSizeBytes`. */
  encodedBytes: number;
}

/**
 * Writes rows as AVRO object container files of bounded size, each streamed to the store as it is
 * encoded (architecture.md, run protocol step 4): memory stays at about one block per part, and
 * `write()` waits whenever the upload is slower than the source. Rows must already be AVRO-ready
 * (`AvroValue`, shared/model/column.ts). `close()` returns the parts for the manifest; an empty
 * input still yields one valid part with zero records, so every run has at least one file and the
 * loader's stage table always gets the schema. `abort()` discards the in-flight upload and deletes
 * the parts already completed, so a failed run leaves no files behind for a prefix listing to find.
 */
export class PartWriter {
  readonly #store: ObjectStore;
  readonly #schemaJson: string;
  readonly #schema: AvscRecordSchema;
  readonly #type: Type;
  readonly #codec: AvroCodec;
  readonly #codecs: Record<AvroCodec, CodecFunction>;
  readonly #partSizeBytes: number;
  readonly #blockSizeBytes: number;
  readonly #keyFor: (seq: number) => string;
  #current: OpenPart | null = null;
  #parts: PartInfo[] = [];
  #seq = 0;
  #failure: unknown = null;
  #closed = false;
  #busy = false;

  constructor(options: PartWriterOptions) {
    if (!(options.partSizeBytes > 0)) throw new Error(`partSizeBytes must be positive (got ${options.partSizeBytes})`);
    const blockSize = options.blockSizeBytes ?? DEFAULT_BLOCK_SIZE_BYTES;
    if (!Number.isInteger(blockSize) || blockSize <= 0) throw new Error(`blockSizeBytes must be a positive integer (got ${blockSize})`);
    this.#store = options.store;
    this.#schemaJson = JSON.stringify(options.schema);
    this.#schema = options.schema;
    this.#type = avroTypeFor(options.schema);
    this.#codec = options.codec;
    this.#codecs = encoderCodecs({ deflateLevel: options.deflateLevel });
    if (!this.#codecs[options.codec]) throw new Error(`unknown AVRO codec ${String(options.codec)} (null, deflate or snappy)`);
    this.#partSizeBytes = options.partSizeBytes;
    this.#blockSizeBytes = blockSize;
    this.#keyFor = options.keyFor;
  }

  /**
   * Encodes a batch; resolves once the encoder can take more (backpressure from the upload).
   * A key missing from a row is written as the field's default — null for a nullable column — and
   * fails for a required one. A value of the wrong kind rejects with a ContractError naming the field.
   */
  async write(rows: Row[]): Promise<void> {
    this.#enter('write');
    try {
      for (let i = 0; i < rows.length; i++) {
        const part = this.#current ?? this.#open();
        const ready = part.encoder.write(rows[i]);
        if (this.#failure !== null) throw this.#failure;
        part.rows++;
        if (!ready) await this.#drain(part);
        if (part.encodedBytes >= this.#partSizeBytes) await this.#finishCurrent();
      }
    } catch (error) {
      this.#failure ??= error;
      throw error;
    } finally {
      this.#busy = false;
    }
  }

  /** Finishes the last part and returns every part written, in order. */
  async close(): Promise<PartInfo[]> {
    this.#enter('close');
    this.#closed = true;
    try {
      if (this.#current === null && this.#parts.length === 0) this.#open();
      if (this.#current !== null) await this.#finishCurrent();
      return [...this.#parts];
    } catch (error) {
      this.#failure ??= error;
      throw error;
    } finally {
      this.#busy = false;
    }
  }

  /** Destroys the in-flight upload (nothing is published) and deletes completed parts, best effort. */
  async abort(): Promise<void> {
    this.#closed = true;
    const part = this.#current;
    this.#current = null;
    if (part !== null) {
      const reason = new Error(`part ${part.key} aborted`);
      part.encoder.destroy(reason);
      part.sink.destroy(reason);
      await part.upload.catch(() => undefined);
    }
    const keys = this.#parts.map((p) => p.key);
    this.#parts = [];
    // The run has failed already; a leftover part is overwritten by the retry, so do not mask the cause.
    if (keys.length > 0) await this.#store.delete(keys).catch(() => undefined);
  }

  #enter(method: 'write' | 'close'): void {
    if (this.#failure !== null) throw this.#failure;
    if (this.#closed) throw new Error(`PartWriter.${method}() after close() or abort()`);
    if (this.#busy) throw new Error(`PartWriter.${method}() while a write() is still pending: await each call`);
    this.#busy = true;
  }

  #open(): OpenPart {
    const key = this.#keyFor(this.#seq++);
    const syncMarker = randomBytes(SYNC_MARKER_BYTES);
    const encoder = new avro.streams.BlockEncoder(this.#type, {
      codec: this.#codec, codecs: this.#codecs, blockSize: this.#blockSizeBytes, syncMarker, writeHeader: 'never',
    });
    const sink = new PartSink();
    const header = containerHeader(this.#schemaJson, this.#codec, syncMarker);
    sink.write(header);
    let upload: Promise<void>;
    try {
      upload = this.#store.upload(key, sink);
    } catch (error) {
      upload = Promise.reject(error);
    }
    const part: OpenPart = { key, encoder, sink, upload, ended: undefined, onEnded: null, rows: 0, encodedBytes: header.length };
    const end = (error: unknown): void => {
      part.ended ??= error;
      part.onEnded?.(error);
    };
    upload.then(() => end(new Error(`the upload of ${key} finished before the part was complete`)), end);
    encoder.on('block', (info: { compressedDataLength: number }) => {
      part.encodedBytes += info.compressedDataLength + BLOCK_FRAMING_BYTES;
    });
    // Emitted synchronously inside encoder.write(), so write() sees it before counting the row.
    encoder.on('typeError', (cause: unknown, value: unknown) => {
      this.#failure ??= new ContractError(describeEncodeFailure(this.#schema, this.#type, value, cause), { cause });
    });
    // On any error pipeline() destroys both streams, which makes the store's upload reject.
    pipeline(encoder, sink, () => undefined);
    this.#current = part;
    return part;
  }

  /** Waits for `drain`, or fails as soon as the encoder errors or the upload ends early. */
  async #drain(part: OpenPart): Promise<void> {
    const encoder = part.encoder;
    try {
      if (part.ended !== undefined) throw part.ended;
      if (encoder.destroyed) throw new Error(`the encoder of ${part.key} was destroyed`);
      await new Promise<void>((resolve, reject) => {
        const settle = (error?: unknown): void => {
          encoder.off('drain', onDrain);
          encoder.off('error', settle);
          encoder.off('close', onClose);
          part.onEnded = null;
          if (error === undefined) resolve();
          else reject(error);
        };
        const onDrain = (): void => settle();
        const onClose = (): void => settle(new Error(`the encoder of ${part.key} closed while rows were pending`));
        encoder.on('drain', onDrain);
        encoder.on('error', settle);
        encoder.on('close', onClose);
        part.onEnded = settle;
      });
    } catch (error) {
      throw this.#failure ?? error;
    }
  }

  async #finishCurrent(): Promise<void> {
    const part = this.#current;
    if (part === null) return;
    this.#current = null;
    part.encoder.end();
    try {
      await part.upload;
    } catch (error) {
      throw this.#failure ?? error;
    }
    if (this.#failure !== null) throw this.#failure;
    const sha256 = part.sink.sha256;
    if (sha256 === undefined) {
      throw new Error(`the store reported ${part.key} uploaded before reading it to the end; the object may be truncated`);
    }
    this.#parts.push({ key: part.key, rows: part.rows, bytes: part.sink.bytes, sha256 });
  }
}

/** Passes a part's bytes through to the upload, counting them and hashing them (sha256). */
class PartSink extends Transform {
  bytes = 0;
  sha256: string | undefined;
  readonly #hash = createHash('sha256');

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.sha256 = this.#hash.digest('hex');
    callback();
  }
}
