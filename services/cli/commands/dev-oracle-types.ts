/**
 * TIPOS_ORACLE: one column per Oracle type of docs/types.md ("Oracle → canonical"), five rows of edge
 * values, each beside what the warehouse must hold. Oracle allows one LONG or LONG RAW column per
 * table, so those two types have a table each (TIPOS_ORACLE_LONG, TIPOS_ORACLE_LONG_RAW).
 * The values are written with the literal forms of the Oracle SQL Language Reference ("Literals"):
 * datetime and interval literals (a region name in a TIMESTAMP WITH TIME ZONE literal), numeric
 * literals with the F / D suffix of BINARY_FLOAT / BINARY_DOUBLE (the maxima as their shortest
 * round-trip decimals, which round to them; the *_MAX_NORMAL names are documented as PL/SQL
 * constants), BINARY_FLOAT_NAN / _INFINITY and the BINARY_DOUBLE ones, TRUE / FALSE (23ai
 * BOOLEAN), EMPTY_CLOB / EMPTY_BLOB (an empty LOB is not NULL; an empty VARCHAR2 or RAW is).
 *
 * The unconstrained NUMBER decisions follow from these five rows: `generate schema` profiles the
 * column over the table (shared/model/oracle-types.ts numberFromProfile, 4 digits of headroom).
 */
import { bound, column, sql, type SampleRow, type SampleTable } from './dev-oracle-sample.js';

const TRUNCATED = 'AVRO keeps microseconds, so digits past the sixth are truncated (override as string to keep them)';
const UTC_INSTANT = 'is read as its UTC instant (SYS_EXTRACT_UTC); the original zone is not kept, and digits past the sixth fraction digit are truncated';
const PROFILED = '3 values in 5 rows profiled';

