/**
 * The `pg` pool behind a PostgresSource, built from config.yaml's `source.connection`.
 * One connection: the source reads one plan at a time, and PGlite served over the wire protocol
 * (the embedded test and demo database) serves one connection at a time. Every checked-out
 * connection is guarded (postgres-guard.ts): an error listener, and a stall detector bounded by
 * `read_timeout_ms`.
 */
import pg from 'pg';
import type { Logger } from '../../log.js';
import { withRetry } from '../../retry.js';
import { sourceRetryOptions, type SourceRetry } from '../read-retry.js';
import type { PostgresPool } from './postgres-client.js';
import { classifyPostgresError, type PostgresErrorContext } from './postgres-errors.js';
import { guardPool } from './postgres-guard.js';

/** `source.connection` for `type: postgres` (shared/config/source-schema.ts). */
export interface PostgresConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  /** TLS: true verifies the server certificate; an object is handed to Node's tls as is. */
  ssl?: boolean | { rejectUnauthorized?: boolean; ca?: string };
  /** Longest wait for the server's next bytes during a query or read, in ms; 0 = none (default DEFAULT_READ_TIMEOUT_MS). */
  read_timeout_ms?: number;
}

/** The read timeout when config.yaml names none: ten minutes without a byte is a dead connection. */
export const DEFAULT_READ_TIMEOUT_MS = 600_000;

/**
 * TCP keepalive probes start after this much idle time (Node sets TCP_KEEPIDLE only; the interval
 * and count are the OS's, 75 s × 9 on Linux), so a peer that vanished (host down, connection
 * dropped by a firewall) is noticed even on an idle connection.
 */
const KEEPALIVE_IDLE_MS = 60_000;

/** How errors name the server: `host:port/database` and the user — never the password. */
export function errorContext(connection: PostgresConnection): PostgresErrorContext {
  return {
    target: `${connection.host}:${connection.port}/${connection.database}`,
    host: `${connection.host}:${connection.port}`,
    database: connection.database,
    user: connection.user,
    readTimeoutMs: connection.read_timeout_ms ?? DEFAULT_READ_TIMEOUT_MS,
  };
}

/** A single-connection, guarded pool; idle-connection errors are logged (pg would otherwise crash the process). */
export function createPostgresPool(connection: PostgresConnection, log: Logger): PostgresPool {
  const pool = new pg.Pool({
    host: connection.host,
    port: connection.port,
    database: connection.database,
    user: connection.user,
    password: connection.password,
    ssl: connection.ssl,
    max: 1,
    connectionTimeoutMillis: 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS,
    application_name: 'datapipe',
  });
  const { target, readTimeoutMs } = errorContext(connection);
  pool.on('error', (error) => log.warn({ err: error, target }, 'idle PostgreSQL connection failed; the next query reconnects'));
  return guardPool(pool, { readTimeoutMs: readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS, log, target });
}

/**
 * Opens and checks one connection now, so a wrong host, password or database fails at start; a
 * refused or lost connection is retried (shared/retry.ts, DATABASE_RETRY).
 */
export async function checkConnection(pool: PostgresPool, context: PostgresErrorContext, log: Logger, retry?: SourceRetry): Promise<void> {
  await withRetry(async () => {
    try {
      const client = await pool.connect();
      try {
        await client.query('SELECT 1');
        client.release();
      } catch (error) {
        client.release(true);
        throw error;
      }
    } catch (error) {
      throw classifyPostgresError(error, context);
    }
  }, sourceRetryOptions(`connecting to PostgreSQL at ${context.target}`, log, retry));
}
