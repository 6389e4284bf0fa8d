import { Writable, type Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { modelToAvsc, type AvscRecordSchema } from '../../../shared/avro/avsc-schema.js';
import type { AvroCodec } from '../../../shared/avro/codecs.js';
import { decimalTextToBytes } from '../../../shared/avro/decimal.js';
import { avroTypeFor } from '../../../shared/avro/long-type.js';
import { PartWriter, type EncodedRecords } from '../../../shared/avro/part-writer.js';
import { TextRowEncoder } from '../../../shared/avro/text-row-encoder.js';
import type { Row, TableModel } from '../../../shared/model/column.js';
import { MemoryStore } from '../../support/memory-store.js';

/**
 * PartWriter's throughput on the benchmark's 10-column sales row (bench/sales-table.ts), alone:
 * the store discards the bytes (after the writer has hashed them). Opt-in, because timings on a
 * shared machine are no pass/fail signal: DATAPIPE_PERF=1 npx vitest run test/unit/avro/part-writer.perf
 * (DATAPIPE_PERF_ROWS, DATAPIPE_PERF_REPS to change the size). Prints the median rows/s per case:
 * write(rows) under the standard and the redshift-text encoding (docs/encodings.md), writeEncoded,
 * and the redshift-text row conversion alone (3 decimals and 2 timestamps per row become text).
 */

const enabled = process.env.DATAPIPE_PERF === '1';
if (!enabled) console.warn('SKIPPING the PartWriter throughput measurement: it runs only with DATAPIPE_PERF=1');

const ROWS = Number(process.env.DATAPIPE_PERF_ROWS ?? 1_000_000);
const REPS = Number(process.env.DATAPIPE_PERF_REPS ?? 5);
const POOL_BATCHES = 10;
const BATCH_ROWS = 10_000;
const BATCH_BYTES = 262_144;

const column = (name: string, sourceType: string, type: TableModel['columns'][number]['type'], nullable = false): TableModel['columns'][number] => ({
  name, sourceName: name, sourceType, type, nullable,
});
const salesModel: TableModel = {
  sourceSchema: 'public', sourceName: 'bench_ventas', name: 'bench_ventas', primaryKeys: ['id_venta'],
  columns: [
    column('id_venta', 'bigint', { kind: 'int64' }),
    column('fecha_venta', 'timestamp(6)', { kind: 'datetime' }),
    column('id_cliente', 'integer', { kind: 'int64' }),
    column('producto', 'varchar(40)', { kind: 'string' }),
    column('cantidad', 'numeric(12,3)', { kind: 'decimal', precision: 12, scale: 3 }),
    column('precio', 'numeric(18,2)', { kind: 'decimal', precision: 18, scale: 2 }),
    column('total', 'numeric(20,2)', { kind: 'decimal', precision: 20, scale: 2 }),
    column('estado', 'char(1)', { kind: 'string' }),
    column('actualizado_en', 'timestamptz', { kind: 'timestamp' }),
    column('nota', 'text', { kind: 'string' }, true),
  ],
};
const schema = modelToAvsc(salesModel);
const textSchema = modelToAvsc(salesModel, { encoding: 'redshift-text' });

/** Row g of bench/sales-table.ts's generator, as the PostgreSQL source would hand it over. */
function salesRow(g: number): Row {
  const price = (g % 10_000_000) / 100;
  return {
    id_venta: g, fecha_venta: 1_735_689_600_000_000 + g * 1_000_000 + (g % 1_000_000), id_cliente: g % 50_000,
    producto: `Producto número ${g % 5000}`, cantidad: decimalTextToBytes(((g % 100_000) / 1000).toFixed(3), 12, 3),
    precio: decimalTextToBytes(price.toFixed(2), 18, 2), total: decimalTextToBytes((price * 1.21).toFixed(2), 20, 2),
    estado: ['A', 'P', 'C'][g % 3]!, actualizado_en: 1_735_689_600_000_000 + g * 1_000_000, nota: g % 4 === 0 ? 'entrega urgente — café' : null,
  };
}

/** A store that reads every part to the end and keeps nothing. */
class DiscardStore extends MemoryStore {
  override async upload(_key: string, body: Readable): Promise<void> {
    const sink = new Writable({ highWaterMark: 1 << 20, write: (_chunk, _encoding, callback) => callback() });
    await new Promise<void>((resolve, reject) => {
      body.once('error', reject);
      body.pipe(sink).once('finish', resolve).once('error', reject);
    });
  }
}

/**
 * Wall-clock rows per second, and the process's CPU time per row (user + system, every thread:
 * compression runs on the libuv pool) — the cost per core, which stays meaningful on a shared machine.
 */
interface Rate {
  rowsPerSecond: number;
  cpuMicrosPerRow: number;
}

function rateSince(rows: number, started: number, cpu: NodeJS.CpuUsage): Rate {
  const used = process.cpuUsage(cpu);
  return { rowsPerSecond: rows / ((performance.now() - started) / 1000), cpuMicrosPerRow: (used.user + used.system) / rows };
}

const shown = (rate: Rate): string => `${Math.round(rate.rowsPerSecond)} rows/s (${rate.cpuMicrosPerRow.toFixed(2)} CPU µs/row)`;

/** The rate for ROWS rows fed from a recycled pool of batches. */
async function rate<T>(codec: AvroCodec, pool: T[], rowsOf: (batch: T) => number, feed: (writer: PartWriter, batch: T) => Promise<void>, avsc: AvscRecordSchema = schema): Promise<Rate> {
  const writer = new PartWriter({ store: new DiscardStore(), schema: avsc, codec, partSizeBytes: 128 << 20, keyFor: (seq) => `part-${seq}.avro` });
  const cpu = process.cpuUsage();
  const started = performance.now();
  let rows = 0;
  for (let i = 0; rows < ROWS; i++) {
    const batch = pool[i % pool.length]!;
    await feed(writer, batch);
    rows += rowsOf(batch);
  }
  const parts = await writer.close();
  const measured = rateSince(rows, started, cpu);
  expect(parts.reduce((sum, p) => sum + p.rows, 0)).toBe(rows);
  return measured;
}

/** The median of REPS runs after a warm-up, each figure on its own. */
async function median(measure: () => Promise<Rate>): Promise<Rate> {
  await measure(); // warm-up
  const rates: Rate[] = [];
  for (let i = 0; i < REPS; i++) rates.push(await measure());
  const middle = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return { rowsPerSecond: middle(rates.map((r) => r.rowsPerSecond)), cpuMicrosPerRow: middle(rates.map((r) => r.cpuMicrosPerRow)) };
}

/** The recycled input: 100k rows in batches of 10k, and the same rows encoded in batches of ≈256 KiB. */
function inputs(): { rowBatches: Row[][]; encoded: EncodedRecords[] } {
  const rowBatches = Array.from({ length: POOL_BATCHES }, (_, b) => Array.from({ length: BATCH_ROWS }, (_, i) => salesRow(b * BATCH_ROWS + i + 1)));
  const type = avroTypeFor(schema);
  const encoded: EncodedRecords[] = [];
  let chunks: Buffer[] = [];
  let size = 0;
  for (const row of rowBatches.flat()) {
    const record = type.toBuffer(row);
    chunks.push(record);
    size += record.length;
    if (size >= BATCH_BYTES) {
      encoded.push({ records: Buffer.concat(chunks), rows: chunks.length });
      chunks = [];
      size = 0;
    }
  }
  return { rowBatches, encoded };
}

/** The rate of the redshift-text conversion alone (no AVRO encoding, no compression). */
async function conversionRate(rowBatches: Row[][]): Promise<Rate> {
  const encoder = TextRowEncoder.for(textSchema)!;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let rows = 0;
  let checksum = 0;
  for (let i = 0; rows < ROWS; i++) {
    const batch = rowBatches[i % rowBatches.length]!;
    for (const row of batch) checksum += (encoder.encode(row).total as string).length;
    rows += batch.length;
  }
  expect(checksum).toBeGreaterThan(0);
  return rateSince(rows, started, cpu);
}

describe.skipIf(!enabled)('PartWriter throughput (10-column sales rows)', () => {
  test.each<AvroCodec>(['deflate', 'snappy'])('%s', async (codec) => {
    const { rowBatches, encoded } = inputs();
    const rows = await median(() => rate(codec, rowBatches, (b) => b.length, (w, b) => w.write(b)));
    const text = await median(() => rate(codec, rowBatches, (b) => b.length, (w, b) => w.write(b), textSchema));
    const pre = await median(() => rate(codec, encoded, (b) => b.rows, (w, b) => w.writeEncoded(b)));
    console.log(`PartWriter ${codec}: write(rows) standard ${shown(rows)}, redshift-text ${shown(text)}; writeEncoded ${shown(pre)} (median of ${REPS}, ${ROWS} rows)`);
    expect(pre.rowsPerSecond).toBeGreaterThan(0);
  });

  test('redshift-text conversion alone', async () => {
    const { rowBatches } = inputs();
    const converted = await median(() => conversionRate(rowBatches));
    console.log(`TextRowEncoder.encode: ${shown(converted)} (median of ${REPS}, ${ROWS} rows)`);
  });
});
