import { describe, expect, it } from 'vitest';
import { ContractError } from '../../../shared/errors.js';
import type { Column, Row, TableModel } from '../../../shared/model/column.js';
import { ValueError } from '../../../shared/model/value-error.js';
import { BinaryCopyParser, type TupleHandler } from '../../../shared/sources/postgres/postgres-binary-copy.js';
import {
  binaryDecoder, dateDays, decimalBytes, epochMicros, intervalParts, numericDecimal, numericText, readInt64,
} from '../../../shared/sources/postgres/postgres-binary-values.js';
import { intervalIso } from '../../../shared/sources/postgres/postgres-interval.js';
import { binaryTupleDecoder } from '../../../shared/sources/postgres/postgres-rows.js';
import { textDecoder } from '../../../shared/sources/postgres/postgres-text-values.js';

const hex = (h: string) => Buffer.from(h, 'hex');

// numeric_send() output of a PostgreSQL 15 server for each value.
const NUMERIC_VECTORS: [string, string][] = [
  ['0000000000000000', '0'],
  ['0000000000000002', '0.00'],
  ['00010000400000000001', '-1'],
  ['0001ffff000000040001', '0.0001'],
  ['000600040000000304d2162e23340d801ed204ce', '12345678901234567890.123'],
  ['0002000040000001000c1388', '-12.5'],
  ['0001fffb000000140001', '0.00000000000000000001'],
  ['00010001000000000001', '10000'],
  ['000a00060000000c0063270f270f270f270f270f270f270f270f270f', '99999999999999999999999999.999999999999'],
  ['0001fffd4000000903e8', '-0.000000001'],
  ['00040002000000040001000000000001', '100000000.0001'],
];

describe('binary numeric', () => {
  it.each(NUMERIC_VECTORS)('%s → %s', (bytes, text) => {
    expect(numericText(hex(bytes), 0)).toBe(text);
  });
  it('NaN and ±Infinity have no decimal form', () => {
    expect(() => numericText(hex('00000000c0000000'), 0)).toThrow(new ValueError('value NaN has no decimal form'));
    expect(() => numericText(hex('00000000d0000020'), 0)).toThrow('value Infinity has no decimal form');
    expect(() => numericText(hex('00000000f0000020'), 0)).toThrow('value -Infinity has no decimal form');
  });
  it('decodes to AVRO decimal bytes at the column scale, refusing what does not fit', () => {
    const amount = binaryDecoder(col('M', 'numeric(8,2)', { kind: 'decimal', precision: 8, scale: 2 }));
    const bytes = hex('0002000040000001000c1388'); // -12.5
    expect(amount(bytes, 0, bytes.length)).toEqual(Buffer.from([0xfb, 0x1e])); // -1250
    const tooBig = hex('000600040000000304d2162e23340d801ed204ce');
    expect(() => amount(tooBig, 0, tooBig.length)).toThrow(/^value 12345678901234567890\.123 does not fit decimal\(8,2\)/);
  });
  it('int64 read through numeric must be whole', () => {
    const id = binaryDecoder(col('N', 'numeric', { kind: 'int64' }));
    expect(id(hex('00010001000000000001'), 0, 10)).toBe(10000);
    expect(() => id(hex('0002000040000001000c1388'), 0, 12)).toThrow('value -12.5 is not a whole number, so it does not fit int64');
  });
});

