import type { Type } from 'avsc';
import { ContractError } from '../errors.js';
import type { Row } from '../model/column.js';
import type { ObjectStore } from '../stores/object-store.js';
import type { AvscRecordSchema } from './avsc-schema.js';
import { BlockBuffer } from './block-buffer.js';
import { BlockPipeline, type CompressedBlock } from './block-pipeline.js';
import { encoderCodecs, type AvroCodec, type CodecFunction } from './codecs.js';
import { describeEncodeFailure } from './encode-failure.js';
import { avroTypeFor } from './long-type.js';
import { PartUpload, type PartInfo } from './part-upload.js';
import { TextRowEncoder } from './text-row-encoder.js';

export type { PartInfo } from './part-upload.js';

export interface PartWriterOptions {
  store: ObjectStore;
  /**
   * The plain `.avsc` JSON: it goes into every file header as is. Its encoding decides how rows are
   * written (./avro-encoding.ts): under `redshift-text` the writer converts each row's values to text.
   */
  schema: AvscRecordSchema;
  codec: AvroCodec;
  /** A part is closed once its encoded size reaches this (checked after each block, so it overshoots by less than a block). */
  partSizeBytes: number;
  /** The object key of part number `seq` (0, 1, 2, …). */
  keyFor(seq: number): string;
  /** A block is closed once its records reach this many uncompressed bytes; DEFAULT_BLOCK_SIZE_BYTES when absent. */
  blockSizeBytes?: number;
  /** zlib level for `deflate`. */
  deflateLevel?: number;
}

/** Records already in AVRO binary encoding, concatenated (what `Source.readEncoded` yields). */
export interface EncodedRecords {
  records: Buffer;
  rows: number;
}

/**
 * 512 KiB blocks: few compression round trips (each costs the main thread a zlib stream's setup,
 * which at 256 KiB was about a tenth of its time besides encoding) and good ratios, far below
 * BigQuery's 16 MB block limit (https://cloud.google.com/bigquery/docs/loading-data-cloud-storage-avro#limitations)
 * and Redshift COPY's 4 MB (https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-format.html).
 * A source's encoded batches end at the same size (postgres-encoded-read.ts): one cut by size
 * fills a block alone and is compressed without a copy.
 */
export const DEFAULT_BLOCK_SIZE_BYTES = 524_288;

/**
 * Blocks compressing or waiting for the upload at once. Four keep both cores of a small machine
 * busy (the encoder on one, zlib or snappy on the threadpool) and bound memory to a few blocks.
 */
export const MAX_BLOCKS_IN_FLIGHT = 4;

/**
 * Writes rows as AVRO object container files of bounded size, each streamed to the store as it is
 * written (docs/run-protocol.md, "The extractor", step 3). Records are encoded into a block buffer; a full
 * block is compressed off the main thread while the next one fills, and blocks reach the file
 * strictly in order (BlockPipeline). `write()` waits whenever compression or the upload falls
 * behind, so memory stays at a few blocks whatever the table size. Rows must be AVRO-ready
 * (`AvroValue`, shared/model/column.ts) whatever the schema's encoding: a text-encoded schema's
 * values are converted on the way (TextRowEncoder). `writeEncoded()` takes records a source
 * already encoded, in the standard encoding only.
 * A part ends, and the next begins, between blocks once it reaches `partSizeBytes` — decided on
 * exact sizes, so the same rows always give the same parts. `close()` returns the parts for the
 * manifest; an empty input still yields one valid part with zero records, so every run has at
 * least one file and the loader's stage table always gets the schema. `abort()` discards the
 * uploads in flight and deletes the parts already published, so a failed run leaves no files
 * behind for a prefix listing to find.
 */
export class PartWriter {
  readonly #store: ObjectStore;
  readonly #schemaJson: string;
  readonly #schema: AvscRecordSchema;
  readonly #type: Type;
  /** Null for the standard encoding, whose records are the rows as they come. */
  readonly #textRows: TextRowEncoder | null;
  readonly #codec: AvroCodec;
  readonly #partSizeBytes: number;
  readonly #blockSizeBytes: number;
  readonly #keyFor: (seq: number) => string;
  readonly #block: BlockBuffer;
  readonly #pipeline: BlockPipeline;
  #current: PartUpload | null = null;
  /** The previous part publishing while the next one fills; it never rejects (failures land in #failure). */
  #publishing: Promise<void> = Promise.resolve();
  /** Every part opened, so abort() can reach each one whatever state it is in. */
  #opened: PartUpload[] = [];
  #parts: PartInfo[] = [];
  #seq = 0;
  #failure: unknown = null;
  #closed = false;
  #aborted = false;
  #busy = false;

