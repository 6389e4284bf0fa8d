/**
 * Whole tuples: the generated transcoder's record equals avsc encoding read()'s row with the
 * table's type (nullable columns as ["null", T] unions), and its failures are read()'s errors.
 */
import { describe, expect, it } from 'vitest';
import { modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { avroTypeFor } from '../../../shared/avro/long-type.js';
import { ContractError } from '../../../shared/errors.js';
import type { Column, TableModel } from '../../../shared/model/column.js';
import { AvroRecordBuffer } from '../../../shared/sources/postgres/postgres-avro-buffer.js';
import { recordHeadroom, tupleTranscoder } from '../../../shared/sources/postgres/postgres-avro-tuples.js';
import { binaryTupleDecoder } from '../../../shared/sources/postgres/postgres-rows.js';

const hex = (h: string) => Buffer.from(h, 'hex');
const col = (sourceName: string, sourceType: string, type: Column['type'], nullable = true): Column =>
  ({ name: sourceName.toLowerCase(), sourceName, sourceType, type, nullable });

const model: TableModel = {
  sourceSchema: 'public', sourceName: 'VENTAS', name: 'ventas', primaryKeys: ['id'],
  columns: [
    col('ID', 'bigint', { kind: 'int64' }, false),
    col('MONTO', 'numeric(8,2)', { kind: 'decimal', precision: 8, scale: 2 }),
    col('NOMBRE', 'text', { kind: 'string' }),
    col('FECHA', 'timestamp without time zone', { kind: 'datetime' }, false),
    col('DIA', 'date', { kind: 'date' }),
    col('OK', 'boolean', { kind: 'boolean' }),
    col('PESO', 'real', { kind: 'float32' }),
    col('DOBLE', 'double precision', { kind: 'float64' }),
    col('BLOB', 'bytea', { kind: 'bytes' }),
    col('DURA', 'interval', { kind: 'interval' }),
    col('TZ', 'timestamp with time zone', { kind: 'timestamp' }),
  ],
};
const schema = modelToAvsc(model);
const type = avroTypeFor(schema);

/** One tuple as the parser hands it over: the fields laid out in one buffer, -1 lengths for NULL. */
function tuple(fields: (string | null)[]): { buf: Buffer; offsets: Int32Array; lengths: Int32Array } {
  const parts = fields.map((f) => (f === null ? null : hex(f)));
  const buf = Buffer.concat([hex('ee'), ...parts.map((p) => p ?? Buffer.alloc(0))]);
  const offsets = new Int32Array(fields.length);
  const lengths = new Int32Array(fields.length);
  let at = 1;
  parts.forEach((p, i) => {
    offsets[i] = at;
    lengths[i] = p === null ? -1 : p.length;
    at += p?.length ?? 0;
  });
  return { buf, offsets, lengths };
}

const full = ['000000000000002a', '0002000040000001000c1388', Buffer.from('café ☕').toString('hex'), '0002b339ddfab240', '00002000',
  '01', '3dcccccd', '3fb999999999999a', '00ff', '000000036c9361a0000000030000000e', '0380e70b913b7fff'];
const nulls = ['0000000000000007', null, null, 'fffca2fec4c82000', null, null, null, null, null, null, null];

describe('tuple transcoder', () => {
  const transcode = tupleTranscoder(model);
  const decode = binaryTupleDecoder(model);

  it('writes records equal to avsc encoding read()\'s rows, values and NULLs alike', () => {
    const out = new AvroRecordBuffer(8, recordHeadroom(model));
    const expected: Buffer[] = [];
    for (const fields of [full, nulls, full]) {
      const { buf, offsets, lengths } = tuple(fields);
      transcode(buf, offsets, lengths, out);
      expected.push(type.toBuffer(decode(buf, offsets, lengths)));
    }
    const records = out.take();
    expect(records).toEqual(Buffer.concat(expected));
    // the NULL row: ID 7 (zigzag 0e), null branches (00) but for FECHA 1970-01-01 (long 0: 00)
    expect(expected[1]).toEqual(hex(`0e${'00'.repeat(10)}`));
  });

  it('a value that does not fit: read()\'s ContractError, and nothing of the record stays written', () => {
    const out = new AvroRecordBuffer(8, recordHeadroom(model));
    out.writeLong(1);
    const bad = [...full];
    bad[1] = '000600040000000304d2162e23340d801ed204ce'; // 12345678901234567890.123 in decimal(8,2)
    const { buf, offsets, lengths } = tuple(bad);
    const error = (() => {
      try {
        transcode(buf, offsets, lengths, out);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ContractError);
    expect((error as Error).message).toBe(
      'VENTAS.MONTO: value 12345678901234567890.123 does not fit decimal(8,2): 20 integer digits, at most 6 '
      + '(primary key ID=42) — widen the column type in config (columns.MONTO.type) and regenerate the schema',
    );
    expect(() => decode(buf, offsets, lengths)).toThrow((error as Error).message);
    expect(out.take()).toEqual(hex('02'));
  });

  it('infinity in a timestamp and a date: read()\'s messages', () => {
    const out = new AvroRecordBuffer(8, recordHeadroom(model));
    const infinite = [...full];
    infinite[10] = '7fffffffffffffff';
    let t = tuple(infinite);
    expect(() => transcode(t.buf, t.offsets, t.lengths, out)).toThrow(
      'VENTAS.TZ: value infinity does not fit timestamp (primary key ID=42) — fix the value in the source, or read the column as text (columns.TZ.type: string) and regenerate the schema',
    );
    const early = [...full];
    early[4] = '80000000';
    t = tuple(early);
    expect(() => transcode(t.buf, t.offsets, t.lengths, out)).toThrow('VENTAS.DIA: value -infinity does not fit date (primary key ID=42)');
    expect(out.pos).toBe(0);
  });

  it('a NULL in a column the schema requires: the part writer\'s message for the row read() returns', () => {
    const out = new AvroRecordBuffer(8, recordHeadroom(model));
    const missing = [...nulls];
    missing[3] = null;
    const { buf, offsets, lengths } = tuple(missing);
    expect(decode(buf, offsets, lengths).fecha).toBeNull();
    expect(() => transcode(buf, offsets, lengths, out)).toThrow(
      new ContractError('ventas: field fecha expects a number or bigint of microseconds since 1970-01-01, got null'),
    );
  });
});
