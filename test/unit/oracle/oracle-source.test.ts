/**
 * OracleSource's connected logic against a FAKE of the node-oracledb connection boundary
 * (fake-oracledb.ts): connection attributes and session settings, retries and error lines,
 * describe / windowHigh / countNulls SQL, binds and results.
 */
import { describe, expect, it } from 'vitest';
import { ContractError, TerminalError, TransientError } from '../../../shared/errors.js';
import { findColumn } from '../../../shared/model/column.js';
import { fetchTypeHandler } from '../../../shared/sources/oracle/oracle-values.js';
import { COLUMNS_SQL, PRIMARY_KEY_SQL } from '../../../shared/sources/oracle/oracle-sql.js';
import { driverError, FakeOracleDriver } from './fake-oracledb.js';
import { silentLogger } from '../../../shared/log.js';
import { connectOracle } from '../../../shared/sources/oracle/oracle-source.js';
import { CATALOG_COLUMNS, CATALOG_ROWS, catalogDriver, capturingLogger, CONFIG, connectFake, MODEL, PASSWORD } from './oracle-fixtures.js';

const SESSION = "ALTER SESSION SET TIME_ZONE = '+00:00' NLS_CALENDAR = 'GREGORIAN' NLS_NUMERIC_CHARACTERS = '.,'"
  + " NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS' NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9'"
  + " NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM'";

describe('connectOracle (fake node-oracledb boundary)', () => {
  it('connects with the configured attributes, sets the call timeout and the session, and learns the user', async () => {
    const driver = new FakeOracleDriver();
    const source = await connectFake(driver, { schema: undefined });
    // expireTime: TCP keepalive after a minute idle (node-oracledb's dead connection detection).
    expect(driver.attributes).toEqual([{ user: 'etl', password: PASSWORD, connectString: 'db.example:1521/ERP_PROD', connectTimeout: 20, expireTime: 1 }]);
    expect(driver.connections[0]!.callTimeout).toBe(60_000);
    expect(driver.calls.map((c) => [c.sql, c.binds])).toEqual([[SESSION, {}], ['SELECT USER AS USERNAME FROM DUAL', {}]]);
    expect(source.owner).toBe('ETL');
    await source.close();
    expect(driver.connections[0]!.closed).toBe(true);
  });

  it('fails a wrong password at once with the one line naming server, user and fix — never the password', async () => {
    const driver = new FakeOracleDriver();
    driver.connectErrors.push(driverError('ORA-01017', 'invalid credential or not authorized; logon denied'));
    const { log, text } = capturingLogger();
    const error = await connectFake(driver, { log }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as TerminalError).exitCode).toBe(2);
    expect((error as Error).message).toBe('cannot log in to Oracle at db.example:1521/ERP_PROD as etl: invalid username or password — check source.connection.user and source.connection.password');
    expect(driver.attributes).toHaveLength(1);
    expect(text()).not.toContain(PASSWORD);
  });

  it('names an unknown service and the fix', async () => {
    const driver = new FakeOracleDriver();
    driver.connectErrors.push(driverError('NJS-518', 'cannot connect to Oracle Database. Service "ERP_PROD" is not registered with the listener at host db.example port 1521.'));
    await expect(connectFake(driver)).rejects.toThrow(new TerminalError('Oracle at db.example:1521/ERP_PROD: the listener does not know this service — check source.connection.service_name (for gvenzl/oracle-free use FREEPDB1)'));
  });

  it('retries a refused connection with backoff, then gives up with a TransientError (exit 1)', async () => {
    const refused = () => driverError('NJS-503', 'connection to host db.example port 1521 could not be established. (CONNECTION_ID=x)\nconnect ECONNREFUSED');
    const recovering = new FakeOracleDriver();
    recovering.connectErrors.push(refused(), refused());
    const source = await connectFake(recovering);
    expect(recovering.attributes).toHaveLength(3);
    await source.close();

    const down = new FakeOracleDriver();
    down.connectErrors.push(refused(), refused(), refused(), refused());
    const { log, records, text } = capturingLogger();
    const error = await connectFake(down, { log }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).exitCode).toBe(1);
    expect((error as Error).message).toBe('lost or could not open the connection to Oracle at db.example:1521/ERP_PROD: NJS-503: connection to host db.example port 1521 could not be established. (CONNECTION_ID=x) (retrying may help)');
    // DATABASE_RETRY: four tries in all.
    expect(down.attributes).toHaveLength(4);
    expect(records.filter((r) => r.level === 40).map((r) => r.attempt)).toEqual([1, 2, 3]);
    expect(text()).not.toContain(PASSWORD);
  });

  it('waits between connection attempts by the one policy: exponential backoff with full jitter (shared/retry.ts)', async () => {
    const refused = () => driverError('NJS-503', 'connection to host db.example port 1521 could not be established. (CONNECTION_ID=x)\nconnect ECONNREFUSED');
    const down = new FakeOracleDriver();
    down.connectErrors.push(refused(), refused(), refused(), refused());
    const waits: number[] = [];
    // random() → 1 draws the cap of each wait: 1 s, 2 s, 4 s (DATABASE_RETRY's base 1 s, doubled per retry).
    const error = await connectOracle(CONFIG, 'VENTAS', silentLogger, { driver: down, retry: { sleep: async (ms) => { waits.push(ms); }, random: () => 0.999_999_9 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(waits).toEqual([1_000, 2_000, 4_000]);
  });

  it('reports a host that does not resolve as a configuration error (exit 2), without retrying', async () => {
    const driver = new FakeOracleDriver();
    driver.connectErrors.push(driverError('NJS-503', 'connection to host nohost.example port 1521 could not be established. (CONNECTION_ID=x)\ngetaddrinfo ENOTFOUND nohost.example'));
    const error = await connectFake(driver).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as Error).message).toBe('cannot connect to Oracle at db.example:1521/ERP_PROD: host not found — check source.connection.host');
    expect(driver.attributes).toHaveLength(1);
  });

  it('refuses Thick mode', async () => {
    const driver = new FakeOracleDriver();
    Object.defineProperty(driver, 'thin', { value: false });
    await expect(connectFake(driver)).rejects.toThrow(new TerminalError('node-oracledb is in Thick mode (something in this process called initOracleClient) — DataPipe reads Oracle in Thin mode only; remove the initOracleClient call'));
    expect(driver.connections[0]!.closed).toBe(true);
  });
});

