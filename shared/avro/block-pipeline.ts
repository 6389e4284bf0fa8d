import type { CodecFunction } from './codecs.js';

/** A block after compression, ready for its container framing. */
export interface CompressedBlock {
  records: number;
  /** The codec's output: what goes between the block's byte count and its sync marker. */
  data: Buffer;
}

/**
 * Overlaps compression with encoding. Each finished block starts compressing at once — zlib and
 * snappy both run on the libuv threadpool — while the caller encodes the next ones;
 * the compressed blocks are then delivered strictly in the order they were pushed, one delivery
 * at a time. At most `maxInFlight` blocks are between `push()` and the end of their delivery:
 * `push()` waits for room, which is how a slow upload (a delivery waiting for `drain`) slows the
 * encoder down and memory stays at a few blocks.
 *
 * The first failure — a codec error or a delivery that throws — stops the pipeline: blocks not yet
 * delivered are dropped, and `push()` / `flush()` reject with that failure from then on.
 */
export class BlockPipeline {
  readonly #compress: CodecFunction;
  readonly #deliver: (block: CompressedBlock) => Promise<void>;
  readonly #maxInFlight: number;
  readonly #onFailure: (error: unknown) => void;
  #inFlight = 0;
  /** The delivery chain; it never rejects (failures are recorded instead). */
  #tail: Promise<void> = Promise.resolve();
  #failed = false;
  #failure: unknown = undefined;
  /** Callers of push() waiting for room. */
  #waiters: (() => void)[] = [];

  constructor(options: {
    compress: CodecFunction;
    deliver: (block: CompressedBlock) => Promise<void>;
    maxInFlight: number;
    /** Told once, when the pipeline fails (not for failures passed to `fail()`). */
    onFailure?: (error: unknown) => void;
  }) {
    if (!Number.isInteger(options.maxInFlight) || options.maxInFlight < 1) {
      throw new Error(`maxInFlight must be a positive integer (got ${options.maxInFlight})`);
    }
    this.#compress = options.compress;
    this.#deliver = options.deliver;
    this.#maxInFlight = options.maxInFlight;
    this.#onFailure = options.onFailure ?? (() => undefined);
  }

  /** The failure that stopped the pipeline, or undefined while it runs. */
  get failure(): unknown {
    return this.#failed ? this.#failure : undefined;
  }

  /** Starts compressing `data`; resolves once there is room for another block. */
  async push(data: Buffer, records: number): Promise<void> {
    this.#throwIfFailed();
    const compressed = compress(this.#compress, data);
    // Observed by the chain below, possibly later: this keeps an early rejection from counting as unhandled.
    compressed.catch(() => undefined);
    this.#inFlight++;
    this.#tail = this.#tail.then(async () => {
      try {
        if (this.#failed) return;
        const block = { records, data: await compressed };
        if (this.#failed) return;
        await this.#deliver(block);
      } catch (error) {
        this.#stop(error, true);
      } finally {
        this.#inFlight--;
        this.#notify();
      }
    });
    while (this.#inFlight >= this.#maxInFlight && !this.#failed) {
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
      });
    }
    this.#throwIfFailed();
  }

  /** Resolves once every pushed block has been delivered; rejects with the failure if there was one. */
  async flush(): Promise<void> {
    await this.#tail;
    this.#throwIfFailed();
  }

  /** Stops the pipeline from outside (abort): pending blocks are dropped and a waiting `push()` rejects with `reason`. */
  fail(reason: unknown): void {
    this.#stop(reason, false);
  }

  /** Resolves once no delivery is running any more, whatever the outcome. */
  settled(): Promise<void> {
    return this.#tail;
  }

  #stop(error: unknown, report: boolean): void {
    if (!this.#failed) {
      this.#failed = true;
      this.#failure = error;
      if (report) this.#onFailure(error);
    }
    this.#notify();
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  #throwIfFailed(): void {
    if (this.#failed) throw this.#failure;
  }
}

function compress(codec: CodecFunction, data: Buffer): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    try {
      codec(data, (error, result) => {
        if (error) reject(error);
        else if (result === undefined) reject(new Error('the codec returned no data'));
        else resolve(result);
      });
    } catch (error) {
      reject(error);
    }
  });
}
