/**
 * The whole row path for every Oracle type of docs/types.md: driver rows as node-oracledb Thin
 * delivers them (a FAKE of the connection boundary, fake-oracledb.ts) → OracleSource.read's
 * converters → the real PartWriter (deflate) → AVRO bytes → read back with shared/avro's part
 * reader → exact canonical values. The encoded path (OracleSource.readEncoded →
 * PartWriter.writeEncoded) must give the same records byte for byte, and the same values back.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { decimalBytesToText } from '../../../shared/avro/decimal.js';
import { avroTypeFor } from '../../../shared/avro/long-type.js';
import { PartWriter } from '../../../shared/avro/part-writer.js';
import { ContractError } from '../../../shared/errors.js';
import type { AvroValue, Row, TableModel } from '../../../shared/model/column.js';
import { microsToDatetimeText, microsToTimestampText } from '../../../shared/model/temporal.js';
import { MemoryStore } from '../../support/memory-store.js';
import { readAll } from '../avro/part-files.js';
import { FakeOracleDriver, type FakeColumn } from './fake-oracledb.js';
import { col, connectFake } from './oracle-fixtures.js';

const oracledb = createRequire(import.meta.url)('oracledb') as {
  IntervalYM: new (v: { years: number; months: number }) => object;
  IntervalDS: new (v: { days: number; hours: number; minutes: number; seconds: number; fseconds: number }) => object;
};

/** One column of the table: its committed model column, the driver's type name for its select item, and two wire values. */
interface Case {
  column: ReturnType<typeof col>;
  driverType: string;
  wire: [unknown, unknown];
  /** The value read back from AVRO, in canonical text where that is clearer than bytes or micros. */
  canonical: [unknown, unknown];
}

const LONG_CLOB = 'ñ'.repeat(70_000);
const PLUS_INFINITY = `1${'0'.repeat(126)}`;

