/**
 * `npx tsx bench/oracle-convert-bench.ts [--rows 1000000]`: the Oracle source's CPU cost per row
 * without a database. Synthetic driver output for a 13-column ERP invoice row, exactly as
 * node-oracledb Thin hands it over with the source's read expressions and fetchTypeHandler
 * (oracle-values.ts; unchanged by the encoded path): NUMBER as text without a leading zero,
 * DATE / TIMESTAMP as the read expressions' SYYYY text, VARCHAR2 and CHAR as strings, a
 * mostly-NULL note. The rows go through the real source code and the real PartWriter (deflate
 * level 1, the extractor's default) to a store that only counts bytes. One thread.
 * `full` is what the extractor runs for a standard-encoding .avsc: readEncoded's batch cutter
 * (oracle-read.ts, which transcodes each driver row straight to AVRO records, oracle-avro-rows.ts)
 * into PartWriter.writeEncoded. `full-rows` is the row path, which `redshift-text` schemas take:
 * the row converter (oracle-rows.ts) into PartWriter.write.
 * Phases (`--phase all` or a list): convert only; transcode only; encode only (avsc, per record);
 * the PartWriter on converted rows (deflate, then the null codec); the two full paths. Peak RSS is
 * the whole process's: run one full phase alone for its own. Prints a table and one JSON line.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { modelToAvsc } from '../shared/avro/avsc-schema.js';
import { avroTypeFor } from '../shared/avro/long-type.js';
import { PartWriter } from '../shared/avro/part-writer.js';
import type { Row, TableModel } from '../shared/model/column.js';
import { encodedBatchCutter } from '../shared/sources/oracle/oracle-read.js';
import { rowConverter } from '../shared/sources/oracle/oracle-rows.js';
import type { EncodedBatch } from '../shared/sources/source.js';
import type { ObjectStore } from '../shared/stores/object-store.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const ROWS = Number(option('rows', '1000000'));
const BATCH = 10_000; // staging.batch_rows default: the rows one getRows(n) hands over
const POOL = 50_000; // distinct driver rows, cycled (the driver builds new strings each fetch; these are reused)

const col = (sourceName: string, sourceType: string, type: TableModel['columns'][number]['type'], nullable = true) =>
  ({ name: sourceName.toLowerCase(), sourceName, sourceType, type, nullable });

const MODEL: TableModel = {
  sourceSchema: 'VENTAS', sourceName: 'FACTURAS', name: 'facturas', primaryKeys: ['id_factura'],
  columns: [
    col('ID_FACTURA', 'NUMBER(12)', { kind: 'int64' }, false),
    col('ID_CLIENTE', 'NUMBER(9)', { kind: 'int64' }, false),
    col('SERIE', 'CHAR(3)', { kind: 'string' }, false),
    col('NUMERO', 'VARCHAR2(20)', { kind: 'string' }, false),
    col('FECHA_EMISION', 'DATE', { kind: 'datetime' }, false),
    col('FECHA_VENCIMIENTO', 'DATE', { kind: 'datetime' }),
    col('MONEDA', 'VARCHAR2(3)', { kind: 'string' }, false),
    col('SUBTOTAL', 'NUMBER(18,2)', { kind: 'decimal', precision: 18, scale: 2 }, false),
    col('IMPUESTO', 'NUMBER(18,2)', { kind: 'decimal', precision: 18, scale: 2 }, false),
    col('TOTAL', 'NUMBER(18,2)', { kind: 'decimal', precision: 18, scale: 2 }, false),
    col('ESTADO', 'VARCHAR2(1)', { kind: 'string' }, false),
    col('OBSERVACION', 'VARCHAR2(200 CHAR)', { kind: 'string' }),
    col('MODIFICADO', 'TIMESTAMP(6)', { kind: 'datetime' }, false),
  ],
};

const pad = (n: number, width: number) => String(n).padStart(width, '0');
/** NUMBER(18,2) text as Thin spells it: `.5`, `-.05` have no leading zero; trailing zeros dropped. */
const amount = (cents: number): string => {
  const text = (cents / 100).toFixed(2).replace(/0+$/, '').replace(/\.$/, '');
  return text.replace(/^(-?)0\./, '$1.');
};
/** The SYYYY text of a DATE / TIMESTAMP select item (a leading space for AD years). */
const dateText = (i: number, withFraction: boolean): string => {
  const day = 1 + (i % 28);
  const month = 1 + (i % 12);
  const base = ` 20${pad(10 + (i % 15), 2)}-${pad(month, 2)}-${pad(day, 2)}T${pad(i % 24, 2)}:${pad(i % 60, 2)}:${pad((i * 7) % 60, 2)}`;
  return withFraction ? `${base}.${pad((i * 7919) % 1_000_000, 6)}000` : base;
};