describe('fetchTypeHandler', () => {
  const driver = new FakeOracleDriver();
  const handler = fetchTypeHandler(driver);

  it('fetches NUMBER and CLOBs as text and BLOB as a Buffer with the driver’s own type constants, the rest as the driver does', () => {
    expect(handler({ name: 'ID', dbTypeName: 'NUMBER' })).toEqual({ type: driver.STRING });
    expect(handler({ name: 'ID', dbTypeName: 'NUMBER' })!.type).toBe(driver.STRING);
    expect(handler({ name: 'DOC', dbTypeName: 'NCLOB' })!.type).toBe(driver.STRING);
    expect(handler({ name: 'IMG', dbTypeName: 'BLOB' })!.type).toBe(driver.BUFFER);
    for (const typeName of ['VARCHAR2', 'RAW', 'BINARY_DOUBLE', 'INTERVAL DAY TO SECOND', 'ROWID', 'BOOLEAN', 'XMLTYPE']) {
      expect(handler({ name: 'X', dbTypeName: typeName }), typeName).toBeUndefined();
    }
  });

  it('fails loudly on any DATE or TIMESTAMP that would become a JS Date', () => {
    for (const typeName of ['DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP WITH LOCAL TIME ZONE']) {
      expect(() => handler({ name: 'FECHA', dbTypeName: typeName }), typeName).toThrow(new TerminalError(
        `column FECHA would be fetched as a ${typeName} (a JS Date: milliseconds only, in the process's time zone) — DataPipe renders dates and times as text in SQL, so this is a DataPipe bug: please report it`));
    }
  });
});

