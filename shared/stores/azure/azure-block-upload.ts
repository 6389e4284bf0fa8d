/**
 * A streamed upload as Azure block blobs take it: the body is cut into blocks, each sent with Put
 * Block and its MD5 (the service refuses a block whose bytes arrived altered), then Put Block List
 * publishes them in order as the blob, declaring the whole object's MD5 so every later read can be
 * checked. Nothing is visible under the name before that last request; blocks of an upload that
 * failed stay uncommitted and invisible, and Azure discards them after 7 days (or at the next
 * commit to the same name). https://learn.microsoft.com/rest/api/storageservices/put-block-list
 *
 * The SDK's `uploadStream` is not used: it sends no per-block MD5.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import pLimit from 'p-limit';
import { TerminalError } from '../../errors.js';

/** A block blob holds at most 50,000 committed blocks. */
export const MAX_BLOCKS = 50_000;

/** The requests an upload makes; each one is retried by the store, and stops when `signal` aborts. */
export interface BlockTarget {
  stage(blockId: string, block: Buffer, md5: Buffer, signal: AbortSignal): Promise<unknown>;
  commit(blockIds: string[], md5: Buffer): Promise<unknown>;
  /** A body smaller than one block goes in one Put Blob request instead. */
  putWhole(body: Buffer, md5: Buffer): Promise<unknown>;
}

export interface BlockUploadSettings {
  /** Bytes per block (the last one may be shorter). */
  blockBytes: number;
  /** Blocks in flight at once. */
  concurrency: number;
}

export interface BlockUploadResult {
  bytes: number;
  /** 0 when the body went in one Put Blob. */
  blocks: number;
}

/**
 * Streams `body` to `target`. Memory stays at most (concurrency + 1) × blockBytes: the block being
 * filled plus the ones in flight; the body is not read further until a block is done. On any
 * failure the blocks still in flight are called off and awaited before the promise rejects, with
 * the first error: the body's own error as it is, else the store's classified one.
 */
export async function uploadInBlocks(body: Readable, target: BlockTarget, settings: BlockUploadSettings): Promise<BlockUploadResult> {
  const { blockBytes, concurrency } = settings;
  // Block ids must all have the same length within a blob; a random upload id keeps two uploads
  // of the same name (a retried pod, a stray process) from committing each other's blocks.
  const uploadId = randomBytes(8).toString('hex');
  const whole = createHash('md5');
  const filler = new BlockFiller(blockBytes);
  const limit = pLimit({ concurrency, rejectOnClear: true });
  const running = new Set<Promise<void>>();
  const cancel = new AbortController();
  const ids: string[] = [];
  let failure: { error: unknown } | undefined;
  let bytes = 0;

  const stage = async (block: Buffer): Promise<void> => {
    if (ids.length === MAX_BLOCKS) {
      throw new TerminalError(`the part is larger than ${MAX_BLOCKS} blocks of ${blockBytes} bytes, the most a block blob holds — lower the part size`);
    }
    const id = Buffer.from(`${uploadId}-${String(ids.length).padStart(6, '0')}`).toString('base64');
    ids.push(id);
    const md5 = createHash('md5').update(block).digest();
    const task = limit(() => target.stage(id, block, md5, cancel.signal)).then(
      () => undefined,
      (error: unknown) => {
        failure ??= { error };
        cancel.abort();
      },
    );
    running.add(task);
    void task.finally(() => running.delete(task));
    while (running.size >= concurrency && failure === undefined) await Promise.race(running);
    if (failure) throw failure.error;
  };

  try {
    for await (const chunk of body as AsyncIterable<Buffer | string>) {
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      whole.update(data);
      bytes += data.length;
      for (const block of filler.add(data)) await stage(block);
    }
    const rest = filler.take();
    if (ids.length === 0) {
      await target.putWhole(rest, whole.digest());
      return { bytes, blocks: 0 };
    }
    if (rest.length > 0) await stage(rest);
    await Promise.all(running);
    if (failure) throw failure.error;
    await target.commit(ids, whole.digest());
    return { bytes, blocks: ids.length };
  } catch (error) {
    // The first failure is the one to report; aborting below makes the other blocks fail too.
    const reported = failure ? failure.error : error;
    failure ??= { error };
    cancel.abort();
    limit.clearQueue();
    await Promise.allSettled(running);
    throw reported;
  }
}

/** Cuts a stream of chunks into blocks of exactly `size` bytes, copying each once. */
class BlockFiller {
  readonly #size: number;
  #chunks: Buffer[] = [];
  #held = 0;

  constructor(size: number) {
    this.#size = size;
  }

  /** The blocks `data` completes. */
  *add(data: Buffer): Generator<Buffer> {
    for (let offset = 0; offset < data.length;) {
      const take = Math.min(this.#size - this.#held, data.length - offset);
      this.#chunks.push(data.subarray(offset, offset + take));
      this.#held += take;
      offset += take;
      if (this.#held === this.#size) yield this.take();
    }
  }

  /** What is held (a full block, or the short last one), as one buffer of its own. */
  take(): Buffer {
    const block = Buffer.concat(this.#chunks, this.#held);
    this.#chunks = [];
    this.#held = 0;
    return block;
  }
}