describe('binary integers and times', () => {
  it('int8 is a number when safe, a bigint beyond', () => {
    expect(readInt64(hex('0000000000000000'), 0)).toBe(0);
    expect(readInt64(hex('ffffffffffffffff'), 0)).toBe(-1);
    expect(readInt64(hex('001fffffffffffff'), 0)).toBe(9007199254740991);
    expect(readInt64(hex('0020000000000000'), 0)).toBe(9007199254740992n);
    expect(readInt64(hex('ffe0000000000001'), 0)).toBe(-9007199254740991);
    expect(readInt64(hex('ffe0000000000000'), 0)).toBe(-9007199254740992n);
    expect(readInt64(hex('7fffffffffffffff'), 0)).toBe(9223372036854775807n);
    expect(readInt64(hex('8000000000000001'), 0)).toBe(-9223372036854775807n);
  });
  it('timestamps shift from 2000-01-01 to 1970-01-01 (timestamp_send vectors)', () => {
    expect(epochMicros(hex('0000000000000000'), 0, 'datetime')).toBe(946_684_800_000_000);
    expect(epochMicros(hex('fffca2fec4c82000'), 0, 'datetime')).toBe(0);
    expect(epochMicros(hex('0002b339ddfab240'), 0, 'datetime')).toBe(1_706_695_872_123_456); // 2024-01-31 10:11:12.123456
    expect(epochMicros(hex('0380e70b913b7fff'), 0, 'datetime')).toBe(253_402_300_799_999_999n); // 9999-12-31 23:59:59.999999
    expect(epochMicros(hex('ff1fe2ffc59c6000'), 0, 'timestamp')).toBe(-62_135_596_800_000_000n); // 0001-01-01
    expect(() => epochMicros(hex('7fffffffffffffff'), 0, 'timestamp')).toThrow('value infinity does not fit timestamp');
    expect(() => epochMicros(hex('8000000000000000'), 0, 'datetime')).toThrow('value -infinity does not fit datetime');
  });
  it('dates shift by 10957 days (date_send vectors) and stay within 0001..9999', () => {
    expect(dateDays(hex('00000000').readInt32BE(0))).toBe(10_957);
    expect(dateDays(hex('ffffd533').readInt32BE(0))).toBe(0);
    expect(dateDays(hex('002c95d3').readInt32BE(0))).toBe(2_932_896);
    expect(dateDays(hex('fff4dbf9').readInt32BE(0))).toBe(-719_162);
    expect(() => dateDays(hex('7fffffff').readInt32BE(0))).toThrow('value infinity does not fit date');
    expect(() => dateDays(-719_163 - 10_957)).toThrow('value -719163 days since 1970-01-01 is outside 0001-01-01..9999-12-31, so it does not fit date');
  });
});

describe('intervals as ISO-8601, as the server prints them with IntervalStyle iso_8601', () => {
  // interval_send() output and the server's iso_8601 text, PostgreSQL 15.
  it.each([
    ['000000036c9361a0000000030000000e', 'P1Y2M3DT4H5M6.5S'],
    ['000000000000000000000000fffffff2', 'P-1Y-2M'],
    ['fffffffffffc2f700000000000000000', 'PT-0.25S'],
    ['00000000000000000000000000000000', 'PT0S'],
    ['00000001ad274800ffffffff00000000', 'P-1DT2H'],
    ['00000053c6f17b000000000000000000', 'PT99H57M'],
    ['ffffffffffffffff0000000000000001', 'P1MT-0.000001S'],
    ['fffffffc93743f7ffffffffdfffffff6', 'P-10M-3DT-4H-5M-6.000001S'],
  ])('%s → %s', (bytes, text) => {
    expect(intervalIso(intervalParts(hex(bytes), 0))).toBe(text);
  });
  it('infinity has no ISO form', () => {
    expect(() => intervalIso({ months: 0x7fffffff, days: 0x7fffffff, micros: 0x7fffffffffffffffn })).toThrow('value infinity does not fit interval');
  });
});

describe('text decoders agree with the binary ones', () => {
  it('dates, timestamps, floats, bytea', () => {
    expect(textDecoder(col('D', 'date', { kind: 'date' }))('1970-01-02')).toBe(1);
    expect(textDecoder(col('T', 'timestamp without time zone', { kind: 'datetime' }))('9999-12-31 23:59:59.999999')).toBe(253_402_300_799_999_999n);
    expect(textDecoder(col('T', 'timestamp with time zone', { kind: 'timestamp' }))('2024-01-31 10:11:12.123456+00')).toBe(1_706_695_872_123_456);
    expect(textDecoder(col('F', 'real', { kind: 'float32' }))('0.1')).toBe(Math.fround(0.1));
    expect(textDecoder(col('B', 'bytea', { kind: 'bytes' }))('\\x00ff00')).toEqual(Buffer.from([0, 255, 0]));
    expect(() => textDecoder(col('D', 'date', { kind: 'date' }))('0001-12-31 BC')).toThrow('value 0001-12-31 BC is outside 0001-01-01..9999-12-31, so it does not fit date');
    expect(() => textDecoder(col('D', 'date', { kind: 'date' }))('10000-01-01')).toThrow(/outside 0001-01-01/);
    expect(() => textDecoder(col('M', 'numeric', { kind: 'decimal', precision: 10, scale: 2 }))('NaN')).toThrow('value NaN has no decimal form');
  });
});

