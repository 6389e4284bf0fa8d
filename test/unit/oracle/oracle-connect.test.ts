/**
 * How error lines name the database (oracleTarget) — never with the credentials a connect string
 * may carry — and the same through connectOracle against a FAKE of the node-oracledb boundary.
 */
import { describe, expect, it } from 'vitest';
import type { OracleConnection } from '../../../shared/config/source-schema.js';
import { TerminalError } from '../../../shared/errors.js';
import { oracleTarget } from '../../../shared/sources/oracle/oracle-connect.js';
import { driverError, FakeOracleDriver } from './fake-oracledb.js';
import { capturingLogger, connectFake } from './oracle-fixtures.js';

const session = { user: 'etl', password: 'pw', fetch_array_size: 1000 };
const target = (connect_string: string) => oracleTarget({ ...session, connect_string });

describe('oracleTarget', () => {
  it('names host:port/service for Easy Connect parts, strings and descriptors', () => {
    expect(oracleTarget({ ...session, host: 'db', port: 1521, service_name: 'ERP' })).toBe('db:1521/ERP');
    expect(target('db:1521/ERP')).toBe('db:1521/ERP');
    expect(target('tcps://db:2484/ERP?wallet_location=/opt/w')).toBe('db:2484/ERP');
    expect(target('(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=db)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=ERP)))')).toBe('db:1521/ERP');
    expect(target('(DESCRIPTION=(ADDRESS_LIST=(ADDRESS=(HOST=db))))')).toBe('source.connection.connect_string');
  });

  it('drops a user[/password]@ prefix, before an Easy Connect string or a descriptor', () => {
    expect(target('scott/S3cret@db:1521/ERP')).toBe('db:1521/ERP');
    expect(target('scott@db:1521/ERP')).toBe('db:1521/ERP');
    expect(target('scott/p@ss@db:1521/ERP')).toBe('db:1521/ERP');
    expect(target('scott/S3cret@(DESCRIPTION=(ADDRESS=(HOST=db)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=ERP)))')).toBe('db:1521/ERP');
    expect(target('(DESCRIPTION=(ADDRESS=(HOST=scott/S3cret@db)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=ERP)))')).toBe('db:1521/ERP');
  });

  it('keeps the password out of the error line and the logs of a failed connect', async () => {
    const config: OracleConnection = { ...session, password: 'S3cret', connect_string: 'scott/S3cret@db:1521/ERP' };
    const driver = new FakeOracleDriver();
    driver.connectErrors.push(driverError('ORA-01017', 'invalid credential or not authorized; logon denied'));
    const { log, text } = capturingLogger();
    const error = await connectFake(driver, { config, log }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as Error).message).toBe('cannot log in to Oracle at db:1521/ERP as etl: invalid username or password — check source.connection.user and source.connection.password');
    expect(text()).not.toContain('S3cret');
  });
});