const CASES: Case[] = [
  { column: col('ID', 'NUMBER(18)', { kind: 'int64' }, false), driverType: 'NUMBER', wire: ['1', '9007199254740993'], canonical: [1, 9007199254740993n] },
  { column: col('N_INT', 'NUMBER(9)', { kind: 'int64' }), driverType: 'NUMBER', wire: ['-42', '999999999'], canonical: [-42, 999999999] },
  { column: col('N_DEC', 'NUMBER(18,2)', { kind: 'decimal', precision: 18, scale: 2 }), driverType: 'NUMBER', wire: ['-.05', '9999999999999999.99'], canonical: ['-0.05', '9999999999999999.99'] },
  { column: col('N_PROF', 'NUMBER', { kind: 'decimal', precision: 38, scale: 10 }), driverType: 'NUMBER', wire: ['1234567890123456789012345678.1234567891', '-.0000000001'], canonical: ['1234567890123456789012345678.1234567891', '-0.0000000001'] },
  { column: col('N_TEXT', 'NUMBER', { kind: 'string' }), driverType: 'NUMBER', wire: ['.5', PLUS_INFINITY], canonical: ['0.5', 'Infinity'] },
  { column: col('N_NEG', 'NUMBER(5,-2)', { kind: 'int64' }), driverType: 'NUMBER', wire: ['9999900', '-100'], canonical: [9999900, -100] },
  { column: col('F', 'FLOAT(126)', { kind: 'float64' }), driverType: 'NUMBER', wire: ['.1', '-1e126'], canonical: [0.1, -Infinity] },
  { column: col('BF', 'BINARY_FLOAT', { kind: 'float32' }), driverType: 'BINARY_FLOAT', wire: [Math.fround(0.1), NaN], canonical: [Math.fround(0.1), NaN] },
  { column: col('BD', 'BINARY_DOUBLE', { kind: 'float64' }), driverType: 'BINARY_DOUBLE', wire: [Infinity, -1.7976931348623157e308], canonical: [Infinity, -1.7976931348623157e308] },
  { column: col('D', 'DATE', { kind: 'datetime' }), driverType: 'VARCHAR2', wire: [' 9999-12-31T23:59:59', ' 0001-01-01T00:00:00'], canonical: ['9999-12-31T23:59:59.000000', '0001-01-01T00:00:00.000000'] },
  { column: col('TS9', 'TIMESTAMP(9)', { kind: 'datetime' }), driverType: 'VARCHAR2', wire: [' 2024-01-31T10:11:12.123456789', ' 1969-12-31T23:59:59.999999999'], canonical: ['2024-01-31T10:11:12.123456', '1969-12-31T23:59:59.999999'] },
  { column: col('TS9_TEXT', 'TIMESTAMP(9)', { kind: 'string' }), driverType: 'VARCHAR2', wire: [' 2024-01-31T10:11:12.123456789', ' 0001-01-01T00:00:00.000000001'], canonical: ['2024-01-31T10:11:12.123456789', '0001-01-01T00:00:00.000000001'] },
  { column: col('TSTZ', 'TIMESTAMP(6) WITH TIME ZONE', { kind: 'timestamp' }), driverType: 'VARCHAR2', wire: [' 2024-01-31T08:11:12.500000000', ' 9999-12-31T23:59:59.999999000'], canonical: ['2024-01-31T08:11:12.500000Z', '9999-12-31T23:59:59.999999Z'] },
  { column: col('LTZ', 'TIMESTAMP(6) WITH LOCAL TIME ZONE', { kind: 'timestamp' }), driverType: 'VARCHAR2', wire: [' 1970-01-01T00:00:00.000001000', ' 1600-02-29T12:00:00.000000000'], canonical: ['1970-01-01T00:00:00.000001Z', '1600-02-29T12:00:00.000000Z'] },
  { column: col('IYM', 'INTERVAL YEAR(2) TO MONTH', { kind: 'interval' }), driverType: 'INTERVAL YEAR TO MONTH', wire: [new oracledb.IntervalYM({ years: 1, months: 2 }), new oracledb.IntervalYM({ years: -3, months: 0 })], canonical: ['P1Y2M', 'P-3Y'] },
  { column: col('IDS', 'INTERVAL DAY(2) TO SECOND(6)', { kind: 'interval' }), driverType: 'INTERVAL DAY TO SECOND', wire: [new oracledb.IntervalDS({ days: -1, hours: -2, minutes: 0, seconds: -3, fseconds: -500_000_000 }), new oracledb.IntervalDS({ days: 0, hours: 0, minutes: 0, seconds: 0, fseconds: 0 })], canonical: ['P-1DT-2H-3.5S', 'PT0S'] },
  { column: col('R', 'RAW(16)', { kind: 'bytes' }), driverType: 'RAW', wire: [Buffer.from('00ff10', 'hex'), Buffer.alloc(0)], canonical: [Buffer.from('00ff10', 'hex'), Buffer.alloc(0)] },
  { column: col('BL', 'BLOB', { kind: 'bytes' }), driverType: 'BLOB', wire: [Buffer.from('cafebabe', 'hex'), Buffer.alloc(100_000, 7)], canonical: [Buffer.from('cafebabe', 'hex'), Buffer.alloc(100_000, 7)] },
  { column: col('V', 'VARCHAR2(100 CHAR)', { kind: 'string' }), driverType: 'VARCHAR2', wire: ['ñandú ✓', ''], canonical: ['ñandú ✓', ''] },
  { column: col('NV', 'NVARCHAR2(50)', { kind: 'string' }), driverType: 'NVARCHAR2', wire: ['日本語', 'Ωmega'], canonical: ['日本語', 'Ωmega'] },
  { column: col('C', 'CHAR(3)', { kind: 'string' }), driverType: 'CHAR', wire: ['AB ', 'XYZ'], canonical: ['AB ', 'XYZ'] },
  { column: col('CL', 'CLOB', { kind: 'string' }), driverType: 'CLOB', wire: [LONG_CLOB, 'short'], canonical: [LONG_CLOB, 'short'] },
  { column: col('NCL', 'NCLOB', { kind: 'string' }), driverType: 'NCLOB', wire: ['𝄞 música', 'x'], canonical: ['𝄞 música', 'x'] },
  { column: col('L', 'LONG', { kind: 'string' }), driverType: 'LONG', wire: ['texto largo', 'otro'], canonical: ['texto largo', 'otro'] },
  { column: col('RID', 'ROWID', { kind: 'string' }), driverType: 'ROWID', wire: ['AAAR1AAAEAAAACXAAA', 'AAAR1AAAEAAAACXAAB'], canonical: ['AAAR1AAAEAAAACXAAA', 'AAAR1AAAEAAAACXAAB'] },
  { column: col('URID', 'UROWID', { kind: 'string' }), driverType: 'UROWID', wire: ['*BAMAAJMCwQL+', '*BAMAAJMCwQP+'], canonical: ['*BAMAAJMCwQL+', '*BAMAAJMCwQP+'] },
  // JSON_SERIALIZE(… RETURNING CLOB) in the SELECT: the database's own text, numbers as stored.
  { column: col('J', 'JSON', { kind: 'json' }), driverType: 'CLOB', wire: ['{"a":1.10,"b":[true,null]}', '[]'], canonical: ['{"a":1.10,"b":[true,null]}', '[]'] },
  { column: col('X', 'XMLTYPE', { kind: 'string' }), driverType: 'XMLTYPE', wire: ['<a n="1">ü</a>', '<b/>'], canonical: ['<a n="1">ü</a>', '<b/>'] },
  { column: col('B', 'BOOLEAN', { kind: 'boolean' }), driverType: 'BOOLEAN', wire: [true, false], canonical: [true, false] },
];

