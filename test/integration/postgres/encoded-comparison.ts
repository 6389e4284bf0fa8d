/**
 * Comparing readEncoded with read() on one plan: the reference for readEncoded's records is avsc
 * encoding read()'s rows with the table's .avsc type (long-type.ts's long), as the part writer does.
 * Also the session both readEncoded suites open on each target (openAllTypes / closeAllTypes).
 */
import pg from 'pg';
import { expect } from 'vitest';
import { modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { avroTypeFor } from '../../../shared/avro/long-type.js';
import { silentLogger } from '../../../shared/log.js';
import type { Row, TableModel } from '../../../shared/model/column.js';
import { connectPostgres, type PostgresSource } from '../../../shared/sources/postgres/postgres-source.js';
import type { EncodedBatch, ReadPlan } from '../../../shared/sources/source.js';
import type { PostgresHandle } from '../../support/postgres-server.js';
import { createAllTypes, dropSchema } from './all-types-fixture.js';

/** A batchBytes no batch reaches, so batches end by rows exactly as read()'s do. */
const NO_BYTE_LIMIT = 1 << 30;

/** read()'s batches as they come. */
export async function rowBatches(source: PostgresSource, plan: ReadPlan): Promise<Row[][]> {
  const batches: Row[][] = [];
  for await (const batch of source.read(plan)) batches.push(batch);
  return batches;
}

/** readEncoded()'s batches as they come. */
export async function encodedBatches(source: PostgresSource, plan: ReadPlan): Promise<EncodedBatch[]> {
  const batches: EncodedBatch[] = [];
  for await (const batch of source.readEncoded(plan)) batches.push(batch);
  return batches;
}

/** Each row encoded alone, as the part writer encodes read()'s rows. */
export function avroRecords(model: TableModel, rows: Row[]): Buffer[] {
  const type = avroTypeFor(modelToAvsc(model));
  return rows.map((row) => type.toBuffer(row));
}

/** The largest non-NULL value of `column` in `rows`, or null. */
export function maxOf(rows: Row[], column: string): number | bigint | null {
  let max: number | bigint | null = null;
  for (const row of rows) {
    const value = row[column];
    if ((typeof value === 'number' || typeof value === 'bigint') && (max === null || value > max)) max = value;
  }
  return max;
}

/** read() and readEncoded() of one plan: same bytes, and batches cut by rows exactly as read() cuts them. */
export async function expectSameAsRead(source: PostgresSource, plan: ReadPlan): Promise<EncodedBatch[]> {
  const rows = await rowBatches(source, plan);
  const encoded = await encodedBatches(source, { ...plan, batchBytes: NO_BYTE_LIMIT });
  expect(encoded.map((b) => b.rows)).toEqual(rows.map((b) => b.length));
  encoded.forEach((batch, i) => {
    expect(batch.records.equals(Buffer.concat(avroRecords(plan.model, rows[i]!))), `batch ${i}`).toBe(true);
    expect(batch.maxWatermark, `watermark of batch ${i}`).toEqual(plan.window ? maxOf(rows[i]!, plan.window.column) : null);
  });
  return encoded;
}

/** The all-types table on one server, read by the COPY and the cursor path, plus a plain client in its schema. */
export interface AllTypesSession {
  handle: PostgresHandle;
  schema: string;
  copy: PostgresSource;
  cursor: PostgresSource;
  model: TableModel;
  admin: pg.Client;
}

/** Starts a target, creates the all-types table in a fresh schema and opens both read paths on it. */
export async function openAllTypes(start: () => Promise<PostgresHandle>): Promise<AllTypesSession> {
  const handle = await start();
  const schema = await createAllTypes(handle);
  const copy = await connectPostgres(handle.config, schema, silentLogger);
  const cursor = await connectPostgres(handle.config, schema, silentLogger, 'cursor');
  const model = await copy.describe('tipos_todos', { profile: true });
  const admin = new pg.Client(handle.config);
  await admin.connect();
  await admin.query(`SET search_path TO ${schema}`);
  return { handle, schema, copy, cursor, model, admin };
}

/** Closes what openAllTypes opened (whatever part of it got open), drops the schema, stops the target. */
export async function closeAllTypes(session: Partial<AllTypesSession>): Promise<void> {
  await session.admin?.end();
  await session.copy?.close();
  await session.cursor?.close();
  if (session.handle && session.schema) await dropSchema(session.handle, session.schema);
  await session.handle?.stop();
}
