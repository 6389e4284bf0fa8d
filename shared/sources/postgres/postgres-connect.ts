/**
 * The `pg` pool behind a PostgresSource, built from config.yaml's `source.connection`.
 * One connection: the source reads one plan at a time, and PGlite served over the wire protocol
 * (the embedded test and demo database) serves one connection at a time.
 */
import pg from 'pg';
import type { Logger } from '../../log.js';
import type { PostgresPool } from './postgres-client.js';
import { classifyPostgresError, type PostgresErrorContext } from './postgres-errors.js';

/** `source.connection` for `type: postgres` (shared/config/source-schema.ts). */
export interface PostgresConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  /** TLS: true verifies the server certificate; an object is handed to Node's tls as is. */
  ssl?: boolean | { rejectUnauthorized?: boolean; ca?: string };
}

/** How errors name the server: `host:port/database` and the user — never the password. */
export function errorContext(connection: PostgresConnection): PostgresErrorContext {
  return {
    target: `${connection.host}:${connection.port}/${connection.database}`,
    host: `${connection.host}:${connection.port}`,
    database: connection.database,
    user: connection.user,
  };
}

/** A single-connection pool; idle-connection errors are logged (pg would otherwise crash the process). */
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
    application_name: 'datapipe',
  });
  const { target } = errorContext(connection);
  pool.on('error', (error) => log.warn({ err: error, target }, 'idle PostgreSQL connection failed; the next query reconnects'));
  return pool;
}

/** Opens and checks one connection now, so a wrong host, password or database fails at start. */
export async function checkConnection(pool: PostgresPool, context: PostgresErrorContext): Promise<void> {
  try {
    const client = await pool.connect();
    try {
      await client.query('SELECT 1');
    } finally {
      client.release();
    }
  } catch (error) {
    throw classifyPostgresError(error, context);
  }
}
