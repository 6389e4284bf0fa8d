import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import type { AvroCodec } from '../../../shared/avro/codecs.js';
import { readAvroHeader, readAvroRecords } from '../../../shared/avro/part-reader.js';
import { PartWriter, type PartWriterOptions } from '../../../shared/avro/part-writer.js';
import { ContractError } from '../../../shared/errors.js';
import type { Row } from '../../../shared/model/column.js';
import { edgeRows, everyKindModel } from './fixtures.js';
import { MemoryStore } from '../../support/memory-store.js';
import { checkStored, manyRows, readAll } from './part-files.js';

const schema = modelToAvsc(everyKindModel);

function writer(store: MemoryStore, options: Partial<PartWriterOptions> = {}): PartWriter {
  return new PartWriter({
    store, schema, codec: 'deflate', partSizeBytes: 1 << 20, keyFor: (seq) => `run=1/part-0000-${String(seq).padStart(6, '0')}.avro`, ...options,
  });
}

describe.each<AvroCodec>(['deflate', 'snappy', 'null'])('PartWriter with %s', (codec) => {
  test('edge values round-trip exactly; the header holds the full schema and the codec', async () => {
    const store = new MemoryStore();
    const w = writer(store, { codec });
    const rows = edgeRows();
    await w.write(rows);
    const parts = await w.close();
    expect(parts.map((p) => [p.key, p.rows])).toEqual([['run=1/part-0000-000000.avro', rows.length]]);
    checkStored(store, parts);
    expect(await readAll(store, parts)).toEqual(rows);
    const header = await readAvroHeader(await store.openRead(parts[0]!.key));
    expect(header).toEqual({ schema, codec });
  });

  test('rotates into several parts, splitting the rows in order without loss', async () => {
    const store = new MemoryStore();
    const partSizeBytes = 40_000;
    const w = writer(store, { codec, partSizeBytes, blockSizeBytes: 4096 });
    const rows = manyRows(6000);
    for (let i = 0; i < rows.length; i += 700) await w.write(rows.slice(i, i + 700));
    const parts = await w.close();
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.map((p) => p.key)).toEqual(parts.map((_, seq) => `run=1/part-0000-${String(seq).padStart(6, '0')}.avro`));
    expect(parts.reduce((sum, p) => sum + p.rows, 0)).toBe(rows.length);
    // A part closes once it reaches the size, so every part but the last is at least that big.
    for (const part of parts.slice(0, -1)) expect(part.bytes, part.key).toBeGreaterThanOrEqual(partSizeBytes);
    checkStored(store, parts);
    expect(await readAll(store, parts)).toEqual(rows);
  });
});

