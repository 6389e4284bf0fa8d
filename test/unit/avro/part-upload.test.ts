import type { Readable } from 'node:stream';
import avro from 'avsc';
import { describe, expect, test } from 'vitest';
import { frameBlock, PartUpload } from '../../../shared/avro/part-upload.js';
import { MemoryStore } from '../../support/memory-store.js';

const SYNC = Buffer.from('0123456789abcdef');
const LONG = avro.Type.forSchema('long');

describe('frameBlock', () => {
  test('writes record count and byte count as AVRO longs, then the data and the sync marker', () => {
    // 300 → zig-zag 600 → 0xd8 0x04; 3 → 6.
    expect(frameBlock(300, Buffer.from('abc'), SYNC)).toEqual(Buffer.concat([Buffer.from([0xd8, 0x04, 0x06]), Buffer.from('abc'), SYNC]));
    expect(frameBlock(0, Buffer.alloc(0), SYNC)).toEqual(Buffer.concat([Buffer.from([0, 0]), SYNC]));
  });

  test.each([1, 63, 64, 8191, 8192, 2 ** 31, 2 ** 40 + 5, 2 ** 52 - 1])('encodes a count of %d as avsc does', (count) => {
    const frame = frameBlock(count, Buffer.from([9]), SYNC);
    const decoded = LONG.decode(frame, 0) as { value: number; offset: number };
    expect(decoded.value).toBe(count);
    expect(frame.subarray(0, decoded.offset)).toEqual(LONG.toBuffer(count));
    expect(frame.subarray(decoded.offset)).toEqual(Buffer.concat([Buffer.from([2, 9]), SYNC]));
  });
});

describe('PartUpload', () => {
  test('an upload that ends before the part is complete fails the next write', async () => {
    // A store that reads nothing and reports success at once.
    const store = Object.assign(new MemoryStore(), { upload: async () => undefined });
    const part = new PartUpload(store, 'p/part-0.avro', '{"type":"record","name":"t","fields":[]}', 'null', 1024);
    await new Promise((resolve) => setImmediate(resolve));
    await expect(part.writeBlock(1, Buffer.alloc(0))).rejects.toThrow('the upload of p/part-0.avro finished before the part was complete');
    expect(await part.published).toBe(true);
  });

  test('a store that reports success before reading to the end is caught at finish()', async () => {
    let finishEarly: () => void = () => undefined;
    const store = Object.assign(new MemoryStore(), {
      upload: (_key: string, body: Readable) => new Promise<void>((resolve) => {
        body.read(); // the header, and no more
        finishEarly = resolve;
      }),
    });
    const part = new PartUpload(store, 'p/part-0.avro', '{"type":"record","name":"t","fields":[]}', 'null', 1 << 20);
    await part.writeBlock(2, Buffer.from([1, 2]));
    const finishing = part.finish();
    finishEarly();
    await expect(finishing).rejects.toThrow('the store reported p/part-0.avro uploaded before reading it to the end; the object may be truncated');
  });

  test('destroy() keeps the object from being published', async () => {
    const store = new MemoryStore({ stallUploads: true });
    const part = new PartUpload(store, 'p/part-0.avro', '{"type":"record","name":"t","fields":[]}', 'null', 1024);
    expect(await part.destroy(new Error('aborted'))).toBe(false);
    expect(store.objects.size).toBe(0);
  });
});
