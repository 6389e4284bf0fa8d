import { createHash, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type { ObjectStore } from '../stores/object-store.js';
import type { AvroCodec } from './codecs.js';
import { containerHeader, SYNC_MARKER_BYTES } from './container-header.js';

/** One uploaded part, as the manifest lists it. */
export interface PartInfo {
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/**
 * One AVRO object container file being streamed to the store: the header, then each block framed
 * as the Avro 1.12 specification's "Object Container Files" says — `long` record count, `long`
 * byte count, the codec's bytes, the file's 16-byte sync marker. The store's upload promise is the
 * one word on how the upload went: a store that fails or stops reading rejects it, and every wait
 * here ends with that error instead of hanging on a `drain` that never comes.
 */
export class PartUpload {
  readonly key: string;
  /** Records in the blocks written so far. */
  rows = 0;
  /** Header plus framed blocks written so far: what rotation compares with the part size. */
  bytes: number;
  /** True once the object is published, false once the upload failed; never rejects. */
  readonly published: Promise<boolean>;
  readonly #sink: PartSink;
  readonly #syncMarker = randomBytes(SYNC_MARKER_BYTES);
  readonly #upload: Promise<void>;
  #finishing = false;
  /** Set when the upload ended before finish() asked it to. */
  #ended: { error: unknown } | null = null;
  #onEnded: ((error: unknown) => void) | null = null;

  constructor(store: ObjectStore, key: string, schemaJson: string, codec: AvroCodec, highWaterMark: number) {
    this.key = key;
    this.#sink = new PartSink({ highWaterMark });
    // The store sees a destroyed or failed body through its own read and rejects its upload; this only keeps the event handled.
    this.#sink.on('error', () => undefined);
    const header = containerHeader(schemaJson, codec, this.#syncMarker);
    this.#sink.write(header);
    this.bytes = header.length;
    let upload: Promise<void>;
    try {
      upload = store.upload(key, this.#sink);
    } catch (error) {
      upload = Promise.reject(error);
    }
    this.#upload = upload;
    this.published = upload.then(() => true, () => false);
    upload.then(
      () => this.#end(this.#finishing ? null : new Error(`the upload of ${key} finished before the part was complete`)),
      (error: unknown) => this.#end(error),
    );
  }

  /** Appends one block; resolves once the upload can take more. */
  async writeBlock(records: number, data: Buffer): Promise<void> {
    if (this.#ended !== null) throw this.#ended.error;
    const frame = frameBlock(records, data, this.#syncMarker);
    const ready = this.#sink.write(frame);
    this.rows += records;
    this.bytes += frame.length;
    if (!ready) await this.#drained();
  }

  /** Ends the file and waits for the store to publish it. */
  async finish(): Promise<PartInfo> {
    if (this.#ended !== null) throw this.#ended.error;
    this.#finishing = true;
    this.#sink.end();
    await this.#upload;
    const sha256 = this.#sink.sha256;
    // Not flushed, or bytes still waiting in the body: the store stopped reading early.
    if (sha256 === undefined || this.#sink.readableLength > 0) {
      throw new Error(`the store reported ${this.key} uploaded before reading it to the end; the object may be truncated`);
    }
    return { key: this.key, rows: this.rows, bytes: this.#sink.bytes, sha256 };
  }

  /** Destroys the body, so nothing is published unless it already was; resolves once the upload has settled. */
  async destroy(reason: Error): Promise<boolean> {
    this.#sink.destroy(reason);
    return this.published;
  }

  #end(error: unknown): void {
    if (error === null) return;
    this.#ended ??= { error };
    this.#onEnded?.(this.#ended.error);
  }

  #drained(): Promise<void> {
    const sink = this.#sink;
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: unknown): void => {
        clearTimeout(verdict);
        sink.off('drain', onDrain);
        sink.off('close', onClose);
        this.#onEnded = null;
        if (error === undefined) resolve();
        else reject(error);
      };
      const onDrain = (): void => settle();
      // A body closed under us: the store's rejection says why (a full disk, a refused write), but
      // it may come only after the store has cleaned up. #end settles with it; the generic line is
      // for a store that never rejects.
      let verdict: NodeJS.Timeout | undefined;
      const onClose = (): void => {
        verdict ??= setTimeout(() => settle(this.#ended?.error ?? new Error(`the upload of ${this.key} stopped reading before the part was complete`)), STORE_VERDICT_MS).unref();
      };
      if (this.#ended !== null) {
        reject(this.#ended.error);
        return;
      }
      this.#onEnded = settle;
      sink.on('drain', onDrain);
      if (sink.destroyed) onClose();
      else sink.on('close', onClose);
    });
  }
}

/** How long a closed body waits for the store to say why it stopped reading. */
const STORE_VERDICT_MS = 30_000;

/** `long` values as the AVRO binary encoding writes them: zig-zag, then 7 bits a byte, low first. */
function writeLong(value: number, target: Buffer, offset: number): number {
  let rest = value * 2; // zig-zag of a non-negative count
  while (rest >= 0x80) {
    target[offset++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  target[offset++] = rest;
  return offset;
}

/** A block as it sits in the file: record count, byte count, data, sync marker. */
export function frameBlock(records: number, data: Buffer, syncMarker: Buffer): Buffer {
  const prefix = Buffer.allocUnsafe(20);
  const prefixLength = writeLong(data.length, prefix, writeLong(records, prefix, 0));
  const frame = Buffer.allocUnsafe(prefixLength + data.length + syncMarker.length);
  prefix.copy(frame, 0, 0, prefixLength);
  data.copy(frame, prefixLength);
  syncMarker.copy(frame, prefixLength + data.length);
  return frame;
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
