/**
 * Creates the VENTAS sample in an Oracle database: two accounts and five tables.
 *
 * - VENTAS owns the tables (CREATE SESSION, CREATE TABLE, UNLIMITED TABLESPACE).
 * - DATAPIPE is the extractor's login, with only what extraction needs: CREATE SESSION, SELECT
 *   and FLASHBACK on each sample table (a flashback query `AS OF SCN` needs SELECT plus the
 *   FLASHBACK object privilege or FLASHBACK ANY TABLE — Oracle SQL Language Reference, SELECT,
 *   flashback_query_clause) and EXECUTE on DBMS_FLASHBACK, which is not granted to PUBLIC ("a
 *   database administrator must grant EXECUTE privileges for DBMS_FLASHBACK" — PL/SQL Packages
 *   and Types Reference, DBMS_FLASHBACK, Security Model).
 *
 * Accounts are made by an administrator; connecting as SYS uses the SYSDBA privilege (SYS owns
 * DBMS_FLASHBACK, so the grant cannot be refused). Re-running resets the passwords and recreates
 * the tables, nothing else. node-oracledb (Thin) is reached through the few calls used here.
 */
import { createRequire } from 'node:module';
import { randomInt } from 'node:crypto';
import { TerminalError } from '../../../shared/errors.js';
import {
  createTableSql, dropTableIfExistsSql, insertRowSql, type SampleRow, type SampleTable, type SeedBind, type SeedStatement,
} from './dev-oracle-sample.js';
import { SAMPLE_SALES, salesSeed, VENTAS_CABECERA, VENTAS_DETALLE } from './dev-oracle-sales.js';
import {
  TIPOS_ORACLE, TIPOS_ORACLE_LONG, TIPOS_ORACLE_LONG_RAW, TIPOS_ORACLE_LONG_RAW_ROWS, TIPOS_ORACLE_LONG_ROWS, TIPOS_ORACLE_ROWS,
} from './dev-oracle-types.js';

/** The account that owns the sample tables (source.schema in config.yaml). */
export const SAMPLE_OWNER = 'VENTAS';
/** The extractor's account (source.connection.user in config.yaml). */
export const SAMPLE_READER = 'DATAPIPE';

/** Every sample table with its literal rows (the sales tables are generated; see salesSeed). */
export const SAMPLE_TABLES: readonly { table: SampleTable; rows?: readonly SampleRow[] }[] = [
  { table: VENTAS_CABECERA },
  { table: VENTAS_DETALLE },
  { table: TIPOS_ORACLE, rows: TIPOS_ORACLE_ROWS },
  { table: TIPOS_ORACLE_LONG, rows: TIPOS_ORACLE_LONG_ROWS },
  { table: TIPOS_ORACLE_LONG_RAW, rows: TIPOS_ORACLE_LONG_RAW_ROWS },
];

/** The node-oracledb calls the sample, the Oracle tests and the Oracle bench make. */
export interface OracleDriver {
  SYSDBA: number;
  OUT_FORMAT_OBJECT: number;
  DB_TYPE_CLOB: unknown;
  DB_TYPE_BLOB: unknown;
  getConnection(attributes: { user: string; password: string; connectString: string; privilege?: number }): Promise<OracleSession>;
}

export interface OracleResultSet {
  getRows(count: number): Promise<unknown[]>;
  close(): Promise<void>;
}

export interface OracleSession {
  execute(sql: string, binds?: Record<string, unknown>, options?: Record<string, unknown>): Promise<{
    rows?: unknown[];
    rowsAffected?: number;
    resultSet?: OracleResultSet;
  }>;
  commit(): Promise<void>;
  close(): Promise<void>;
}

/** Where an Oracle database listens (Easy Connect). */
export interface OracleTarget {
  host: string;
  port: number;
  service: string;
}

export interface OracleAccount {
  user: string;
  password: string;
}

/** node-oracledb, loaded once; it is CommonJS and ships no type declarations. */
export function loadOracleDriver(): OracleDriver {
  return createRequire(import.meta.url)('oracledb') as OracleDriver;
}

/** `host:port/service`. */
export function connectString(target: OracleTarget): string {
  return `${target.host}:${target.port}/${target.service}`;
}

/** Opens a session; SYS connects AS SYSDBA, as Oracle requires of it. */
export function connectAs(driver: OracleDriver, target: OracleTarget, account: OracleAccount): Promise<OracleSession> {
  const attributes: { user: string; password: string; connectString: string; privilege?: number } = {
    user: account.user, password: account.password, connectString: connectString(target),
  };
  if (account.user.toUpperCase() === 'SYS') attributes.privilege = driver.SYSDBA;
  return driver.getConnection(attributes);
}

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

