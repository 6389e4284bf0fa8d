import { describe, expect, it } from 'vitest';
import { ContractError, TerminalError, TransientError } from '../../../shared/errors.js';
import { classifyPostgresError } from '../../../shared/sources/postgres/postgres-errors.js';
import { ReadStallError } from '../../../shared/sources/postgres/postgres-guard.js';

const context = { target: 'db.example:5432/erp', host: 'db.example:5432', database: 'erp', user: 'etl' };
const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('PostgreSQL error classification', () => {
  it('bad credentials, unknown database and missing privileges are terminal, with the fix', () => {
    const auth = classifyPostgresError(pgError('28P01', 'password authentication failed for user "etl"'), context);
    expect(auth).toBeInstanceOf(TerminalError);
    expect(auth.message).toBe('cannot log in to PostgreSQL at db.example:5432/erp as etl: password authentication failed — check source.connection.user and source.connection.password');
    const db = classifyPostgresError(pgError('3D000', 'database "erp" does not exist'), context);
    expect(db).toBeInstanceOf(TerminalError);
    expect(db.message).toBe('database erp does not exist on db.example:5432 — check source.connection.database');
    const grant = classifyPostgresError(pgError('42501', 'permission denied for table ventas'), context);
    expect(grant).toBeInstanceOf(TerminalError);
    expect(grant.message).toBe('PostgreSQL at db.example:5432/erp: permission denied for table ventas (user etl) — grant the user USAGE on the schema and SELECT on the table');
  });

  it('refused, reset and timed-out connections are transient', () => {
    const refused = classifyPostgresError(pgError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:5432'), context);
    expect(refused).toBeInstanceOf(TransientError);
    expect(refused.message).toBe('cannot reach PostgreSQL at db.example:5432/erp: connection refused — is the server up and reachable? (retrying may help)');
    expect(classifyPostgresError(new Error('Connection terminated unexpectedly'), context)).toBeInstanceOf(TransientError);
    expect(classifyPostgresError(new Error('Connection terminated due to connection timeout'), context)).toBeInstanceOf(TransientError);
    expect(classifyPostgresError(pgError('57P01', 'terminating connection due to administrator command'), context)).toBeInstanceOf(TransientError);
    expect(classifyPostgresError(pgError('40001', 'could not serialize access'), context)).toBeInstanceOf(TransientError);
  });

  it('a connection lost mid-read, reset, or stalled is one transient line naming the server', () => {
    const closed = classifyPostgresError(new Error('Connection terminated unexpectedly'), context);
    expect(closed).toBeInstanceOf(TransientError);
    expect(closed.message).toBe('lost the connection to PostgreSQL at db.example:5432/erp: it was closed or reset in the middle of the conversation (retrying may help)');
    const reset = classifyPostgresError(pgError('ECONNRESET', 'read ECONNRESET'), context);
    expect(reset).toBeInstanceOf(TransientError);
    expect(reset.message).toBe('lost the connection to PostgreSQL at db.example:5432/erp: the connection was reset (ECONNRESET) (retrying may help)');
    const stall = classifyPostgresError(new ReadStallError(90_000), { ...context, readTimeoutMs: 90_000 });
    expect(stall).toBeInstanceOf(TransientError);
    expect(stall.message).toBe('PostgreSQL at db.example:5432/erp sent nothing for 90 s while DataPipe waited for data (source.connection.read_timeout_ms): the connection or the server stalled, so DataPipe closed it (retrying may help; raise read_timeout_ms if the query is slow to produce rows)');
    const dnsHiccup = classifyPostgresError(pgError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN db.example'), context);
    expect(dnsHiccup).toBeInstanceOf(TransientError);
    // ENOTFOUND is a wrong host (exit 2), also when it arrives as the cause of another error.
    const wrapped = classifyPostgresError(Object.assign(new Error('connect failed'), { cause: pgError('ENOTFOUND', 'getaddrinfo ENOTFOUND db.example') }), context);
    expect(wrapped).toBeInstanceOf(TerminalError);
    expect(wrapped.message).toBe('cannot connect to PostgreSQL at db.example:5432/erp: host not found — check source.connection.host');
  });

  it('other SQL errors are terminal; our own errors pass through', () => {
    const syntax = classifyPostgresError(pgError('42P01', 'relation "x" does not exist'), context);
    expect(syntax).toBeInstanceOf(TerminalError);
    expect(syntax.message).toBe('PostgreSQL at db.example:5432/erp: relation "x" does not exist (SQLSTATE 42P01)');
    const notUtf8 = classifyPostgresError(pgError('22021', 'invalid byte sequence for encoding "UTF8": 0xe9'), context);
    expect(notUtf8).toBeInstanceOf(ContractError);
    expect(notUtf8.message).toBe('PostgreSQL at db.example:5432/erp: invalid byte sequence for encoding "UTF8": 0xe9 — a text value is not valid in UTF-8 (a SQL_ASCII database stores bytes unchecked); fix the value in the source');
    const contract = new ContractError('T.C: value does not fit');
    expect(classifyPostgresError(contract, context)).toBe(contract);
    expect(classifyPostgresError(pgError('ENOTFOUND', 'getaddrinfo ENOTFOUND db.example'), context).message)
      .toBe('cannot connect to PostgreSQL at db.example:5432/erp: host not found — check source.connection.host');
  });
});
