/**
 * Opening an Oracle session for DataPipe: node-oracledb in Thin mode (pure JS, no Instant Client;
 * `initOracleClient` is never called), loaded only when an Oracle source is opened, then a session
 * whose settings the read SQL relies on, set in one round trip. Errors go through
 * classifyOracleError: one line naming `host:port/service` and the user, never the password.
 */
import { createRequire } from 'node:module';
import { oracleConnectString, withoutConnectCredentials, type OracleConnection as OracleConnectionConfig } from '../../config/source-schema.js';
import { TerminalError } from '../../errors.js';
import type { OracleConnectionLike, OracleDriverLike } from './oracle-client.js';
import { classifyOracleError, withoutCredentials, type OracleErrorContext } from './oracle-errors.js';
import { guardSession } from './oracle-watchdog.js';

export type { OracleConnectionConfig };

/**
 * Session settings, one ALTER SESSION (several `name = value` pairs are allowed in one statement):
 * - TIME_ZONE '+00:00': the zone `CAST(ltz AS TIMESTAMP WITH TIME ZONE)` attaches before
 *   SYS_EXTRACT_UTC, and the zone of any implicit conversion. Thin sets the session zone at logon
 *   from the process's offset (node-oracledb `lib/thin/protocol/messages/auth.js`); this overrides
 *   it, so the process's TZ never matters — and no value passes through a JS Date (see oracle-values).
 * - NLS_CALENDAR GREGORIAN: TO_CHAR renders years in the session calendar; AVRO dates are Gregorian.
 * - NLS_NUMERIC_CHARACTERS '.,': `TO_NUMBER(:low)` of a bound watermark and implicit NUMBER → text
 *   conversions (ORA_HASH chunk keys) read and write `.` as the decimal character.
 * - NLS_DATE_FORMAT / NLS_TIMESTAMP_FORMAT / NLS_TIMESTAMP_TZ_FORMAT: the implicit text of a DATE
 *   or TIMESTAMP key column inside an ORA_HASH chunk key is full-precision and the same in every
 *   chunk's session, whatever the database's defaults.
 */
export const SESSION_SQL = "ALTER SESSION SET TIME_ZONE = '+00:00' NLS_CALENDAR = 'GREGORIAN' NLS_NUMERIC_CHARACTERS = '.,'"
  + " NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS' NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9'"
  + " NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF9 TZH:TZM'";

/** The connection check, and the default owner: the user as Oracle spells it (`app` logs in as APP). */
export const WHO_AM_I_SQL = 'SELECT USER AS USERNAME FROM DUAL';

/** Seconds to wait for the listener before NJS-510 (node-oracledb's default is 20). */
const CONNECT_TIMEOUT_SECONDS = 20;

/** The round-trip bound when config.yaml names neither call_timeout_ms nor read_timeout_ms: ten minutes. */
export const DEFAULT_READ_TIMEOUT_MS = 600_000;

/**
 * node-oracledb `expireTime`, in minutes: TCP keepalive on the session's socket, first probe after
 * this much idle time (Thin: lib/thin/sqlnet/ntTcp.js, `setKeepAlive`), so a vanished peer is
 * noticed on a quiet connection too.
 */
export const KEEPALIVE_MINUTES = 1;

/** The round-trip bound of a connection: call_timeout_ms, else read_timeout_ms, else ten minutes (0 = none). */
export function callTimeoutOf(connection: OracleConnectionConfig): number {
  return connection.call_timeout_ms ?? connection.read_timeout_ms ?? DEFAULT_READ_TIMEOUT_MS;
}

/** Loads node-oracledb (CommonJS, no bundled types) as the structural driver; Thin is its default mode. */
export function loadOracleDriver(): OracleDriverLike {
  const require = createRequire(import.meta.url);
  return require('oracledb') as OracleDriverLike;
}

/**
 * How messages name the database: `host:port/service` for Easy Connect parts; for a connect
 * string its host and service when they can be read (a TNS descriptor's HOST / SERVICE_NAME, an
 * Easy Connect string without its `?options`), else `source.connection.connect_string`. A
 * `user[/password]@` prefix (the SQL*Plus habit, refused by the config schema) is never shown.
 */
export function oracleTarget(connection: OracleConnectionConfig): string {
  if (!('connect_string' in connection)) return `${connection.host}:${connection.port}/${connection.service_name}`;
  const text = withoutConnectCredentials(connection.connect_string).trim();
  if (text.startsWith('(')) {
    const host = /\(\s*HOST\s*=\s*([^)\s]+)\s*\)/i.exec(text)?.[1];
    const port = /\(\s*PORT\s*=\s*(\d+)\s*\)/i.exec(text)?.[1];
    const service = /\(\s*SERVICE_NAME\s*=\s*([^)\s]+)\s*\)/i.exec(text)?.[1];
    return host && service ? withoutCredentials(`${host}${port ? `:${port}` : ''}/${service}`) : 'source.connection.connect_string';
  }
  return withoutCredentials(text.replace(/^[a-z]+:\/\//i, '').replace(/\?.*$/, ''));
}

/** The error context of a configured connection. */
export function errorContext(connection: OracleConnectionConfig): OracleErrorContext {
  return { target: oracleTarget(connection), user: connection.user, callTimeoutMs: callTimeoutOf(connection) };
}

/**
 * Opens one session: connects with TCP keepalive, checks the driver is in Thin mode, sets the
 * round-trip timeout (bounded by a watchdog, oracle-watchdog.ts: `onStall` hears when it drops the
 * session) and the session settings. Whatever fails is classified, and a half-open connection is
 * closed.
 */
export async function openSession(
  driver: OracleDriverLike, connection: OracleConnectionConfig, context: OracleErrorContext, onStall: () => void = () => undefined,
): Promise<OracleConnectionLike> {
  let opened: OracleConnectionLike;
  try {
    opened = await driver.getConnection({
      user: connection.user, password: connection.password, connectString: oracleConnectString(connection),
      connectTimeout: CONNECT_TIMEOUT_SECONDS, expireTime: KEEPALIVE_MINUTES,
    });
  } catch (error) {
    throw classifyOracleError(error, context);
  }
  const callTimeout = callTimeoutOf(connection);
  const session = guardSession(opened, callTimeout, onStall);
  try {
    if (!driver.thin) {
      throw new TerminalError('node-oracledb is in Thick mode (something in this process called initOracleClient) — DataPipe reads Oracle in Thin mode only; remove the initOracleClient call');
    }
    session.callTimeout = callTimeout;
    await session.execute(SESSION_SQL, {}, {});
    return session;
  } catch (error) {
    await session.close().catch(() => undefined);
    throw classifyOracleError(error, context);
  }
}