function driverRow(i: number): unknown[] {
  const subtotal = 1000 + ((i * 7919) % 9_000_000);
  const tax = Math.round(subtotal * 0.21);
  return [
    String(100_000_000 + i), String(1 + (i % 250_000)), ['A01', 'B02', 'C03'][i % 3], `F-${pad(i, 10)}`,
    dateText(i, false), i % 10 === 0 ? null : dateText(i + 30, false), i % 20 === 0 ? 'USD' : 'EUR',
    amount(subtotal), amount(tax), amount(subtotal + tax), ['P', 'E', 'A'][i % 3],
    i % 4 === 0 ? `Entrega urgente, almacén ${i % 97} — revisar con el cliente` : null,
    dateText(i, true),
  ];
}

/** A store that only counts the bytes of each upload; the PartWriter uses nothing else. */
class CountingStore implements ObjectStore {
  bytes = 0;
  uri(key: string): string {
    return `counting://${key}`;
  }
  async upload(_key: string, body: Readable): Promise<void> {
    await pipeline(body, new Writable({ write: (chunk: Buffer, _encoding, done) => { this.bytes += chunk.length; done(); } }));
  }
  async delete(): Promise<void> {}
  async put(): Promise<void> {
    throw new Error('not a benchmark store operation');
  }
  async get(): Promise<null> {
    return null;
  }
  async openRead(): Promise<Readable> {
    throw new Error('not a benchmark store operation');
  }
  async list(): Promise<string[]> {
    return [];
  }
  async getVersioned(): Promise<null> {
    return null;
  }
  async putIfVersion(): Promise<void> {
    throw new Error('not a benchmark store operation');
  }
}

/**
 * Thin builds each string value flat: VARCHAR2 / CHAR by decoding its bytes (`buf.toString()`,
 * readStr in lib/impl/datahandlers/buffer.js), NUMBER text with `Array#join` (parseOracleNumber).
 * Template literals build rope strings instead, so each value is re-decoded from its UTF-8 bytes.
 */
const asDriverString = (value: unknown): unknown => (typeof value === 'string' ? Buffer.from(value).toString() : value);
const pool = Array.from({ length: POOL }, (_, i) => driverRow(i).map(asDriverString));
const convert = rowConverter(MODEL);
const schema = modelToAvsc(MODEL);
const type = avroTypeFor(schema);
let sourceChars = 0;
for (const row of pool) for (const value of row) if (typeof value === 'string') sourceChars += value.length;
const sourceBytesPerRow = sourceChars / POOL;

function* batches(): Generator<unknown[][]> {
  for (let done = 0; done < ROWS; done += BATCH) {
    const size = Math.min(BATCH, ROWS - done);
    const batch = new Array<unknown[]>(size);
    for (let i = 0; i < size; i++) batch[i] = pool[(done + i) % POOL]!;
    yield batch;
  }
}

function convertBatch(batch: unknown[][]): Row[] {
  const rows = new Array<Row>(batch.length);
  for (let i = 0; i < batch.length; i++) rows[i] = convert(batch[i]!);
  return rows;
}

/**
 * Wall time and the process's CPU time (user + system, every thread: zlib runs on the libuv pool).
 * CPU time per row is the cost per core, and stays meaningful on a machine shared with other work.
 */
async function measure(name: string, work: () => Promise<number>): Promise<{ phase: string; seconds: number; cpuSeconds: number; outputBytes: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const outputBytes = await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { phase: name, seconds, cpuSeconds: (used.user + used.system) / 1e6, outputBytes };
}

// Warm up the converters, the transcoder and avsc's generated writer before timing.
for (const row of convertBatch(pool.slice(0, 20_000))) type.toBuffer(row);
{
  const cutter = encodedBatchCutter({ model: MODEL, batchSize: BATCH });
  for (const values of pool.slice(0, 20_000)) if (cutter.add(values)) cutter.take();
}

