import { ContractError, DataPipeError, TerminalError, TransientError } from '../../errors.js';

/*
 * DuckDB prefixes every error with its class ("IO Error: …", "Constraint Error: …"; the list is
 * DuckDB's ExceptionType). The class decides whether a retry can help; IO, Out of Memory,
 * Interrupt, Transaction (a write conflict) and anything unlisted are worth retrying. A load that
 * runs out of memory is retried by the warehouse itself with more, or fails with the fix when the
 * limit is the user's (duckdb-memory.ts).
 */
/** The data broke its contract: a value that does not convert or fit, a NULL where none may be. */
const CONTRACT = new Set(['Constraint', 'Conversion', 'Invalid Input', 'Out of Range', 'Mismatch Type']);
/** Our SQL or the catalog disagree with the request; retrying the same thing fails the same way. */
const TERMINAL = new Set(['Catalog', 'Binder', 'Parser', 'Syntax', 'Permission', 'Not implemented', 'Dependency']);

const ERROR_CLASS = /^([A-Za-z ]+?) Error: /;

/**
 * Wraps a DuckDB driver error as a DataPipe error: `context` says what was being done
 * ("loading ventas run 42 into /data/warehouse.duckdb"), the driver's first line says why, and
 * the original travels as `cause` for the debug log. Our own errors pass through unchanged.
 * Unknown classes (including DuckDB's INTERNAL errors, which invalidate the open database) count
 * as transient: a fresh process reopening the file may succeed, the safe default in errors.ts.
 */
export function classifyDuckDbError(error: unknown, context: string): DataPipeError {
  if (error instanceof DataPipeError) return error;
  const text = error instanceof Error ? error.message : String(error);
  const firstLine = text.split('\n')[0] ?? text;
  if (firstLine.includes('Could not set lock on file')) {
    return new TransientError(
      `${context}: the DuckDB file is in use by another process (${firstLine}); retry once it has finished`,
      { cause: error },
    );
  }
  const disk = diskCause(firstLine);
  if (disk) return disk.terminal
    ? new TerminalError(`${context}: ${firstLine} — ${disk.fix}`, { cause: error })
    : new TransientError(`${context}: ${firstLine} — ${disk.fix}`, { cause: error });
  const errorClass = ERROR_CLASS.exec(firstLine)?.[1] ?? '';
  const message = `${context}: ${firstLine}`;
  if (CONTRACT.has(errorClass)) return new ContractError(message, { cause: error });
  if (TERMINAL.has(errorClass)) return new TerminalError(message, { cause: error });
  return new TransientError(message, { cause: error });
}

/**
 * The file-system causes DuckDB reports in its IO errors' text, with what the operator does: a
 * read-only or forbidden location is configuration (exit 2), a full disk may clear (exit 1).
 */
function diskCause(line: string): { terminal: boolean; fix: string } | null {
  if (/Read-only file system/i.test(line)) return { terminal: true, fix: 'the DuckDB file is on a read-only file system; point destination.local.warehouse at a writable folder' };
  if (/Permission denied/i.test(line)) return { terminal: true, fix: `the user running DataPipe (uid ${process.getuid?.() ?? '?'}) may not write the DuckDB file; fix its folder's permissions or point destination.local.warehouse elsewhere` };
  if (/No space left on device/i.test(line)) return { terminal: false, fix: 'the disk holding the DuckDB file is full; free space or point destination.local.warehouse at a larger disk' };
  return null;
}
