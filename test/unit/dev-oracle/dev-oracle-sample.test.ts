/**
 * The VENTAS sample as data: it covers every Oracle type docs/types.md maps, its hand-written
 * expectations agree with the mapping rules (shared/model/oracle-types.ts) on the catalog facts
 * Oracle reports for each declaration, its SQL is what the seed runs, and the config and
 * environment `datapipe dev oracle` prints are valid.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config/load-config.js';
import { formatType } from '../../../shared/model/column.js';
import {
  mapOracleType, oracleFamily, oracleSourceType, type NumericProfile, type OracleColumnFacts, type OracleFamily,
} from '../../../shared/model/oracle-types.js';
import { sampleConfigYaml, sampleEnvLines } from '../../../services/cli/commands/dev-oracle.js';
import { createTableSql, expectedRow, insertRowSql } from '../../../services/cli/commands/dev-oracle-sample.js';
import { expectedLine, expectedSale, salesSeed, scaledText, VENTAS_CABECERA } from '../../../services/cli/commands/dev-oracle-sales.js';
import { accountSql, newPassword, SAMPLE_TABLES, sampleTablesSql } from '../../../services/cli/commands/dev-oracle-seed.js';
import {
  LARGE_BLOB, LARGE_CLOB, TIPOS_ORACLE, TIPOS_ORACLE_LONG, TIPOS_ORACLE_ROWS, VARCHAR2_4000_BYTES,
} from '../../../services/cli/commands/dev-oracle-types.js';
import { parseOracleUrl } from '../../support/oracle-container.js';

const allColumns = SAMPLE_TABLES.flatMap(({ table }) => table.columns.map((c) => ({ table: table.name, ...c })));

describe('the sample covers every Oracle type', () => {
  it('has a column of every type family the Oracle mapping knows', () => {
    const families = { number: 1, float: 1, binary_float: 1, binary_double: 1, char: 1, clob: 1, long: 1, raw: 1, blob: 1, date: 1, timestamp: 1, timestamp_tz: 1, timestamp_ltz: 1, interval_ym: 1, interval_ds: 1, rowid: 1, json: 1, xml: 1, boolean: 1 } satisfies Record<Exclude<OracleFamily, 'unsupported'>, 1>;
    const present = new Set(allColumns.map((c) => oracleFamily(c.sourceType)));
    expect(Object.keys(families).filter((f) => !present.has(f as OracleFamily))).toEqual([]);
    expect(present.has('unsupported')).toBe(false);
  });

  it('declares every type docs/types.md lists, by name', () => {
    const declared = allColumns.map((c) => c.declared).join(' | ');
    const named = ['NUMBER(', 'NUMBER(*,', 'INTEGER', 'FLOAT(', 'BINARY_FLOAT', 'BINARY_DOUBLE', 'VARCHAR2(', 'NVARCHAR2(', 'CHAR(', 'NCHAR(',
      'CLOB', 'NCLOB', 'LONG', 'RAW(', 'LONG RAW', 'BLOB', 'DATE', 'TIMESTAMP(0)', 'TIMESTAMP(9)', 'WITH TIME ZONE', 'WITH LOCAL TIME ZONE',
      'INTERVAL YEAR', 'INTERVAL DAY', 'ROWID', 'UROWID', 'JSON', 'XMLTYPE', 'BOOLEAN', 'BYTE)', 'CHAR)'];
    expect(named.filter((name) => !declared.includes(name))).toEqual([]);
    expect(allColumns.some((c) => c.declared === 'NUMBER')).toBe(true);
  });
});

/** ALL_TAB_COLUMNS facts of a declaration (Oracle Reference; AL32UTF8 database, AL16UTF16 national set). */
const facts = (dataType: string, extra: Partial<OracleColumnFacts> = {}): OracleColumnFacts => ({
  dataType, dataLength: 22, precision: null, scale: null, charLength: 0, charUsed: null, ...extra,
});
const profile = (maxIntegerDigits: number, maxScale: number): NumericProfile => ({ rows: 5, values: 3, special: 0, maxIntegerDigits, maxScale });

