import type { Readable } from 'node:stream';
import { decoderCodecs, isAvroCodec, type CodecFunction } from './codecs.js';
import { AVRO_MAGIC, SYNC_MARKER_BYTES } from './container-header.js';
import { AvroDecodeError } from './part-reader.js';

/**
 * Reads an AVRO object container file as its header and its blocks of encoded records, without
 * decoding a single record: for readers that decode the records themselves, straight into their
 * own buffers (the local warehouse's stage, docs/warehouses.md "Staging into DuckDB"). Blocks are
 * decompressed ahead — up to BLOCKS_AHEAD at once, on the libuv threadpool — while the caller
 * decodes the current one, and delivered strictly in file order.
 */

export interface ContainerHeader {
  /** The writer schema, as the header's `avro.schema` holds it (parsed JSON). */
  schema: unknown;
  codec: string;
}

export interface ContainerBlock {
  /** Records in the block, as its header says. */
  records: number;
  /** The block's records, decompressed: `records` AVRO-encoded values back to back. */
  data: Buffer;
}

export interface ContainerReader {
  header: ContainerHeader;
  /** The blocks, in order; the stream is consumed. Framing and codec failures are AvroDecodeErrors. */
  blocks: AsyncIterable<ContainerBlock>;
}

/** Blocks decompressing while the current one is decoded: both cores busy, memory a few blocks. */
const BLOCKS_AHEAD = 4;

/** A block's header is two longs; a long is at most 10 bytes in AVRO's variable-length zig-zag. */
const MAX_LONG_BYTES = 10;

/** Opens `stream` as an AVRO container: reads its header, then hands back the blocks to iterate. */
export async function openContainer(stream: Readable): Promise<ContainerReader> {
  const input = new ByteQueue(stream);
  const header = await readHeader(input);
  return { header: { schema: header.schema, codec: header.codec }, blocks: decompressed(rawBlocks(input, header.sync), header.decompress) };
}

interface ParsedHeader extends ContainerHeader {
  sync: Buffer;
  decompress: CodecFunction;
}

