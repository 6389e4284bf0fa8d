/**
 * `source:` — the database DataPipe extracts from, a union on `type` (docs/architecture.md,
 * "Configuration"). Credentials are meant to come from `${ENV}` references.
 */
import { z } from 'zod';
import { flag, port, requiredText, wholeNumber } from './schema-primitives.js';

/**
 * `read_timeout_ms`, for every source: how long DataPipe waits for the database's next bytes
 * during a query or a read before it declares the connection stalled, closes it and fails (exit 1;
 * retried on a new connection while no row has been handed over). TCP keepalive catches a peer
 * that vanished; this catches one that still answers keepalive probes but sends nothing (a stuck
 * proxy or firewall, a hung server).
 */
function readTimeout() {
  return wholeNumber({
    min: 0, max: 86_400_000, example: 600_000,
    description: 'Longest wait for the database\'s next bytes during a query or read, in milliseconds; past it the connection counts as stalled and the run fails with exit 1 (default 600000, ten minutes; 0 turns the check off)',
  }).optional();
}

/** Driver tuning and credentials shared by both ways of addressing an Oracle database. */
interface OracleSession {
  user: string;
  password: string;
  /** Rows per round trip (oracledb `fetchArraySize`; the driver's default of 100 is slow for scans). */
  fetch_array_size: number;
  /** oracledb `prefetchRows`; left to the driver when absent. */
  prefetch_rows?: number;
  /** oracledb `callTimeout` per round trip, in milliseconds; read_timeout_ms when absent. */
  call_timeout_ms?: number;
  /** Longest wait for the database's answer, in milliseconds (0 = none); 10 minutes when absent. */
  read_timeout_ms?: number;
}

/** An Oracle connection: Easy Connect parts, or a full connect string / TNS alias. */
export type OracleConnection = OracleSession & (
  | { host: string; port: number; service_name: string }
  | { connect_string: string }
);

/**
 * A `user@` or `user/password@` prefix of a connect string (the SQL*Plus `scott/tiger@db` habit):
 * everything up to the last `@` before any `?options` or descriptor parenthesis (a password may
 * hold `@` itself). A connect string names a database only — node-oracledb takes the user and
 * password apart — and what it holds reaches error lines and logs.
 */
const CONNECT_CREDENTIALS = /^\s*[^?()]*@/;

/** Whether a connect string starts with `user[/password]@`. */
export function connectStringHasCredentials(connectString: string): boolean {
  return CONNECT_CREDENTIALS.test(connectString);
}

/** A connect string without a `user[/password]@` prefix. */
export function withoutConnectCredentials(connectString: string): string {
  return connectString.replace(CONNECT_CREDENTIALS, '');
}

const oracleConnection = z
  .object({
    host: requiredText('Database host name or IP (Easy Connect); use connect_string instead for a TNS descriptor').optional(),
    port: port(1521).optional(),
    service_name: requiredText('Oracle service name (not the SID), e.g. ERP_PROD').optional(),
    connect_string: requiredText('A full connect string or TNS alias, instead of host/port/service_name').optional(),
    user: requiredText('Database user, e.g. "${ORACLE_USER}"'),
    password: requiredText('Database password — always "${ORACLE_PASSWORD}", never the literal value'),
    fetch_array_size: wholeNumber({ min: 1, max: 1_000_000, example: 1000, description: 'Rows fetched per round trip (default 1000)' }).default(1000),
    prefetch_rows: wholeNumber({ min: 0, max: 1_000_000, example: 1000, description: 'oracledb prefetchRows; the driver default when absent' }).optional(),
    call_timeout_ms: wholeNumber({ min: 0, max: 86_400_000, example: 600_000, description: 'Timeout per database round trip in milliseconds (oracledb callTimeout); read_timeout_ms when absent' }).optional(),
    read_timeout_ms: readTimeout(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.connect_string !== undefined) {
      if (connectStringHasCredentials(c.connect_string)) {
        ctx.addIssue({ code: 'custom', path: ['connect_string'], message: 'must not carry credentials — put the user in source.connection.user and the password in source.connection.password' });
      }
      for (const key of ['host', 'port', 'service_name'] as const) {
        if (c[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: 'cannot be combined with connect_string — keep either connect_string or host/port/service_name' });
        }
      }
      return;
    }
    if (c.host === undefined && c.service_name === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'has no database address — add host:, port: and service_name:, or a connect_string:' });
      return;
    }
    for (const key of ['host', 'service_name'] as const) {
      if (c[key] === undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `missing — add ${key}: (Easy Connect needs host and service_name), or use connect_string: instead` });
      }
    }
  })
  .transform((c): OracleConnection => {
    const session: OracleSession = { user: c.user, password: c.password, fetch_array_size: c.fetch_array_size };
    if (c.prefetch_rows !== undefined) session.prefetch_rows = c.prefetch_rows;
    if (c.call_timeout_ms !== undefined) session.call_timeout_ms = c.call_timeout_ms;
    if (c.read_timeout_ms !== undefined) session.read_timeout_ms = c.read_timeout_ms;
    if (c.connect_string !== undefined) return { ...session, connect_string: c.connect_string };
    return { ...session, host: c.host as string, port: c.port ?? 1521, service_name: c.service_name as string };
  })
  .describe('Oracle connection: host/port/service_name or connect_string, plus user and password');

const postgresConnection = z
  .object({
    host: requiredText('Server host name or IP'),
    port: port(5432).default(5432),
    database: requiredText('Database name'),
    user: requiredText('Database user'),
    password: z.string().describe('Password — "${PGPASSWORD}", never the literal value; may be empty for trust/peer auth').optional(),
    ssl: flag('Connect with TLS (default false)').optional(),
    read_timeout_ms: readTimeout(),
  })
  .strict()
  .describe('PostgreSQL connection');

const schemaName = requiredText('Schema (Oracle: owner) holding the tables; Oracle defaults to the connecting user, PostgreSQL to public').optional();

/**
 * `source:` — Oracle or PostgreSQL, told apart by `type`. `type` defaults to oracle: DataPipe
 * exists to migrate Oracle, and the team's workflow guide writes its config.yaml without it.
 */
export const sourceSchema = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('oracle').default('oracle').describe('Oracle Database (oracledb, Thin mode) — the default when type is absent'),
      connection: oracleConnection,
      schema: schemaName,
    }).strict(),
    z.object({
      type: z.literal('postgres').describe('PostgreSQL'),
      connection: postgresConnection,
      schema: schemaName,
    }).strict(),
  ])
  .describe('The database to extract from');

/** A validated source; narrow on `type` to reach its connection. */
export type SourceConfig = z.output<typeof sourceSchema>;
/** A validated PostgreSQL connection, port defaulted. */
export type PostgresConnection = z.output<typeof postgresConnection>;

/** The oracledb `connectString` of a connection: the configured one, or Easy Connect `host:port/service`. */
export function oracleConnectString(connection: OracleConnection): string {
  return 'connect_string' in connection
    ? connection.connect_string
    : `${connection.host}:${connection.port}/${connection.service_name}`;
}
