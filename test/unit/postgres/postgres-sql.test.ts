import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../../shared/errors.js';
import type { Column, TableModel } from '../../../shared/model/column.js';
import {
  chunkPredicate, copySql, quoteIdent, readSettings, selectSql, windowHighSql, windowPredicate,
} from '../../../shared/sources/postgres/postgres-sql.js';
import { wireOf } from '../../../shared/sources/postgres/postgres-wire.js';

const col = (sourceName: string, sourceType: string, type: Column['type'], nullable = true): Column =>
  ({ name: sourceName.toLowerCase(), sourceName, sourceType, type, nullable });

const model: TableModel = {
  sourceSchema: 'public', sourceName: 'VENTAS_CABECERA', name: 'ventas_cabecera', primaryKeys: ['id_venta'],
  columns: [
    col('ID_VENTA', 'integer', { kind: 'int64' }, false),
    col('MONTO', 'numeric(18,2)', { kind: 'decimal', precision: 18, scale: 2 }),
    col('FECHA_VENTA', 'timestamp without time zone', { kind: 'datetime' }),
    col('CODIGO', 'character(3)', { kind: 'string' }),
    col('ALTA', 'timestamp with time zone', { kind: 'timestamp' }),
    col('DIA', 'date', { kind: 'date' }),
  ],
};

describe('identifiers', () => {
  it('are double-quoted with embedded quotes doubled', () => {
    expect(quoteIdent('VENTAS_CABECERA')).toBe('"VENTAS_CABECERA"');
    expect(quoteIdent('we"ird name')).toBe('"we""ird name"');
    expect(quoteIdent('x"; DROP TABLE t; --')).toBe('"x""; DROP TABLE t; --"');
  });
  it('refuse the empty name and NUL', () => {
    expect(() => quoteIdent('')).toThrow(TerminalError);
    expect(() => quoteIdent('a\0b')).toThrow(TerminalError);
  });
});

describe('window predicate', () => {
  it('both bounds inclusive, read from transaction settings through one-time subqueries', () => {
    expect(windowPredicate(model, { column: 'fecha_venta', low: '2024-01-01T00:00:00.000000', high: '2024-01-31T10:11:12.123456', includeNulls: false }))
      .toBe(`"FECHA_VENTA" >= (SELECT current_setting('datapipe.window_low')::timestamp) AND "FECHA_VENTA" <= (SELECT current_setting('datapipe.window_high')::timestamp)`);
  });
  it('omits a null bound, adds OR IS NULL when nulls are included', () => {
    expect(windowPredicate(model, { column: 'ID_VENTA', low: null, high: '10', includeNulls: true }))
      .toBe(`("ID_VENTA" <= (SELECT current_setting('datapipe.window_high')::int8)) OR "ID_VENTA" IS NULL`);
    expect(windowPredicate(model, { column: 'alta', low: '2024-01-01T00:00:00.000000Z', high: null, includeNulls: false }))
      .toBe(`"ALTA" >= (SELECT current_setting('datapipe.window_low')::timestamptz)`);
    expect(windowPredicate(model, { column: 'dia', low: null, high: null, includeNulls: false })).toBeNull();
    expect(windowPredicate(model, { column: 'dia', low: null, high: null, includeNulls: true })).toBeNull();
  });
  it('refuses a column that cannot be a watermark, and an unknown column', () => {
    expect(() => windowPredicate(model, { column: 'monto', low: '1', high: null, includeNulls: false }))
      .toThrow('VENTAS_CABECERA.MONTO: a decimal column cannot bound a window — use an integer, date, datetime or timestamp column');
    expect(() => windowPredicate(model, { column: 'nope', low: '1', high: null, includeNulls: false })).toThrow(/no column nope/);
  });
  it('binds the bounds and output formats as values, never in the SQL text', () => {
    const settings = readSettings({ column: 'fecha_venta', low: "2024-01-01T00:00:00.000000'; --", high: null, includeNulls: false });
    expect(settings.sql).toBe(
      "SELECT set_config('client_encoding', $1, true), set_config('TimeZone', $2, true), set_config('DateStyle', $3, true), "
      + "set_config('IntervalStyle', $4, true), set_config('extra_float_digits', $5, true), set_config('bytea_output', $6, true), "
      + "set_config('datapipe.window_low', $7, true), set_config('datapipe.window_high', $8, true)",
    );
    expect(settings.values).toEqual(['UTF8', 'UTC', 'ISO, YMD', 'iso_8601', '3', 'hex', "2024-01-01T00:00:00.000000'; --", '']);
  });
});