describe('PartWriter', () => {
  test('zero rows still give exactly one valid part with zero records', async () => {
    const store = new MemoryStore();
    const w = writer(store, { codec: 'snappy' });
    await w.write([]);
    const parts = await w.close();
    expect(parts.map((p) => [p.key, p.rows])).toEqual([['run=1/part-0000-000000.avro', 0]]);
    checkStored(store, parts);
    expect(await readAll(store, parts)).toEqual([]);
    expect((await readAvroHeader(await store.openRead(parts[0]!.key))).schema).toEqual(schema);
  });

  test('a slow upload slows write() down but loses nothing', async () => {
    const store = new MemoryStore({ readDelayMs: 2 });
    const w = writer(store, { codec: 'null', blockSizeBytes: 2048, partSizeBytes: 30_000 });
    const rows = manyRows(1500);
    await w.write(rows);
    const parts = await w.close();
    checkStored(store, parts);
    expect(await readAll(store, parts)).toEqual(rows);
  });

  test('backpressure: write() waits while the upload does not read, and abort() ends it publishing nothing', async () => {
    const store = new MemoryStore({ stallUploads: true });
    const w = writer(store, { codec: 'null', blockSizeBytes: 4096 });
    const pending = w.write(manyRows(20_000));
    const outcome = await Promise.race([pending.then(() => 'resolved', () => 'rejected'), new Promise((r) => setTimeout(() => r('waiting'), 300))]);
    expect(outcome).toBe('waiting');
    await w.abort();
    await expect(pending).rejects.toThrow();
    expect(store.objects.size).toBe(0);
  });

  test('a value of the wrong type rejects write() naming the field, and nothing is published', async () => {
    const store = new MemoryStore();
    const w = writer(store);
    const rows = manyRows(3);
    rows[2] = { ...rows[2]!, amount: '12.30' };
    const failure = w.write(rows);
    await expect(failure).rejects.toThrow(new ContractError(
      'edge_cases: field amount expects a Buffer (decimal(18,2) as two\'s-complement unscaled bytes) or null, got the string "12.30"'));
    await expect(failure).rejects.toBeInstanceOf(ContractError);
    await expect(w.close()).rejects.toThrow('field amount expects');
    await w.abort();
    expect(store.objects.size).toBe(0);
  });

  test.each<[string, Row, string]>([
    // A missing nullable key is written as its default, null (avsc's record writer); a required one fails.
    ['a missing required key', { flag: true }, 'edge_cases: field id expects a safe-integer number or a 64-bit bigint, got no value (the row has no such key)'],
    ['a long beyond 64 bits', { ...manyRows(1)[0]!, counter: 2n ** 63n }, 'edge_cases: field counter expects a safe-integer number or a 64-bit bigint or null, got the bigint 9223372036854775808n'],
    ['an unsafe number', { ...manyRows(1)[0]!, id: 2 ** 53 }, 'edge_cases: field id expects a safe-integer number or a 64-bit bigint, got the number 9007199254740992'],
    ['a datetime as text', { ...manyRows(1)[0]!, at: '2024-01-31T00:00:00' }, 'edge_cases: field at expects a number or bigint of microseconds since 1970-01-01 or null, got the string "2024-01-31T00:00:00"'],
    ['a date beyond int', { ...manyRows(1)[0]!, day: 2 ** 31 }, 'edge_cases: field day expects a number of days since 1970-01-01 (int) or null, got the number 2147483648'],
  ])('names the field for %s', async (_what, row, message) => {
    const w = writer(new MemoryStore());
    await expect(w.write([row])).rejects.toThrow(new ContractError(message));
    await w.abort();
  });

  test('abort() after completed parts deletes them too', async () => {
    const store = new MemoryStore();
    const w = writer(store, { blockSizeBytes: 2048, partSizeBytes: 10_000 });
    await w.write(manyRows(2000));
    expect(store.objects.size).toBeGreaterThan(0);
    await w.abort();
    expect(store.objects.size).toBe(0);
    await expect(w.write(manyRows(1))).rejects.toThrow('PartWriter.write() after close() or abort()');
  });

  test('an upload that fails rejects the writer with the store\'s error', async () => {
    const store = new MemoryStore({ failUploadAfterBytes: 5000 });
    const w = writer(store, { codec: 'null', blockSizeBytes: 1024 });
    const run = async (): Promise<void> => {
      await w.write(manyRows(3000));
      await w.close();
    };
    await expect(run()).rejects.toThrow('simulated network failure uploading run=1/part-0000-000000.avro');
    await w.abort();
    expect(store.objects.size).toBe(0);
  });

  test('an upload refused at once rejects write() instead of waiting for a drain that never comes', async () => {
    const store = new MemoryStore({ refuseUploads: true });
    const w = writer(store, { codec: 'null', blockSizeBytes: 1024 });
    await w.write(manyRows(1)); // buffered: the part opens with the first full block, and the refusal lands then
    await new Promise((r) => setTimeout(r, 20));
    await expect(w.write(manyRows(20_000))).rejects.toThrow('access denied writing run=1/part-0000-000000.avro');
    await w.abort();
    expect(store.objects.size).toBe(0);
  });

  test('calls must not overlap', async () => {
    const w = writer(new MemoryStore({ readDelayMs: 1 }), { blockSizeBytes: 1024 });
    const first = w.write(manyRows(500));
    await expect(w.write(manyRows(1))).rejects.toThrow('PartWriter.write() while a write() is still pending: await each call');
    await first;
    await w.close();
    await expect(w.close()).rejects.toThrow('PartWriter.close() after close() or abort()');
  });

  test('rejects options that cannot work', () => {
    const store = new MemoryStore();
    expect(() => writer(store, { partSizeBytes: 0 })).toThrow('partSizeBytes must be positive (got 0)');
    expect(() => writer(store, { blockSizeBytes: 1.5 })).toThrow('blockSizeBytes must be a positive integer (got 1.5)');
    expect(() => writer(store, { codec: 'zstandard' as AvroCodec })).toThrow('unknown AVRO codec zstandard (null, deflate or snappy)');
  });
});

describe('part-reader', () => {
  async function onePart(codec: AvroCodec): Promise<Buffer> {
    const store = new MemoryStore();
    const w = writer(store, { codec });
    await w.write(manyRows(50));
    const [part] = await w.close();
    return store.objects.get(part!.key)!;
  }

  test('a damaged snappy block fails its CRC32 check', async () => {
    const body = Buffer.from(await onePart('snappy'));
    // The last block's CRC is the 4 bytes before the final 16-byte sync marker.
    body.writeUInt8(body.readUInt8(body.length - 17) ^ 0xff, body.length - 17);
    const read = async (): Promise<number> => {
      let n = 0;
      for await (const _record of readAvroRecords(Readable.from([body]))) n++;
      return n;
    };
    await expect(read()).rejects.toThrow(/^snappy codec decompression error: snappy block CRC32 mismatch: stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8} \(the file is damaged\)$/);
  });

  test('a file that is not AVRO, or cut inside its header, is refused', async () => {
    await expect(readAvroHeader(Readable.from([Buffer.from('PAR1 not avro at all')]))).rejects.toThrow('invalid magic bytes');
    const body = await onePart('deflate');
    await expect(readAvroHeader(Readable.from([body.subarray(0, 40)]))).rejects.toThrow(
      'not an AVRO file: the data ended before the header was complete');
  });
});
