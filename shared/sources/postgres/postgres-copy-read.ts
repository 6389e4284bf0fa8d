/**
 * The primary read path: `COPY (SELECT …) TO STDOUT (FORMAT binary)` streamed through
 * pg-copy-streams and parsed here — several times faster than fetching rows through a cursor,
 * because the server skips per-row protocol messages and text output, and the reader skips
 * text parsing.
 */
import { to as copyTo } from 'pg-copy-streams';
import type { Row } from '../../model/column.js';
import type { ReadPlan } from '../source.js';
import { BinaryCopyParser } from './postgres-binary-copy.js';
import type { PostgresPoolClient } from './postgres-client.js';
import { binaryTupleDecoder } from './postgres-rows.js';
import { copySql } from './postgres-sql.js';

/**
 * Streams the plan's rows in batches of `plan.batchSize` on a client already inside the read
 * transaction. Backpressure is the async iterator's: while the consumer holds a batch nothing is
 * read, the stream's buffer fills and the socket stops being read. Abandoned early, the stream is
 * destroyed; the caller must then close the connection, which is still inside the COPY.
 */
export async function* copyBatches(client: PostgresPoolClient, plan: ReadPlan): AsyncGenerator<Row[]> {
  const stream = client.query(copyTo(copySql(plan), { highWaterMark: 256 * 1024 }));
  const parser = new BinaryCopyParser(plan.model.columns.length, binaryTupleDecoder(plan.model));
  let done = false;
  try {
    let rows: Row[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parser.feed(chunk, rows);
      while (rows.length >= plan.batchSize) {
        const rest = rows.splice(plan.batchSize);
        yield rows;
        rows = rest;
      }
    }
    parser.end();
    if (rows.length > 0) yield rows;
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
