import { describe, expect, it } from 'vitest';
import { ContractError, TerminalError, TransientError } from '../../../shared/errors.js';
import { classifyDuckDbError } from '../../../shared/warehouses/duckdb/duckdb-errors.js';

const CONTEXT = 'loading t run r1 into DuckDB /w.duckdb';

describe('classifyDuckDbError', () => {
  it('treats a lock held by another process as transient, naming it', () => {
    const driver = new Error('IO Error: Could not set lock on file "/w.duckdb": Conflicting lock is held in /usr/bin/node (PID 7089). See also https://duckdb.org/docs/stable/connect/concurrency');
    const error = classifyDuckDbError(driver, CONTEXT);
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe(
      'loading t run r1 into DuckDB /w.duckdb: the DuckDB file is in use by another process (IO Error: Could not set lock on file "/w.duckdb": ' +
        'Conflicting lock is held in /usr/bin/node (PID 7089). See also https://duckdb.org/docs/stable/connect/concurrency); retry once it has finished',
    );
    expect(error.cause).toBe(driver);
  });

  it.each([
    ['Out of Memory Error: could not allocate block of size 256 KiB', TransientError],
    ['Transaction Error: Catalog write-write conflict on create with "t"', TransientError],
    ['INTERNAL Error: Attempted to access index 3 within vector of size 3', TransientError],
    ['something without a class', TransientError],
    ['Constraint Error: NOT NULL constraint failed: t.a', ContractError],
    ["Conversion Error: Could not convert string 'x' to INT32\n\nLINE 1: select cast('x' as int)", ContractError],
    ['Invalid Input Error: value out of range', ContractError],
    ['Catalog Error: Table with name nope does not exist!\nDid you mean "pg_enum"?', TerminalError],
    ['Binder Error: Table "t" does not have a column named "x"', TerminalError],
    ['Parser Error: syntax error at or near "FROM"', TerminalError],
  ])('%s → %o', (message, kind) => {
    const error = classifyDuckDbError(new Error(message), CONTEXT);
    expect(error).toBeInstanceOf(kind);
    expect(error.message).toBe(`${CONTEXT}: ${message.split('\n')[0]}`);
  });

  it.each([
    ['IO Error: No space left on device', TransientError, 'the disk holding the DuckDB file is full; free space or point destination.local.warehouse at a larger disk'],
    ['IO Error: Cannot open file "/w.duckdb": Read-only file system', TerminalError, 'the DuckDB file is on a read-only file system; point destination.local.warehouse at a writable folder'],
  ])('%s → %o, with what to do', (message, kind, fix) => {
    const error = classifyDuckDbError(new Error(message), CONTEXT);
    expect(error).toBeInstanceOf(kind);
    expect(error.message).toBe(`${CONTEXT}: ${message} — ${fix}`);
  });

  it('passes DataPipe errors through unchanged', () => {
    const own = new ContractError('stage for t run r1 holds 1 rows but the manifests list 2');
    expect(classifyDuckDbError(own, CONTEXT)).toBe(own);
  });
});