const FACTS: Record<string, [OracleColumnFacts, NumericProfile?]> = {
  C_NUMBER_38: [facts('NUMBER', { precision: 38, scale: 0 })],
  C_NUMBER_ESCALA_NEG: [facts('NUMBER', { precision: 5, scale: -2 })],
  C_NUMBER_S_MAYOR: [facts('NUMBER', { precision: 3, scale: 5 })],
  C_NUMBER_ESTRELLA: [facts('NUMBER', { scale: 4 }), profile(5, 4)],
  C_INTEGER: [facts('NUMBER', { scale: 0 }), profile(10, 0)],
  C_NUMBER_LIBRE: [facts('NUMBER'), profile(5, 6)],
  C_NUMBER_EXTREMO: [facts('NUMBER'), profile(127, 127)],
  C_FLOAT: [facts('FLOAT', { precision: 49 })],
  C_TS6: [facts('TIMESTAMP(6)', { dataLength: 11, scale: 6 })],
  C_TS9: [facts('TIMESTAMP(9)', { dataLength: 11, scale: 9 })],
  C_TSTZ: [facts('TIMESTAMP(9) WITH TIME ZONE', { dataLength: 13, scale: 9 })],
  C_TSLTZ: [facts('TIMESTAMP(6) WITH LOCAL TIME ZONE', { dataLength: 11, scale: 6 })],
  C_CHAR: [facts('CHAR', { dataLength: 10, charLength: 10, charUsed: 'B' })],
  C_CHAR_C: [facts('CHAR', { dataLength: 20, charLength: 5, charUsed: 'C' })],
  C_NCHAR: [facts('NCHAR', { dataLength: 10, charLength: 5, charUsed: 'C' })],
  C_VARCHAR2: [facts('VARCHAR2', { dataLength: 4000, charLength: 4000, charUsed: 'B' })],
  C_VARCHAR2_C: [facts('VARCHAR2', { dataLength: 40, charLength: 10, charUsed: 'C' })],
  C_NVARCHAR2: [facts('NVARCHAR2', { dataLength: 200, charLength: 100, charUsed: 'C' })],
  C_RAW: [facts('RAW', { dataLength: 16 })],
  C_INTERVAL_DS: [facts('INTERVAL DAY(3) TO SECOND(6)', { dataLength: 11, precision: 3, scale: 6 })],
};

describe('the hand-written expectations agree with the Oracle mapping rules', () => {
  for (const column of TIPOS_ORACLE.columns.filter((c) => FACTS[c.name])) {
    it(`${column.name} ${column.declared}`, () => {
      const [columnFacts, columnProfile] = FACTS[column.name]!;
      const decision = mapOracleType(columnFacts, columnProfile);
      expect({ sourceType: oracleSourceType(columnFacts), type: formatType(decision.type), decision: decision.decision })
        .toEqual({ sourceType: column.sourceType, type: column.type, decision: column.decision });
    });
  }
});

