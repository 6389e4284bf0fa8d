import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { avscEncoding, canUseEncodedPath } from '../../../shared/avro/avro-encoding.js';
import { avscToModel, canonicalJson, formatAvsc, modelToAvsc, schemaFingerprint } from '../../../shared/avro/avsc-schema.js';
import type { TableModel } from '../../../shared/model/column.js';
import { everyKindModel } from './fixtures.js';

/**
 * The `.avsc` under both encodings (docs/encodings.md): the standard file stays byte for byte what
 * it was, the redshift-text file marks the record and each text field, and both read back to the
 * same model.
 */

const facturas: TableModel = {
  sourceSchema: 'VENTAS', sourceName: 'FACTURAS', name: 'facturas', primaryKeys: ['id_factura'],
  columns: [
    { name: 'id_factura', sourceName: 'ID_FACTURA', sourceType: 'NUMBER(12)', type: { kind: 'int64' }, nullable: false },
    {
      name: 'total', sourceName: 'TOTAL', sourceType: 'NUMBER', type: { kind: 'decimal', precision: 20, scale: 4 }, nullable: true,
      decision: 'profiled: 14 integer digits, scale 2; headroom added',
    },
    { name: 'emitida', sourceName: 'EMITIDA', sourceType: 'DATE', type: { kind: 'datetime' }, nullable: false },
    { name: 'vence', sourceName: 'VENCE', sourceType: 'date', type: { kind: 'date' }, nullable: true },
    { name: 'firmada_en', sourceName: 'FIRMADA_EN', sourceType: 'TIMESTAMP(6) WITH TIME ZONE', type: { kind: 'timestamp' }, nullable: true },
    { name: 'pdf', sourceName: 'PDF', sourceType: 'BLOB', type: { kind: 'bytes' }, nullable: true },
    { name: 'nota', sourceName: 'NOTA', sourceType: 'VARCHAR2(4000)', type: { kind: 'string' }, nullable: true },
  ],
};

const golden = (name: string): Promise<string> => readFile(resolve(import.meta.dirname, 'golden', name), 'utf8');
const STANDARD = await golden('facturas.avsc');
const REDSHIFT = await golden('facturas.redshift-text.avsc');

describe('modelToAvsc with an encoding', () => {
  test('standard (the default, and explicit) writes the golden file, with no encoding attribute anywhere', () => {
    expect(formatAvsc(modelToAvsc(facturas))).toBe(STANDARD);
    expect(formatAvsc(modelToAvsc(facturas, { encoding: 'standard' }))).toBe(STANDARD);
    expect(STANDARD).not.toContain('datapipe.encoding');
    expect(STANDARD).not.toContain('datapipe.precision');
  });

  test('redshift-text writes the golden file: the record marked, each text field a string with its form', () => {
    expect(formatAvsc(modelToAvsc(facturas, { encoding: 'redshift-text' }))).toBe(REDSHIFT);
  });

  test('every kind: text forms for decimal, date, datetime, timestamp and bytes; the rest keep their AVRO types', () => {
    const avsc = modelToAvsc(everyKindModel, { encoding: 'redshift-text' });
    expect(avsc['datapipe.encoding']).toBe('redshift-text');
    const shape = Object.fromEntries(avsc.fields.map((f) => [f.name, [f.type, f['datapipe.encoding'], f['datapipe.precision'], f['datapipe.scale']]]));
    expect(shape).toEqual({
      id: ['long', undefined, undefined, undefined],
      flag: [['null', 'boolean'], undefined, undefined, undefined],
      small: [['null', 'float'], undefined, undefined, undefined],
      big: [['null', 'double'], undefined, undefined, undefined],
      amount: [['null', 'string'], 'decimal-text', 18, 2],
      wide: [['null', 'string'], 'decimal-text', 38, 0],
      name: [['null', 'string'], undefined, undefined, undefined],
      doc_json: [['null', 'string'], undefined, undefined, undefined],
      span: [['null', 'string'], undefined, undefined, undefined],
      blob: [['null', 'string'], 'hex', undefined, undefined],
      day: [['null', 'string'], 'date-text', undefined, undefined],
      at: [['null', 'string'], 'datetime-text', undefined, undefined],
      instant: [['null', 'string'], 'timestamp-text', undefined, undefined],
      counter: [['null', 'long'], undefined, undefined, undefined],
    });
  });
});

