/**
 * The fallback read path: the same SELECT through a server-side cursor (pg-cursor), rows as the
 * server's text, decoded by postgres-text-values.ts. Slower than COPY, but it needs nothing beyond
 * the extended query protocol — useful behind poolers or proxies that do not pass COPY through.
 */
import Cursor from 'pg-cursor';
import type { Row } from '../../model/column.js';
import type { ReadPlan } from '../source.js';
import type { PostgresCursor, PostgresPoolClient } from './postgres-client.js';
import { waitOnServer } from './postgres-guard.js';
import { textRowDecoder } from './postgres-rows.js';
import { selectSql } from './postgres-sql.js';

/** Every value arrives as the server's text: pg's own parsers (JS Dates, floats) would lose precision. */
const SERVER_TEXT = { getTypeParser: () => (value: string) => value };

/** Streams the plan's rows in batches, on a client already inside the read transaction. */
export async function* cursorBatches(client: PostgresPoolClient, plan: ReadPlan): AsyncGenerator<Row[]> {
  const cursor: PostgresCursor<(string | null)[]> = client.query(
    new Cursor<(string | null)[]>(selectSql(plan), [], { rowMode: 'array', types: SERVER_TEXT }),
  );
  const decode = textRowDecoder(plan.model);
  for (;;) {
    const fetched = await waitOnServer(client, cursor.read(plan.batchSize));
    if (fetched.length === 0) break;
    yield fetched.map(decode);
  }
  await waitOnServer(client, cursor.close());
}
