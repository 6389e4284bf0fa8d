import { describe, expect, test } from 'vitest';
import { modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import type { AvroCodec } from '../../../shared/avro/codecs.js';
import { decimalTextToBytes, unscaledToBytes } from '../../../shared/avro/decimal.js';
import { readAvroHeader } from '../../../shared/avro/part-reader.js';
import { PartWriter } from '../../../shared/avro/part-writer.js';
import { ContractError, exitCodeOf } from '../../../shared/errors.js';
import type { Row, TableModel } from '../../../shared/model/column.js';
import { dateTextToDays } from '../../../shared/model/temporal.js';
import { MemoryStore } from '../../support/memory-store.js';
import { encodedBatches } from './encoded-batches.js';
import { edgeRows, everyKindModel } from './fixtures.js';
import { checkStored, manyRows, readAll } from './part-files.js';
import { expectedTextRows } from './redshift-text-expected.js';

/**
 * PartWriter under a redshift-text schema (docs/encodings.md): rows arrive as AvroValue exactly
 * as for the standard encoding and leave as text, read back here with avsc (fastavro reads them in
 * redshift-text-fastavro.test.ts); the rows themselves are untouched; a value Redshift cannot
 * load exactly stops the run with exit 3 naming table, column and primary key.
 */

const schema = modelToAvsc(everyKindModel, { encoding: 'redshift-text' });

function writer(store: MemoryStore, options: { codec?: AvroCodec; partSizeBytes?: number; schema?: typeof schema } = {}): PartWriter {
  return new PartWriter({
    store, schema: options.schema ?? schema, codec: options.codec ?? 'deflate', partSizeBytes: options.partSizeBytes ?? 1 << 20,
    blockSizeBytes: 4096, keyFor: (seq) => `run=1/part-0000-${String(seq).padStart(6, '0')}.avro`,
  });
}

describe.each<AvroCodec>(['deflate', 'snappy', 'null'])('PartWriter with a redshift-text schema, %s', (codec) => {
  test('edge and varied rows come back as their text forms; the header holds the text schema', async () => {
    const store = new MemoryStore();
    const rows = [...edgeRows(), ...manyRows(3000)];
    const w = writer(store, { codec, partSizeBytes: 30_000 });
    for (let i = 0; i < rows.length; i += 450) await w.write(rows.slice(i, i + 450));
    const parts = await w.close();
    expect(parts.length).toBeGreaterThan(2);
    checkStored(store, parts);
    const read = await readAll(store, parts);
    expect(read).toEqual(expectedTextRows(everyKindModel, rows));
    expect(read[0]).toMatchObject({
      amount: '-0.05', wide: '9'.repeat(38), blob: '000102feff', day: '9999-12-31',
      at: '9999-12-31 23:59:59.999999', instant: '9999-12-31 23:59:59.999999+00', counter: 2n ** 63n - 1n,
    });
    expect(read[1]).toMatchObject({ amount: '9999999999999999.99', blob: '', day: '0001-01-01', at: '0001-01-01 00:00:00.000000', instant: '0001-01-01 00:00:00.000000+00' });
    expect(read[2]).toMatchObject({ amount: '0.00', wide: '0', instant: '2024-02-29 06:30:00.000001+00' });
    expect(await readAvroHeader(await store.openRead(parts[0]!.key))).toEqual({ schema, codec });
  });
});

describe('PartWriter with a redshift-text schema', () => {
  test('leaves the caller\'s rows as they were (the extractor reads the watermark from them after write())', async () => {
    const rows = edgeRows();
    const before = rows.map((row) => ({ ...row }));
    const w = writer(new MemoryStore());
    await w.write(rows);
    await w.close();
    rows.forEach((row, i) => {
      expect(Object.keys(row)).toEqual(Object.keys(before[i]!));
      for (const key of Object.keys(row)) expect(row[key], key).toBe(before[i]![key]);
    });
  });

  test('a key missing from a row takes the field\'s default, as under the standard encoding', async () => {
    const store = new MemoryStore();
    const w = writer(store);
    await w.write([{ id: 7, amount: decimalTextToBytes('1.5', 18, 2) }]);
    const [record] = await readAll(store, await w.close());
    expect(record).toEqual({ ...expectedTextRows(everyKindModel, [{ id: 7 }])[0], amount: '1.50' });
    const strict = writer(new MemoryStore());
    await expect(strict.write([{ amount: null }])).rejects.toThrow(new ContractError('edge_cases: field id expects a safe-integer number or a 64-bit bigint, got no value (the row has no such key)'));
  });

  test('a value of the wrong JS type fails as it does under the standard encoding, naming the field and what it expects', async () => {
    const nulls = edgeRows()[4]!;
    const rows: Row[] = [{ ...nulls, amount: '12.30' }];
    const text = writer(new MemoryStore()).write(rows);
    await expect(text).rejects.toThrow(new ContractError('edge_cases: field amount expects a Buffer (decimal(18,2) as two\'s-complement unscaled bytes) or null, got the string "12.30"'));
    const standard = writer(new MemoryStore(), { schema: modelToAvsc(everyKindModel) }).write(rows);
    await expect(standard).rejects.toThrow(new ContractError('edge_cases: field amount expects a Buffer (decimal(18,2) as two\'s-complement unscaled bytes) or null, got the string "12.30"'));
    await expect(writer(new MemoryStore()).write([{ ...nulls, day: 2.5 }])).rejects.toThrow('edge_cases: field day expects a number of days since 1970-01-01 (int) or null, got the number 2.5');
    await expect(writer(new MemoryStore()).write([{ ...nulls, at: 2 ** 60 }])).rejects.toThrow('edge_cases: field at expects a number or bigint of microseconds since 1970-01-01 or null, got the number 1152921504606847000');
  });

  test('writeEncoded refuses: records a source encoded are in the standard encoding', async () => {
    const w = writer(new MemoryStore());
    const [batch] = encodedBatches(edgeRows(), 5);
    await expect(w.writeEncoded(batch!)).rejects.toThrow(new Error('PartWriter.writeEncoded(): schema edge_cases uses the redshift-text encoding, but encoded records are in the standard encoding — write rows with write() (canUseEncodedPath(schema) is false)'));
  });

  test('a schema whose text forms contradict its kinds is refused before any row', () => {
    const broken = { ...schema, fields: schema.fields.map((f) => (f.name === 'day' ? { ...f, 'datapipe.encoding': 'hex' as const } : f)) };
    expect(() => writer(new MemoryStore(), { schema: broken })).toThrow('not a DataPipe .avsc: field day: kind date under the redshift-text encoding needs "datapipe.encoding": "date-text" (got "hex")');
  });
});

describe('values Redshift cannot load exactly: exit 3 naming table, column and primary key', () => {
  const SHORTEN = 'Redshift cannot load it exactly and DataPipe does not truncate: shorten the value in the source';

  test.each<[string, Row, string]>([
    ['a string over 65,535 UTF-8 bytes', { id: 42, name: 'ñ'.repeat(32_768) },
      `EDGE_CASES.NAME: a text of 65,536 UTF-8 bytes is longer than the 65,535 a Redshift VARCHAR holds (primary key ID=42) — ${SHORTEN}`],
    ['a JSON document over the limit', { id: 43, doc_json: `[${'1,'.repeat(32_767)}1]` },
      `EDGE_CASES.DOC#JSON: a text of 65,537 UTF-8 bytes is longer than the 65,535 a Redshift VARCHAR holds (primary key ID=43) — ${SHORTEN}`],
    ['an interval text over the limit', { id: 44, span: `P${'9'.repeat(65_535)}D` },
      `EDGE_CASES.SPAN: a text of 65,537 UTF-8 bytes is longer than the 65,535 a Redshift VARCHAR holds (primary key ID=44) — ${SHORTEN}`],
    ['bytes over 32,767', { id: 2n ** 62n, blob: Buffer.alloc(40_000) },
      `EDGE_CASES.BLOB: 40,000 bytes are 80,000 hex characters, more than the 65,535 a Redshift VARCHAR holds (values up to 32,767 bytes load) (primary key ID=4611686018427387904) — ${SHORTEN}`],
    ['a decimal with more digits than its precision', { id: 45, amount: unscaledToBytes(10n ** 20n) },
      'EDGE_CASES.AMOUNT: value 1000000000000000000.00 has 21 digits, more than decimal(18,2) holds (primary key ID=45) — widen the column type in config (columns.AMOUNT.type) and regenerate the schema'],
    ['a datetime after 9999-12-31', { id: 46, at: 253_402_300_800_000_000n },
      'EDGE_CASES.AT: datetime 253402300800000000 µs since 1970-01-01 is outside 0001-01-01 00:00:00..9999-12-31 23:59:59.999999 (primary key ID=46) — fix the value in the source (the targets hold years 0001 to 9999)'],
    ['a date before 0001-01-01', { id: 47, day: -719_163 },
      'EDGE_CASES.DAY: date -719163 (days since 1970-01-01) is outside 0001-01-01..9999-12-31 (primary key ID=47) — fix the value in the source (the targets hold years 0001 to 9999)'],
  ])('%s', async (_what, bad, message) => {
    const store = new MemoryStore();
    const w = writer(store);
    const error: unknown = await w.write([...edgeRows().slice(0, 2), bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as Error).message).toBe(message);
    expect(exitCodeOf(error)).toBe(3);
    await w.abort();
    expect(store.objects.size).toBe(0);
  });

  test('the limits are exact: 65,535 bytes of text and 32,767 raw bytes load', async () => {
    const store = new MemoryStore();
    const w = writer(store);
    await w.write([{ id: 1, name: 'a'.repeat(65_535), doc_json: '€'.repeat(21_845), blob: Buffer.alloc(32_767, 0xab) }]);
    const [record] = await readAll(store, await w.close());
    expect((record!.name as string).length).toBe(65_535);
    expect(record!.blob).toBe('ab'.repeat(32_767));
  });

  test('a composite key is shown in key order with each value as people read it; a keyless table says so', async () => {
    const model: TableModel = {
      sourceSchema: 'VENTAS', sourceName: 'CIERRES', name: 'cierres', primaryKeys: ['dia', 'serie', 'tramo'],
      columns: [
        { name: 'serie', sourceName: 'SERIE', sourceType: 'CHAR(1)', type: { kind: 'string' }, nullable: false },
        { name: 'dia', sourceName: 'DIA', sourceType: 'DATE', type: { kind: 'date' }, nullable: false },
        { name: 'tramo', sourceName: 'TRAMO', sourceType: 'NUMBER(5,2)', type: { kind: 'decimal', precision: 5, scale: 2 }, nullable: false },
        { name: 'foto', sourceName: 'FOTO', sourceType: 'BLOB', type: { kind: 'bytes' }, nullable: true },
      ],
    };
    const row: Row = { serie: 'A', dia: dateTextToDays('2024-01-31'), tramo: decimalTextToBytes('-.5', 5, 2), foto: Buffer.alloc(32_768) };
    const keyed = writer(new MemoryStore(), { schema: modelToAvsc(model, { encoding: 'redshift-text' }) });
    await expect(keyed.write([row])).rejects.toThrow(/^CIERRES\.FOTO: 32,768 bytes are 65,536 hex characters, .* \(primary key DIA=2024-01-31, SERIE=A, TRAMO=-0\.50\) — /);
    const keyless = writer(new MemoryStore(), { schema: modelToAvsc({ ...model, primaryKeys: [] }, { encoding: 'redshift-text' }) });
    await expect(keyless.write([row])).rejects.toThrow(/^CIERRES\.FOTO: .* \(the table has no primary key to name the row\) — /);
  });
});
