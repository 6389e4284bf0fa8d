/**
 * Oracle type decisions from recorded ALL_TAB_COLUMNS rows (DATA_TYPE, DATA_LENGTH,
 * DATA_PRECISION, DATA_SCALE, CHAR_LENGTH, CHAR_USED as the dictionary returns them).
 */
import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../../shared/errors.js';
import {
  applyOverride, mapOracleType, needsProfile, numberFromProfile, oracleFamily, oracleSourceType,
  UNPROFILED_NUMBER, type OracleColumnFacts,
} from '../../../shared/model/oracle-types.js';

/** One recorded ALL_TAB_COLUMNS row: [DATA_TYPE, DATA_LENGTH, DATA_PRECISION, DATA_SCALE, CHAR_LENGTH, CHAR_USED]. */
type Recorded = [string, number, number | null, number | null, number, 'B' | 'C' | null];
const facts = ([dataType, dataLength, precision, scale, charLength, charUsed]: Recorded): OracleColumnFacts =>
  ({ dataType, dataLength, precision, scale, charLength, charUsed });

const ROWS: Record<string, Recorded> = {
  NUMBER: ['NUMBER', 22, null, null, 0, null],
  INTEGER: ['NUMBER', 22, null, 0, 0, null],
  NUMBER_9: ['NUMBER', 22, 9, 0, 0, null],
  NUMBER_18: ['NUMBER', 22, 18, 0, 0, null],
  NUMBER_19: ['NUMBER', 22, 19, 0, 0, null],
  NUMBER_38: ['NUMBER', 22, 38, 0, 0, null],
  NUMBER_18_2: ['NUMBER', 22, 18, 2, 0, null],
  NUMBER_STAR_2: ['NUMBER', 22, null, 2, 0, null],
  NUMBER_5_NEG2: ['NUMBER', 22, 5, -2, 0, null],
  NUMBER_2_5: ['NUMBER', 22, 2, 5, 0, null],
  NUMBER_38_NEG10: ['NUMBER', 22, 38, -10, 0, null],
  FLOAT: ['FLOAT', 22, 126, null, 0, null],
  FLOAT_53: ['FLOAT', 22, 53, null, 0, null],
  BINARY_FLOAT: ['BINARY_FLOAT', 4, null, null, 0, null],
  BINARY_DOUBLE: ['BINARY_DOUBLE', 8, null, null, 0, null],
  VARCHAR2_CHAR: ['VARCHAR2', 800, null, null, 200, 'C'],
  VARCHAR2_BYTE: ['VARCHAR2', 200, null, null, 200, 'B'],
  NVARCHAR2: ['NVARCHAR2', 100, null, null, 50, 'C'],
  CHAR: ['CHAR', 1, null, null, 1, 'B'],
  CLOB: ['CLOB', 4000, null, null, 0, null],
  NCLOB: ['NCLOB', 4000, null, null, 0, null],
  LONG: ['LONG', 0, null, null, 0, null],
  RAW: ['RAW', 16, null, null, 0, null],
  LONG_RAW: ['LONG RAW', 0, null, null, 0, null],
  BLOB: ['BLOB', 4000, null, null, 0, null],
  DATE: ['DATE', 7, null, null, 0, null],
  TS6: ['TIMESTAMP(6)', 11, null, 6, 0, null],
  TS9: ['TIMESTAMP(9)', 11, null, 9, 0, null],
  TSTZ: ['TIMESTAMP(6) WITH TIME ZONE', 13, null, 6, 0, null],
  TSLTZ: ['TIMESTAMP(6) WITH LOCAL TIME ZONE', 11, null, 6, 0, null],
  IYM: ['INTERVAL YEAR(2) TO MONTH', 5, 2, 0, 0, null],
  IDS: ['INTERVAL DAY(2) TO SECOND(6)', 11, 2, 6, 0, null],
  ROWID: ['ROWID', 10, null, null, 0, null],
  UROWID: ['UROWID', 4000, null, null, 0, null],
  JSON: ['JSON', 8200, null, null, 0, null],
  XMLTYPE: ['XMLTYPE', 2000, null, null, 0, null],
  BOOLEAN: ['BOOLEAN', 1, null, null, 0, null],
};
const row = (name: keyof typeof ROWS) => facts(ROWS[name] as Recorded);

