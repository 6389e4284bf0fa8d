/**
 * readEncoded's batches (shared/sources/source.ts, EncodedBatch): the same rows as read(), as
 * concatenated AVRO records of the table's .avsc. On the COPY path each tuple is transcoded
 * straight from PostgreSQL's binary format (postgres-avro-tuples.ts), no JS object per row; on
 * the cursor path read()'s rows are encoded with avsc, exactly as the part writer would.
 */
import { modelToAvsc } from '../../avro/avsc-schema.js';
import { describeEncodeFailure } from '../../avro/encode-failure.js';
import { avroTypeFor } from '../../avro/long-type.js';
import { ContractError, TerminalError } from '../../errors.js';
import type { Row } from '../../model/column.js';
import type { EncodedBatch, ReadPlan } from '../source.js';
import { AvroRecordBuffer } from './postgres-avro-buffer.js';
import { recordHeadroom, tupleTranscoder } from './postgres-avro-tuples.js';
import type { TupleHandler } from './postgres-binary-copy.js';
import { binaryDecoder } from './postgres-binary-values.js';
import type { PostgresPoolClient } from './postgres-client.js';
import { copyTuples } from './postgres-copy-read.js';
import { columnOf } from './postgres-sql.js';

/** ReadPlan.batchBytes when absent: PartWriter's block size, so a batch is a block (compressed without a copy). */
export const DEFAULT_BATCH_BYTES = 512 * 1024;

/**
 * Room past batchBytes: the record that crosses it still fits, unless its long values add up to
 * more than this — without it nearly every batch would grow (and copy) its buffer at its end.
 */
const BATCH_SLACK_BYTES = 64 * 1024;
/** A batch buffer starts no larger than this (plus the slack), however large batchBytes is; it grows when it must. */
const MAX_START_BYTES = 8 * 1024 * 1024;

function batchBuffer(batchBytes: number, headroom: number): AvroRecordBuffer {
  return new AvroRecordBuffer(Math.min(batchBytes, MAX_START_BYTES) + BATCH_SLACK_BYTES, headroom);
}

/** The plan's batch byte target, checked. */
export function batchBytesOf(plan: ReadPlan): number {
  const bytes = plan.batchBytes ?? DEFAULT_BATCH_BYTES;
  if (!Number.isInteger(bytes) || bytes < 1) throw new TerminalError(`batch bytes ${bytes} must be a whole number of bytes, at least 1`);
  return bytes;
}

/** The larger of two watermark values (number and bigint compare exactly in JS). */
function later(max: number | bigint | null, value: number | bigint): number | bigint {
  return max === null || value > max ? value : max;
}

/**
 * Transcodes the plan's COPY into batches that end once `plan.batchSize` rows or `batchBytes`
 * bytes are reached. See copyTuples for backpressure and cleanup.
 */
export async function* copyEncodedBatches(client: PostgresPoolClient, plan: ReadPlan): AsyncGenerator<EncodedBatch> {
  const { batchSize, model } = plan;
  const batchBytes = batchBytesOf(plan);
  const transcode = tupleTranscoder(model);
  const out = batchBuffer(batchBytes, recordHeadroom(model));
  let rows = 0;
  let max: number | bigint | null = null;
  let encode: TupleHandler = (buf, offsets, lengths) => {
    transcode(buf, offsets, lengths, out);
    return ++rows < batchSize && out.pos < batchBytes;
  };
  if (plan.window) {
    // The watermark column is decoded a second time, as read() decodes it (already checked: no throw).
    const column = columnOf(model, plan.window.column);
    const k = model.columns.indexOf(column);
    const decode = binaryDecoder(column);
    encode = (buf, offsets, lengths) => {
      transcode(buf, offsets, lengths, out);
      const length = lengths[k]!;
      if (length >= 0) max = later(max, decode(buf, offsets[k]!, length) as number | bigint);
      return ++rows < batchSize && out.pos < batchBytes;
    };
  }
  const batch = (): EncodedBatch => {
    const done: EncodedBatch = { records: out.take(), rows, maxWatermark: max };
    rows = 0;
    max = null;
    return done;
  };
  for await (const _full of copyTuples(client, plan, encode)) yield batch();
  if (rows > 0) yield batch();
}

/**
 * Row batches (the cursor path's) encoded with avsc, one record at a time, into batches cut as
 * copyEncodedBatches cuts them; a row avsc refuses fails as the part writer fails it.
 */
export async function* encodeRowBatches(batches: AsyncIterable<Row[]>, plan: ReadPlan): AsyncGenerator<EncodedBatch> {
  const batchBytes = batchBytesOf(plan);
  const schema = modelToAvsc(plan.model);
  const type = avroTypeFor(schema);
  const watermark = plan.window ? columnOf(plan.model, plan.window.column).name : null;
  const out = batchBuffer(batchBytes, 0);
  let rows = 0;
  let max: number | bigint | null = null;
  for await (const batch of batches) {
    for (const row of batch) {
      let record: Buffer;
      try {
        record = type.toBuffer(row);
      } catch (error) {
        throw new ContractError(describeEncodeFailure(schema, type, row, error), { cause: error });
      }
      out.append(record);
      const value = watermark === null ? null : row[watermark];
      if (typeof value === 'number' || typeof value === 'bigint') max = later(max, value);
      if (++rows >= plan.batchSize || out.pos >= batchBytes) {
        yield { records: out.take(), rows, maxWatermark: max };
        rows = 0;
        max = null;
      }
    }
  }
  if (rows > 0) yield { records: out.take(), rows, maxWatermark: max };
}