describe('describe', () => {
  it('reads ALL_TAB_COLUMNS and the primary key with bound owner and table, and maps the types', async () => {
    const driver = catalogDriver();
    const source = await connectFake(driver);
    const model = await source.describe('VENTAS_CABECERA', { profile: false });
    expect(driver.calls.slice(2).map((c) => [c.sql, c.binds, c.options.outFormat])).toEqual([
      [COLUMNS_SQL, { owner: 'VENTAS', table_name: 'VENTAS_CABECERA' }, driver.OUT_FORMAT_OBJECT],
      [PRIMARY_KEY_SQL, { owner: 'VENTAS', table_name: 'VENTAS_CABECERA' }, driver.OUT_FORMAT_OBJECT],
    ]);
    expect(model.primaryKeys).toEqual(['id_venta']);
    expect(model.columns.map((c) => [c.sourceName, c.sourceType, c.type, c.nullable])).toEqual([
      ['ID_VENTA', 'NUMBER(12)', { kind: 'int64' }, false],
      ['FECHA_VENTA', 'DATE', { kind: 'datetime' }, true],
      ['CLIENTE', 'VARCHAR2(100 CHAR)', { kind: 'string' }, true],
      ['MONTO', 'NUMBER', { kind: 'string' }, true],
      ['TOTAL', 'NUMBER(18,2)', { kind: 'decimal', precision: 18, scale: 2 }, true],
    ]);
    await source.close();
  });

  it('profiles unconstrained NUMBER columns on a sample, skips overridden ones, and logs each decision', async () => {
    const rows = CATALOG_ROWS.concat([['SALDO', 'NUMBER', '22', null, null, '0', null, 'Y']]);
    const driver = catalogDriver()
      .on((sql) => sql === COLUMNS_SQL, { columns: CATALOG_COLUMNS, rows })
      .on('SELECT COUNT(*) AS PROFILED_ROWS', {
        columns: ['PROFILED_ROWS', 'P0_VALUES', 'P0_SPECIAL', 'P0_INT_DIGITS', 'P0_SCALE'].map((name) => ({ name, dbTypeName: 'NUMBER' })),
        rows: [['5000', '4990', '0', '9', '2']],
      });
    const { log, records } = capturingLogger();
    const source = await connectFake(driver, { log });
    const model = await source.describe('VENTAS_CABECERA', { profile: true, profileSampleRows: 5000, overrides: { saldo: { type: 'decimal(20,4)' } } });
    const profile = driver.calls.find((c) => c.sql.startsWith('SELECT COUNT(*) AS PROFILED_ROWS'))!;
    expect(profile.sql).toContain(`FROM (SELECT TO_CHAR(ABS("MONTO"), 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''') AS V0 FROM "VENTAS"."VENTAS_CABECERA" FETCH FIRST :sample_rows ROWS ONLY)`);
    expect(profile.sql).not.toContain('SALDO');
    expect(profile.binds).toEqual({ sample_rows: 5000 });
    expect(findColumn(model, 'MONTO')!.type).toEqual({ kind: 'decimal', precision: 15, scale: 2 });
    expect(findColumn(model, 'SALDO')!.type).toEqual({ kind: 'decimal', precision: 20, scale: 4 });
    expect(records.filter((r) => r.level === 30 && r.decision).map((r) => r.msg)).toEqual([
      'VENTAS_CABECERA.MONTO: NUMBER profiled (4990 values in 5000 rows profiled): at most 9 integer digits and scale 2, so decimal(15,2) (4 digits of headroom)',
      'VENTAS_CABECERA.SALDO: config override columns.saldo.type = decimal(20,4) (source NUMBER, default string)',
    ]);
    await source.close();
  });

  it('finds unquoted names in any case, and names owner, table, user and the grant when the table is not visible', async () => {
    const driver = catalogDriver().once((sql) => sql === COLUMNS_SQL, { columns: CATALOG_COLUMNS, rows: [] });
    const source = await connectFake(driver, { schema: 'ventas' });
    const model = await source.describe('ventas_cabecera', { profile: false });
    expect(driver.calls.filter((c) => c.sql === COLUMNS_SQL).map((c) => c.binds)).toEqual([
      { owner: 'ventas', table_name: 'ventas_cabecera' }, { owner: 'VENTAS', table_name: 'VENTAS_CABECERA' },
    ]);
    expect(model.sourceSchema).toBe('VENTAS');

    const empty = new FakeOracleDriver().on((sql) => sql === COLUMNS_SQL, { columns: CATALOG_COLUMNS, rows: [] });
    const blind = await connectFake(empty);
    const error = await blind.describe('VENTAS_DETALLE', { profile: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as Error).message).toBe('table VENTAS.VENTAS_DETALLE not found on db.example:1521/ERP_PROD: ALL_TAB_COLUMNS lists only what ETL may read — check tables[].name and source.schema (the owner), and GRANT SELECT ON VENTAS.VENTAS_DETALLE TO ETL');
  });

  it('reconnects after a lost connection and repeats the catalog read', async () => {
    const driver = catalogDriver().once((sql) => sql === PRIMARY_KEY_SQL, { error: driverError('ORA-03113', 'end-of-file on communication channel') });
    const source = await connectFake(driver);
    const model = await source.describe('VENTAS_CABECERA', { profile: false });
    expect(model.primaryKeys).toEqual(['id_venta']);
    expect(driver.connections.map((c) => c.closed)).toEqual([true, false]);
    expect(driver.calls.filter((c) => c.connection === 1).map((c) => c.sql.slice(0, 30))).toEqual([
      'ALTER SESSION SET TIME_ZONE = ', COLUMNS_SQL.slice(0, 30), PRIMARY_KEY_SQL.slice(0, 30),
    ]);
  });
});