describe('reading an .avsc back', () => {
  test.each([['standard', STANDARD], ['redshift-text', REDSHIFT]])('%s: the same model, its encoding, and the same bytes when written again', (encoding, text) => {
    const json: unknown = JSON.parse(text);
    expect(avscToModel(json)).toEqual(facturas);
    expect(avscEncoding(json)).toBe(encoding);
    expect(formatAvsc(modelToAvsc(avscToModel(json), { encoding: avscEncoding(json) }))).toBe(text);
  });

  test('every kind round-trips under redshift-text', () => {
    const text = formatAvsc(modelToAvsc(everyKindModel, { encoding: 'redshift-text' }));
    expect(avscToModel(JSON.parse(text))).toEqual(everyKindModel);
  });

  test('canUseEncodedPath: only the standard encoding takes records a source encoded itself', () => {
    expect(canUseEncodedPath(JSON.parse(STANDARD))).toBe(true);
    expect(canUseEncodedPath(JSON.parse(REDSHIFT))).toBe(false);
  });

  const base = (text: string) => JSON.parse(text) as Record<string, unknown> & { fields: Record<string, unknown>[] };
  const field = (json: ReturnType<typeof base>, name: string): Record<string, unknown> => json.fields.find((f) => f.name === name)!;

  test.each<[string, string, (json: ReturnType<typeof base>) => void, string]>([
    ['an unknown encoding', REDSHIFT, (j) => { j['datapipe.encoding'] = 'redshift'; },
      'not a DataPipe .avsc: "datapipe.encoding" is "redshift"; the only value is "redshift-text" (absent means the standard encoding)'],
    ['"standard" spelled out', STANDARD, (j) => { j['datapipe.encoding'] = 'standard'; },
      'not a DataPipe .avsc: "datapipe.encoding" is "standard"; the only value is "redshift-text" (absent means the standard encoding)'],
    ['a text field in a standard record', REDSHIFT, (j) => { delete j['datapipe.encoding']; },
      'not a DataPipe .avsc: field total: kind decimal under the standard encoding is not text, but the field has "datapipe.encoding": "decimal-text"'],
    ['a text kind without its form', REDSHIFT, (j) => { delete field(j, 'vence')['datapipe.encoding']; },
      'not a DataPipe .avsc: field vence: kind date under the redshift-text encoding needs "datapipe.encoding": "date-text" (got undefined)'],
    ['another kind\'s form', REDSHIFT, (j) => { field(j, 'emitida')['datapipe.encoding'] = 'timestamp-text'; },
      'not a DataPipe .avsc: field emitida: kind datetime under the redshift-text encoding needs "datapipe.encoding": "datetime-text" (got "timestamp-text")'],
    ['a form on a kind that stays as it is', REDSHIFT, (j) => { field(j, 'nota')['datapipe.encoding'] = 'hex'; },
      'not a DataPipe .avsc: field nota: kind string under the redshift-text encoding is not text, but the field has "datapipe.encoding": "hex"'],
    ['a text form whose type is not string', REDSHIFT, (j) => { field(j, 'pdf').type = ['null', 'bytes']; },
      'not a DataPipe .avsc: field pdf: AVRO type ["null","bytes"] does not match kind bytes as hex (expected "string")'],
    ['a decimal-text without its scale', REDSHIFT, (j) => { delete field(j, 'total')['datapipe.scale']; },
      'not a DataPipe .avsc: field total: decimal needs integer precision ≥ 1 and 0 ≤ scale ≤ precision (got 20, undefined)'],
    ['a precision on another form', REDSHIFT, (j) => { field(j, 'vence')['datapipe.precision'] = 10; },
      'not a DataPipe .avsc: field vence: kind date under the redshift-text encoding: "datapipe.precision" and "datapipe.scale" belong to decimal-text fields only'],
    ['a standard decimal that also names a precision', STANDARD, (j) => { field(j, 'total')['datapipe.precision'] = 20; },
      'not a DataPipe .avsc: field total: kind decimal under the standard encoding: "datapipe.precision" and "datapipe.scale" belong to decimal-text fields only'],
  ])('rejects %s', (_what, text, mutate, message) => {
    const json = base(text);
    mutate(json);
    expect(() => avscToModel(json)).toThrow(new Error(message));
  });
});

describe('schemaFingerprint with an encoding', () => {
  test('a standard schema\'s fingerprint is the hash of its fields\' names and types, as before', () => {
    const avsc = modelToAvsc(facturas);
    const canonical = canonicalJson(avsc.fields.map((f) => ({ name: f.name, type: f.type })));
    expect(schemaFingerprint(avsc)).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  test('the encoding, and a text decimal\'s precision and scale, change it; docs do not', () => {
    const standard = schemaFingerprint(modelToAvsc(facturas));
    const text = schemaFingerprint(modelToAvsc(facturas, { encoding: 'redshift-text' }));
    expect(text).not.toBe(standard);
    const retyped = { ...facturas, columns: facturas.columns.map((c) => (c.name === 'total' ? { ...c, type: { kind: 'decimal' as const, precision: 20, scale: 5 } } : c)) };
    expect(schemaFingerprint(modelToAvsc(retyped, { encoding: 'redshift-text' }))).not.toBe(text);
    const redocumented = { ...modelToAvsc(facturas, { encoding: 'redshift-text' }), doc: 'other words' };
    expect(schemaFingerprint(redocumented)).toBe(text);
    // A table with no text kinds still differs: its strings are checked against Redshift's limit.
    const plain: TableModel = { ...facturas, columns: [facturas.columns[0]!, facturas.columns[6]!] };
    expect(schemaFingerprint(modelToAvsc(plain, { encoding: 'redshift-text' }))).not.toBe(schemaFingerprint(modelToAvsc(plain)));
  });
});
