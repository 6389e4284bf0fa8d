import { describe, expect, it } from 'vitest';
import type { CanonicalType, Column, Row, TableModel } from '../../../shared/model/column.js';
import { canonicalText, reconcile } from '../../../shared/pipeline/reconcile.js';

function column(name: string, type: CanonicalType): Column {
  return { name, sourceName: name.toUpperCase(), sourceType: 'x', type, nullable: true };
}

const ID = column('id', { kind: 'int64' });
const MONTO = column('monto', { kind: 'decimal', precision: 18, scale: 2 });
const TS = column('ts', { kind: 'timestamp' });
const NOTA = column('nota', { kind: 'string' });

const model: TableModel = { sourceSchema: 'ERP', sourceName: 'VENTAS', name: 'ventas', columns: [ID, MONTO, TS, NOTA], primaryKeys: ['id'] };

/** 12.30 at scale 2 is the unscaled 1230 = 0x04CE; 12.31 is 0x04CF. */
const rows: Row[] = [
  { id: 1, monto: Buffer.from([0x04, 0xce]), ts: 1_706_695_872_123_456, nota: 'a' },
  { id: 2, monto: Buffer.from([0xfb]), ts: 0, nota: null },
  { id: 3, monto: null, ts: 253_402_300_799_999_999n, nota: '' },
];

async function* batches(...groups: Row[][]): AsyncIterable<Row[]> {
  for (const group of groups) yield group;
}

describe('canonicalText', () => {
  it('writes NULL for a missing value of every kind', () => {
    const kinds: CanonicalType[] = [
      { kind: 'boolean' }, { kind: 'int64' }, { kind: 'float32' }, { kind: 'float64' }, { kind: 'decimal', precision: 5, scale: 2 },
      { kind: 'string' }, { kind: 'bytes' }, { kind: 'date' }, { kind: 'datetime' }, { kind: 'timestamp' }, { kind: 'json' }, { kind: 'interval' },
    ];
    for (const type of kinds) expect(canonicalText(column('c', type), null)).toBe('NULL');
  });

  it('writes decimals with exactly their scale digits, from the unscaled bytes', () => {
    expect(canonicalText(MONTO, Buffer.from([0x04, 0xce]))).toBe('12.30');
    expect(canonicalText(MONTO, Buffer.from([0xfb]))).toBe('-0.05');
    expect(canonicalText(MONTO, Buffer.from([0x00]))).toBe('0.00');
    expect(canonicalText(column('d', { kind: 'decimal', precision: 10, scale: 0 }), Buffer.from([0xfb]))).toBe('-5');
    expect(canonicalText(column('d', { kind: 'decimal', precision: 38, scale: 9 }), Buffer.from([0x01]))).toBe('0.000000001');
    // 2^64 - 1 unscaled, at scale 4: beyond any double.
    expect(canonicalText(column('d', { kind: 'decimal', precision: 38, scale: 4 }), Buffer.from('00ffffffffffffffff', 'hex'))).toBe('1844674407370955.1615');
  });

  it('writes dates, datetimes and timestamps to the microsecond, number or bigint alike', () => {
    expect(canonicalText(column('d', { kind: 'date' }), 19753)).toBe('2024-01-31');
    expect(canonicalText(column('d', { kind: 'date' }), -719162)).toBe('0001-01-01');
    expect(canonicalText(column('dt', { kind: 'datetime' }), 1_706_695_872_123_456)).toBe('2024-01-31T10:11:12.123456');
    expect(canonicalText(column('dt', { kind: 'datetime' }), 1_706_695_872_123_456n)).toBe('2024-01-31T10:11:12.123456');
    expect(canonicalText(column('dt', { kind: 'datetime' }), 253_402_300_799_999_999n)).toBe('9999-12-31T23:59:59.999999');
    expect(canonicalText(TS, 253_402_300_799_999_999n)).toBe('9999-12-31T23:59:59.999999Z');
    expect(canonicalText(TS, -62_135_596_800_000_000n)).toBe('0001-01-01T00:00:00.000000Z');
    expect(canonicalText(TS, -1)).toBe('1969-12-31T23:59:59.999999Z');
  });

  it('writes bytes as lowercase hex', () => {
    const bytes = column('b', { kind: 'bytes' });
    expect(canonicalText(bytes, Buffer.from([0xde, 0xad, 0x00, 0x0f]))).toBe('0xdead000f');
    expect(canonicalText(bytes, Buffer.alloc(0))).toBe('0x');
  });

  it('quotes text kinds, so an empty string or the word NULL is not a NULL', () => {
    expect(canonicalText(NOTA, '')).toBe('""');
    expect(canonicalText(NOTA, 'NULL')).toBe('"NULL"');
    expect(canonicalText(NOTA, 'a "b"\n')).toBe('"a \\"b\\"\\n"');
    expect(canonicalText(column('j', { kind: 'json' }), '{"k":[1,2]}')).toBe('"{\\"k\\":[1,2]}"');
    expect(canonicalText(column('i', { kind: 'interval' }), 'P1Y2M3DT4H5M6.000007S')).toBe('"P1Y2M3DT4H5M6.000007S"');
  });

  it('writes booleans, integers and floats as JS prints them, exactly past 2^53', () => {
    expect(canonicalText(column('f', { kind: 'boolean' }), true)).toBe('true');
    expect(canonicalText(column('f', { kind: 'boolean' }), false)).toBe('false');
    expect(canonicalText(ID, 9_007_199_254_740_993n)).toBe('9007199254740993');
    expect(canonicalText(ID, -42)).toBe('-42');
    expect(canonicalText(column('f', { kind: 'float64' }), 0.1)).toBe('0.1');
    expect(canonicalText(column('f', { kind: 'float32' }), 1.5)).toBe('1.5');
    expect(canonicalText(column('f', { kind: 'float64' }), -0)).toBe('0');
  });
});