describe('chunk predicate', () => {
  it('hashes the primary key text into n buckets, negative hashes folded into 0..n-1', () => {
    expect(chunkPredicate(model, { index: 2, count: 4 })).toBe('mod(mod(hashtextextended("ID_VENTA"::text, 0), 4) + 4, 4) = 2');
  });
  it('joins composite keys with a separator, and hashes the whole row without a key', () => {
    const composite = { ...model, primaryKeys: ['id_venta', 'codigo'] };
    expect(chunkPredicate(composite, { index: 0, count: 3 }))
      .toBe(`mod(mod(hashtextextended(concat_ws(E'\\x1f', "ID_VENTA"::text, "CODIGO"::text), 0), 3) + 3, 3) = 0`);
    expect(chunkPredicate({ ...model, primaryKeys: [] }, { index: 1, count: 2 }))
      .toBe('mod(mod(hashtextextended((datapipe_row.*)::text, 0), 2) + 2, 2) = 1');
  });
  it('refuses an index outside the count', () => {
    expect(() => chunkPredicate(model, { index: 4, count: 4 })).toThrow('--chunk 5/4 is not a chunk — use i/n with 1 ≤ i ≤ n');
  });
});

describe('select and COPY text', () => {
  it('casts each column to its wire type, keeps character(n) as is', () => {
    expect(selectSql({ model, batchSize: 10 })).toBe(
      'SELECT "ID_VENTA"::int8, "MONTO"::numeric, "FECHA_VENTA"::timestamp, "CODIGO", "ALTA"::timestamptz, "DIA"::date '
      + 'FROM "public"."VENTAS_CABECERA" AS datapipe_row',
    );
  });
  it('combines window and chunk, and wraps the SELECT in a binary COPY', () => {
    const sql = copySql({ model, batchSize: 10, window: { column: 'ID_VENTA', low: '5', high: null, includeNulls: true }, chunk: { index: 0, count: 2 } });
    expect(sql).toBe(
      'COPY (SELECT "ID_VENTA"::int8, "MONTO"::numeric, "FECHA_VENTA"::timestamp, "CODIGO", "ALTA"::timestamptz, "DIA"::date '
      + 'FROM "public"."VENTAS_CABECERA" AS datapipe_row WHERE (("ID_VENTA" >= (SELECT current_setting(\'datapipe.window_low\')::int8)) OR "ID_VENTA" IS NULL) '
      + 'AND (mod(mod(hashtextextended("ID_VENTA"::text, 0), 2) + 2, 2) = 0)) TO STDOUT (FORMAT binary)',
    );
  });
  it('a single chunk of one reads everything', () => {
    expect(selectSql({ model, batchSize: 1, chunk: { index: 0, count: 1 } })).not.toContain('WHERE');
  });
  it('int64 from a non-integer source reads as numeric (checked), not a rounding ::int8', () => {
    expect(wireOf(col('N', 'numeric(20,0)', { kind: 'int64' }))).toEqual({ type: 'numeric', cast: 'numeric' });
    expect(wireOf(col('N', 'bigint', { kind: 'int64' }))).toEqual({ type: 'int8', cast: 'int8' });
    expect(wireOf(col('T', 'character varying(5)', { kind: 'string' }))).toEqual({ type: 'text', cast: 'text' });
    expect(wireOf(col('T', 'character(5)[]', { kind: 'string' }))).toEqual({ type: 'text', cast: 'text' });
  });
  it('window high: database clock per kind, MAX for integers', () => {
    expect(windowHighSql(model, model.columns[2]!)).toBe(`SELECT to_char(LOCALTIMESTAMP, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS high`);
    expect(windowHighSql(model, model.columns[4]!)).toBe(`SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS high`);
    expect(windowHighSql(model, model.columns[5]!)).toBe(`SELECT to_char(CURRENT_DATE, 'YYYY-MM-DD') AS high`);
    expect(windowHighSql(model, model.columns[0]!)).toBe('SELECT max("ID_VENTA")::text AS high FROM "public"."VENTAS_CABECERA"');
  });
});