const MODEL: TableModel = {
  sourceSchema: 'APP', sourceName: 'TIPOS', name: 'tipos', primaryKeys: ['id'], columns: CASES.map((c) => c.column),
};
const COLUMNS: FakeColumn[] = CASES.map((c) => ({ name: c.column.sourceName, dbTypeName: c.driverType }));
const NULLS = CASES.map((c, i) => (i === 0 ? '3' : null));

/** An AVRO value in the canonical form the cases state. */
function canonical(kind: string, value: AvroValue, scale: number): unknown {
  if (value === null) return null;
  if (kind === 'decimal') return decimalBytesToText(value as Buffer, scale);
  if (kind === 'datetime') return microsToDatetimeText(value as number | bigint);
  if (kind === 'timestamp') return microsToTimestampText(value as number | bigint);
  return value;
}

/** The rows through the source and the PartWriter: read() and write(), or readEncoded() and writeEncoded(). */
async function roundTrip(rows: unknown[][], path: 'rows' | 'encoded' = 'rows'): Promise<Row[]> {
  const driver = new FakeOracleDriver().on('SELECT t."ID"', { columns: COLUMNS, rows });
  const source = await connectFake(driver, { schema: 'APP' });
  const store = new MemoryStore();
  const writer = new PartWriter({ store, schema: modelToAvsc(MODEL), codec: 'deflate', deflateLevel: 1, partSizeBytes: 1 << 20, keyFor: (seq) => `tipos/part-${seq}.avro` });
  try {
    if (path === 'rows') for await (const batch of source.read({ model: MODEL, batchSize: 2 })) await writer.write(batch);
    else for await (const batch of source.readEncoded({ model: MODEL, batchSize: 2 })) await writer.writeEncoded(batch);
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return readAll(store, await writer.close());
}

/** readEncoded's records, and avsc's encoding of read()'s rows, each concatenated. */
async function bothEncodings(rows: unknown[][]): Promise<{ encoded: Buffer; avsc: Buffer }> {
  const driver = new FakeOracleDriver().on('SELECT t."ID"', { columns: COLUMNS, rows });
  const source = await connectFake(driver, { schema: 'APP' });
  const type = avroTypeFor(modelToAvsc(MODEL));
  const encoded: Buffer[] = [];
  for await (const batch of source.readEncoded({ model: MODEL, batchSize: 2 })) encoded.push(batch.records);
  const viaRows: Buffer[] = [];
  for await (const batch of source.read({ model: MODEL, batchSize: 2 })) for (const row of batch) viaRows.push(type.toBuffer(row));
  return { encoded: Buffer.concat(encoded), avsc: Buffer.concat(viaRows) };
}

describe('every Oracle type: fake driver rows → converters → PartWriter → AVRO → read back', () => {
  it.each(['rows', 'encoded'] as const)('reads back exactly the canonical value of each column, and NULL in every nullable one (%s path)', async (path) => {
    const rows = await roundTrip([CASES.map((c) => c.wire[0]), CASES.map((c) => c.wire[1]), NULLS], path);
    expect(rows).toHaveLength(3);
    for (const [r, expectedOf] of [[0, (c: Case) => c.canonical[0]], [1, (c: Case) => c.canonical[1]], [2, (c: Case) => (c.column.nullable ? null : 3)]] as const) {
      for (const c of CASES) {
        const type = c.column.type;
        const actual = canonical(type.kind, rows[r]![c.column.name]!, type.kind === 'decimal' ? type.scale : 0);
        expect(actual, `row ${r} ${c.column.sourceName}`).toEqual(expectedOf(c));
      }
    }
  });

  it('reads LONG RAW (a table holds one LONG or LONG RAW, so it gets its own) as bytes', async () => {
    const model: TableModel = { sourceSchema: 'APP', sourceName: 'LEGADO', name: 'legado', primaryKeys: ['id'], columns: [col('ID', 'NUMBER(9)', { kind: 'int64' }, false), col('LR', 'LONG RAW', { kind: 'bytes' })] };
    const driver = new FakeOracleDriver().on('SELECT t."ID"', { columns: [{ name: 'ID', dbTypeName: 'NUMBER' }, { name: 'LR', dbTypeName: 'LONG RAW' }], rows: [['1', Buffer.from('0001ff', 'hex')], ['2', null]] });
    const source = await connectFake(driver, { schema: 'APP' });
    const store = new MemoryStore();
    const writer = new PartWriter({ store, schema: modelToAvsc(model), codec: 'deflate', partSizeBytes: 1 << 20, keyFor: (seq) => `legado/part-${seq}.avro` });
    for await (const batch of source.read({ model, batchSize: 10 })) await writer.write(batch);
    expect(await readAll(store, await writer.close())).toEqual([{ id: 1, lr: Buffer.from('0001ff', 'hex') }, { id: 2, lr: null }]);
  });

  it('transcodes every type to the bytes avsc writes for read()\'s rows', async () => {
    const { encoded, avsc } = await bothEncodings([CASES.map((c) => c.wire[0]), CASES.map((c) => c.wire[1]), NULLS]);
    expect(encoded.length).toBeGreaterThan(100_000);
    expect(encoded.equals(avsc)).toBe(true);
  });

  it.each(['rows', 'encoded'] as const)('fails an infinity in a decimal column, naming the row, instead of writing 10^126 (%s path)', async (path) => {
    const wire = CASES.map((c) => c.wire[0]);
    wire[CASES.findIndex((c) => c.column.sourceName === 'N_PROF')] = PLUS_INFINITY;
    const error = await roundTrip([wire], path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as Error).message).toBe("TIPOS.N_PROF: 1e126 is Oracle's positive infinity, which no number type holds (primary key ID=1) — widen the column type in config (columns.N_PROF.type: a wider decimal, or string) and regenerate the schema");
  });
});
