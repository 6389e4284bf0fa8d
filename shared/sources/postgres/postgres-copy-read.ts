/**
 * The primary read path: `COPY (SELECT …) TO STDOUT (FORMAT binary)` read off the socket
 * (postgres-copy-out.ts) and parsed here — several times faster than fetching rows through a
 * cursor, because the server skips per-row protocol messages and text output, and the reader skips
 * text parsing. Tuples are parsed where they lie in the socket's chunks; they become rows here, or
 * AVRO records in postgres-encoded-read.ts.
 */
import type { Row } from '../../model/column.js';
import type { ReadPlan } from '../source.js';
import { BinaryCopyParser, type TupleHandler } from './postgres-binary-copy.js';
import type { PostgresPoolClient } from './postgres-client.js';
import { CopyOutQuery } from './postgres-copy-out.js';
import { waitOnServer } from './postgres-guard.js';
import { binaryTupleDecoder } from './postgres-rows.js';
import { copySql } from './postgres-sql.js';

/**
 * Runs the plan's COPY on a client already inside the read transaction and hands every tuple to
 * `handle`. Yields whenever the handler pauses the parser (its batch is full); returns once the
 * COPY has ended at its trailer. Backpressure is the socket's: while the consumer holds a batch
 * nothing is read, the socket's buffer fills and the kernel's window closes. Abandoned early, the
 * caller must close the connection, still inside the COPY.
 */
export async function* copyTuples(client: PostgresPoolClient, plan: ReadPlan, handle: TupleHandler): AsyncGenerator<void, void, undefined> {
  const copy = client.query(new CopyOutQuery(copySql(plan)));
  const parser = new BinaryCopyParser(plan.model.columns.length);
  // Each wait for the next chunk is a wait on the server: the stall detector watches it.
  while (await waitOnServer(client, copy.fill())) {
    while (copy.nextData()) {
      parser.feed(copy.data, copy.start, copy.end);
      while (parser.parse(handle)) yield;
    }
  }
  parser.end();
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
