/**
 * Classifies what node-oracledb throws (docs/style.md §7). Driver errors carry `code`: `ORA-01017`
 * for database errors, `NJS-500` for the driver's own (node-oracledb lib/errors.js; NJS-500 is
 * "connection to Oracle Database was closed or broken", to which Thin maps ORA-03113/03114/03135
 * and other dead-connection errors; NJS-501/503/510/511 are lost, incomplete, timed-out and refused
 * connections; NJS-518 an unknown service). Messages name `host:port/service` and the user, never
 * the password (a `user/password@` connect-string prefix the driver echoes is cut out). Only the
 * listed connection and resource codes are transient (exit 1, retried); Oracle refusing a
 * statement, and any other coded error, is terminal (exit 2): an unlisted temporary condition
 * then fails the run at once (Airflow's task retries still apply) rather than a broken query
 * being retried forever. A snapshot failure (ORA-01555, 01466, 08180) cannot be fixed by
 * retrying the run: its SCN is recorded in the run's `_window.json`, so the fix names a new run id.
 */
import { DataPipeError, TerminalError, TransientError } from '../../errors.js';
import { errorCodes, TRANSIENT_SOCKET_CODES } from '../../retry.js';

/** Where the error happened, for the one line the user reads. */
export interface OracleErrorContext {
  /** `host:port/service_name`. */
  target: string;
  user?: string;
  /** `OWNER.TABLE` when the error came from reading a table. */
  table?: string;
  /** The round-trip bound in force (call_timeout_ms, else read_timeout_ms), named when one runs out. */
  callTimeoutMs?: number;
}

/**
 * Connection failures a retry (new connection, same SCN) can fix: node-oracledb's own
 * recoverable list (lib/thin/protocol/messages/base.js, RECOVERABLE_ERRORS: killed or terminated
 * sessions, instance starting or stopping, lost contact), the listener turning connections away
 * (ORA-12516/12519/12520/12528), unreachable hosts (ORA-12170/12541/12543), and the driver's
 * NJS-003 (a call on a closed connection), NJS-123 (a round trip past `call_timeout_ms`) and
 * NJS-500…521 network errors (lib/errors.js).
 */
const CONNECTION_CODES = new Set([
  'NJS-003', 'NJS-123', 'NJS-500', 'NJS-501', 'NJS-503', 'NJS-510', 'NJS-511', 'NJS-521',
  'ORA-00028', 'ORA-00031', 'ORA-00603', 'ORA-01012', 'ORA-01033', 'ORA-01034', 'ORA-01089', 'ORA-01090', 'ORA-01092',
  'ORA-02396', 'ORA-03113', 'ORA-03114', 'ORA-03135', 'ORA-12153', 'ORA-12170', 'ORA-12516', 'ORA-12519', 'ORA-12520',
  'ORA-12528', 'ORA-12537', 'ORA-12541', 'ORA-12543', 'ORA-12547', 'ORA-12570', 'ORA-12571', 'ORA-12583', 'ORA-12757',
]);

/**
 * The database short of something other sessions hold or will free: sessions and processes
 * (00018, 00020), open cursors (01000, per session: a new one starts afresh), a deadlock or
 * resource wait (00060, 00051, 04021), memory (04030, 04031), temporary space (01652), a file or
 * block briefly unreadable (00376, 01115), a call broken off from outside (01013; Thin reports
 * its own `call_timeout_ms` as NJS-123).
 */
const RESOURCE_CODES = new Set([
  'ORA-00018', 'ORA-00020', 'ORA-00051', 'ORA-00060', 'ORA-00376', 'ORA-01000', 'ORA-01013', 'ORA-01115', 'ORA-01652',
  'ORA-04021', 'ORA-04030', 'ORA-04031',
]);

/**
 * Oracle refusing a statement DataPipe built, the same on every attempt: parse and semantic
 * errors (ORA-00900…00999, ORA-01700…01799, e.g. 00932 inconsistent datatypes, 00918 ambiguous
 * column, 00907 missing parenthesis, 01722 invalid number), value conversions (ORA-01400…01499,
 * e.g. 01489 concatenation too long, 01476 divisor is zero), datetime formats
 * (ORA-01800…01899, e.g. 01843, 01847, 01858, 01861), PL/SQL (PLS-…, ORA-06502, ORA-06550) and
 * LOB / JSON / XML conversions. ORA-00904, 00942 and 01410 have their own lines first.
 */
