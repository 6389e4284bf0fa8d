import { crc32, deflateRaw, inflateRaw } from 'node:zlib';
import { compress, uncompress } from 'snappy';

/**
 * Block codecs: PartWriter's compression (block-pipeline.ts) and avsc's BlockDecoder (`codecs`
 * option) share avsc's callback signature. Every codec is asynchronous — zlib and snappy's
 * native async task both run on the libuv threadpool — so the main thread keeps encoding. These
 * three are what every target reads: Redshift's `COPY … FORMAT AS AVRO` accepts only null,
 * deflate and snappy
 * (https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-format.html).
 */
export type AvroCodec = 'null' | 'deflate' | 'snappy';

export const AVRO_CODECS: readonly AvroCodec[] = ['null', 'deflate', 'snappy'];

/** avsc's codec signature: transform one block's bytes, report through the callback. */
export type CodecFunction = (block: Buffer, callback: (error: Error | null, result?: Buffer) => void) => void;

export interface CodecOptions {
  /** zlib level for `deflate`, 1 (fast) … 9 (small); DEFAULT_DEFLATE_LEVEL when absent. */
  deflateLevel?: number;
}

/**
 * Level 1, not zlib's 6: on typical rows it compresses about 3× faster (≈46 vs 14 MB/s per core)
 * for files about 5% larger, and on a small machine compression is what the extractor's pace
 * comes down to when a source hands over encoded records (PartWriter.writeEncoded). Staging
 * files are transient; their size matters less than the run's.
 */
export const DEFAULT_DEFLATE_LEVEL = 1;

const CRC_BYTES = 4;

/** zlib's default output chunk, the floor for small blocks. */
const MIN_CHUNK_BYTES = 16_384;

/** Codecs for writing. */
export function encoderCodecs(options: CodecOptions = {}): Record<AvroCodec, CodecFunction> {
  const deflateOptions = { level: options.deflateLevel ?? DEFAULT_DEFLATE_LEVEL };
  return {
    null: (block, callback) => callback(null, block),
    // The spec's deflate is raw RFC 1951 data, without the zlib header. An output chunk as large as
    // the block: zlib hands back one chunk per threadpool round trip (16 KiB by default), and each
    // round trip costs the main thread a callback, so one trip per block leaves it free to encode.
    deflate: (block, callback) => deflateRaw(block, { ...deflateOptions, chunkSize: Math.max(MIN_CHUNK_BYTES, block.length + 1024) }, callback),
    snappy: (block, callback) => {
      compress(block).then((compressed) => {
        // The spec appends the big-endian CRC32 of the *uncompressed* block after the snappy data.
        const framed = Buffer.allocUnsafe(compressed.length + CRC_BYTES);
        compressed.copy(framed, 0);
        framed.writeUInt32BE(crc32(block), compressed.length);
        callback(null, framed);
      }, (error: unknown) => callback(asError(error)));
    },
  };
}

/** Codecs for reading; snappy blocks are checked against their CRC32. */
export function decoderCodecs(): Record<AvroCodec, CodecFunction> {
  return {
    null: (block, callback) => callback(null, block),
    deflate: (block, callback) => inflateRaw(block, callback),
    snappy: (block, callback) => {
      if (block.length < CRC_BYTES) {
        callback(new Error(`snappy block of ${block.length} bytes is too short to hold its CRC32`));
        return;
      }
      const body = block.subarray(0, block.length - CRC_BYTES);
      const expected = block.readUInt32BE(block.length - CRC_BYTES);
      uncompress(body, { asBuffer: true }).then((result) => {
        const data = Buffer.isBuffer(result) ? result : Buffer.from(result);
        const actual = crc32(data);
        if (actual !== expected) {
          callback(new Error(`snappy block CRC32 mismatch: stored ${hex(expected)}, computed ${hex(actual)} (the file is damaged)`));
          return;
        }
        callback(null, data);
      }, (error: unknown) => callback(asError(error)));
    },
  };
}

/** Narrows an unknown value to an AVRO codec name. */
export function isAvroCodec(name: unknown): name is AvroCodec {
  return typeof name === 'string' && (AVRO_CODECS as readonly string[]).includes(name);
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