function col(sourceName: string, sourceType: string, type: Column['type']): Column {
  return { name: sourceName.toLowerCase(), sourceName, sourceType, type, nullable: true };
}

/** A binary COPY stream: header, the given tuples, trailer. */
function copyStream(tuples: (Buffer | null)[][]): Buffer {
  const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), hex('00000000'), hex('00000000')];
  for (const fields of tuples) {
    const count = Buffer.alloc(2);
    count.writeInt16BE(fields.length);
    parts.push(count);
    for (const field of fields) {
      const length = Buffer.alloc(4);
      length.writeInt32BE(field === null ? -1 : field.length);
      parts.push(length, field ?? Buffer.alloc(0));
    }
  }
  parts.push(hex('ffff'));
  return Buffer.concat(parts);
}

describe('binary COPY parser', () => {
  const model: TableModel = {
    sourceSchema: 'public', sourceName: 'VENTAS', name: 'ventas', primaryKeys: ['id'],
    columns: [
      col('ID', 'bigint', { kind: 'int64' }),
      col('NOMBRE', 'text', { kind: 'string' }),
      col('MONTO', 'numeric(8,2)', { kind: 'decimal', precision: 8, scale: 2 }),
    ],
  };
  const stream = copyStream([
    [hex('000000000000002a'), Buffer.from('café ☕'), hex('0002000040000001000c1388')],
    [hex('0000000000000007'), null, null],
    [hex('0000000000000008'), Buffer.from(''), hex('00010000400000000001')],
  ]);
  const expected: Row[] = [
    { id: 42, nombre: 'café ☕', monto: Buffer.from([0xfb, 0x1e]) },
    { id: 7, nombre: null, monto: null },
    { id: 8, nombre: '', monto: Buffer.from([0x9c]) }, // -100 unscaled
  ];

  /** Feeds `chunks` in order, decoding every tuple. */
  const parseAll = (chunks: Buffer[], rows: Row[] = []): { rows: Row[]; parser: BinaryCopyParser } => {
    const parser = new BinaryCopyParser(3);
    const decode = binaryTupleDecoder(model);
    const collect: TupleHandler = (buf, offsets, lengths) => rows.push(decode(buf, offsets, lengths)) > 0;
    for (const chunk of chunks) {
      parser.feed(chunk);
      expect(parser.parse(collect)).toBe(false);
    }
    return { rows, parser };
  };
  const split = (buf: Buffer, size: number) => Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size));

  it('parses tuples however the stream is split', () => {
    for (const size of [1, 2, 3, 7, 19, 20, 64, stream.length]) {
      const { rows, parser } = parseAll(split(stream, size));
      parser.end();
      expect(rows, `chunks of ${size}`).toEqual(expected);
    }
  });

  it('parses stream bytes handed on as ranges of larger buffers (COPY messages read in place)', () => {
    for (const size of [1, 2, 3, 7, 19, 20, 64, stream.length]) {
      const parser = new BinaryCopyParser(3);
      const decode = binaryTupleDecoder(model);
      const rows: Row[] = [];
      const collect: TupleHandler = (buf, offsets, lengths) => rows.push(decode(buf, offsets, lengths)) > 0;
      for (const chunk of split(stream, size)) {
        // The range sits between a message header and the next message.
        const framed = Buffer.concat([Buffer.from([0x64, 0, 0, 0, 0]), chunk, Buffer.from([0x63, 0, 0, 0, 4])]);
        parser.feed(framed, 5, 5 + chunk.length);
        expect(parser.parse(collect)).toBe(false);
      }
      parser.end();
      expect(rows, `ranges of ${size}`).toEqual(expected);
    }
  });

  it('joins a tuple whose long field spans many chunks', () => {
    const long = 'ñ'.repeat(700);
    const wide = copyStream([[hex('0000000000000001'), Buffer.from(long), null], [hex('0000000000000002'), Buffer.from('b'), null]]);
    for (const size of [1, 5, 100, 1399, 1400, 1401]) {
      const { rows, parser } = parseAll(split(wide, size));
      parser.end();
      expect(rows, `chunks of ${size}`).toEqual([{ id: 1, nombre: long, monto: null }, { id: 2, nombre: 'b', monto: null }]);
    }
  });

  it('pauses after a tuple when the handler says so, and resumes there', () => {
    const parser = new BinaryCopyParser(3);
    const decode = binaryTupleDecoder(model);
    const rows: Row[] = [];
    const one: TupleHandler = (buf, offsets, lengths) => rows.push(decode(buf, offsets, lengths)) === 0;
    parser.feed(stream);
    const pauses = [parser.parse(one), parser.parse(one), parser.parse(one), parser.parse(one)];
    expect(pauses).toEqual([true, true, true, false]);
    expect(rows).toEqual(expected);
    parser.end();
    expect(() => parser.feed(stream.subarray(0, 1))).not.toThrow();
    expect(() => parser.parse(one)).toThrow('COPY output continues after its trailer');
  });

  it('refuses a chunk fed before the previous one was parsed', () => {
    const parser = new BinaryCopyParser(3);
    parser.feed(stream);
    expect(parser.parse(() => false)).toBe(true);
    expect(() => parser.feed(stream)).toThrow('BinaryCopyParser: a chunk was fed before the previous one was parsed');
  });

  it('notices a stream cut before its trailer', () => {
    const { parser } = parseAll([stream.subarray(0, stream.length - 2)]);
    expect(() => parser.end()).toThrow('COPY output ended before its trailer');
  });

  it('a value that does not fit is a ContractError naming table, column, key and fix', () => {
    const bad = copyStream([[hex('000000000000002a'), Buffer.from('x'), hex('000600040000000304d2162e23340d801ed204ce')]]);
    let error: unknown;
    try {
      parseAll([bad]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ContractError);
    expect((error as Error).message).toBe(
      'VENTAS.MONTO: value 12345678901234567890.123 does not fit decimal(8,2): 20 integer digits, at most 6 '
      + '(primary key ID=42) — widen the column type in config (columns.MONTO.type) and regenerate the schema',
    );
  });
});