describe('seed values', () => {
  it('are as large as they claim', () => {
    expect(Buffer.byteLength(VARCHAR2_4000_BYTES)).toBe(4000);
    expect(Buffer.byteLength(LARGE_CLOB)).toBeGreaterThan(32_768);
    expect(LARGE_BLOB.length).toBeGreaterThan(32_768);
  });

  it('sale 1, sale 97 (a credit note) and the last line, worked out by hand', () => {
    expect(expectedSale(1)).toEqual({
      ID_VENTA: '1', NUMERO_FACTURA: 'F-000000001', CLIENTE: 'Zoë Ångström #1', FECHA_VENTA: '2025-01-01T00:01:00.000000',
      FECHA_ENTREGA: '2025-01-02T00:00:00.000000', MONTO: '79.19', IMPUESTO: '16.6299', ESTADO: 'P', OBSERVACIONES: null,
      ACTUALIZADO_EN: '2025-01-01T05:01:00.007919Z',
    });
    // 97 · 7919 = 768143 cents, negated; 21 % of it; 97 min = 01:37; 97 mod 15 = 7 days; 768143 µs.
    expect(expectedSale(97)).toMatchObject({ MONTO: '-7681.43', IMPUESTO: '-1613.1003', FECHA_VENTA: '2025-01-01T01:37:00.000000', FECHA_ENTREGA: '2025-01-08T00:00:00.000000', ACTUALIZADO_EN: '2025-01-01T06:37:00.768143Z' });
    expect(expectedSale(55)).toMatchObject({ OBSERVACIONES: null, FECHA_ENTREGA: '2025-01-11T00:00:00.000000' });
    expect(expectedSale(35)).toMatchObject({ OBSERVACIONES: 'Entrega en almacén nº 35', FECHA_ENTREGA: null });
    expect(expectedLine(5000, 2)).toEqual({
      ID_VENTA: '5000', LINEA: '2', PRODUCTO: 'Producto 0 — café', CANTIDAD: '55.002', PRECIO_UNITARIO: '1.035026',
      DESCUENTO: null, FECHA_MODIFICACION: '2025-01-04T11:20:02.190000',
    });
  });

  it('scaledText writes an unscaled integer at its scale', () => {
    expect([scaledText(-5n, 2), scaledText(5n, 0), scaledText(123456n, 3), scaledText(-1n, 6)]).toEqual(['-0.05', '5', '123.456', '-0.000001']);
  });

  it('generates the sales in the database, with a bind name Oracle accepts', () => {
    const [cabecera, detalle] = salesSeed(7);
    expect(cabecera?.binds).toEqual({ sales: 7 });
    expect(cabecera?.sql).toContain('CONNECT BY LEVEL <= :sales');
    expect(detalle?.sql).toMatch(/^INSERT INTO VENTAS_DETALLE .* FROM VENTAS_CABECERA c CROSS JOIN/s);
  });
});