export const TIPOS_ORACLE: SampleTable = {
  name: 'TIPOS_ORACLE',
  primaryKey: ['ID'],
  columns: [
    column('ID', 'NUMBER(9)', 'NUMBER(9)', 'int64', { nullable: false }),
    column('C_NUMBER_38', 'NUMBER(38)', 'NUMBER(38)', 'decimal(38,0)'),
    column('C_NUMBER_18_2', 'NUMBER(18,2)', 'NUMBER(18,2)', 'decimal(18,2)'),
    column('C_NUMBER_ESCALA_NEG', 'NUMBER(5,-2)', 'NUMBER(5,-2)', 'int64', { decision: 'NUMBER(5,-2) holds only integers of at most 7 digits: int64' }),
    column('C_NUMBER_S_MAYOR', 'NUMBER(3,5)', 'NUMBER(3,5)', 'decimal(5,5)', { decision: 'NUMBER(3,5) holds exactly the values of decimal(5,5)' }),
    column('C_NUMBER_ESTRELLA', 'NUMBER(*,4)', 'NUMBER(*,4)', 'decimal(13,4)', {
      decision: `NUMBER(*,4) profiled (${PROFILED}): at most 5 integer digits and scale 4, so decimal(13,4) (4 digits of headroom)`,
    }),
    column('C_INTEGER', 'INTEGER', 'NUMBER(*,0)', 'decimal(14,0)', {
      decision: `NUMBER(*,0) profiled (${PROFILED}): at most 10 integer digits and scale 0, so decimal(14,0) (4 digits of headroom)`,
    }),
    column('C_NUMBER_LIBRE', 'NUMBER', 'NUMBER', 'decimal(15,6)', {
      decision: `NUMBER profiled (${PROFILED}): at most 5 integer digits and scale 6, so decimal(15,6) (4 digits of headroom)`,
    }),
    // 9.99E125 and ±1E-130 (Oracle's extremes) render in scientific notation past 64 characters,
    // which profiling counts as 127 digits each side: no decimal holds them, so exact text.
    column('C_NUMBER_EXTREMO', 'NUMBER', 'NUMBER', 'string', {
      decision: `NUMBER needs 254 digits (127 integer + 127 scale; ${PROFILED}), more than decimal(38): read as exact text`,
    }),
    column('C_FLOAT', 'FLOAT(49)', 'FLOAT(49)', 'float64', {
      decision: 'FLOAT(49) is a decimal NUMBER with binary precision 49: read as float64, and a value a double cannot hold exactly fails the run (override as string or decimal to keep every digit)',
    }),
    column('C_BINARY_FLOAT', 'BINARY_FLOAT', 'BINARY_FLOAT', 'float32'),
    column('C_BINARY_DOUBLE', 'BINARY_DOUBLE', 'BINARY_DOUBLE', 'float64'),
    column('C_DATE', 'DATE', 'DATE', 'datetime'),
    column('C_TS0', 'TIMESTAMP(0)', 'TIMESTAMP(0)', 'datetime'),
    column('C_TS3', 'TIMESTAMP(3)', 'TIMESTAMP(3)', 'datetime'),
    column('C_TS6', 'TIMESTAMP', 'TIMESTAMP(6)', 'datetime'),
    column('C_TS9', 'TIMESTAMP(9)', 'TIMESTAMP(9)', 'datetime', { decision: `TIMESTAMP(9) keeps 9 fraction digits; ${TRUNCATED}` }),
    column('C_TSTZ', 'TIMESTAMP(9) WITH TIME ZONE', 'TIMESTAMP(9) WITH TIME ZONE', 'timestamp', { decision: `TIMESTAMP(9) WITH TIME ZONE ${UTC_INSTANT}` }),
    column('C_TSLTZ', 'TIMESTAMP(6) WITH LOCAL TIME ZONE', 'TIMESTAMP(6) WITH LOCAL TIME ZONE', 'timestamp', { decision: `TIMESTAMP(6) WITH LOCAL TIME ZONE ${UTC_INSTANT}` }),
    column('C_INTERVAL_YM', 'INTERVAL YEAR(4) TO MONTH', 'INTERVAL YEAR(4) TO MONTH', 'interval'),
    column('C_INTERVAL_DS', 'INTERVAL DAY(3) TO SECOND(6)', 'INTERVAL DAY(3) TO SECOND(6)', 'interval'),
    column('C_CHAR', 'CHAR(10 BYTE)', 'CHAR(10)', 'string'),
    column('C_CHAR_C', 'CHAR(5 CHAR)', 'CHAR(5 CHAR)', 'string'),
    column('C_NCHAR', 'NCHAR(5)', 'NCHAR(5)', 'string'),
    column('C_VARCHAR2', 'VARCHAR2(4000 BYTE)', 'VARCHAR2(4000)', 'string'),
    column('C_VARCHAR2_C', 'VARCHAR2(10 CHAR)', 'VARCHAR2(10 CHAR)', 'string'),
    column('C_NVARCHAR2', 'NVARCHAR2(100)', 'NVARCHAR2(100)', 'string'),
    column('C_CLOB', 'CLOB', 'CLOB', 'string'),
    column('C_NCLOB', 'NCLOB', 'NCLOB', 'string'),
    column('C_BLOB', 'BLOB', 'BLOB', 'bytes'),
    column('C_RAW', 'RAW(16)', 'RAW(16)', 'bytes'),
    column('C_ROWID', 'ROWID', 'ROWID', 'string'),
    column('C_UROWID', 'UROWID', 'UROWID', 'string'),
    column('C_JSON', 'JSON', 'JSON', 'json'),
    column('C_XML', 'XMLTYPE', 'XMLTYPE', 'string'),
    column('C_BOOLEAN', 'BOOLEAN', 'BOOLEAN', 'boolean'),
  ],
};

/** 4000 bytes of multi-byte text: the most a VARCHAR2 holds with MAX_STRING_SIZE=STANDARD. */
export const VARCHAR2_4000_BYTES = `${'€'.repeat(1333)}x`;

