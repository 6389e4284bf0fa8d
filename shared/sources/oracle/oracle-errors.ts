/**
 * Classifies what node-oracledb throws (style.md §7). Driver errors carry `code`: `ORA-01017`
 * for database errors, `NJS-500` for the driver's own (node-oracledb lib/errors.js; NJS-500 is
 * "connection to Oracle Database was closed or broken", to which Thin maps ORA-03113/03114/03135
 * and other dead-connection errors; NJS-501/503/510/511 are lost, incomplete, timed-out and refused
 * connections; NJS-518 an unknown service). Messages name `host:port/service` and the user, never
 * the password. A snapshot failure (ORA-01555, 01466, 08180) cannot be fixed by retrying the run:
 * its SCN is recorded in the run's `_window.json`, so the fix names a new run id.
 */
import { DataPipeError, TerminalError, TransientError } from '../../errors.js';

/** Where the error happened, for the one line the user reads. */
export interface OracleErrorContext {
  /** `host:port/service_name`. */
  target: string;
  user?: string;
  /** `OWNER.TABLE` when the error came from reading a table. */
  table?: string;
}

/**
 * Connection failures a retry (new connection, same SCN) can fix; NJS-003 is a call on a
 * connection already closed, NJS-123 a round trip past `call_timeout_ms` (node-oracledb lib/errors.js).
 */
const TRANSIENT_CODES = new Set([
  'NJS-003', 'NJS-123', 'NJS-500', 'NJS-501', 'NJS-503', 'NJS-510', 'NJS-511', 'NJS-521',
  'ORA-03113', 'ORA-03114', 'ORA-03135', 'ORA-12537', 'ORA-12170', 'ORA-12541', 'ORA-12547', 'ORA-12570',
  'ORA-00028', 'ORA-01033', 'ORA-01034', 'ORA-01089', 'ORA-12516', 'ORA-12519', 'ORA-12520', 'ORA-12528',
]);

/** The `ORA-01017` / `NJS-500` code of a driver error, or ''. */
export function oracleErrorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  const message = error instanceof Error ? error.message : '';
  return /^((?:ORA|NJS|DPI|TNS)-\d{3,5})\b/.exec(message)?.[1] ?? '';
}

/** A DataPipe error for anything the driver threw; our own errors pass through unchanged. */
export function classifyOracleError(error: unknown, context: OracleErrorContext): DataPipeError {
  if (error instanceof DataPipeError) return error;
  const { target } = context;
  const code = oracleErrorCode(error);
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  const options = { cause: error };
  const as = context.user ? ` as ${context.user}` : '';
  const table = context.table ?? 'the table';

  switch (code) {
    case 'ORA-01017':
      return new TerminalError(`cannot log in to Oracle at ${target}${as}: invalid username or password — check source.connection.user and source.connection.password`, options);
    case 'ORA-28000':
      return new TerminalError(`cannot log in to Oracle at ${target}${as}: the account is locked — ask the DBA to unlock it (ALTER USER … ACCOUNT UNLOCK)`, options);
    case 'ORA-28001':
      return new TerminalError(`cannot log in to Oracle at ${target}${as}: the password has expired — ask the DBA to reset it, then update the secret behind source.connection.password`, options);
    case 'ORA-01045':
      return new TerminalError(`cannot log in to Oracle at ${target}${as}: the user lacks CREATE SESSION — ask the DBA to GRANT CREATE SESSION TO ${context.user ?? 'the user'}`, options);
    case 'ORA-12154': case 'NJS-514': case 'NJS-515': case 'NJS-516': case 'NJS-517': case 'NJS-520':
      return new TerminalError(`cannot connect to Oracle: ${message} — check source.connection.connect_string (or use host, port and service_name)`, options);
    case 'ORA-12514': case 'NJS-518':
      return new TerminalError(`Oracle at ${target}: the listener does not know this service — check source.connection.service_name (for gvenzl/oracle-free use FREEPDB1)`, options);
    case 'ORA-12505': case 'NJS-519':
      return new TerminalError(`Oracle at ${target}: the listener does not know this SID — check source.connection (use service_name)`, options);
    case 'ORA-00942':
      return new TerminalError(`Oracle at ${target}: ${table} does not exist or ${context.user ?? 'the user'} cannot see it — check the table name and source.schema, and grant SELECT on it`, options);
    case 'ORA-01031':
      return new TerminalError(`Oracle at ${target}: insufficient privileges${context.user ? ` for ${context.user}` : ''} reading ${table} — grant SELECT (and FLASHBACK for AS OF SCN reads) on it`, options);
    case 'ORA-00904':
      return new TerminalError(`Oracle at ${target}: ${message} — a column of the committed schema is gone from ${table}; review the change and run \`datapipe generate schema\``, options);
    case 'ORA-01555': case 'ORA-22924':
      return new TerminalError(`Oracle at ${target}: the snapshot of ${table} is too old (${code}, undo overwritten during the read) — retrying at the same SCN cannot help; ask the DBA to raise undo_retention (and the undo tablespace) above the extraction time, or read in more chunks, then start a new run (a new --run-id)`, options);
    case 'ORA-01466':
      return new TerminalError(`Oracle at ${target}: ${table} changed definition (DDL or TRUNCATE) after the snapshot SCN (ORA-01466) — start a new run (a new --run-id) so a new SCN is taken`, options);
    case 'ORA-08180': case 'ORA-08181':
      return new TerminalError(`Oracle at ${target}: no snapshot at the run's SCN for ${table} (${code}) — start a new run (a new --run-id) so a new SCN is taken; raise undo_retention if it recurs`, options);
    case 'ORA-01410':
      return new TerminalError(`Oracle at ${target}: a chunk boundary of ${table} is not a valid ROWID (ORA-01410) — start a new run (a new --run-id) so the boundaries are read again`, options);
  }
  if (TRANSIENT_CODES.has(code)) {
    return new TransientError(`lost or could not open the connection to Oracle at ${target}: ${message} (retrying may help)`, options);
  }
  if (/ECONNREFUSED|ETIMEDOUT|ECONNRESET|EHOSTUNREACH/.test(message)) {
    return new TransientError(`cannot reach Oracle at ${target}: ${message} (retrying may help)`, options);
  }
  if (/ENOTFOUND|getaddrinfo/.test(message)) {
    return new TerminalError(`cannot connect to Oracle at ${target}: host not found — check source.connection.host`, options);
  }
  // Anything unrecognised counts as transient (exit 1), the safe default of errors.ts.
  return new TransientError(`Oracle at ${target}: ${message}`, options);
}
