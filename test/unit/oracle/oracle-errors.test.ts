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
    for (const code of ['NJS-003', 'NJS-500', 'NJS-501', 'NJS-503', 'NJS-510', 'NJS-511', 'NJS-521', 'ORA-03113', 'ORA-03114', 'ORA-03135', 'ORA-12537', 'ORA-12170']) {
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

  it('keeps its own errors and reads codes from messages', () => {
    const own = new ContractError('drift');
    expect(classifyOracleError(own, CONTEXT)).toBe(own);
    expect(oracleErrorCode(new Error('ORA-00060: deadlock detected while waiting for resource'))).toBe('ORA-00060');
    expect(oracleErrorCode('nothing')).toBe('');
    expect(classifyOracleError(new Error('getaddrinfo ENOTFOUND db.example'), CONTEXT).message)
      .toBe('cannot connect to Oracle at db.example:1521/ERP_PROD: host not found — check source.connection.host');
  });

  it('fails a query Oracle refuses at once (exit 2), naming the table, Oracle’s message and what to check', () => {
    const cases: [string, string][] = [
      ['ORA-00932', 'inconsistent datatypes: expected NUMBER got BINARY'],
      ['ORA-01489', 'result of string concatenation is too long'],
      ['ORA-01722', 'invalid number'],
      ['ORA-00918', 'column ambiguously defined'],
      ['ORA-00907', 'missing right parenthesis'],
      ['ORA-01861', 'literal does not match format string'],
      ['ORA-01843', 'not a valid month'],
      ['ORA-01847', 'day of month must be between 1 and last day of month'],
      ['ORA-01858', 'a non-numeric character was found where a numeric was expected'],
      ['ORA-01476', 'divisor is equal to zero'],
      ['ORA-01445', 'cannot select ROWID from, or sample, a join view without a key-preserved table'],
      ['ORA-06550', 'line 1, column 7: PLS-00201: identifier must be declared'],
      ['PLS-00103', 'Encountered the symbol "END"'],
    ];
    for (const [code, text] of cases) {
      const error = classify(code, text);
      expect(error, code).toBeInstanceOf(TerminalError);
      expect(error.exitCode, code).toBe(2);
      expect(error.message, code).toBe(`Oracle at db.example:1521/ERP_PROD refused the query DataPipe built for VENTAS.VENTAS_CABECERA: ${code}: ${text} — check that the table still matches its committed schema and config.yaml (column types, primary_keys, partition_column; run \`datapipe generate schema\` after a change); if it does, report it as a DataPipe bug`);
    }
    // Their own fixes still come first.
    expect(classify('ORA-00904', '"MONTO": invalid identifier').message).toMatch(/a column of the committed schema is gone/);
    expect(classify('ORA-01410', 'invalid ROWID').message).toMatch(/is not a valid ROWID \(ORA-01410\)/);
    expect(classify('ORA-01466').message).toMatch(/changed definition/);
  });

  it('retries a resource the database is short of, with a line that says so', () => {
    for (const code of ['ORA-00018', 'ORA-00020', 'ORA-00060', 'ORA-01000', 'ORA-01652', 'ORA-04031']) {
      const error = classify(code, 'detail');
      expect(error, code).toBeInstanceOf(TransientError);
      expect(error.message, code).toBe(`Oracle at db.example:1521/ERP_PROD is short of a resource reading VENTAS.VENTAS_CABECERA: ${code}: detail (retrying may help)`);
    }
    for (const code of ['ORA-00028', 'ORA-00603', 'ORA-01092', 'ORA-02396', 'ORA-12516', 'ORA-12528', 'ORA-12571']) {
      expect(classify(code), code).toBeInstanceOf(TransientError);
    }
  });

  it('does not retry an unknown Oracle code (exit 2, with where to look it up); an error without a code keeps the transient default', () => {
    const unknown = classify('ORA-29913', 'error in executing ODCIEXTTABLEOPEN callout');
    expect(unknown).toBeInstanceOf(TerminalError);
    expect(unknown.message).toBe('Oracle at db.example:1521/ERP_PROD reading VENTAS.VENTAS_CABECERA: ORA-29913: error in executing ODCIEXTTABLEOPEN callout — not a known connection or resource error, so DataPipe does not retry it; fix its cause (https://docs.oracle.com/error-help/db/ora-29913/), or run again if it was temporary');
    expect(classify('NJS-107', 'invalid JSON').message).toBe('Oracle at db.example:1521/ERP_PROD reading VENTAS.VENTAS_CABECERA: NJS-107: invalid JSON — not a known connection or resource error, so DataPipe does not retry it; fix its cause, or run again if it was temporary');
    const codeless = classifyOracleError(new Error('socket hang up'), CONTEXT);
    expect(codeless).toBeInstanceOf(TransientError);
    expect(codeless.message).toBe('Oracle at db.example:1521/ERP_PROD: socket hang up');
  });

  it('never shows a user/password@ prefix the driver echoes from a connect string', () => {
    const tns = classify('NJS-517', 'cannot connect to Oracle Database. Unable to find "scott/S3cret@db:1521/ERP" in "/etc/tnsnames.ora"');
    expect(tns.message).toBe('cannot connect to Oracle: NJS-517: cannot connect to Oracle Database. Unable to find "db:1521/ERP" in "/etc/tnsnames.ora" — check source.connection.connect_string (or use host, port and service_name)');
    const ez = classify('NJS-515', 'error in Easy Connect connection string: unable to parse, invalid syntax: scott/p@ss/w0rd@db/ERP');
    expect(ez.message).not.toContain('w0rd');
    expect(ez.message).not.toContain('S3cret');
  });
});