/** The rows and bytes a PartWriter writes for `source` batches, with `codec`. */
async function writeAll(source: () => Iterable<Row[]>, codec: 'deflate' | 'null'): Promise<number> {
  const store = new CountingStore();
  const writer = new PartWriter({ store, schema, codec, deflateLevel: 1, partSizeBytes: 128 * 1024 * 1024, keyFor: (seq) => `part-${seq}.avro` });
  for (const batch of source()) await writer.write(batch);
  await writer.close();
  return store.bytes;
}

/** Already-converted batches (the pool converted once), cycled like batches(). */
function* convertedBatches(): Generator<Row[]> {
  const rows = convertBatch(pool);
  for (let done = 0; done < ROWS; done += BATCH) {
    const size = Math.min(BATCH, ROWS - done);
    const batch = new Array<Row>(size);
    for (let i = 0; i < size; i++) batch[i] = rows[(done + i) % POOL]!;
    yield batch;
  }
}

/** readEncoded's batches of the cycled driver rows, cut as the read cuts them (batchSize BATCH, 256 KiB). */
function* encodedBatches(): Generator<EncodedBatch> {
  const cutter = encodedBatchCutter({ model: MODEL, batchSize: BATCH });
  for (const batch of batches()) for (const values of batch) if (cutter.add(values)) yield cutter.take();
  if (cutter.size > 0) yield cutter.take();
}

/** The PartWriter's output bytes for encoded batches. */
async function writeEncodedAll(): Promise<number> {
  const store = new CountingStore();
  const writer = new PartWriter({ store, schema, codec: 'deflate', deflateLevel: 1, partSizeBytes: 128 * 1024 * 1024, keyFor: (seq) => `part-${seq}.avro` });
  for (const batch of encodedBatches()) await writer.writeEncoded(batch);
  await writer.close();
  return store.bytes;
}

const PHASES: Record<string, [string, () => Promise<number>]> = {
  convert: ['convert (driver row → AvroValue row)', async () => {
    for (const batch of batches()) convertBatch(batch);
    return 0;
  }],
  transcode: ['transcode (driver row → AVRO records, readEncoded)', async () => {
    let bytes = 0;
    for (const batch of encodedBatches()) bytes += batch.records.length;
    return bytes;
  }],
  encode: ['encode only (avsc toBuffer, converted rows)', async () => {
    let bytes = 0;
    for (const batch of convertedBatches()) for (const row of batch) bytes += type.toBuffer(row).length;
    return bytes;
  }],
  write: ['PartWriter only (converted rows, deflate 1)', () => writeAll(convertedBatches, 'deflate')],
  'write-null': ['PartWriter only (converted rows, codec null)', () => writeAll(convertedBatches, 'null')],
  full: ['full: transcode + PartWriter.writeEncoded (deflate 1)', writeEncodedAll],
  'full-rows': ['full-rows: convert + PartWriter.write (deflate 1)', () => writeAll(function* () {
    for (const batch of batches()) yield convertBatch(batch);
  }, 'deflate')],
};
const chosen = option('phase', 'all');
const names = chosen === 'all' ? Object.keys(PHASES) : chosen.split(',');
const results = [];
for (const name of names) {
  const phase = PHASES[name];
  if (!phase) throw new Error(`--phase ${name}: use all or a list of ${Object.keys(PHASES).join(', ')}`);
  results.push(await measure(phase[0], phase[1]));
}

const peakRssMb = Math.round((process.resourceUsage().maxRSS * 1024) / 1048576);
const table = results.map((r) => ({
  phase: r.phase,
  'rows/s (wall)': Math.round(ROWS / r.seconds),
  'rows per CPU-s': Math.round(ROWS / r.cpuSeconds),
  'CPU µs/row': +((r.cpuSeconds * 1e6) / ROWS).toFixed(2),
  'driver text MB per CPU-s': +((sourceBytesPerRow * ROWS) / r.cpuSeconds / 1048576).toFixed(1),
  'AVRO MB/s (wall)': +(r.outputBytes / r.seconds / 1048576).toFixed(1),
  'output MB': +(r.outputBytes / 1048576).toFixed(1),
}));
console.table(table);
console.log(`rows: ${ROWS}, columns: ${MODEL.columns.length}, driver text ≈ ${sourceBytesPerRow.toFixed(0)} B/row, peak RSS ${peakRssMb} MB, node ${process.version}`);
process.stdout.write(`${JSON.stringify({ rows: ROWS, peakRssMb, results: table })}\n`);
