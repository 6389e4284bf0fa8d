import { Readable } from 'node:stream';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { openContainer, type ContainerBlock } from '../../../shared/avro/container-reader.js';
import { containerHeader } from '../../../shared/avro/container-header.js';
import { AvroDecodeError, readAvroRecords } from '../../../shared/avro/part-reader.js';
import { PartWriter } from '../../../shared/avro/part-writer.js';
import { MemoryStore } from '../../support/memory-store.js';
import { column, tableModel } from '../../support/model-fixtures.js';

/**
 * The container reader hands over a file's blocks without decoding a record: the same records,
 * in the same order, as the record-by-record reader sees — whatever the codec and however the
 * stream's chunks fall — and a damaged file is an AvroDecodeError saying what is wrong.
 */

const model = tableModel('APP.T', [column('id', { kind: 'int64' }, false), column('name', { kind: 'string' })], ['id']);
const SYNC = Buffer.alloc(16, 7);

async function part(codec: 'deflate' | 'snappy' | 'null', rows: number): Promise<Buffer> {
  const store = new MemoryStore();
  const writer = new PartWriter({ store, schema: modelToAvsc(model), codec, partSizeBytes: 1 << 30, blockSizeBytes: 4_096, keyFor: () => 'p' });
  await writer.write(Array.from({ length: rows }, (_, i) => ({ id: i, name: i % 3 === 0 ? null : `name ${i}` })));
  await writer.close();
  return store.objects.get('p')!;
}

/** `bytes` as a stream of `size`-byte chunks. */
function chunked(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return Readable.from(chunks);
}

async function blocks(stream: Readable): Promise<ContainerBlock[]> {
  const { blocks } = await openContainer(stream);
  const all: ContainerBlock[] = [];
  for await (const block of blocks) all.push(block);
  return all;
}

/** A block's records, decoded with the model's AVRO type. */
function records(block: ContainerBlock): unknown[] {
  const type = avro.Type.forSchema(modelToAvsc(model) as avro.Schema);
  const out: unknown[] = [];
  let pos = 0;
  for (let i = 0; i < block.records; i++) {
    const { value, offset } = type.decode(block.data, pos);
    out.push({ ...(value as object) });
    pos = offset;
  }
  expect(pos).toBe(block.data.length);
  return out;
}

describe('openContainer', () => {
  it.each(['deflate', 'snappy', 'null'] as const)('gives the records the record reader gives, block by block, from any chunking (%s)', async (codec) => {
    const bytes = await part(codec, 3_000);
    const expected: unknown[] = [];
    for await (const record of readAvroRecords(Readable.from([bytes]))) expected.push(record);
    for (const size of [1, 7, 4_096, bytes.length]) {
      const read = await blocks(chunked(bytes, size));
      expect(read.length).toBeGreaterThan(5);
      expect(read.flatMap(records), `chunks of ${size} bytes`).toEqual(expected);
    }
    const { header } = await openContainer(Readable.from([bytes]));
    expect(header).toEqual({ schema: modelToAvsc(model), codec });
  });

  it('reads a file of no blocks', async () => {
    expect(await blocks(Readable.from([containerHeader(JSON.stringify(modelToAvsc(model)), 'deflate', SYNC)]))).toEqual([]);
  });

  it('names what is wrong with a damaged file', async () => {
    const bytes = await part('deflate', 3_000);
    const header = containerHeader(JSON.stringify(modelToAvsc(model)), 'deflate', SYNC);
    const cases: [string, Buffer, string][] = [
      ['not AVRO', Buffer.from('PAR1 not an avro file'), 'not an AVRO object container file (bad magic bytes)'],
      ['cut in the header', bytes.subarray(0, 30), 'the file ends inside the header (truncated)'],
      ['cut in a block', bytes.subarray(0, bytes.length - 100), 'the file ends inside a block (truncated)'],
      ['another sync marker', Buffer.concat([bytes.subarray(0, bytes.length - 16), Buffer.alloc(16, 1)]), 'invalid sync marker (the file is damaged)'],
      ['a negative count', Buffer.concat([header, Buffer.from([0x01, 0x02])]), 'a block declares -1 records in 1 bytes'],
      ['an unknown codec', containerHeader(JSON.stringify(modelToAvsc(model)), 'zstandard' as never, SYNC), 'unknown codec: zstandard'],
    ];
    for (const [label, damaged, message] of cases) {
      await expect(blocks(Readable.from([damaged])), label).rejects.toThrow(new AvroDecodeError(message));
    }
    const corrupt = Buffer.from(bytes);
    corrupt.fill(0x55, header.length + 40, header.length + 200);
    await expect(blocks(Readable.from([corrupt]))).rejects.toThrow(/^a block cannot be decompressed: /);
  });

  it('passes a failure of the stream itself through as it is', async () => {
    const bytes = await part('deflate', 100);
    const failing = new Readable({
      read() {
        this.push(bytes.subarray(0, 100));
        this.destroy(new Error('connection reset by the store'));
      },
    });
    const failure = blocks(failing);
    await expect(failure).rejects.toThrow(new Error('connection reset by the store'));
    await expect(failure).rejects.not.toBeInstanceOf(AvroDecodeError);
  });
});