describe('reconcile', () => {
  it('finds no difference between identical rows, whatever the batching, order and number representation', async () => {
    const target: Row[] = [
      { id: 3n, monto: null, ts: 253_402_300_799_999_999n, nota: '' },
      { id: 1, monto: Buffer.from([0x04, 0xce]), ts: 1_706_695_872_123_456n, nota: 'a' },
      { id: 2, monto: Buffer.from([0xfb]), ts: 0, nota: null },
    ];
    expect(await reconcile(model, batches(rows.slice(0, 1), rows.slice(1)), batches(target))).toEqual({
      sourceRows: 3, targetRows: 3, differences: [], differenceCount: 0,
    });
  });

  it('reports a decimal that differs in its last digit', async () => {
    const target = rows.map((r) => (r.id === 1 ? { ...r, monto: Buffer.from([0x04, 0xcf]) } : r));
    expect(await reconcile(model, batches(rows), batches(target))).toEqual({
      sourceRows: 3,
      targetRows: 3,
      differences: ['ID=1: source {id: 1, monto: 12.30, ts: 2024-01-31T10:11:12.123456Z, nota: "a"} ≠ target {id: 1, monto: 12.31, ts: 2024-01-31T10:11:12.123456Z, nota: "a"}'],
      differenceCount: 1,
    });
  });

  it('reports a timestamp that differs by one microsecond', async () => {
    const target = rows.map((r) => (r.id === 3 ? { ...r, ts: 253_402_300_799_999_998n } : r));
    expect((await reconcile(model, batches(rows), batches(target))).differences).toEqual([
      'ID=3: source {id: 3, monto: NULL, ts: 9999-12-31T23:59:59.999999Z, nota: ""} ≠ target {id: 3, monto: NULL, ts: 9999-12-31T23:59:59.999998Z, nota: ""}',
    ]);
  });

  it('reports an empty string that became NULL', async () => {
    const target = rows.map((r) => (r.id === 3 ? { ...r, nota: null } : r));
    expect((await reconcile(model, batches(rows), batches(target))).differenceCount).toBe(1);
  });

  it('reports a row missing from the target and a row only in the target', async () => {
    const extra: Row = { id: 4, monto: Buffer.from([0x00]), ts: 0, nota: 'new' };
    expect(await reconcile(model, batches(rows), batches([rows[0]!, rows[2]!, extra]))).toEqual({
      sourceRows: 3,
      targetRows: 3,
      differences: ['ID=4: in the target only', 'ID=2: in the source only'],
      differenceCount: 2,
    });
  });

  it('reports every row of an empty target', async () => {
    expect(await reconcile(model, batches(rows), batches())).toEqual({
      sourceRows: 3, targetRows: 0, differences: ['ID=1: in the source only', 'ID=2: in the source only', 'ID=3: in the source only'], differenceCount: 3,
    });
  });

  it('keys rows by every primary-key column', async () => {
    const composite: TableModel = { ...model, primaryKeys: ['id', 'nota'] };
    const result = await reconcile(composite, batches([rows[0]!]), batches([{ ...rows[0]!, nota: 'b' }]));
    expect(result.differences).toEqual(['ID=1,NOTA="b": in the target only', 'ID=1,NOTA="a": in the source only']);
  });

  it('shows the first few differences but counts them all', async () => {
    const source = Array.from({ length: 10 }, (_, i): Row => ({ id: i, monto: null, ts: 0, nota: null }));
    const result = await reconcile(model, batches(source), batches([]), 2);
    expect(result.differences).toEqual(['ID=0: in the source only', 'ID=1: in the source only']);
    expect(result.differenceCount).toBe(10);
  });
});