/**
 * A throwaway password: a letter first (Oracle's rule for unquoted passwords), upper and lower
 * case and a digit (what password verify functions usually demand), 20 characters.
 */
export function newPassword(): string {
  const rest = Array.from({ length: 17 }, () => PASSWORD_ALPHABET.charAt(randomInt(PASSWORD_ALPHABET.length))).join('');
  return `Dp7${rest}`;
}

/** `CREATE USER` or, when the account exists, a password reset; the password is quoted, so `"` is refused. */
export function accountSql(user: string, password: string, exists: boolean): string {
  if (password.includes('"') || password.length === 0) {
    throw new TerminalError(`the password for ${user} cannot be empty or contain a double quote — choose another`);
  }
  return exists
    ? `ALTER USER "${user}" IDENTIFIED BY "${password}" ACCOUNT UNLOCK`
    : `CREATE USER "${user}" IDENTIFIED BY "${password}"`;
}

/** What the administrator grants, after the accounts exist. */
export const ACCOUNT_GRANTS_SQL = [
  `GRANT CREATE SESSION, CREATE TABLE, UNLIMITED TABLESPACE TO "${SAMPLE_OWNER}"`,
  `GRANT CREATE SESSION TO "${SAMPLE_READER}"`,
  `GRANT EXECUTE ON SYS.DBMS_FLASHBACK TO "${SAMPLE_READER}"`,
] as const;

/** What the owner runs: drop and create the tables, fill them, grant the reader SELECT and FLASHBACK. */
export function sampleTablesSql(sales: number): SeedStatement[] {
  const statements: SeedStatement[] = [...SAMPLE_TABLES].reverse().map(({ table }) => ({ sql: dropTableIfExistsSql(table.name) }));
  for (const { table } of SAMPLE_TABLES) {
    statements.push({ sql: createTableSql(table) });
    if (table === VENTAS_DETALLE) {
      statements.push({ sql: 'ALTER TABLE VENTAS_DETALLE ADD CONSTRAINT VENTAS_DETALLE_FK FOREIGN KEY (ID_VENTA) REFERENCES VENTAS_CABECERA (ID_VENTA)' });
    }
  }
  statements.push(...salesSeed(sales));
  for (const { table, rows } of SAMPLE_TABLES) {
    for (const row of rows ?? []) statements.push(insertRowSql(table, row));
  }
  for (const { table } of SAMPLE_TABLES) {
    statements.push({ sql: `GRANT SELECT, FLASHBACK ON ${table.name} TO "${SAMPLE_READER}"` });
  }
  return statements;
}

function bindValue(driver: OracleDriver, bind: SeedBind | number | string): unknown {
  if (typeof bind !== 'object') return bind;
  if (bind.lob === 'clob') return { val: bind.value, type: driver.DB_TYPE_CLOB };
  if (bind.lob === 'blob') return { val: bind.value, type: driver.DB_TYPE_BLOB };
  return bind.value;
}

/** Runs statements in order on one session, then commits. */
export async function runStatements(driver: OracleDriver, session: OracleSession, statements: readonly SeedStatement[]): Promise<void> {
  for (const statement of statements) {
    const binds = Object.fromEntries(Object.entries(statement.binds ?? {}).map(([name, bind]) => [name, bindValue(driver, bind)]));
    await session.execute(statement.sql, binds);
  }
  await session.commit();
}

export interface SeedOptions {
  target: OracleTarget;
  /** SYS (connected AS SYSDBA) or another account that may create users and grant on SYS.DBMS_FLASHBACK. */
  admin: OracleAccount;
  /** The password VENTAS and DATAPIPE get. */
  password: string;
  /** Sales to generate (default SAMPLE_SALES). */
  sales?: number;
}

/** Creates (or resets) the accounts and the sample tables. */
export async function seedSample(driver: OracleDriver, options: SeedOptions): Promise<void> {
  const admin = await connectAs(driver, options.target, options.admin);
  try {
    for (const user of [SAMPLE_OWNER, SAMPLE_READER]) {
      const found = await admin.execute('SELECT COUNT(*) AS N FROM ALL_USERS WHERE USERNAME = :username', { username: user }, { outFormat: driver.OUT_FORMAT_OBJECT });
      const exists = Number((found.rows?.[0] as { N?: unknown } | undefined)?.N ?? 0) > 0;
      await admin.execute(accountSql(user, options.password, exists));
    }
    for (const grant of ACCOUNT_GRANTS_SQL) await admin.execute(grant);
  } finally {
    await admin.close();
  }
  const owner = await connectAs(driver, options.target, { user: SAMPLE_OWNER, password: options.password });
  try {
    await runStatements(driver, owner, sampleTablesSql(options.sales ?? SAMPLE_SALES));
  } finally {
    await owner.close();
  }
}