function isRefusedStatement(code: string): boolean {
  if (code.startsWith('PLS-')) return true;
  if (['ORA-06502', 'ORA-06550', 'ORA-22835', 'ORA-19011', 'ORA-40441'].includes(code)) return true;
  const number = /^ORA-(\d{5})$/.exec(code)?.[1];
  if (number === undefined) return false;
  const n = Number(number);
  return (n >= 900 && n <= 999) || (n >= 1400 && n <= 1499) || (n >= 1700 && n <= 1899);
}

/** A `user[/password]@` prefix of an Easy Connect string, anywhere in a message (the password never shows). */
const CONNECT_CREDENTIALS = /[^\s"'@?()=/]+\/[^\s"'@?()]*@/g;

/** `message` with any `user/password@` connect-string prefix removed (the driver echoes connect strings). */
export function withoutCredentials(message: string): string {
  return message.replace(CONNECT_CREDENTIALS, '');
}

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
  const message = withoutCredentials((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '');
  const options = { cause: error };
  const as = context.user ? ` as ${context.user}` : '';
  const table = context.table ?? 'the table';

  // A name that does not resolve is a wrong host far more often than a DNS hiccup: exit 2
  // (shared/retry.ts), also when the driver reports it below NJS-503's first line.
  const fullText = error instanceof Error ? error.message : String(error);
  if (errorCodes(error).includes('ENOTFOUND') || /\bENOTFOUND\b/.test(fullText)) {
    return new TerminalError(`cannot connect to Oracle at ${target}: host not found — check source.connection.host`, options);
  }
  const seconds = `${(context.callTimeoutMs ?? 0) / 1000} s`;
  const reading = context.table ? ` reading ${context.table}` : '';
  switch (code) {
    case 'DATAPIPE_READ_STALL':
      return new TransientError(`Oracle at ${target} sent nothing for ${seconds}${reading}, not even the answer to the driver's break (source.connection.read_timeout_ms): the connection or the database stalled, so DataPipe dropped the session (retrying may help)`, options);
    case 'NJS-123':
      return new TransientError(`Oracle at ${target} did not finish a round trip within ${seconds}${reading} (NJS-123; source.connection.call_timeout_ms, else read_timeout_ms): the database or the connection stalled (retrying may help; raise the timeout if a fetch is legitimately slower)`, options);
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
  if (code === 'NJS-500') {
    // Thin puts what happened to the socket below NJS-500's line (lib/thin/sqlnet/ntTcp.js, checkErr):
    // NJS-521 for an end of file (the peer closed), NJS-501 with the socket error for a reset.
    const how = /ECONNRESET/.test(fullText) ? 'it was reset (ECONNRESET)' : /NJS-521|end-of-file/.test(fullText) ? 'the other end closed it (end of file)' : '';
    if (how) return new TransientError(`lost the connection to Oracle at ${target}${reading}: ${how} (NJS-500; retrying may help)`, options);
  }
  if (CONNECTION_CODES.has(code)) {
    return new TransientError(`lost or could not open the connection to Oracle at ${target}: ${message} (retrying may help)`, options);
  }
  if (RESOURCE_CODES.has(code)) {
    return new TransientError(`Oracle at ${target} is short of a resource${context.table ? ` reading ${context.table}` : ''}: ${message} (retrying may help)`, options);
  }
  if (isRefusedStatement(code)) {
    return new TerminalError(`Oracle at ${target} refused the query DataPipe built${context.table ? ` for ${context.table}` : ''}: ${message} — check that the table still matches its committed schema and config.yaml (column types, primary_keys, partition_column; run \`datapipe generate schema\` after a change); if it does, report it as a DataPipe bug`, options);
  }
  // Socket failures, as a code or (the driver wraps some) inside the message.
  const words = new Set([...errorCodes(error), ...(message.match(/\b[A-Z][A-Z_]+\b/g) ?? [])]);
  if ([...words].some((word) => TRANSIENT_SOCKET_CODES.has(word))) {
    return new TransientError(`cannot reach Oracle at ${target}: ${message} (retrying may help)`, options);
  }
  if (code !== '') {
    // Oracle's temporary conditions are the listed ones; any other coded error is the database's
    // answer to this statement or session, and would repeat on a retry.
    const help = code.startsWith('ORA-') ? ` (https://docs.oracle.com/error-help/db/${code.toLowerCase()}/)` : '';
    return new TerminalError(`Oracle at ${target}${context.table ? ` reading ${context.table}` : ''}: ${message} — not a known connection or resource error, so DataPipe does not retry it; fix its cause${help}, or run again if it was temporary`, options);
  }
  // No driver code: a socket or runtime failure outside Oracle's verdict — the errors.ts default.
  return new TransientError(`Oracle at ${target}: ${message}`, options);
}