describe('seed SQL', () => {
  it('CREATE TABLE declares each column as written, NOT NULL where the sample says, and the key', () => {
    expect(createTableSql(TIPOS_ORACLE_LONG)).toBe('CREATE TABLE TIPOS_ORACLE_LONG (\n  ID NUMBER(9) NOT NULL,\n  C_LONG LONG,\n  CONSTRAINT TIPOS_ORACLE_LONG_PK PRIMARY KEY (ID)\n)');
  });

  it('an INSERT binds what must be bound, writes SQL literals inline and NULL for the rest', () => {
    const row4 = insertRowSql(TIPOS_ORACLE, TIPOS_ORACLE_ROWS[3]!);
    const clob = TIPOS_ORACLE.columns.findIndex((c) => c.name === 'C_CLOB');
    const blob = TIPOS_ORACLE.columns.findIndex((c) => c.name === 'C_BLOB');
    expect(row4.binds).toEqual({ [`b${clob}`]: { value: LARGE_CLOB, lob: 'clob' }, [`b${blob}`]: { value: LARGE_BLOB, lob: 'blob' } });
    expect(row4.sql).toMatch(/^INSERT INTO TIPOS_ORACLE \(ID, C_NUMBER_38, .*C_BOOLEAN\) VALUES \(4, 0, 0\.5, NULL, NULL, 0, /);
    expect(insertRowSql(TIPOS_ORACLE, TIPOS_ORACLE_ROWS[2]!).sql).toMatch(new RegExp(`VALUES \\(3(, NULL){${TIPOS_ORACLE.columns.length - 1}}\\)$`));
    expect(() => insertRowSql(VENTAS_CABECERA, TIPOS_ORACLE_ROWS[2]!)).toThrow('VENTAS_CABECERA: the sample row names no such column ID');
  });

  it('expected rows have every column, NULL where the row has no value', () => {
    const row = expectedRow(TIPOS_ORACLE, TIPOS_ORACLE_ROWS[2]!);
    expect(Object.keys(row)).toEqual(TIPOS_ORACLE.columns.map((c) => c.name));
    expect(Object.values(row).filter((v) => v !== null)).toEqual(['3']);
  });

  it('drops every table first, creates them in key order, and grants the reader SELECT and FLASHBACK last', () => {
    const statements = sampleTablesSql(10).map((s) => s.sql.split('\n')[0]);
    expect(statements.slice(0, 5).map((s) => /DROP TABLE (\w+)/.exec(s!)?.[1])).toEqual(
      ['TIPOS_ORACLE_LONG_RAW', 'TIPOS_ORACLE_LONG', 'TIPOS_ORACLE', 'VENTAS_DETALLE', 'VENTAS_CABECERA'],
    );
    expect(statements.filter((s) => s!.startsWith('CREATE TABLE')).map((s) => s!.split(' ')[2])).toEqual(SAMPLE_TABLES.map(({ table }) => table.name));
    expect(statements.slice(-5)).toEqual(SAMPLE_TABLES.map(({ table }) => `GRANT SELECT, FLASHBACK ON ${table.name} TO "DATAPIPE"`));
  });

  it('accounts are created, or have their password reset; a double quote cannot close the quoted password', () => {
    expect(accountSql('DATAPIPE', 'Dp7abc', false)).toBe('CREATE USER "DATAPIPE" IDENTIFIED BY "Dp7abc"');
    expect(accountSql('VENTAS', 'Dp7abc', true)).toBe('ALTER USER "VENTAS" IDENTIFIED BY "Dp7abc" ACCOUNT UNLOCK');
    expect(() => accountSql('VENTAS', 'a"b', false)).toThrow('the password for VENTAS cannot be empty or contain a double quote — choose another');
  });

  it('passwords are new each time and safe to quote', () => {
    const [a, b] = [newPassword(), newPassword()];
    expect(a).toMatch(/^Dp7[A-Za-z0-9]{17}$/);
    expect(a).not.toBe(b);
  });
});

describe('what datapipe dev oracle prints', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'datapipe-sample-config-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('the environment, one export per line, the password only where it is the value', () => {
    const lines = sampleEnvLines({ host: 'localhost', port: 1521, service: 'FREEPDB1' }, 'Dp7secret');
    expect(lines.filter((l) => l.startsWith('export '))).toEqual([
      'export ORACLE_HOST=localhost', 'export ORACLE_PORT=1521', 'export ORACLE_SERVICE=FREEPDB1', 'export ORACLE_USER=DATAPIPE',
      'export ORACLE_PASSWORD=Dp7secret', 'export DATAPIPE_ORACLE_URL=oracle://sys:Dp7secret@localhost:1521/FREEPDB1',
    ]);
    expect(lines.filter((l) => l.includes('Dp7secret'))).toHaveLength(2);
  });

  it('a config.yaml that validates with those variables and lists the five tables', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, sampleConfigYaml());
    const env = { ORACLE_HOST: 'localhost', ORACLE_PORT: '1521', ORACLE_SERVICE: 'FREEPDB1', ORACLE_USER: 'DATAPIPE', ORACLE_PASSWORD: 'x' };
    const { config } = await loadConfig(path, env);
    expect(config.source).toMatchObject({ type: 'oracle', schema: 'VENTAS', connection: { host: 'localhost', port: 1521, service_name: 'FREEPDB1', user: 'DATAPIPE' } });
    expect(config.tables.map((t) => [t.name, t.load_mode, t.partition_column ?? null])).toEqual([
      ['VENTAS_CABECERA', 'incremental', 'FECHA_VENTA'], ['VENTAS_DETALLE', 'incremental', 'FECHA_MODIFICACION'],
      ['TIPOS_ORACLE', 'full', null], ['TIPOS_ORACLE_LONG', 'full', null], ['TIPOS_ORACLE_LONG_RAW', 'full', null],
    ]);
  });

  it('the Oracle suites read the URL it prints', () => {
    expect(parseOracleUrl('oracle://sys:Dp7%40x@db.example:1522/FREEPDB1')).toEqual({
      target: { host: 'db.example', port: 1522, service: 'FREEPDB1' }, admin: { user: 'sys', password: 'Dp7@x' },
    });
    expect(() => parseOracleUrl('postgres://a:b@h/x')).toThrow('DATAPIPE_ORACLE_URL must look like oracle://<admin user>:<password>@<host>:<port>/<service>');
  });
});
