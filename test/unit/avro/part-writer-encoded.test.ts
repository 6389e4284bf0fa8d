import { describe, expect, test } from 'vitest';
import { modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import type { AvroCodec } from '../../../shared/avro/codecs.js';
import { PartWriter, type EncodedRecords, type PartInfo, type PartWriterOptions } from '../../../shared/avro/part-writer.js';
import type { Row } from '../../../shared/model/column.js';
import { encodedBatches, encodeEach, expectedBlockCounts } from './encoded-batches.js';
import { everyKindModel } from './fixtures.js';
import { MemoryStore } from '../../support/memory-store.js';
import { checkStored, manyRows, parseContainer, readAll } from './part-files.js';

const schema = modelToAvsc(everyKindModel);

function writer(store: MemoryStore, options: Partial<PartWriterOptions> = {}): PartWriter {
  return new PartWriter({
    store, schema, codec: 'deflate', partSizeBytes: 1 << 20, keyFor: (seq) => `run=1/part-0000-${String(seq).padStart(6, '0')}.avro`, ...options,
  });
}

async function writeAll(w: PartWriter, batches: EncodedRecords[]): Promise<PartInfo[]> {
  for (const batch of batches) await w.writeEncoded(batch);
  return w.close();
}

/** The file with every copy of one sync marker replaced by another. */
function withSync(file: Buffer, from: Buffer, to: Buffer): Buffer {
  const copy = Buffer.from(file);
  for (let at = copy.indexOf(from); at >= 0; at = copy.indexOf(from, at + from.length)) to.copy(copy, at);
  return copy;
}

describe.each<AvroCodec>(['deflate', 'snappy', 'null'])('PartWriter.writeEncoded with %s', (codec) => {
  test('decodes to the same records, in blocks that never split a batch', async () => {
    const store = new MemoryStore();
    const rows = manyRows(3000);
    const batches = encodedBatches(rows, 37);
    const parts = await writeAll(writer(store, { codec, blockSizeBytes: 4096 }), batches);
    expect(parts.map((p) => [p.key, p.rows])).toEqual([['run=1/part-0000-000000.avro', 3000]]);
    checkStored(store, parts);
    expect(await readAll(store, parts)).toEqual(rows);
    const { blocks } = parseContainer(store.objects.get(parts[0]!.key)!);
    expect(blocks.map((b) => b.records)).toEqual(expectedBlockCounts(batches, 4096));
  });

  test('is byte-identical to write(rows) given the same blocking, across parts', async () => {
    const rows = manyRows(2500);
    const options = { codec, blockSizeBytes: 2048, partSizeBytes: 20_000 };
    const fromRows = new MemoryStore();
    const w = writer(fromRows, options);
    await w.write(rows.slice(0, 1000));
    await w.write(rows.slice(1000));
    const rowParts = await w.close();
    // One record per batch: then block boundaries fall where write(rows) puts them.
    const fromEncoded = new MemoryStore();
    const encodedParts = await writeAll(writer(fromEncoded, options), encodeEach(rows).map((records) => ({ records, rows: 1 })));

    expect(rowParts.length).toBeGreaterThan(2);
    expect(encodedParts.map((p) => [p.key, p.rows, p.bytes])).toEqual(rowParts.map((p) => [p.key, p.rows, p.bytes]));
    for (let i = 0; i < rowParts.length; i++) {
      const a = fromRows.objects.get(rowParts[i]!.key)!;
      const b = fromEncoded.objects.get(encodedParts[i]!.key)!;
      // Only the random sync markers differ.
      expect(withSync(b, parseContainer(b).sync, parseContainer(a).sync).equals(a), rowParts[i]!.key).toBe(true);
    }
  });

  test('rotates between blocks: every part but the last reaches the size and overshoots it by less than its last block', async () => {
    const store = new MemoryStore();
    const partSizeBytes = 30_000;
    const rows = manyRows(6000);
    const batches = encodedBatches(rows, 50);
    const parts = await writeAll(writer(store, { codec, partSizeBytes, blockSizeBytes: 4096 }), batches);
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.map((p) => p.key)).toEqual(parts.map((_, seq) => `run=1/part-0000-${String(seq).padStart(6, '0')}.avro`));
    checkStored(store, parts);
    expect(await readAll(store, parts)).toEqual(rows);
    const blockCounts: number[] = [];
    for (const part of parts) {
      const { blocks } = parseContainer(store.objects.get(part.key)!);
      blockCounts.push(...blocks.map((b) => b.records));
      if (part === parts.at(-1)) continue;
      const last = blocks.at(-1)!;
      // Framing of the last block: two varints of at most 3 bytes each here, and the sync marker.
      const lastFrameMax = last.data.length + 6 + 16;
      expect(part.bytes, part.key).toBeGreaterThanOrEqual(partSizeBytes);
      expect(part.bytes - lastFrameMax, part.key).toBeLessThan(partSizeBytes);
    }
    expect(blockCounts).toEqual(expectedBlockCounts(batches, 4096));
  });
});