  constructor(options: PartWriterOptions) {
    if (!(options.partSizeBytes > 0)) throw new Error(`partSizeBytes must be positive (got ${options.partSizeBytes})`);
    const blockSize = options.blockSizeBytes ?? DEFAULT_BLOCK_SIZE_BYTES;
    if (!Number.isInteger(blockSize) || blockSize <= 0) throw new Error(`blockSizeBytes must be a positive integer (got ${blockSize})`);
    const codecs: Partial<Record<string, CodecFunction>> = encoderCodecs({ deflateLevel: options.deflateLevel });
    const compress = codecs[options.codec];
    if (compress === undefined) throw new Error(`unknown AVRO codec ${String(options.codec)} (null, deflate or snappy)`);
    this.#store = options.store;
    this.#schemaJson = JSON.stringify(options.schema);
    this.#schema = options.schema;
    this.#type = avroTypeFor(options.schema);
    this.#textRows = TextRowEncoder.for(options.schema);
    this.#codec = options.codec;
    this.#partSizeBytes = options.partSizeBytes;
    this.#blockSizeBytes = blockSize;
    this.#keyFor = options.keyFor;
    // Room for a full block plus the record that crosses the limit; it grows if a record or batch needs more.
    this.#block = new BlockBuffer(blockSize + Math.min(blockSize, 65_536));
    this.#pipeline = new BlockPipeline({
      compress, maxInFlight: MAX_BLOCKS_IN_FLIGHT, deliver: (block) => this.#deliver(block), onFailure: (error) => this.#fail(error),
    });
  }

  /**
   * Encodes a batch; resolves once the writer can take more (backpressure from compression and
   * upload). A key missing from a row is written as the field's default — null for a nullable
   * column — and fails for a required one. A value of the wrong kind rejects with a ContractError
   * naming the field; under a text encoding, so does a value its text form or Redshift cannot
   * hold, naming table, column and primary key. The rows themselves are not changed.
   */
  async write(rows: Row[]): Promise<void> {
    this.#enter('write');
    try {
      const block = this.#block;
      const textRows = this.#textRows;
      for (let i = 0; i < rows.length; i++) {
        const row = textRows === null ? rows[i] : textRows.encode(rows[i]!);
        try {
          block.appendValue(this.#type, row);
        } catch (cause) {
          throw new ContractError(describeEncodeFailure(this.#schema, this.#type, row, cause), { cause });
        }
        if (block.length >= this.#blockSizeBytes) await this.#flushBlock();
      }
    } catch (error) {
      this.#fail(error);
      throw error;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Appends records already in AVRO binary encoding per this writer's schema, without decoding
   * them: the fast path for sources that transcode their wire format (`Source.readEncoded`). A
   * batch is never split across blocks, so a block may exceed `blockSizeBytes` by one batch. A
   * batch that fills a block alone is compressed in place, so the writer may still read `records`
   * after this resolves: the caller must not change it (a source hands over a fresh buffer per
   * batch). Refused for a text-encoded schema: the transcoders write the standard encoding (check
   * `canUseEncodedPath` first).
   */
  async writeEncoded(batch: EncodedRecords): Promise<void> {
    this.#enter('writeEncoded');
    try {
      if (this.#textRows !== null) {
        throw new Error(`PartWriter.writeEncoded(): schema ${this.#schema.name} uses the ${String(this.#schema['datapipe.encoding'])} encoding, but encoded records are in the standard encoding — write rows with write() (canUseEncodedPath(schema) is false)`);
      }
      if (!Number.isSafeInteger(batch.rows) || batch.rows < 0) {
        throw new Error(`an encoded batch needs a row count that is a non-negative integer (got ${batch.rows})`);
      }
      if (batch.rows === 0 && batch.records.length > 0) {
        throw new Error(`an encoded batch of 0 rows carries ${batch.records.length} bytes`);
      }
      if (this.#block.records === 0 && batch.records.length >= this.#blockSizeBytes) {
        // A batch that fills a block alone is that block: compressed as it is, never copied.
        await this.#pipeline.push(batch.records, batch.rows);
      } else {
        this.#block.appendEncoded(batch.records, batch.rows);
        if (this.#block.length >= this.#blockSizeBytes) await this.#flushBlock();
      }
    } catch (error) {
      this.#fail(error);
      throw error;
    } finally {
      this.#busy = false;
    }
  }

  /** Compressed bytes written to parts so far (published or uploading), for progress displays. */
  get bytesWritten(): number {
    return this.#opened.reduce((sum, part) => sum + part.bytes, 0);
  }

  /** Writes the last block, finishes the last part and returns every part written, in order. */
  async close(): Promise<PartInfo[]> {
    this.#enter('close');
    this.#closed = true;
    try {
      if (this.#block.records > 0) await this.#flushBlock();
      await this.#pipeline.flush();
      if (this.#opened.length === 0) this.#open();
      await this.#publishCurrent();
      await this.#publishing;
      if (this.#failure !== null) throw this.#failure;
      if (this.#aborted) throw new Error('the PartWriter was aborted');
      return [...this.#parts];
    } catch (error) {
      this.#fail(error);
      throw error;
    } finally {
      this.#busy = false;
    }
  }

  /** Destroys the uploads in flight (nothing more is published) and deletes the parts already published, best effort. */
  async abort(): Promise<void> {
    this.#closed = true;
    this.#aborted = true;
    this.#pipeline.fail(new Error('the PartWriter was aborted'));
    this.#current = null;
    // #open() refuses from now on, so this list is complete.
    const opened = this.#opened;
    const published = await Promise.all(opened.map((part) => part.destroy(new Error(`part ${part.key} aborted`))));
    await this.#pipeline.settled();
    await this.#publishing;
    this.#parts = [];
    const keys = opened.filter((_, i) => published[i]).map((part) => part.key);
    // The run has failed already; a leftover part is overwritten by the retry, so do not mask the cause.
    if (keys.length > 0) await this.#store.delete(keys).catch(() => undefined);
  }

  #enter(method: 'write' | 'writeEncoded' | 'close'): void {
    if (this.#failure !== null) throw this.#failure;
    if (this.#closed) throw new Error(`PartWriter.${method}() after close() or abort()`);
    if (this.#busy) throw new Error(`PartWriter.${method}() while a write() is still pending: await each call`);
    this.#busy = true;
  }

  /** Remembers the first failure; after abort() nothing counts as one. */
  #fail(error: unknown): void {
    if (!this.#aborted) this.#failure ??= error;
  }

  #flushBlock(): Promise<void> {
    const { data, records } = this.#block.take();
    return this.#pipeline.push(data, records);
  }

  /** Runs once per block, in block order (BlockPipeline): the only place parts are written and rotated. */
  async #deliver(block: CompressedBlock): Promise<void> {
    const part = this.#current ?? this.#open();
    await part.writeBlock(block.records, block.data);
    if (part.bytes >= this.#partSizeBytes) await this.#publishCurrent();
  }

  #open(): PartUpload {
    if (this.#aborted) throw new Error('the PartWriter was aborted');
    const part = new PartUpload(this.#store, this.#keyFor(this.#seq++), this.#schemaJson, this.#codec, this.#blockSizeBytes);
    this.#opened.push(part);
    this.#current = part;
    return part;
  }

  /**
   * Ends the current part and lets it publish in the background while the next part fills: a
   * store's final request (a multipart completion, a rename) need not stall encoding. One part
   * publishes at a time, so PartInfo stays in order and memory stays bounded.
   */
  async #publishCurrent(): Promise<void> {
    const part = this.#current;
    this.#current = null;
    await this.#publishing;
    if (this.#failure !== null) throw this.#failure;
    if (part === null) return;
    this.#publishing = part.finish().then(
      (info) => {
        this.#parts.push(info);
      },
      (error: unknown) => {
        this.#fail(error);
        this.#pipeline.fail(error);
      },
    );
  }
}