describe('oracleSourceType', () => {
  it('spells each type as Oracle shows it', () => {
    const shown = Object.fromEntries(Object.keys(ROWS).map((k) => [k, oracleSourceType(row(k))]));
    expect(shown).toEqual({
      NUMBER: 'NUMBER', INTEGER: 'NUMBER(*,0)', NUMBER_9: 'NUMBER(9)', NUMBER_18: 'NUMBER(18)', NUMBER_19: 'NUMBER(19)',
      NUMBER_38: 'NUMBER(38)', NUMBER_18_2: 'NUMBER(18,2)', NUMBER_STAR_2: 'NUMBER(*,2)', NUMBER_5_NEG2: 'NUMBER(5,-2)',
      NUMBER_2_5: 'NUMBER(2,5)', NUMBER_38_NEG10: 'NUMBER(38,-10)', FLOAT: 'FLOAT(126)', FLOAT_53: 'FLOAT(53)',
      BINARY_FLOAT: 'BINARY_FLOAT', BINARY_DOUBLE: 'BINARY_DOUBLE', VARCHAR2_CHAR: 'VARCHAR2(200 CHAR)',
      VARCHAR2_BYTE: 'VARCHAR2(200)', NVARCHAR2: 'NVARCHAR2(50)', CHAR: 'CHAR(1)', CLOB: 'CLOB', NCLOB: 'NCLOB',
      LONG: 'LONG', RAW: 'RAW(16)', LONG_RAW: 'LONG RAW', BLOB: 'BLOB', DATE: 'DATE', TS6: 'TIMESTAMP(6)',
      TS9: 'TIMESTAMP(9)', TSTZ: 'TIMESTAMP(6) WITH TIME ZONE', TSLTZ: 'TIMESTAMP(6) WITH LOCAL TIME ZONE',
      IYM: 'INTERVAL YEAR(2) TO MONTH', IDS: 'INTERVAL DAY(2) TO SECOND(6)', ROWID: 'ROWID', UROWID: 'UROWID',
      JSON: 'JSON', XMLTYPE: 'XMLTYPE', BOOLEAN: 'BOOLEAN',
    });
  });

  it('tells WITH LOCAL TIME ZONE from WITH TIME ZONE', () => {
    expect(oracleFamily('TIMESTAMP(6) WITH LOCAL TIME ZONE')).toBe('timestamp_ltz');
    expect(oracleFamily('TIMESTAMP(3) WITH TIME ZONE')).toBe('timestamp_tz');
    expect(oracleFamily('TIMESTAMP(0)')).toBe('timestamp');
    expect(oracleFamily('SDO_GEOMETRY')).toBe('unsupported');
  });
});

describe('mapOracleType', () => {
  it('maps each recorded row to its canonical type', () => {
    const kinds = Object.fromEntries(Object.keys(ROWS).map((k) => {
      const { type } = mapOracleType(row(k));
      return [k, type.kind === 'decimal' ? `decimal(${type.precision},${type.scale})` : type.kind];
    }));
    expect(kinds).toEqual({
      NUMBER: 'string', INTEGER: 'decimal(38,0)', NUMBER_9: 'int64', NUMBER_18: 'int64', NUMBER_19: 'decimal(19,0)',
      NUMBER_38: 'decimal(38,0)', NUMBER_18_2: 'decimal(18,2)', NUMBER_STAR_2: 'decimal(38,2)', NUMBER_5_NEG2: 'int64',
      NUMBER_2_5: 'decimal(5,5)', NUMBER_38_NEG10: 'string', FLOAT: 'float64', FLOAT_53: 'float64',
      BINARY_FLOAT: 'float32', BINARY_DOUBLE: 'float64', VARCHAR2_CHAR: 'string', VARCHAR2_BYTE: 'string',
      NVARCHAR2: 'string', CHAR: 'string', CLOB: 'string', NCLOB: 'string', LONG: 'string', RAW: 'bytes',
      LONG_RAW: 'bytes', BLOB: 'bytes', DATE: 'datetime', TS6: 'datetime', TS9: 'datetime', TSTZ: 'timestamp',
      TSLTZ: 'timestamp', IYM: 'interval', IDS: 'interval', ROWID: 'string', UROWID: 'string', JSON: 'json',
      XMLTYPE: 'string', BOOLEAN: 'boolean',
    });
  });

  it('states every decision that is not a plain mapping', () => {
    expect(mapOracleType(row('NUMBER_18_2')).decision).toBeUndefined();
    expect(mapOracleType(row('NUMBER_9')).decision).toBeUndefined();
    expect(mapOracleType(row('NUMBER')).decision).toBe(UNPROFILED_NUMBER);
    expect(mapOracleType(row('TS6')).decision).toBeUndefined();
    expect(mapOracleType(row('TS9')).decision).toBe('TIMESTAMP(9) keeps 9 fraction digits; AVRO keeps microseconds, so digits past the sixth are truncated (override as string to keep them)');
    expect(mapOracleType(row('TSLTZ')).decision).toBe('TIMESTAMP(6) WITH LOCAL TIME ZONE is read as its UTC instant (SYS_EXTRACT_UTC); the original zone is not kept, and digits past the sixth fraction digit are truncated');
    expect(mapOracleType(row('NUMBER_5_NEG2')).decision).toBe('NUMBER(5,-2) holds only integers of at most 7 digits: int64');
    expect(mapOracleType(row('NUMBER_2_5')).decision).toBe('NUMBER(2,5) holds exactly the values of decimal(5,5)');
    expect(mapOracleType(row('INTEGER')).decision).toBe('NUMBER(*,0) holds exactly the values of decimal(38,0)');
    expect(mapOracleType(row('NUMBER_38_NEG10')).decision).toBe('NUMBER(38,-10) is wider than decimal(38), not profiled: read as exact text');
    expect(mapOracleType(row('FLOAT')).decision).toBe('FLOAT(126) is a decimal NUMBER with binary precision 126: read as float64, and a value a double cannot hold exactly fails the run (override as string or decimal to keep every digit)');
  });

  it('refuses a type with no canonical equivalent, naming it', () => {
    expect(() => mapOracleType(facts(['SDO_GEOMETRY', 1, null, null, 0, null]))).toThrow(
      new TerminalError('SDO_GEOMETRY has no canonical type — extract a view that converts the column (TO_CHAR, a CAST) instead of the table, or ask for the type to be supported'));
  });
});

