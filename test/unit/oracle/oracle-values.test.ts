/** Read expressions and value converters: what the driver hands over → AVRO-ready row values. */
import { describe, expect, it } from 'vitest';
import type { CanonicalType, Column } from '../../../shared/model/column.js';
import { ValueError } from '../../../shared/model/value-error.js';
import {
  FETCH_AS, intervalToIso, readExpression, signedYear, valueConverter,
} from '../../../shared/sources/oracle/oracle-values.js';

const col = (sourceName: string, sourceType: string, type: CanonicalType): Column =>
  ({ name: sourceName.toLowerCase(), sourceName, sourceType, type, nullable: true });

describe('readExpression', () => {
  it('renders dates and times as fixed-format text and leaves other columns as they are', () => {
    expect(readExpression(col('FECHA', 'DATE', { kind: 'datetime' }))).toBe(`TO_CHAR("FECHA", 'SYYYY-MM-DD"T"HH24:MI:SS') AS "FECHA"`);
    expect(readExpression(col('TS', 'TIMESTAMP(9)', { kind: 'datetime' }), 't')).toBe(`TO_CHAR(t."TS", 'SYYYY-MM-DD"T"HH24:MI:SS.FF9') AS "TS"`);
    expect(readExpression(col('TZ', 'TIMESTAMP(6) WITH TIME ZONE', { kind: 'timestamp' }))).toBe(`TO_CHAR(SYS_EXTRACT_UTC("TZ"), 'SYYYY-MM-DD"T"HH24:MI:SS.FF9') AS "TZ"`);
    expect(readExpression(col('LTZ', 'TIMESTAMP(6) WITH LOCAL TIME ZONE', { kind: 'timestamp' })))
      .toBe(`TO_CHAR(SYS_EXTRACT_UTC(CAST("LTZ" AS TIMESTAMP(9) WITH TIME ZONE)), 'SYYYY-MM-DD"T"HH24:MI:SS.FF9') AS "LTZ"`);
    expect(readExpression(col('DOC', 'JSON', { kind: 'json' }))).toBe('JSON_SERIALIZE("DOC" RETURNING CLOB) AS "DOC"');
    expect(readExpression(col('MONTO$', 'NUMBER(18,2)', { kind: 'decimal', precision: 18, scale: 2 }), 't')).toBe('t."MONTO$"');
  });

  it('asks the driver for NUMBER as text and LOBs inline', () => {
    expect(FETCH_AS).toEqual({ NUMBER: 'string', CLOB: 'string', NCLOB: 'string', BLOB: 'buffer' });
  });
});

describe('valueConverter', () => {
  it('converts NUMBER text exactly per canonical type', () => {
    expect(valueConverter(col('ID', 'NUMBER(18)', { kind: 'int64' }))('9007199254740993')).toBe(9007199254740993n);
    expect(valueConverter(col('M', 'NUMBER(18,2)', { kind: 'decimal', precision: 18, scale: 2 }))('-.05')).toEqual(Buffer.from('fb', 'hex'));
    expect(valueConverter(col('N', 'NUMBER', { kind: 'string' }))('.5')).toBe('0.5');
    expect(valueConverter(col('F', 'FLOAT(126)', { kind: 'float64' }))('.25')).toBe(0.25);
    expect(valueConverter(col('ID', 'NUMBER(18)', { kind: 'int64' }))(null)).toBeNull();
    expect(() => valueConverter(col('M', 'NUMBER(4,2)', { kind: 'decimal', precision: 4, scale: 2 }))('123.4'))
      .toThrow(new ValueError('123.4 does not fit decimal(4,2): 3 integer digits, at most 2'));
  });

  it('counts microseconds from SQL text, truncating FF9 and refusing BC years', () => {
    const date = valueConverter(col('D', 'DATE', { kind: 'datetime' }));
    expect(date(' 2024-01-31T10:11:12')).toBe(1706695872000000);
    expect(date(' 9999-12-31T23:59:59')).toBe(253402300799000000n);
    expect(() => date('-0044-03-15T12:00:00')).toThrow(new ValueError('-0044-03-15T12:00:00 is a BC date, before 0001-01-01, which no target holds'));
    const ts9 = valueConverter(col('T', 'TIMESTAMP(9)', { kind: 'datetime' }));
    expect(ts9(' 2024-01-31T10:11:12.123456789')).toBe(1706695872123456);
    const tz = valueConverter(col('Z', 'TIMESTAMP(6) WITH TIME ZONE', { kind: 'timestamp' }));
    expect(tz(' 1970-01-01T00:00:00.000001000')).toBe(1);
    expect(valueConverter(col('T', 'TIMESTAMP(9)', { kind: 'string' }))(' 2024-01-31T10:11:12.123456789')).toBe('2024-01-31T10:11:12.123456789');
    expect(signedYear('+2024-01-01T00:00:00')).toBe('2024-01-01T00:00:00');
  });

  it('passes strings, numbers, booleans and Buffers through, checking their JS type', () => {
    const raw = Buffer.from('00ff', 'hex');
    expect(valueConverter(col('R', 'RAW(16)', { kind: 'bytes' }))(raw)).toBe(raw);
    expect(valueConverter(col('S', 'VARCHAR2(10 CHAR)', { kind: 'string' }))('ñandú')).toBe('ñandú');
    expect(valueConverter(col('B', 'BINARY_DOUBLE', { kind: 'float64' }))(1.5)).toBe(1.5);
    expect(valueConverter(col('Q', 'BOOLEAN', { kind: 'boolean' }))(false)).toBe(false);
    expect(valueConverter(col('J', 'JSON', { kind: 'json' }))('{"a":1.10}')).toBe('{"a":1.10}');
    expect(() => valueConverter(col('R', 'BLOB', { kind: 'bytes' }))('00ff')).toThrow(new ValueError('expected bytes (a Buffer) from the driver, got string'));
    expect(() => valueConverter(col('B', 'BINARY_FLOAT', { kind: 'float32' }))('1.5')).toThrow(new ValueError('expected a number for float32 from the driver, got string'));
  });
});

describe('intervalToIso', () => {
  it('writes ISO-8601 with per-field signs, as the PostgreSQL source does', () => {
    expect(intervalToIso({ years: 1, months: 2 })).toBe('P1Y2M');
    expect(intervalToIso({ years: -1, months: -2 })).toBe('P-1Y-2M');
    expect(intervalToIso({ years: 0, months: 0 })).toBe('PT0S');
    expect(intervalToIso({ days: 3, hours: 4, minutes: 5, seconds: 6, fseconds: 500_000_000 })).toBe('P3DT4H5M6.5S');
    expect(intervalToIso({ days: 0, hours: 0, minutes: 0, seconds: 0, fseconds: -123_456_789 })).toBe('PT-0.123456789S');
    expect(intervalToIso({ days: -2, hours: 0, minutes: 0, seconds: 0, fseconds: 0 })).toBe('P-2D');
    expect(() => intervalToIso('P1D')).toThrow(new ValueError('expected an interval object from the driver, got string'));
  });

  it('is the converter of INTERVAL columns', () => {
    expect(valueConverter(col('I', 'INTERVAL DAY(2) TO SECOND(6)', { kind: 'interval' }))({ days: 1, hours: 0, minutes: 30, seconds: 0, fseconds: 0 })).toBe('P1DT30M');
  });
});
