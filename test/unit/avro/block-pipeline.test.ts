import { describe, expect, test } from 'vitest';
import { BlockPipeline, type CompressedBlock } from '../../../shared/avro/block-pipeline.js';
import type { CodecFunction } from '../../../shared/avro/codecs.js';

/** A codec that finishes each block after the delay written in its first byte, so later blocks can finish first. */
function delayedCodec(stats: { running: number; maxRunning: number }, failOn?: number): CodecFunction {
  return (block, callback) => {
    stats.running++;
    stats.maxRunning = Math.max(stats.maxRunning, stats.running);
    setTimeout(() => {
      stats.running--;
      if (block[1] === failOn) callback(new Error(`codec failed on block ${failOn}`));
      else callback(null, Buffer.from(block.subarray(1)));
    }, block[0]);
  };
}

/** Block `i`: its delay, then its number. */
function block(i: number, delayMs: number): Buffer {
  return Buffer.from([delayMs, i]);
}

function tick(ms = 5): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('BlockPipeline', () => {
  test('compresses blocks at once, side by side, and delivers them strictly in push order', async () => {
    const stats = { running: 0, maxRunning: 0 };
    const delivered: number[] = [];
    const pipeline = new BlockPipeline({
      compress: delayedCodec(stats), maxInFlight: 4,
      deliver: async (b: CompressedBlock) => {
        delivered.push(b.data[0]!);
        expect(b.records).toBe(b.data[0]! * 10);
      },
    });
    // Earlier blocks are slower, so compression finishes out of order.
    for (let i = 0; i < 24; i++) await pipeline.push(block(i, 40 - (i % 4) * 10), i * 10);
    await pipeline.flush();
    expect(delivered).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(stats.maxRunning).toBe(4);
  });

  test('push() waits while maxInFlight blocks are not yet delivered', async () => {
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const delivered: number[] = [];
    const pipeline = new BlockPipeline({
      compress: (b, callback) => callback(null, b), maxInFlight: 3,
      deliver: async (b) => {
        await gate;
        delivered.push(b.data[0]!);
      },
    });
    await pipeline.push(Buffer.from([0]), 1);
    await pipeline.push(Buffer.from([1]), 1);
    let third = 'waiting';
    const pending = pipeline.push(Buffer.from([2]), 1).then(() => {
      third = 'resolved';
    });
    await tick(20);
    expect(third).toBe('waiting');
    open();
    await pending;
    expect(third).toBe('resolved');
    await pipeline.flush();
    expect(delivered).toEqual([0, 1, 2]);
  });

  test('a codec failure stops the pipeline: earlier blocks delivered, later ones dropped, push() and flush() reject', async () => {
    const failures: unknown[] = [];
    const delivered: number[] = [];
    const pipeline = new BlockPipeline({
      compress: delayedCodec({ running: 0, maxRunning: 0 }, 2), maxInFlight: 2,
      deliver: async (b) => {
        delivered.push(b.data[0]!);
      },
      onFailure: (error) => failures.push(error),
    });
    const pushAll = async (): Promise<void> => {
      for (let i = 0; i < 10; i++) await pipeline.push(block(i, 2), 1);
    };
    await expect(pushAll()).rejects.toThrow('codec failed on block 2');
    await expect(pipeline.flush()).rejects.toThrow('codec failed on block 2');
    expect(delivered).toEqual([0, 1]);
    expect(failures.map(String)).toEqual(['Error: codec failed on block 2']);
    expect(String(pipeline.failure)).toBe('Error: codec failed on block 2');
  });

  test('a delivery that throws stops later deliveries', async () => {
    const delivered: number[] = [];
    const pipeline = new BlockPipeline({
      compress: (b, callback) => callback(null, b), maxInFlight: 4,
      deliver: async (b) => {
        if (b.data[0] === 1) throw new Error('upload refused');
        delivered.push(b.data[0]!);
      },
    });
    await pipeline.push(Buffer.from([0]), 1);
    await pipeline.push(Buffer.from([1]), 1);
    await pipeline.push(Buffer.from([2]), 1).catch(() => undefined);
    await expect(pipeline.flush()).rejects.toThrow('upload refused');
    await expect(pipeline.push(Buffer.from([3]), 1)).rejects.toThrow('upload refused');
    expect(delivered).toEqual([0]);
  });

  test('fail() from outside releases a waiting push() with its reason, without reporting a failure', async () => {
    const failures: unknown[] = [];
    const pipeline = new BlockPipeline({
      compress: (b, callback) => callback(null, b), maxInFlight: 1,
      deliver: () => new Promise<void>(() => undefined), // an upload that never drains
      onFailure: (error) => failures.push(error),
    });
    const waiting = pipeline.push(Buffer.from([0]), 1);
    await tick();
    pipeline.fail(new Error('aborted'));
    await expect(waiting).rejects.toThrow('aborted');
    expect(failures).toEqual([]);
  });

  test('refuses a maxInFlight below one', () => {
    const options = { compress: ((b, callback) => callback(null, b)) as CodecFunction, deliver: async () => undefined };
    expect(() => new BlockPipeline({ ...options, maxInFlight: 0 })).toThrow('maxInFlight must be a positive integer (got 0)');
  });
});
