/**
 * OracleSource.read against a FAKE of the node-oracledb connection boundary (fake-oracledb.ts):
 * the SELECT, binds and fetch options sent, getRows round-trip sizes, batches cut by rows and bytes,
 * the ResultSet closed on every exit, value errors as ContractError lines, and which failures are
 * retried.
 */
import { describe, expect, it } from 'vitest';
import { modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { decimalTextToBytes } from '../../../shared/avro/decimal.js';
import { avroTypeFor } from '../../../shared/avro/long-type.js';
import { ContractError, TerminalError, TransientError } from '../../../shared/errors.js';
import type { Row } from '../../../shared/model/column.js';
import { DEFAULT_ROW_BATCH_BYTES, LARGE_VALUE_FETCH_ROWS, rowBytes } from '../../../shared/sources/oracle/oracle-read.js';
import type { OracleSource } from '../../../shared/sources/oracle/oracle-source.js';
import type { EncodedBatch, ReadPlan } from '../../../shared/sources/source.js';
import { driverError, FakeOracleDriver, type FakeResponse } from './fake-oracledb.js';
import { capturingLogger, col, CONFIG, connectFake, MODEL, MODEL_COLUMNS, MODEL_SELECT } from './oracle-fixtures.js';

/** Five rows as the wire carries them: NUMBER as text (no leading zero), DATE as SYYYY text. */
const WIRE: unknown[][] = [
  ['1', ' 2024-01-31T10:11:12', 'Ana', '10.5'],
  ['2', ' 9999-12-31T23:59:59', 'Bea', '-.05'],
  ['9007199254740993', null, null, null],
  ['4', ' 0001-01-01T00:00:00', 'ñandú ✓', '0'],
  ['5', ' 2024-02-29T00:00:00', 'Eva', '9999999999.99'],
];

function driverWith(response: Partial<FakeResponse> = {}): FakeOracleDriver {
  return new FakeOracleDriver().on('SELECT t."ID_VENTA"', { columns: MODEL_COLUMNS, rows: WIRE, ...response });
}

async function collect(source: OracleSource, plan: ReadPlan): Promise<Row[][]> {
  const batches: Row[][] = [];
  for await (const batch of source.read(plan)) batches.push(batch);
  return batches;
}

const plan = (batchSize: number): ReadPlan => ({ model: MODEL, batchSize });

describe('read (fake node-oracledb boundary)', () => {
  it('executes the SELECT into a ResultSet with the configured fetch options, fetches fetch_array_size rows a round trip and cuts batches of batchSize', async () => {
    const driver = driverWith();
    const source = await connectFake(driver);
    const batches = await collect(source, plan(2));
    const select = driver.calls.at(-1)!;
    expect(select.sql).toBe(MODEL_SELECT);
    expect(select.binds).toEqual({});
    expect(select.options).toEqual({
      resultSet: true, outFormat: driver.OUT_FORMAT_ARRAY, fetchArraySize: 1000, prefetchRows: 500, fetchTypeHandler: expect.any(Function),
    });
    // getRows(n) is one round trip of n rows in Thin: it asks for fetch_array_size, never batch_rows.
    expect(driver.resultSets[0]!.requested).toEqual([1000, 1000]);
    expect(driver.resultSets[0]!.closed).toBe(true);
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
    expect(batches.flat()).toEqual([
      { id_venta: 1, fecha_venta: 1706695872000000, cliente: 'Ana', monto: decimalTextToBytes('10.5', 12, 2) },
      { id_venta: 2, fecha_venta: 253402300799000000n, cliente: 'Bea', monto: decimalTextToBytes('-0.05', 12, 2) },
      { id_venta: 9007199254740993n, fecha_venta: null, cliente: null, monto: null },
      { id_venta: 4, fecha_venta: -62135596800000000n, cliente: 'ñandú ✓', monto: decimalTextToBytes('0', 12, 2) },
      { id_venta: 5, fecha_venta: 1709164800000000, cliente: 'Eva', monto: decimalTextToBytes('9999999999.99', 12, 2) },
    ]);
  });

  it('binds the window and leaves prefetchRows to the driver when it is not configured', async () => {
    const driver = driverWith();
    const { prefetch_rows: _unused, ...config } = CONFIG;
    const source = await connectFake(driver, { config });
    const window = { column: 'fecha_venta', low: '2024-01-01T00:00:00', high: '2024-01-31T10:11:12.999999', includeNulls: false };
    await collect(source, { model: MODEL, batchSize: 10, window });
    const select = driver.calls.at(-1)!;
    expect(select.sql).toBe(`${MODEL_SELECT} WHERE t."FECHA_VENTA" >= TO_DATE(:low, 'YYYY-MM-DD"T"HH24:MI:SS') AND t."FECHA_VENTA" <= TO_DATE(:high, 'YYYY-MM-DD"T"HH24:MI:SS')`);
    expect(select.binds).toEqual({ low: '2024-01-01T00:00:00', high: '2024-01-31T10:11:12' });
    expect(select.options.prefetchRows).toBeUndefined();
    expect('prefetchRows' in select.options).toBe(false);
  });

  it('closes the ResultSet when the consumer stops early', async () => {
    const driver = driverWith();
    const source = await connectFake(driver);
    for await (const batch of source.read(plan(2))) {
      expect(batch).toHaveLength(2);
      break;
    }
    expect(driver.resultSets[0]!.requested).toEqual([1000]);
    expect(driver.resultSets[0]!.closed).toBe(true);
  });

  it('fails a value that does not fit with a ContractError naming table, column, primary key and fix, and closes the ResultSet', async () => {
    const driver = driverWith({ rows: [['41', null, null, '1.5'], ['42', null, null, '12345678901.5']] });
    const source = await connectFake(driver);
    const error = await collect(source, plan(10)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as ContractError).exitCode).toBe(3);
    expect((error as Error).message).toBe('VENTAS_CABECERA.MONTO: 12345678901.5 does not fit decimal(12,2): 11 integer digits, at most 10 (primary key ID_VENTA=42) — widen the column type in config (columns.MONTO.type: a wider decimal, or string) and regenerate the schema');
    expect(driver.resultSets[0]!.closed).toBe(true);
  });

  it('refuses a BC date rather than reading it as AD', async () => {
    const driver = driverWith({ rows: [['7', '-0044-03-15T12:00:00', null, null]] });
    const error = await collect(await connectFake(driver), plan(10)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as Error).message).toBe('VENTAS_CABECERA.FECHA_VENTA: -0044-03-15T12:00:00 is a BC date, before 0001-01-01, which no target holds (primary key ID_VENTA=7) — fix the value in the source (the targets hold years 0001 to 9999)');
  });

  it('retries on a new connection, with the same SQL and binds, when the connection is lost before the first batch', async () => {
    const driver = driverWith().once('SELECT t."ID_VENTA"', { error: driverError('NJS-500', 'connection to Oracle Database was closed or broken') });
    const { log, records } = capturingLogger();
    const source = await connectFake(driver, { log });
    const batches = await collect(source, plan(10));
    expect(batches.flat()).toHaveLength(5);
    const selects = driver.calls.filter((c) => c.sql === MODEL_SELECT);
    expect(selects.map((c) => [c.connection, c.binds])).toEqual([[0, {}], [1, {}]]);
    expect(driver.connections[0]!.closed).toBe(true);
    expect(records.find((r) => r.level === 40)?.msg).toBe('Oracle at db.example:1521/ERP_PROD: reading VENTAS.VENTAS_CABECERA (no row handed over yet) failed (lost or could not open the connection to Oracle at db.example:1521/ERP_PROD: NJS-500: connection to Oracle Database was closed or broken (retrying may help)); retrying in 0 ms');

    const firstFetch = driverWith().once('SELECT t."ID_VENTA"', { columns: MODEL_COLUMNS, rows: WIRE, failGetRowsAt: 0 });
    const again = await collect(await connectFake(firstFetch), plan(10));
    expect(again.flat()).toHaveLength(5);
    expect(firstFetch.resultSets.map((r) => r.closed)).toEqual([true, true]);
  });

  it('does not retry once rows were handed over: a TransientError (exit 1), the ResultSet closed', async () => {
    const driver = driverWith({ failGetRowsAt: 1 });
    const source = await connectFake(driver, { config: { ...CONFIG, fetch_array_size: 2 } });
    const seen: Row[][] = [];
    const error = await (async () => {
      for await (const batch of source.read(plan(2))) seen.push(batch);
    })().catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(driver.resultSets[0]!.requested).toEqual([2, 2]);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).exitCode).toBe(1);
    expect(driver.calls.filter((c) => c.sql === MODEL_SELECT)).toHaveLength(1);
    expect(driver.resultSets[0]!.closed).toBe(true);
  });

  it('gives up after the retries with a TransientError, and fails ORA-01555 at once as terminal', async () => {
    const lost = driverWith({ error: driverError('ORA-03113', 'end-of-file on communication channel') });
    const error = await collect(await connectFake(lost), plan(10)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    // DATABASE_RETRY: four tries in all.
    expect(lost.calls.filter((c) => c.sql === MODEL_SELECT)).toHaveLength(4);

    const old = driverWith({ failGetRowsAt: 0, getRowsError: driverError('ORA-01555', 'snapshot too old: rollback segment number 9 with name "_SYSSMU9$" too small') });
    const snapshot = await collect(await connectFake(old), plan(10)).catch((e: unknown) => e);
    expect(snapshot).toBeInstanceOf(TerminalError);
    expect((snapshot as Error).message).toBe('Oracle at db.example:1521/ERP_PROD: the snapshot of VENTAS.VENTAS_CABECERA is too old (ORA-01555, undo overwritten during the read) — retrying at the same SCN cannot help; ask the DBA to raise undo_retention (and the undo tablespace) above the extraction time, or read in more chunks, then start a new run (a new --run-id)');
    expect(old.resultSets).toHaveLength(1);
    expect(old.resultSets[0]!.closed).toBe(true);
  });

  it('fails the query, not a value, when a date column would reach the driver as a DATE', async () => {
    const driver = driverWith({ columns: [MODEL_COLUMNS[0]!, { name: 'FECHA_VENTA', dbTypeName: 'DATE' }, MODEL_COLUMNS[2]!, MODEL_COLUMNS[3]!] });
    const error = await collect(await connectFake(driver), plan(10)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as Error).message).toMatch(/^column FECHA_VENTA would be fetched as a DATE/);
    expect(driver.resultSets).toHaveLength(0);
  });

  it('ends a batch at batchSize rows or once its strings and Buffers reach batchBytes, a round trip at a time', async () => {
    // Bytes per row: 1+20+3+4 = 28, 1+20+3+4 = 28, 16+8+8+8 = 40 (8 per NULL), 1+20+7+1 = 29, 1+20+3+13 = 37:
    // 28+28+40 reaches 60 on the third row, 29+37 on the fifth, across round trips of 3.
    const driver = driverWith();
    const source = await connectFake(driver, { config: { ...CONFIG, fetch_array_size: 3 } });
    const batches = await collect(source, { model: MODEL, batchSize: 100, batchBytes: 60 });
    expect(batches.map((b) => b.map((r) => r.id_venta))).toEqual([[1, 2, 9007199254740993n], [4, 5]]);
    expect(driver.resultSets[0]!.requested).toEqual([3, 3, 3]);
    const rowsFirst = await collect(await connectFake(driverWith(), { config: { ...CONFIG, fetch_array_size: 3 } }), { model: MODEL, batchSize: 2, batchBytes: 1000 });
    expect(rowsFirst.map((b) => b.length)).toEqual([2, 2, 1]);
  });

  it('caps a round trip at 100 rows when a column is read inline as a LOB, and cuts 16 MiB batches by default', async () => {
    const model = { ...MODEL, columns: [...MODEL.columns, col('NOTAS', 'CLOB', { kind: 'string' })] };
    const columns = [...MODEL_COLUMNS, { name: 'NOTAS', dbTypeName: 'CLOB' }];
    const clob = 'x'.repeat(6 * 1024 * 1024);
    const rows = [1, 2, 3, 4, 5].map((id) => [String(id), null, null, null, clob]);
    const driver = new FakeOracleDriver().on('SELECT t."ID_VENTA"', { columns, rows });
    const batches = await collect(await connectFake(driver), { model, batchSize: 10_000 });
    const select = driver.calls.at(-1)!;
    expect(select.options.fetchArraySize).toBe(LARGE_VALUE_FETCH_ROWS);
    expect(select.options.prefetchRows).toBe(LARGE_VALUE_FETCH_ROWS);
    expect(driver.resultSets[0]!.requested).toEqual([100, 100]);
    // 6 MiB a row: the third row reaches DEFAULT_ROW_BATCH_BYTES (16 MiB).
    expect(DEFAULT_ROW_BATCH_BYTES).toBe(16 * 1024 * 1024);
    expect(batches.map((b) => b.length)).toEqual([3, 2]);
    expect(batches[0]![0]!.notas).toBe(clob);

    // A smaller fetch_array_size is kept; a table without LOBs keeps 1000.
    const small = new FakeOracleDriver().on('SELECT t."ID_VENTA"', { columns, rows: [] });
    await collect(await connectFake(small, { config: { ...CONFIG, fetch_array_size: 20, prefetch_rows: 10 } }), { model, batchSize: 10 });
    expect([small.calls.at(-1)!.options.fetchArraySize, small.calls.at(-1)!.options.prefetchRows]).toEqual([20, 10]);
  });

  it('counts strings by length, Buffers by size and anything else as 8 bytes', () => {
    expect(rowBytes(['abc', Buffer.alloc(5), null, 42, true])).toBe(3 + 5 + 8 + 8 + 8);
  });

  it('refuses a batch size that is not a whole number of rows', async () => {
    const source = await connectFake(driverWith());
    await expect(collect(source, plan(0))).rejects.toThrow(new TerminalError('batch size 0 must be a whole number of rows, at least 1'));
  });
});

