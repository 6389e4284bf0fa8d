/**
 * Classifies what `pg` throws (docs/style.md §7): a server error carries a SQLSTATE `code`
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html), a socket error a Node `code`
 * (ECONNREFUSED, …), and pg's own connection failures only a message. Messages name
 * `host:port/database` and the user, never the password.
 */
import { ContractError, DataPipeError, TerminalError, TransientError } from '../../errors.js';
import { errorCodes, TRANSIENT_SOCKET_CODES } from '../../retry.js';

/** Where the error happened, for the one line the user reads. */
export interface PostgresErrorContext {
  /** `host:port/database`. */
  target: string;
  user?: string;
  database?: string;
  host?: string;
  /** `source.connection.read_timeout_ms` in force, named when a read stalls. */
  readTimeoutMs?: number;
}

/** SQLSTATE classes a retry can fix: connection (08), resources (53), operator intervention (57), system (58), rollback (40). */
const TRANSIENT_CLASSES = new Set(['08', '53', '57', '58', '40', 'XX']);

/** Socket errors of a connection that was up and broke (the others mean it could not be opened). */
const LOST_SOCKET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** pg's messages for a connection that timed out or dropped (no code attached). */
const TRANSIENT_MESSAGE = /connection terminated|connection timeout|timeout expired|terminating connection|Connection ended unexpectedly|Client has encountered a connection error/i;

/** A DataPipe error for anything the driver threw; our own errors pass through unchanged. */
export function classifyPostgresError(error: unknown, context: PostgresErrorContext): DataPipeError {
  if (error instanceof DataPipeError) return error;
  const { target } = context;
  const message = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  const options = { cause: error };
  const as = context.user ? ` as ${context.user}` : '';

  switch (code) {
    case '28P01':
      return new TerminalError(`cannot log in to PostgreSQL at ${target}${as}: password authentication failed — check source.connection.user and source.connection.password`, options);
    case '28000':
      return new TerminalError(`PostgreSQL at ${target} refused the login${as}: ${message} — check source.connection.user, or the server's pg_hba.conf`, options);
    case '3D000':
      return new TerminalError(`database ${context.database ?? '?'} does not exist on ${context.host ?? target} — check source.connection.database`, options);
    case '42501':
      return new TerminalError(`PostgreSQL at ${target}: ${message}${context.user ? ` (user ${context.user})` : ''} — grant the user USAGE on the schema and SELECT on the table`, options);
    case '22021':
      // With client_encoding UTF8 the server converts text or, from a SQL_ASCII database, checks it.
      return new ContractError(`PostgreSQL at ${target}: ${message} — a text value is not valid in UTF-8 (a SQL_ASCII database stores bytes unchecked); fix the value in the source`, options);
    case 'DATAPIPE_READ_STALL': {
      const seconds = (context.readTimeoutMs ?? 0) / 1000;
      return new TransientError(`PostgreSQL at ${target} sent nothing for ${seconds} s while DataPipe waited for data (source.connection.read_timeout_ms): the connection or the server stalled, so DataPipe closed it (retrying may help; raise read_timeout_ms if the query is slow to produce rows)`, options);
    }
  }
  const codes = errorCodes(error);
  // A name that does not resolve is a wrong host far more often than a DNS hiccup (shared/retry.ts).
  if (codes.includes('ENOTFOUND')) {
    return new TerminalError(`cannot connect to PostgreSQL at ${target}: host not found — check source.connection.host`, options);
  }
  const socketCode = codes.find((c) => TRANSIENT_SOCKET_CODES.has(c));
  if (socketCode !== undefined && LOST_SOCKET.has(socketCode)) {
    return new TransientError(`lost the connection to PostgreSQL at ${target}: the connection was reset (${socketCode}) (retrying may help)`, options);
  }
  if (socketCode !== undefined) {
    return new TransientError(`cannot reach PostgreSQL at ${target}: ${socketCode === 'ECONNREFUSED' ? 'connection refused' : message} — is the server up and reachable? (retrying may help)`, options);
  }
  if (/does not support SSL|SSL/i.test(message) && code === '') {
    return new TerminalError(`PostgreSQL at ${target}: ${message} — check source.connection.ssl`, options);
  }
  if (/client password must be a string|password authentication/i.test(message)) {
    return new TerminalError(`cannot log in to PostgreSQL at ${target}${as}: the server asks for a password — set source.connection.password`, options);
  }
  if (/^[0-9A-Z]{5}$/.test(code)) {
    const kind = TRANSIENT_CLASSES.has(code.slice(0, 2)) ? TransientError : TerminalError;
    return new kind(`PostgreSQL at ${target}: ${message} (SQLSTATE ${code})`, options);
  }
  if (/^Connection terminated unexpectedly$/i.test(message)) {
    // pg's words for a socket that ended: a close (FIN), or a reset (RST) the kernel reported as an end.
    return new TransientError(`lost the connection to PostgreSQL at ${target}: it was closed or reset in the middle of the conversation (retrying may help)`, options);
  }
  if (TRANSIENT_MESSAGE.test(message)) {
    return new TransientError(`lost the connection to PostgreSQL at ${target}: ${message} (retrying may help)`, options);
  }
  return new TransientError(`PostgreSQL at ${target}: ${message}`, options);
}