describe('windowHigh and countNulls', () => {
  it('reads the clock or MAX as exact text, and counts NULLs', async () => {
    const driver = new FakeOracleDriver()
      .on('SELECT TO_CHAR(MAX("ID_VENTA"))', { columns: [{ name: 'HIGH', dbTypeName: 'VARCHAR2' }], rows: [['9007199254740993']] })
      .on("SELECT TO_CHAR(SYSDATE, 'YYYY-MM-DD\"T\"HH24:MI:SS') AS HIGH FROM DUAL", { columns: [{ name: 'HIGH', dbTypeName: 'VARCHAR2' }], rows: [['2024-01-31T10:11:12']] })
      .on('SELECT COUNT(*) AS NULL_ROWS', { columns: [{ name: 'NULL_ROWS', dbTypeName: 'NUMBER' }], rows: [['3']] });
    const source = await connectFake(driver);
    expect(await source.windowHigh(MODEL, 'id_venta')).toBe('9007199254740993');
    expect(await source.windowHigh(MODEL, 'FECHA_VENTA')).toBe('2024-01-31T10:11:12');
    expect(await source.countNulls(MODEL, 'fecha_venta')).toBe(3);
    expect(driver.statements()).toEqual([
      'SELECT TO_CHAR(MAX("ID_VENTA")) AS HIGH FROM "VENTAS"."VENTAS_CABECERA"',
      `SELECT TO_CHAR(SYSDATE, 'YYYY-MM-DD"T"HH24:MI:SS') AS HIGH FROM DUAL`,
      'SELECT COUNT(*) AS NULL_ROWS FROM "VENTAS"."VENTAS_CABECERA" WHERE "FECHA_VENTA" IS NULL',
    ]);
  });

  it('returns null for an empty table and refuses a MAX an integer cannot hold', async () => {
    const empty = new FakeOracleDriver().on('SELECT TO_CHAR(MAX(', { columns: [{ name: 'HIGH', dbTypeName: 'VARCHAR2' }], rows: [[null]] });
    expect(await (await connectFake(empty)).windowHigh(MODEL, 'ID_VENTA')).toBeNull();
    const fraction = new FakeOracleDriver().on('SELECT TO_CHAR(MAX(', { columns: [{ name: 'HIGH', dbTypeName: 'VARCHAR2' }], rows: [['12.5']] });
    const error = await (await connectFake(fraction)).windowHigh(MODEL, 'ID_VENTA').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as Error).message).toBe('VENTAS_CABECERA.ID_VENTA: MAX is 12.5: 12.5 is not an integer, so int64 cannot hold it — declare the column as a decimal in config, or pick another partition_column');
  });

  it('classifies a missing grant on the table with the fix', async () => {
    const driver = new FakeOracleDriver().on('SELECT COUNT(*)', { error: driverError('ORA-01031', 'insufficient privileges') });
    const error = await (await connectFake(driver)).countNulls(MODEL, 'FECHA_VENTA').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as Error).message).toBe('Oracle at db.example:1521/ERP_PROD: insufficient privileges for ETL reading VENTAS.VENTAS_CABECERA — grant SELECT (and FLASHBACK for AS OF SCN reads) on it');
  });
});
