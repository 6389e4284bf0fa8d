/**
 * The encoded path's row transcoder (oracle-avro-rows.ts) against the row path it replaces: for
 * edge values of every kind it transcodes directly — NUMBER text to int64 and decimal, SYYYY text
 * to datetime and timestamp micros, strings ASCII, not, short and long — the record must be the
 * bytes avsc writes for the row converter's row, and a value that does not fit must fail with the
 * row path's own error. Also the batches readEncoded cuts and their watermarks.
 */
import { describe, expect, it } from 'vitest';
import { modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { avroTypeFor } from '../../../shared/avro/long-type.js';
import { PartWriter } from '../../../shared/avro/part-writer.js';
import { ContractError } from '../../../shared/errors.js';
import type { Row, TableModel } from '../../../shared/model/column.js';
import { datetimeTextToMicros } from '../../../shared/model/temporal.js';
import { rowTranscoder } from '../../../shared/sources/oracle/oracle-avro-rows.js';
import { encodedBatchCutter } from '../../../shared/sources/oracle/oracle-read.js';
import { rowConverter } from '../../../shared/sources/oracle/oracle-rows.js';
import { AvroRecordBuffer } from '../../../shared/sources/postgres/postgres-avro-buffer.js';
import { MemoryStore } from '../../support/memory-store.js';
import { col } from './oracle-fixtures.js';

const MODEL: TableModel = {
  sourceSchema: 'APP', sourceName: 'BORDES', name: 'bordes', primaryKeys: ['id'],
  columns: [
    col('ID', 'NUMBER(19)', { kind: 'int64' }, false),
    col('N', 'NUMBER(12)', { kind: 'int64' }),
    col('D2', 'NUMBER(18,2)', { kind: 'decimal', precision: 18, scale: 2 }),
    col('D38', 'NUMBER(38,10)', { kind: 'decimal', precision: 38, scale: 10 }),
    col('D0', 'NUMBER(15)', { kind: 'decimal', precision: 15, scale: 0 }),
    col('F', 'DATE', { kind: 'datetime' }),
    col('TS', 'TIMESTAMP(9)', { kind: 'datetime' }),
    col('TZ', 'TIMESTAMP(6) WITH TIME ZONE', { kind: 'timestamp' }),
    col('V', 'VARCHAR2(4000 CHAR)', { kind: 'string' }),
    col('C', 'CHAR(3)', { kind: 'string' }, false),
  ],
};
const SCHEMA = modelToAvsc(MODEL);
const TYPE = avroTypeFor(SCHEMA);
const convert = rowConverter(MODEL);
const transcode = rowTranscoder(MODEL);

/** A driver row with `values` over a plain one (by source column name). */
function row(values: Record<string, unknown> = {}): unknown[] {
  const base: Record<string, unknown> = {
    ID: '1', N: '2', D2: '3.5', D38: '4', D0: '5', F: ' 2024-01-31T10:11:12', TS: ' 2024-01-31T10:11:12.123456789',
    TZ: ' 2024-01-31T08:11:12.500000000', V: 'texto', C: 'ABC',
  };
  return MODEL.columns.map((c) => (c.sourceName in values ? values[c.sourceName] : base[c.sourceName]));
}

function transcoded(values: unknown[]): Buffer {
  const out = new AvroRecordBuffer(16, 1024);
  transcode(values, out);
  return out.take();
}

/** The bytes the row path writes: the converted row, encoded by avsc as the PartWriter does. */
function viaRows(values: unknown[]): Buffer {
  return TYPE.toBuffer(convert(values));
}

/** The bytes, or the error's message (the random rows include some that do not fit). */
function errorOrBytes(work: () => Buffer): string {
  try {
    return work().toString('hex');
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

function errorOf(work: () => unknown): Error {
  try {
    work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

const EDGES: [string, Record<string, unknown>][] = [
  ['int64 zero, negative, ±2^53 + 1, int64 limits', { ID: '9223372036854775807', N: '-999999999999' }],
  ['int64 minimum', { ID: '-9223372036854775808', N: '0' }],
  ['int64 just past a safe integer', { ID: '9007199254740993', N: '-9007199254740993' }],
  ['decimals without a leading zero, negative', { D2: '-.05', D38: '.0000000001', D0: '-1' }],
  ['decimal zero and negative zero', { D2: '0', D38: '-0', D0: '0' }],
  ['decimal(18,2) at 15 and 16 significant digits', { D2: '9999999999999.99', D38: '-99999.9999999999' }],
  ['decimal(18,2) at full precision, both signs', { D2: '9999999999999999.99', D38: '-9999999999999999.99' }],
  ['decimal(38,10) at full precision, both signs', { D38: '9999999999999999999999999999.9999999999', D2: '-9999999999999999.99' }],
  ['decimal(38,10) negative at full precision', { D38: '-9999999999999999999999999999.9999999999' }],
  ['decimal powers of two around the byte widths', { D0: '140737488355328', D2: '-1407374883553.28', D38: '36028797018963968' }],
  ['decimal byte-width edges', { D0: '127', D2: '-1.28', D38: '.0000032767' }],
  ['decimal(15,0) at 15 digits', { D0: '-999999999999999' }],
  ['datetimes at 0001-01-01 and 9999-12-31, nine fraction digits', { F: ' 0001-01-01T00:00:00', TS: ' 9999-12-31T23:59:59.999999999', TZ: ' 0001-01-01T00:00:00.000000001' }],
  ['years before 1000 and before the Gregorian reform', { F: ' 0999-12-31T23:59:59', TS: ' 1582-10-04T12:00:00.000000500', TZ: ' 0100-02-28T00:00:00.000000000' }],
  ['just before the epoch and leap days', { F: ' 2000-02-29T00:00:00', TS: ' 1969-12-31T23:59:59.999999999', TZ: ' 1600-02-29T12:00:00.000001000' }],
  ['micros beyond ±2^53 (before 1685, after 2255)', { F: ' 1684-01-01T00:00:00', TS: ' 2256-01-01T00:00:00.000000000', TZ: ' 9999-12-31T23:59:59.999999000' }],
  ['a `+` sign and no sign on the year', { F: '+2024-01-31T10:11:12', TS: '2024-01-31T10:11:12.1' }],
  ['NULLs in every nullable column', { N: null, D2: null, D38: null, D0: null, F: null, TS: null, TZ: null, V: null }],
  ['empty, 64- and 65-character ASCII strings', { V: '', C: 'x'.repeat(64) }],
  ['a 65-character ASCII string', { V: 'y'.repeat(65) }],
  ['short and long non-ASCII text', { V: 'ñandú ✓ — 日本語', C: 'Ω'.repeat(40) }],
  ['non-ASCII text of 63 and 64 UTF-8 bytes (one- and two-byte lengths)', { V: `${'ñ'.repeat(31)}a`, C: 'ñ'.repeat(32) }],
  ['63 three-byte characters (189 bytes)', { V: '✓'.repeat(63), C: 'A' }],
  ['a surrogate pair and a 4000-character value', { V: '𝄞 música', C: 'é'.repeat(4000) }],
  ['a lone surrogate in a short and in a long string (as avsc writes them)', { V: 'a\uD800b', C: `${'z'.repeat(70)}\uDC00` }],
  ['a CHAR padded with blanks', { C: 'A  ' }],
];

describe('rowTranscoder: the bytes avsc writes for the row converter\'s row', () => {
  it.each(EDGES)('%s', (_name, values) => {
    const driverRow = row(values);
    expect(transcoded(driverRow).equals(viaRows(driverRow))).toBe(true);
  });

  it('matches on 5,000 random rows (seeded): digits of every length, every day of 0001..9999, every string length', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const digits = (count: number) => Array.from({ length: count }, () => String(random(10))).join('').replace(/^0+(?=\d)/, '');
    const sign = () => (random(2) === 0 ? '-' : '');
    const fraction = (max: number) => {
      const text = digits(1 + random(max)).replace(/0+$/, '');
      return text === '' ? '' : `.${text}`;
    };
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    const day = () => `${pad(1 + random(9999), 4)}-${pad(1 + random(12), 2)}-${pad(1 + random(28), 2)}T${pad(random(24), 2)}:${pad(random(60), 2)}:${pad(random(60), 2)}`;
    const alphabet = 'abcXYZ 09-_.ñé✓日𝄞';
    const text = (max: number) => Array.from({ length: random(max) }, () => {
      const chars = [...alphabet];
      return chars[random(chars.length)];
    }).join('');
    let encoded = 0;
    for (let i = 0; i < 5000; i++) {
      const driverRow = row({
        ID: `${sign()}${digits(1 + random(19))}`.replace(/^-?9{19}$/, '1'),
        N: random(5) === 0 ? null : `${sign()}${digits(1 + random(12))}`,
        D2: `${sign()}${random(3) === 0 ? '' : digits(1 + random(16))}${fraction(2)}`.replace(/^-?$/, '0'),
        D38: `${sign()}${random(3) === 0 ? '' : digits(1 + random(28))}${fraction(10)}`.replace(/^-?$/, '0'),
        D0: `${sign()}${digits(1 + random(15))}`,
        F: ` ${day()}`,
        TS: ` ${day()}.${digits(9).padStart(9, '0')}`,
        TZ: random(4) === 0 ? null : ` ${day()}.${pad(random(1_000_000), 6)}000`,
        V: random(6) === 0 ? null : text(random(2) === 0 ? 80 : 20),
        C: text(4),
      });
      const expected = errorOrBytes(() => viaRows(driverRow));
      const actual = errorOrBytes(() => transcoded(driverRow));
      expect(actual, JSON.stringify(driverRow)).toEqual(expected);
      if (!expected.startsWith('error')) encoded++;
    }
    expect(encoded).toBeGreaterThan(4000);
  });

  it('reads the datetimes as the converter does, to the microsecond', () => {
    const driverRow = row({ TS: ' 0999-12-31T23:59:59.999999999', F: ' 1969-12-31T23:59:59' });
    const converted = convert(driverRow);
    expect(converted.ts).toBe(datetimeTextToMicros('0999-12-31T23:59:59.999999'));
    expect(converted.f).toBe(-1_000_000);
    expect(TYPE.fromBuffer(transcoded(driverRow))).toEqual(converted);
  });

  it.each([
    ['a decimal with too many integer digits', { D2: '12345678901234567' }],
    ['a decimal with fraction digits beyond its scale', { D2: '1.005' }],
    ['a decimal(38,10) beyond its precision', { D38: '99999999999999999999999999999' }],
    ["Oracle's positive infinity", { D38: `1${'0'.repeat(126)}` }],
    ["Oracle's negative infinity", { D2: '-1e126' }],
    ['an int64 with a fraction', { N: '1.5' }],
    ['an int64 beyond 64 bits', { ID: '9223372036854775808' }],
    ['a BC date', { F: '-0044-03-15T00:00:00' }],
    ['year 0000', { TS: ' 0000-01-01T00:00:00.000000000' }],
    ['February 30th', { F: ' 2024-02-30T00:00:00' }],
    ['a ten-digit fraction', { TS: ' 2024-01-31T10:11:12.1234567891' }],
    ['a number where text is expected', { V: 42 }],
    ['a Buffer where NUMBER text is expected', { D2: Buffer.from('1') }],
  ])('fails %s with the row path\'s ContractError, leaving the buffer as it was', (_name, values) => {
    const driverRow = row(values);
    const expected = errorOf(() => convert(driverRow));
    expect(expected).toBeInstanceOf(ContractError);
    const out = new AvroRecordBuffer(16, 1024);
    transcode(row(), out);
    const before = out.pos;
    const actual = errorOf(() => transcode(driverRow, out));
    expect(actual).toBeInstanceOf(ContractError);
    expect(actual.message).toBe(expected.message);
    expect(out.pos).toBe(before);
  });

  it('fails a NULL in a required column as the part writer does', async () => {
    const driverRow = row({ C: null });
    const writer = new PartWriter({ store: new MemoryStore(), schema: SCHEMA, codec: 'null', partSizeBytes: 1 << 20, keyFor: (seq) => `p-${seq}` });
    const expected = await writer.write([convert(driverRow)]).then(() => null, (error: unknown) => error as Error);
    await writer.abort();
    const actual = errorOf(() => transcoded(driverRow));
    expect(actual).toBeInstanceOf(ContractError);
    expect(actual.message).toBe(expected?.message);
    expect(actual.message).toContain('field c');
  });
});

describe('readEncoded batches', () => {
  const ids = (rows: Row[]) => rows.map((r) => r.id);

  it('cuts at batchSize rows, and carries the largest watermark of each batch', () => {
    const cutter = encodedBatchCutter({ model: MODEL, batchSize: 2, window: { column: 'ts', low: null, high: null, includeNulls: true } });
    const stamps = [' 2024-01-02T00:00:00.5', null, ' 2023-12-31T23:59:59.999999', ' 1600-01-01T00:00:00'];
    const batches = [];
    for (let i = 0; i < stamps.length; i++) if (cutter.add(row({ ID: String(i), TS: stamps[i] }))) batches.push(cutter.take());
    expect(cutter.size).toBe(0);
    expect(batches.map((b) => b.rows)).toEqual([2, 2]);
    expect(batches.map((b) => b.maxWatermark)).toEqual([datetimeTextToMicros('2024-01-02T00:00:00.5'), datetimeTextToMicros('2023-12-31T23:59:59.999999')]);
    const decoded: Row[] = [];
    for (const batch of batches) {
      let pos = 0;
      while (pos < batch.records.length) {
        const { value, offset } = TYPE.decode(batch.records, pos);
        decoded.push(value as Row);
        pos = offset;
      }
    }
    expect(ids(decoded)).toEqual([0, 1, 2, 3]);
  });

  it('cuts once the records reach batchBytes, and a batch of NULL watermarks has none', () => {
    const cutter = encodedBatchCutter({ model: MODEL, batchSize: 1000, batchBytes: 200, window: { column: 'ts', low: null, high: null, includeNulls: true } });
    const sizes: number[] = [];
    for (let i = 0; i < 10; i++) {
      if (cutter.add(row({ V: 'v'.repeat(60), TS: null }))) {
        const batch = cutter.take();
        expect(batch.records.length).toBeGreaterThanOrEqual(200);
        expect(batch.maxWatermark).toBeNull();
        sizes.push(batch.rows);
      }
    }
    expect(sizes.length).toBeGreaterThan(1);
    expect(sizes.every((n) => n === sizes[0])).toBe(true);
  });
});
