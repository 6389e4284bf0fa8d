import { modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { avroTypeFor } from '../../../shared/avro/long-type.js';
import type { EncodedRecords } from '../../../shared/avro/part-writer.js';
import type { Row } from '../../../shared/model/column.js';
import { everyKindModel } from './fixtures.js';

const type = avroTypeFor(modelToAvsc(everyKindModel));

/** Each row of `everyKindModel` AVRO-encoded on its own, with avsc's `type.encode` (what a transcoding source produces). */
export function encodeEach(rows: Row[]): Buffer[] {
  const scratch = Buffer.alloc(1 << 16);
  return rows.map((row) => {
    const end = type.encode(row, scratch, 0);
    if (end < 0) throw new Error('test row larger than the scratch buffer');
    return Buffer.from(scratch.subarray(0, end));
  });
}

/** The rows as encoded batches of `perBatch` rows (the last one may be shorter). */
export function encodedBatches(rows: Row[], perBatch: number): EncodedRecords[] {
  const records = encodeEach(rows);
  const batches: EncodedRecords[] = [];
  for (let i = 0; i < records.length; i += perBatch) {
    const slice = records.slice(i, i + perBatch);
    batches.push({ records: Buffer.concat(slice), rows: slice.length });
  }
  return batches;
}

/** The record counts of the blocks PartWriter must make of these batches: a block closes once it reaches `blockSize` bytes. */
export function expectedBlockCounts(batches: EncodedRecords[], blockSize: number): number[] {
  const counts: number[] = [];
  let bytes = 0;
  let records = 0;
  for (const batch of batches) {
    bytes += batch.records.length;
    records += batch.rows;
    if (bytes >= blockSize) {
      counts.push(records);
      bytes = 0;
      records = 0;
    }
  }
  if (records > 0) counts.push(records);
  return counts;
}