/** A CLOB past 32 KiB (more than one SQL or PL/SQL VARCHAR2 can carry), multi-byte throughout. */
export const LARGE_CLOB = Array.from({ length: 1500 }, (_, i) => `línea ${i}: Ñandú 東京 😀\n`).join('');

/** A BLOB past 32 KiB. */
export const LARGE_BLOB = Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 7) % 256));

const hex = (buffer: Buffer): string => buffer.toString('hex').toUpperCase();
const tiny = (sign: string): string => `${sign}0.${'0'.repeat(129)}1`;

export const TIPOS_ORACLE_ROWS: SampleRow[] = [
  { // 1: the largest values, and ordinary text in every character type
    cells: {
      ID: sql('1', '1'),
      C_NUMBER_38: sql('9'.repeat(38), '9'.repeat(38)),
      C_NUMBER_18_2: sql('9999999999999999.99', '9999999999999999.99'),
      C_NUMBER_ESCALA_NEG: sql('9999900', '9999900'),
      C_NUMBER_S_MAYOR: sql('0.00999', '0.00999'),
      C_NUMBER_ESTRELLA: sql('12345.6789', '12345.6789'),
      C_INTEGER: sql('2147483647', '2147483647'),
      C_NUMBER_LIBRE: sql('123.45', '123.450000'),
      C_NUMBER_EXTREMO: sql('9.99E125', `999${'0'.repeat(123)}`),
      C_FLOAT: sql('123456.789', 123456.789),
      C_BINARY_FLOAT: sql('3.4028235E+38F', 3.4028234663852886e38),
      C_BINARY_DOUBLE: sql('1.7976931348623157E+308D', 1.7976931348623157e308),
      C_DATE: sql("TO_DATE('9999-12-31 23:59:59', 'YYYY-MM-DD HH24:MI:SS')", '9999-12-31T23:59:59.000000'),
      C_TS0: sql("TIMESTAMP '2024-02-29 23:59:59'", '2024-02-29T23:59:59.000000'),
      C_TS3: sql("TIMESTAMP '2024-02-29 12:00:00.123'", '2024-02-29T12:00:00.123000'),
      C_TS6: sql("TIMESTAMP '9999-12-31 23:59:59.999999'", '9999-12-31T23:59:59.999999'),
      C_TS9: sql("TIMESTAMP '2024-02-29 23:59:59.123456789'", '2024-02-29T23:59:59.123456'),
      C_TSTZ: sql("TIMESTAMP '2024-07-01 12:00:00.123456789 Europe/Madrid'", '2024-07-01T10:00:00.123456Z'),
      C_TSLTZ: sql("TIMESTAMP '2024-02-29 23:30:00.5 -05:00'", '2024-03-01T04:30:00.500000Z'),
      C_INTERVAL_YM: sql("INTERVAL '9999-11' YEAR(4) TO MONTH", 'P9999Y11M'),
      C_INTERVAL_DS: sql("INTERVAL '999 23:59:59.999999' DAY(3) TO SECOND(6)", 'P999DT23H59M59.999999S'),
      // CHAR(10 BYTE) pads to 10 bytes: ñ is two, so eight spaces follow it.
      C_CHAR: sql("'ñ'", `ñ${' '.repeat(8)}`),
      C_CHAR_C: sql("'ñ'", 'ñ    '),
      C_NCHAR: sql("N'Ωé'", 'Ωé   '),
      C_VARCHAR2: bound(VARCHAR2_4000_BYTES, VARCHAR2_4000_BYTES),
      C_VARCHAR2_C: sql("'東京商事株式会社ñÑ'", '東京商事株式会社ñÑ'),
      C_NVARCHAR2: sql("N'Ægir Þórsson 😀 Grüße'", 'Ægir Þórsson 😀 Grüße'),
      C_CLOB: sql("TO_CLOB('Ñandú — 東京 😀')", 'Ñandú — 東京 😀'),
      C_NCLOB: sql("TO_NCLOB('Ωmega ✓ 😀')", 'Ωmega ✓ 😀'),
      C_BLOB: sql("TO_BLOB(HEXTORAW('00FF00'))", '00FF00'),
      C_RAW: sql("HEXTORAW('000102030405060708090A0B0C0D0EFF')", '000102030405060708090A0B0C0D0EFF'),
      C_ROWID: sql("CHARTOROWID('AAAR3sAAEAAAACXAAA')", 'AAAR3sAAEAAAACXAAA'),
      C_UROWID: sql("CHARTOROWID('AAAR3sAAEAAAACXAAA')", 'AAAR3sAAEAAAACXAAA'),
      C_JSON: sql(`'{"a":[1,"ñ",true,null]}'`, '{"a":[1,"ñ",true,null]}'),
      C_XML: sql("XMLTYPE('<nota>ok</nota>')", '<nota>ok</nota>'),
      C_BOOLEAN: sql('TRUE', true),
    },
  },
  { // 2: the smallest and negative values, infinities, empty LOBs
    cells: {
      ID: sql('2', '2'),
      C_NUMBER_38: sql(`-${'9'.repeat(38)}`, `-${'9'.repeat(38)}`),
      C_NUMBER_18_2: sql('-0.01', '-0.01'),
      C_NUMBER_ESCALA_NEG: sql('-100', '-100'),
      C_NUMBER_S_MAYOR: sql('-0.00001', '-0.00001'),
      C_NUMBER_ESTRELLA: sql('-0.0001', '-0.0001'),
      C_INTEGER: sql('-2147483648', '-2147483648'),
      C_NUMBER_LIBRE: sql('-0.000001', '-0.000001'),
      C_NUMBER_EXTREMO: sql('1E-130', tiny('')),
      C_FLOAT: sql('-1.5E-10', -1.5e-10),
      C_BINARY_FLOAT: sql('-BINARY_FLOAT_INFINITY', -Infinity),
      C_BINARY_DOUBLE: sql('2.2250738585072014E-308D', 2.2250738585072014e-308),
      C_DATE: sql("TO_DATE('0001-01-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS')", '0001-01-01T00:00:00.000000'),
      C_TS0: sql("TIMESTAMP '0001-01-01 00:00:00'", '0001-01-01T00:00:00.000000'),
      C_TS3: sql("TIMESTAMP '1969-12-31 23:59:59.999'", '1969-12-31T23:59:59.999000'),
      C_TS6: sql("TIMESTAMP '1970-01-01 00:00:00.000001'", '1970-01-01T00:00:00.000001'),
      C_TS9: sql("TIMESTAMP '9999-12-31 23:59:59.999999999'", '9999-12-31T23:59:59.999999'),
      C_TSTZ: sql("TIMESTAMP '9999-12-31 23:59:59.999999999 +00:00'", '9999-12-31T23:59:59.999999Z'),
      C_TSLTZ: sql("TIMESTAMP '1970-01-01 00:00:00 +00:00'", '1970-01-01T00:00:00.000000Z'),
      C_INTERVAL_YM: sql("INTERVAL '-9999-11' YEAR(4) TO MONTH", 'P-9999Y-11M'),
      C_INTERVAL_DS: sql("INTERVAL '-1 02:00:00' DAY(3) TO SECOND(6)", 'P-1DT-2H'),
      C_CHAR: sql("'a'", `a${' '.repeat(9)}`),
      C_CHAR_C: sql("'abcde'", 'abcde'),
      C_NCHAR: sql("N'Ñ'", 'Ñ    '),
      C_VARCHAR2: sql("'  espacios  '", '  espacios  '),
      C_VARCHAR2_C: sql("'x'", 'x'),
      C_NVARCHAR2: sql("N'ü'", 'ü'),
      C_CLOB: sql('EMPTY_CLOB()', ''),
      C_NCLOB: sql('EMPTY_CLOB()', ''),
      C_BLOB: sql('EMPTY_BLOB()', ''),
      C_RAW: sql("HEXTORAW('00')", '00'),
      C_JSON: sql("'[]'", '[]'),
      C_BOOLEAN: sql('FALSE', false),
    },
  },
  { cells: { ID: sql('3', '3') } }, // 3: NULL in every column
  { // 4: zeros, sub-microsecond digits, LOBs past 32 KiB
    cells: {
      ID: sql('4', '4'),
      C_NUMBER_38: sql('0', '0'),
      C_NUMBER_18_2: sql('0.5', '0.50'),
      C_NUMBER_ESTRELLA: sql('0', '0.0000'),
      C_INTEGER: sql('0', '0'),
      C_NUMBER_LIBRE: sql('98765', '98765.000000'),
      C_NUMBER_EXTREMO: sql('-1E-130', tiny('-')),
      C_FLOAT: sql('0.1', 0.1),
      C_BINARY_FLOAT: sql('BINARY_FLOAT_NAN', Number.NaN),
      C_BINARY_DOUBLE: sql('BINARY_DOUBLE_INFINITY', Infinity),
      C_DATE: sql("TO_DATE('2024-02-29 12:34:56', 'YYYY-MM-DD HH24:MI:SS')", '2024-02-29T12:34:56.000000'),
      C_TS9: sql("TIMESTAMP '1970-01-01 00:00:00.000000001'", '1970-01-01T00:00:00.000000'),
      C_TSTZ: sql("TIMESTAMP '2024-03-31 02:30:00 +14:00'", '2024-03-30T12:30:00.000000Z'),
      C_INTERVAL_YM: sql("INTERVAL '0-0' YEAR(4) TO MONTH", 'PT0S'),
      C_INTERVAL_DS: sql("INTERVAL '0 00:00:00.000001' DAY(3) TO SECOND(6)", 'PT0.000001S'),
      C_CLOB: bound(LARGE_CLOB, LARGE_CLOB, 'clob'),
      C_NCLOB: sql("TO_NCLOB('ok')", 'ok'),
      C_BLOB: bound(LARGE_BLOB, hex(LARGE_BLOB), 'blob'),
      C_RAW: sql("HEXTORAW('FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF')", 'F'.repeat(32)),
    },
  },
  { // 5: ordinary values of the binary floating types
    cells: {
      ID: sql('5', '5'),
      C_NUMBER_38: sql('42', '42'),
      C_NUMBER_18_2: sql('1234.5', '1234.50'),
      C_BINARY_FLOAT: sql('0.1F', Math.fround(0.1)),
      C_BINARY_DOUBLE: sql('BINARY_DOUBLE_NAN', Number.NaN),
    },
  },
];