/** PostgreSQL's binary numeric of a plain decimal text (as numeric_send would produce it). */
function numericSend(text: string): Buffer {
  const negative = text.startsWith('-');
  const [int = '', frac = ''] = text.replace('-', '').split('.');
  const intPadded = int.replace(/^0+/, '').padStart(Math.ceil(int.replace(/^0+/, '').length / 4) * 4, '0');
  const fracPadded = frac.padEnd(Math.ceil(frac.length / 4) * 4, '0');
  let groups = (intPadded + fracPadded).match(/.{4}/g)?.map(Number) ?? [];
  let weight = intPadded.length / 4 - 1;
  while (groups.length > 0 && groups[0] === 0) { groups = groups.slice(1); weight--; }
  while (groups.length > 0 && groups[groups.length - 1] === 0) groups = groups.slice(0, -1);
  if (groups.length === 0) weight = 0;
  const buf = Buffer.alloc(8 + 2 * groups.length);
  buf.writeInt16BE(groups.length, 0);
  buf.writeInt16BE(weight, 2);
  buf.writeUInt16BE(negative && groups.length > 0 ? 0x4000 : 0, 4);
  buf.writeInt16BE(frac.length, 6);
  groups.forEach((g, i) => buf.writeInt16BE(g, 8 + 2 * i));
  return buf;
}

describe('numeric → decimal bytes: the digit-sum fast path agrees with the exact text path', () => {
  it('matches numeric_send for the server vectors', () => {
    for (const [bytes, text] of NUMERIC_VECTORS) expect(numericSend(text).toString('hex')).toBe(bytes);
  });
  it('for random values at random scales, and rejects exactly what the text path rejects', () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const digits = (n: number) => Array.from({ length: n }, () => random(10)).join('');
    for (let i = 0; i < 5000; i++) {
      const intPart = digits(random(14)).replace(/^0+(?=\d)/, '') || '0';
      const fracPart = digits(random(10));
      const text = `${random(2) ? '-' : ''}${intPart}${fracPart ? `.${fracPart}` : ''}`;
      const scale = random(12);
      const precision = Math.min(38, scale + random(20) + 1);
      const binary = numericSend(text);
      let expected: Buffer | string;
      try {
        expected = decimalBytes(text, precision, scale);
      } catch (error) {
        expected = (error as Error).message;
      }
      let actual: Buffer | string;
      try {
        actual = numericDecimal(binary, 0, precision, scale);
      } catch (error) {
        actual = (error as Error).message;
      }
      expect(actual, `${text} as decimal(${precision},${scale})`).toEqual(expected);
    }
  });
});