describe('readEncoded (fake node-oracledb boundary)', () => {
  const type = avroTypeFor(modelToAvsc(MODEL));

  async function collectEncoded(source: OracleSource, readPlan: ReadPlan): Promise<EncodedBatch[]> {
    const batches: EncodedBatch[] = [];
    for await (const batch of source.readEncoded(readPlan)) batches.push(batch);
    return batches;
  }

  it('runs the same SELECT and round trips as read(), and yields read()\'s rows as AVRO records in batches of batchSize', async () => {
    const driver = driverWith();
    const batches = await collectEncoded(await connectFake(driver), plan(2));
    const rows = await collect(await connectFake(driverWith()), plan(2));
    expect(driver.calls.at(-1)!.sql).toBe(MODEL_SELECT);
    expect(driver.resultSets[0]!.requested).toEqual([1000, 1000]);
    expect(driver.resultSets[0]!.closed).toBe(true);
    expect(batches.map((b) => b.rows)).toEqual([2, 2, 1]);
    expect(batches.map((b) => b.maxWatermark)).toEqual([null, null, null]);
    expect(Buffer.concat(batches.map((b) => b.records)).equals(Buffer.concat(rows.flat().map((row) => type.toBuffer(row))))).toBe(true);
  });

  it('carries each batch\'s largest watermark, as the extractor takes it from read()\'s rows', async () => {
    const window = { column: 'fecha_venta', low: null, high: null, includeNulls: true };
    const batches = await collectEncoded(await connectFake(driverWith()), { model: MODEL, batchSize: 2, window });
    expect(batches.map((b) => b.maxWatermark)).toEqual([253402300799000000n, -62135596800000000n, 1709164800000000]);
  });

  it('fails a value that does not fit with read()\'s ContractError, and closes the ResultSet', async () => {
    const driver = driverWith({ rows: [['41', null, null, '1.5'], ['42', null, null, '12345678901.5']] });
    const error = await collectEncoded(await connectFake(driver), plan(10)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as Error).message).toBe('VENTAS_CABECERA.MONTO: 12345678901.5 does not fit decimal(12,2): 11 integer digits, at most 10 (primary key ID_VENTA=42) — widen the column type in config (columns.MONTO.type: a wider decimal, or string) and regenerate the schema');
    expect(driver.resultSets[0]!.closed).toBe(true);
  });

  it('retries before the first batch and not after, as read() does', async () => {
    const lost = driverWith().once('SELECT t."ID_VENTA"', { error: driverError('NJS-500', 'connection to Oracle Database was closed or broken') });
    const batches = await collectEncoded(await connectFake(lost), plan(10));
    expect(batches.map((b) => b.rows)).toEqual([5]);
    expect(lost.calls.filter((c) => c.sql === MODEL_SELECT)).toHaveLength(2);

    const late = driverWith({ failGetRowsAt: 1 });
    const source = await connectFake(late, { config: { ...CONFIG, fetch_array_size: 2 } });
    const seen: EncodedBatch[] = [];
    const error = await (async () => {
      for await (const batch of source.readEncoded(plan(2))) seen.push(batch);
    })().catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(TransientError);
    expect(late.resultSets[0]!.closed).toBe(true);
  });

  it('ends a batch once its records reach batchBytes, and refuses a batch size or byte target that is not a whole number', async () => {
    // The first two rows encode to 19 bytes each, so a 20-byte target closes a batch at its second row.
    const batches = await collectEncoded(await connectFake(driverWith()), { model: MODEL, batchSize: 100, batchBytes: 20 });
    expect(batches.map((b) => b.rows)).toEqual([2, 2, 1]);
    expect(batches[0]!.records.length).toBe(38);
    expect(batches.slice(0, -1).every((b) => b.records.length >= 20)).toBe(true);
    const single = await collectEncoded(await connectFake(driverWith()), { model: MODEL, batchSize: 100, batchBytes: 1 });
    expect(single.map((b) => b.rows)).toEqual([1, 1, 1, 1, 1]);
    await expect(collectEncoded(await connectFake(driverWith()), plan(0))).rejects.toThrow(TerminalError);
    await expect(collectEncoded(await connectFake(driverWith()), { model: MODEL, batchSize: 10, batchBytes: 1.5 })).rejects.toThrow(TerminalError);
  });
});
