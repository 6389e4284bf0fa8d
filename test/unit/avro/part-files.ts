import { createHash } from 'node:crypto';
import avro from 'avsc';
import { expect } from 'vitest';
import { decimalTextToBytes } from '../../../shared/avro/decimal.js';
import { readAvroRecords } from '../../../shared/avro/part-reader.js';
import type { PartInfo } from '../../../shared/avro/part-writer.js';
import type { Row } from '../../../shared/model/column.js';
import type { MemoryStore } from '../../support/memory-store.js';

/** Deterministic varied rows of `everyKindModel`: every column filled in some rows, null in others. */
export function manyRows(count: number): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    rows.push({
      id: i, flag: i % 3 === 0 ? null : i % 2 === 0, small: i % 4 === 0 ? null : i / 4, big: i * 1.000001,
      amount: i % 5 === 0 ? null : decimalTextToBytes(`${i}.${String(i % 100).padStart(2, '0')}`, 18, 2),
      wide: decimalTextToBytes(`${BigInt(i) * 10n ** 30n + 7n}`, 38, 0), name: `row ${i} ✓`, doc_json: null,
      span: `PT${i}S`, blob: Buffer.from([i & 0xff, (i >> 8) & 0xff]), day: 19000 + (i % 500),
      at: 1706695872000000 + i, instant: i % 7 === 0 ? 253402300799999999n : -i, counter: i % 11 === 0 ? 2n ** 60n + BigInt(i) : null,
    });
  }
  return rows;
}

/** Every record of the parts, in order; each part must hold the rows its PartInfo says. */
export async function readAll(store: MemoryStore, parts: PartInfo[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const part of parts) {
    let count = 0;
    for await (const record of readAvroRecords(await store.openRead(part.key))) {
      rows.push(record);
      count++;
    }
    expect(count, part.key).toBe(part.rows);
  }
  return rows;
}

/** The store holds exactly the parts, each with the size and sha256 its PartInfo says. */
export function checkStored(store: MemoryStore, parts: PartInfo[]): void {
  expect([...store.objects.keys()].sort()).toEqual(parts.map((p) => p.key).sort());
  for (const part of parts) {
    const body = store.objects.get(part.key)!;
    expect(part.bytes, part.key).toBe(body.length);
    expect(part.sha256, part.key).toBe(createHash('sha256').update(body).digest('hex'));
  }
}

const HEADER_TYPE = avro.Type.forSchema({
  type: 'record', name: 'Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
});
const LONG = avro.Type.forSchema('long');

export interface ParsedContainer {
  /** The header without its sync marker. */
  header: Buffer;
  sync: Buffer;
  /** Each block's record count and its (still compressed) data. */
  blocks: { records: number; data: Buffer }[];
}

/**
 * Splits an object container file into header and blocks, independently of the writer's code,
 * checking each block ends with the header's sync marker and nothing trails the last block.
 */
export function parseContainer(file: Buffer): ParsedContainer {
  const { value, offset: headerEnd } = HEADER_TYPE.decode(file, 0) as { value: { sync: Buffer }; offset: number };
  expect(headerEnd, 'a complete header').toBeGreaterThan(0);
  const sync = Buffer.from(value.sync);
  const blocks: ParsedContainer['blocks'] = [];
  let pos = headerEnd;
  while (pos < file.length) {
    const count = LONG.decode(file, pos) as { value: number; offset: number };
    const size = LONG.decode(file, count.offset) as { value: number; offset: number };
    const end = size.offset + size.value;
    expect(file.subarray(end, end + 16).equals(sync), `sync marker after the block at ${pos}`).toBe(true);
    blocks.push({ records: count.value, data: Buffer.from(file.subarray(size.offset, end)) });
    pos = end + 16;
  }
  expect(pos).toBe(file.length);
  return { header: Buffer.from(file.subarray(0, headerEnd - 16)), sync, blocks };
}
