/**
 * The primary read path: `COPY (SELECT …) TO STDOUT (FORMAT binary)` streamed through
 * pg-copy-streams and parsed here — several times faster than fetching rows through a cursor,
 * because the server skips per-row protocol messages and text output, and the reader skips
 * text parsing. Tuples become rows here, or AVRO records in postgres-encoded-read.ts.
 */
import { to as copyTo } from 'pg-copy-streams';
import type { Row } from '../../model/column.js';
import type { ReadPlan } from '../source.js';
import { BinaryCopyParser, type TupleHandler } from './postgres-binary-copy.js';
import type { PostgresPoolClient } from './postgres-client.js';
import { waitOnServer } from './postgres-guard.js';
import { binaryTupleDecoder } from './postgres-rows.js';
import { copySql } from './postgres-sql.js';

/**
 * Runs the plan's COPY on a client already inside the read transaction and hands every tuple to
 * `handle`. Yields whenever the handler pauses the parser (its batch is full); returns once the
 * stream has ended at its trailer. Backpressure is the async iterator's: while the consumer holds
 * a batch nothing is read, the stream's buffer fills and the socket stops being read. Abandoned
 * early, the stream is destroyed; the caller must then close the connection, still inside the COPY.
 */
export async function* copyTuples(client: PostgresPoolClient, plan: ReadPlan, handle: TupleHandler): AsyncGenerator<void, void, undefined> {
  const stream = client.query(copyTo(copySql(plan), { highWaterMark: 256 * 1024 }));
  const parser = new BinaryCopyParser(plan.model.columns.length);
  let done = false;
  try {
    const chunks = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    // Each wait for the next chunk is a wait on the server: the stall detector watches it.
    for (let next = await waitOnServer(client, chunks.next()); !next.done; next = await waitOnServer(client, chunks.next())) {
      parser.feed(next.value);
      while (parser.parse(handle)) yield;
    }
    parser.end();
    done = true;
  } finally {
    if (!done) {
      // Closing the connection makes pg report the interrupted COPY as an error on this stream;
      // nobody listens any more, and an unheard 'error' event would crash the process.
      stream.on('error', () => undefined);
      stream.destroy();
    }
  }
}

/** Streams the plan's rows in batches of `plan.batchSize` (see copyTuples for backpressure and cleanup). */
export async function* copyBatches(client: PostgresPoolClient, plan: ReadPlan): AsyncGenerator<Row[]> {
  const decode = binaryTupleDecoder(plan.model);
  const { batchSize } = plan;
  let rows: Row[] = [];
  const collect: TupleHandler = (buf, offsets, lengths) => rows.push(decode(buf, offsets, lengths)) < batchSize;
  for await (const _full of copyTuples(client, plan, collect)) {
    const batch = rows;
    rows = [];
    yield batch;
  }
  if (rows.length > 0) yield rows;
}