describe('profiling', () => {
  it('profiles NUMBER, NUMBER(*,s) and declarations wider than decimal(38), nothing else', () => {
    const profiled = Object.keys(ROWS).filter((k) => needsProfile(row(k)));
    expect(profiled).toEqual(['NUMBER', 'INTEGER', 'NUMBER_STAR_2', 'NUMBER_38_NEG10']);
  });

  it('chooses a decimal with headroom from the profile', () => {
    const profile = { rows: 1000, values: 990, special: 0, maxIntegerDigits: 7, maxScale: 3 };
    expect(mapOracleType(row('NUMBER'), profile)).toEqual({
      type: { kind: 'decimal', precision: 14, scale: 3 },
      decision: 'NUMBER profiled (990 values in 1000 rows profiled): at most 7 integer digits and scale 3, so decimal(14,3) (4 digits of headroom)',
    });
    expect(mapOracleType(row('INTEGER'), { ...profile, maxScale: 0 }).type).toEqual({ kind: 'decimal', precision: 11, scale: 0 });
  });

  it('caps the headroom at 38 digits and falls back to text past them, on infinities or with no values', () => {
    expect(numberFromProfile({ rows: 5, values: 5, special: 0, maxIntegerDigits: 30, maxScale: 6 }).type).toEqual({ kind: 'decimal', precision: 38, scale: 6 });
    expect(numberFromProfile({ rows: 5, values: 5, special: 0, maxIntegerDigits: 30, maxScale: 9 })).toEqual({
      type: { kind: 'string' },
      decision: 'NUMBER needs 39 digits (30 integer + 9 scale; 5 values in 5 rows profiled), more than decimal(38): read as exact text',
    });
    expect(numberFromProfile({ rows: 5, values: 5, special: 1, maxIntegerDigits: 127, maxScale: 127 }).decision)
      .toBe('NUMBER holds ±infinity (1 of 5 values in 5 rows profiled): read as exact text');
    expect(numberFromProfile({ rows: 0, values: 0, special: 0, maxIntegerDigits: 0, maxScale: 0 }, 'NUMBER(*,2)').decision)
      .toBe('NUMBER(*,2) with no values to profile (0 values in 0 rows profiled): read as exact text; override columns.<name>.type to choose a decimal');
  });
});

describe('applyOverride', () => {
  it('accepts changes that cannot lose data and records them', () => {
    const n = row('NUMBER');
    expect(applyOverride('MONTO', n, mapOracleType(n), 'decimal(18,2)')).toEqual({
      type: { kind: 'decimal', precision: 18, scale: 2 },
      decision: 'config override columns.MONTO.type = decimal(18,2) (source NUMBER, default string)',
    });
    expect(applyOverride('ID', row('NUMBER_19'), mapOracleType(row('NUMBER_19')), 'int64').type).toEqual({ kind: 'int64' });
    expect(applyOverride('T', row('TS9'), mapOracleType(row('TS9')), 'string').type).toEqual({ kind: 'string' });
    expect(applyOverride('F', row('BINARY_FLOAT'), mapOracleType(row('BINARY_FLOAT')), 'float64').type).toEqual({ kind: 'float64' });
  });

  it('refuses lossy or unreadable changes with the allowed choices', () => {
    expect(() => applyOverride('MONTO', row('NUMBER_18_2'), mapOracleType(row('NUMBER_18_2')), 'float64')).toThrow(
      new TerminalError('columns.MONTO.type: NUMBER(18,2) cannot be read as float64 without losing data — use one of int64, decimal, string'));
    expect(() => applyOverride('D', row('DATE'), mapOracleType(row('DATE')), 'date')).toThrow(
      new TerminalError('columns.D.type: DATE cannot be read as date without losing data — use one of datetime'));
    expect(() => applyOverride('M', row('NUMBER'), mapOracleType(row('NUMBER')), 'decimal(50,2)')).toThrow(
      new TerminalError('columns.M.type: decimal(50,2) is wider than decimal(38) — use at most decimal(38,s) or string'));
    expect(() => applyOverride('M', row('NUMBER'), mapOracleType(row('NUMBER')), 'money')).toThrow(/^columns\.M\.type: "money" is not a canonical type/);
  });
});
