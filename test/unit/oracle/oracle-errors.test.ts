/** node-oracledb errors → TerminalError (exit 2, with the fix) or TransientError (exit 1). */
import { describe, expect, it } from 'vitest';
import { ContractError, TerminalError, TransientError } from '../../../shared/errors.js';
import { classifyOracleError, oracleErrorCode } from '../../../shared/sources/oracle/oracle-errors.js';

/** A driver error as node-oracledb builds it: `code` plus the message starting with it. */
const driverError = (code: string, text: string) => Object.assign(new Error(`${code}: ${text}`), { code });
const CONTEXT = { target: 'db.example:1521/ERP_PROD', user: 'ETL', table: 'VENTAS.VENTAS_CABECERA' };
const classify = (code: string, text = 'x') => classifyOracleError(driverError(code, text), CONTEXT);

describe('classifyOracleError', () => {
  it('names host:port/service and the fix for login, service and grant failures, never the password', () => {
    const login = classify('ORA-01017', 'invalid credential or not authorized; logon denied');
    expect(login).toBeInstanceOf(TerminalError);
    expect(login.message).toBe('cannot log in to Oracle at db.example:1521/ERP_PROD as ETL: invalid username or password — check source.connection.user and source.connection.password');
    expect(classify('NJS-518').message).toBe('Oracle at db.example:1521/ERP_PROD: the listener does not know this service — check source.connection.service_name (for gvenzl/oracle-free use FREEPDB1)');
    expect(classify('ORA-12514')).toBeInstanceOf(TerminalError);
    expect(classify('ORA-00942').message).toBe('Oracle at db.example:1521/ERP_PROD: VENTAS.VENTAS_CABECERA does not exist or ETL cannot see it — check the table name and source.schema, and grant SELECT on it');
    expect(classify('ORA-01031').message).toBe('Oracle at db.example:1521/ERP_PROD: insufficient privileges for ETL reading VENTAS.VENTAS_CABECERA — grant SELECT (and FLASHBACK for AS OF SCN reads) on it');
  });

  it('fails the whole snapshot on ORA-01555 and ORA-01466 with the fix', () => {
    const old = classify('ORA-01555', 'snapshot too old: rollback segment number 9 with name "_SYSSMU9$" too small');
    expect(old).toBeInstanceOf(TerminalError);
    expect(old.message).toBe('Oracle at db.example:1521/ERP_PROD: the snapshot of VENTAS.VENTAS_CABECERA is too old (ORA-01555, undo overwritten during the read) — retrying at the same SCN cannot help; ask the DBA to raise undo_retention (and the undo tablespace) above the extraction time, or read in more chunks, then start a new run (a new --run-id)');
    expect(classify('ORA-01466').message).toBe('Oracle at db.example:1521/ERP_PROD: VENTAS.VENTAS_CABECERA changed definition (DDL or TRUNCATE) after the snapshot SCN (ORA-01466) — start a new run (a new --run-id) so a new SCN is taken');
    expect(classify('ORA-08180')).toBeInstanceOf(TerminalError);
    expect(classify('ORA-08180').message).toBe("Oracle at db.example:1521/ERP_PROD: no snapshot at the run's SCN for VENTAS.VENTAS_CABECERA (ORA-08180) — start a new run (a new --run-id) so a new SCN is taken; raise undo_retention if it recurs");
    expect(classify('ORA-22924').exitCode).toBe(2);
  });

  it('retries lost and refused connections', () => {
    for (const code of ['NJS-003', 'NJS-123', 'NJS-500', 'NJS-501', 'NJS-503', 'NJS-510', 'NJS-511', 'NJS-521', 'ORA-03113', 'ORA-03114', 'ORA-03135', 'ORA-12537', 'ORA-12170']) {
      const error = classify(code, 'connection to Oracle Database was closed or broken');
      expect(error, code).toBeInstanceOf(TransientError);
      expect(error.message, code).toBe(`lost or could not open the connection to Oracle at db.example:1521/ERP_PROD: ${code}: connection to Oracle Database was closed or broken (retrying may help)`);
    }
  });

  it('names the fix for expired passwords, missing CREATE SESSION, unresolvable connect strings and dropped columns', () => {
    expect(classify('ORA-28001').message).toBe('cannot log in to Oracle at db.example:1521/ERP_PROD as ETL: the password has expired — ask the DBA to reset it, then update the secret behind source.connection.password');
    expect(classify('ORA-01045').message).toBe('cannot log in to Oracle at db.example:1521/ERP_PROD as ETL: the user lacks CREATE SESSION — ask the DBA to GRANT CREATE SESSION TO ETL');
    const tns = classify('NJS-517', 'cannot connect to Oracle Database. Unable to find "ERPX" in "/etc/tnsnames.ora"');
    expect(tns.message).toBe('cannot connect to Oracle: NJS-517: cannot connect to Oracle Database. Unable to find "ERPX" in "/etc/tnsnames.ora" — check source.connection.connect_string (or use host, port and service_name)');
    expect(tns.exitCode).toBe(2);
    expect(classify('ORA-00904', '"MONTO": invalid identifier').message).toBe('Oracle at db.example:1521/ERP_PROD: ORA-00904: "MONTO": invalid identifier — a column of the committed schema is gone from VENTAS.VENTAS_CABECERA; review the change and run `datapipe generate schema`');
  });

  it('keeps its own errors, reads codes from messages, and defaults to transient', () => {
    const own = new ContractError('drift');
    expect(classifyOracleError(own, CONTEXT)).toBe(own);
    expect(oracleErrorCode(new Error('ORA-00060: deadlock detected while waiting for resource'))).toBe('ORA-00060');
    expect(oracleErrorCode('nothing')).toBe('');
    const other = classifyOracleError(new Error('ORA-00060: deadlock detected while waiting for resource'), CONTEXT);
    expect(other).toBeInstanceOf(TransientError);
    expect(other.message).toBe('Oracle at db.example:1521/ERP_PROD: ORA-00060: deadlock detected while waiting for resource');
    expect(classifyOracleError(new Error('getaddrinfo ENOTFOUND db.example'), CONTEXT).message)
      .toBe('cannot connect to Oracle at db.example:1521/ERP_PROD: host not found — check source.connection.host');
  });
});