describe('PartWriter.writeEncoded', () => {
  test('keeps every record in order with many blocks in flight and a slow upload', async () => {
    for (const codec of ['deflate', 'snappy'] as const) {
      const store = new MemoryStore({ readDelayMs: 1 });
      const rows = manyRows(4000);
      const parts = await writeAll(writer(store, { codec, blockSizeBytes: 512, partSizeBytes: 60_000 }), encodedBatches(rows, 3));
      const blocks = parts.reduce((sum, p) => sum + parseContainer(store.objects.get(p.key)!).blocks.length, 0);
      expect(blocks, codec).toBeGreaterThan(400);
      checkStored(store, parts);
      expect(await readAll(store, parts)).toEqual(rows);
    }
  });

  test('the same batches always give the same parts, however fast the upload', async () => {
    const batches = encodedBatches(manyRows(5000), 20);
    const layout = async (store: MemoryStore): Promise<[number, number][]> => {
      const parts = await writeAll(writer(store, { blockSizeBytes: 2048, partSizeBytes: 25_000 }), batches);
      return parts.map((p) => [p.rows, p.bytes]);
    };
    const fast = await layout(new MemoryStore());
    expect(fast.length).toBeGreaterThan(3);
    expect(await layout(new MemoryStore({ readDelayMs: 2 }))).toEqual(fast);
  });

  test('backpressure: with a stalled upload it takes only a few blocks, then waits; abort() publishes nothing', async () => {
    const store = new MemoryStore({ stallUploads: true });
    const w = writer(store, { codec: 'null', blockSizeBytes: 4096 });
    const batches = encodedBatches(manyRows(20_000), 10);
    let accepted = 0;
    const pending = (async () => {
      for (const batch of batches) {
        await w.writeEncoded(batch);
        accepted += batch.records.length;
      }
    })();
    const outcome = await Promise.race([pending.then(() => 'resolved', () => 'rejected'), new Promise((r) => setTimeout(() => r('waiting'), 300))]);
    expect(outcome).toBe('waiting');
    // Four blocks in flight, the stream's buffers and the block being filled: far below the 2 MB offered.
    expect(accepted).toBeGreaterThan(4 * 4096);
    expect(accepted).toBeLessThan(16 * 4096);
    await w.abort();
    await expect(pending).rejects.toThrow('the PartWriter was aborted');
    expect(store.objects.size).toBe(0);
  });

  test('an empty batch changes nothing, and zero rows still give one valid empty part', async () => {
    const store = new MemoryStore();
    const w = writer(store, { codec: 'snappy' });
    await w.writeEncoded({ records: Buffer.alloc(0), rows: 0 });
    const parts = await w.close();
    expect(parts.map((p) => [p.key, p.rows])).toEqual([['run=1/part-0000-000000.avro', 0]]);
    checkStored(store, parts);
    expect(parseContainer(store.objects.get(parts[0]!.key)!).blocks).toEqual([]);
    expect(await readAll(store, parts)).toEqual([]);
  });

  test('mixes with write() in the same blocks and keeps the order', async () => {
    const store = new MemoryStore();
    const rows = manyRows(900);
    const w = writer(store, { blockSizeBytes: 3000 });
    for (let i = 0; i < rows.length; i += 100) {
      const slice: Row[] = rows.slice(i, i + 100);
      if ((i / 100) % 2 === 0) await w.write(slice);
      else await w.writeEncoded(encodedBatches(slice, 100)[0]!);
    }
    const parts = await w.close();
    expect(await readAll(store, parts)).toEqual(rows);
  });

  test.each<[string, EncodedRecords, string]>([
    ['a negative row count', { records: Buffer.alloc(4), rows: -1 }, 'an encoded batch needs a row count that is a non-negative integer (got -1)'],
    ['a fractional row count', { records: Buffer.alloc(4), rows: 1.5 }, 'an encoded batch needs a row count that is a non-negative integer (got 1.5)'],
    ['bytes without rows', { records: Buffer.alloc(3), rows: 0 }, 'an encoded batch of 0 rows carries 3 bytes'],
  ])('refuses %s, and the writer stays failed', async (_what, batch, message) => {
    const store = new MemoryStore();
    const w = writer(store);
    await expect(w.writeEncoded(batch)).rejects.toThrow(message);
    await expect(w.close()).rejects.toThrow(message);
    await w.abort();
    expect(store.objects.size).toBe(0);
  });

  test('an upload that fails rejects writeEncoded() with the store\'s error', async () => {
    const store = new MemoryStore({ failUploadAfterBytes: 5000 });
    const w = writer(store, { codec: 'null', blockSizeBytes: 1024 });
    await expect(writeAll(w, encodedBatches(manyRows(3000), 5))).rejects.toThrow('simulated network failure uploading run=1/part-0000-000000.avro');
    await w.abort();
    expect(store.objects.size).toBe(0);
  });

  test('calls must not overlap, whichever method', async () => {
    const w = writer(new MemoryStore({ readDelayMs: 1 }), { blockSizeBytes: 1024 });
    const first = w.write(manyRows(500));
    await expect(w.writeEncoded(encodedBatches(manyRows(1), 1)[0]!)).rejects.toThrow(
      'PartWriter.writeEncoded() while a write() is still pending: await each call');
    await first;
    await w.close();
    await expect(w.writeEncoded({ records: Buffer.alloc(0), rows: 0 })).rejects.toThrow('PartWriter.writeEncoded() after close() or abort()');
  });
});