async function readHeader(input: ByteQueue): Promise<ParsedHeader> {
  const magic = await input.take(AVRO_MAGIC.length, 'the header');
  if (!magic.equals(AVRO_MAGIC)) throw new AvroDecodeError('not an AVRO object container file (bad magic bytes)');
  const meta = new Map<string, Buffer>();
  for (;;) {
    let count = await readLong(input, 'the header');
    if (count === 0) break;
    if (count < 0) {
      // A negative count is followed by the block's size in bytes (the specification's "blocks" of a map).
      count = -count;
      await readLong(input, 'the header');
    }
    for (let i = 0; i < count; i++) {
      const key = (await input.take(await readLength(input, 'the header'), 'the header')).toString('utf8');
      meta.set(key, await input.take(await readLength(input, 'the header'), 'the header'));
    }
  }
  const sync = await input.take(SYNC_MARKER_BYTES, 'the header');
  const schemaBytes = meta.get('avro.schema');
  if (schemaBytes === undefined) throw new AvroDecodeError('the AVRO header has no avro.schema');
  let schema: unknown;
  try {
    schema = JSON.parse(schemaBytes.toString('utf8'));
  } catch (error) {
    throw new AvroDecodeError(`the AVRO header's schema is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const codec = meta.get('avro.codec')?.toString('utf8') ?? 'null';
  if (!isAvroCodec(codec)) throw new AvroDecodeError(`unknown codec: ${codec}`);
  return { schema, codec, sync, decompress: decoderCodecs()[codec] };
}

/** The blocks' framing: count, size, data, then the header's sync marker. */
async function* rawBlocks(input: ByteQueue, sync: Buffer): AsyncGenerator<{ records: number; data: Buffer }> {
  while (!(await input.ended())) {
    const records = await readLong(input, 'a block header');
    const size = await readLong(input, 'a block header');
    if (records < 0 || size < 0) throw new AvroDecodeError(`a block declares ${records} records in ${size} bytes`);
    const data = await input.take(size, 'a block');
    const marker = await input.take(SYNC_MARKER_BYTES, 'a block');
    if (!marker.equals(sync)) throw new AvroDecodeError('invalid sync marker (the file is damaged)');
    yield { records, data };
  }
}

/** Keeps up to BLOCKS_AHEAD blocks decompressing; yields them in order. */
async function* decompressed(blocks: AsyncIterable<{ records: number; data: Buffer }>, decompress: CodecFunction): AsyncGenerator<ContainerBlock> {
  const ahead: Promise<ContainerBlock>[] = [];
  let failure: { error: unknown } | undefined;
  try {
    for await (const block of blocks) {
      const pending = inflate(decompress, block);
      // Observed when its turn comes; until then a failure must not count as unhandled.
      pending.catch(() => undefined);
      ahead.push(pending);
      if (ahead.length >= BLOCKS_AHEAD) yield await (ahead.shift() as Promise<ContainerBlock>);
    }
  } catch (error) {
    // The blocks before a damaged one are delivered first, so the reader's row count says where.
    failure = { error };
  }
  while (ahead.length > 0) yield await (ahead.shift() as Promise<ContainerBlock>);
  if (failure) throw failure.error;
}

function inflate(decompress: CodecFunction, block: { records: number; data: Buffer }): Promise<ContainerBlock> {
  return new Promise((resolve, reject) => {
    decompress(block.data, (error, data) => {
      if (error || data === undefined) {
        const reason = error?.message ?? 'the codec returned no data';
        reject(new AvroDecodeError(`a block cannot be decompressed: ${reason}`, { cause: error ?? undefined }));
      } else {
        resolve({ records: block.records, data });
      }
    });
  });
}

/** A zig-zag long that must be a length (non-negative). */
async function readLength(input: ByteQueue, where: string): Promise<number> {
  const length = await readLong(input, where);
  if (length < 0) throw new AvroDecodeError(`a negative length (${length}) in ${where}`);
  return length;
}

/** A zig-zag variable-length long small enough for a count or a size (below 2^53). */
async function readLong(input: ByteQueue, where: string): Promise<number> {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < MAX_LONG_BYTES; i++) {
    const byte = (await input.take(1, where))[0] as number;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      if (!Number.isSafeInteger(value)) throw new AvroDecodeError(`a count in ${where} is beyond 2^53`);
      return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    }
    scale *= 128;
  }
  throw new AvroDecodeError(`a long in ${where} runs past ${MAX_LONG_BYTES} bytes`);
}

/**
 * The stream's bytes as a queue to take exact lengths from. Chunks are kept as they arrive and
 * joined only when a take spans them, so a block costs at most one copy.
 */
class ByteQueue {
  readonly #iterator: AsyncIterator<unknown>;
  #chunks: Buffer[] = [];
  #available = 0;
  #done = false;

  constructor(stream: Readable) {
    this.#iterator = stream[Symbol.asyncIterator]();
  }

  /** True once the stream has ended and every byte was taken. */
  async ended(): Promise<boolean> {
    if (this.#available === 0) await this.#fill(1);
    return this.#available === 0;
  }

  async take(length: number, where: string): Promise<Buffer> {
    if (this.#available < length) await this.#fill(length);
    if (this.#available < length) throw new AvroDecodeError(`the file ends inside ${where} (truncated)`);
    const first = this.#chunks[0] as Buffer;
    let taken: Buffer;
    if (first.length >= length) {
      taken = first.subarray(0, length);
      if (first.length === length) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(length);
    } else {
      taken = Buffer.allocUnsafe(length);
      let filled = 0;
      while (filled < length) {
        const chunk = this.#chunks[0] as Buffer;
        const used = Math.min(chunk.length, length - filled);
        chunk.copy(taken, filled, 0, used);
        filled += used;
        if (used === chunk.length) this.#chunks.shift();
        else this.#chunks[0] = chunk.subarray(used);
      }
    }
    this.#available -= length;
    return taken;
  }

  async #fill(length: number): Promise<void> {
    while (this.#available < length && !this.#done) {
      const next = await this.#iterator.next();
      if (next.done) {
        this.#done = true;
        break;
      }
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array);
      if (chunk.length === 0) continue;
      this.#chunks.push(chunk);
      this.#available += chunk.length;
    }
  }
}