/** LONG: one per table; read as its text. */
export const TIPOS_ORACLE_LONG: SampleTable = {
  name: 'TIPOS_ORACLE_LONG',
  primaryKey: ['ID'],
  columns: [
    column('ID', 'NUMBER(9)', 'NUMBER(9)', 'int64', { nullable: false }),
    column('C_LONG', 'LONG', 'LONG', 'string'),
  ],
};

export const TIPOS_ORACLE_LONG_ROWS: SampleRow[] = [
  { cells: { ID: sql('1', '1'), C_LONG: sql("'texto LONG — ñandú 😀'", 'texto LONG — ñandú 😀') } },
  { cells: { ID: sql('2', '2') } },
];

/** LONG RAW: one per table; read as its bytes. */
export const TIPOS_ORACLE_LONG_RAW: SampleTable = {
  name: 'TIPOS_ORACLE_LONG_RAW',
  primaryKey: ['ID'],
  columns: [
    column('ID', 'NUMBER(9)', 'NUMBER(9)', 'int64', { nullable: false }),
    column('C_LONG_RAW', 'LONG RAW', 'LONG RAW', 'bytes'),
  ],
};

export const TIPOS_ORACLE_LONG_RAW_ROWS: SampleRow[] = [
  { cells: { ID: sql('1', '1'), C_LONG_RAW: sql("HEXTORAW('00FF10')", '00FF10') } },
  { cells: { ID: sql('2', '2') } },
];
