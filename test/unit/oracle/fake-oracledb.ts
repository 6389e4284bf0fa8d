/**
 * A FAKE of node-oracledb's connection boundary (OracleDriverLike), for unit tests without an
 * Oracle server. It replays scripted results and records every call. Values are delivered as
 * node-oracledb 26 in Thin mode would, given the source's fetchTypeHandler: the fake asks the
 * handler about each column (by `dbTypeName`, as the driver does in `_determineFetchType`) and
 * applies the driver's rule — NUMBER comes off the wire as text and stays text only when fetched
 * as STRING (else `parseFloat`, lib/impl/resultset.js); CLOB/NCLOB arrive inline as strings and
 * BLOB as a Buffer only when asked for (else a LOB locator); a DATE/TIMESTAMP the handler refuses
 * fails the execute. The type constants are the real driver's (`oracledb.STRING`, …), so a handler
 * returning anything else is caught. The real Thin path runs in test/integration/oracle.
 */
import { createRequire } from 'node:module';
import type {
  OracleBinds, OracleConnectAttributes, OracleConnectionLike, OracleDriverLike, OracleExecuteOptions,
  OracleExecuteResult, OracleResultSetLike,
} from '../../../shared/sources/oracle/oracle-client.js';

const real = createRequire(import.meta.url)('oracledb') as OracleDriverLike;

/** A select-list column as the driver describes it. */
export interface FakeColumn {
  name: string;
  dbTypeName: string;
}

/** A scripted answer: rows as the wire delivers them (NUMBER as text, RAW as Buffer, …), or an error. */
export interface FakeResponse {
  columns?: FakeColumn[];
  rows?: unknown[][];
  /** The execute itself fails with this. */
  error?: Error;
  /** The n-th getRows call (0-based) fails with `getRowsError`. */
  failGetRowsAt?: number;
  getRowsError?: Error;
  /** The n-th getRows call (0-based) never answers: a stalled connection. */
  hangGetRowsAt?: number;
}

/** One recorded execute. */
export interface FakeCall {
  sql: string;
  binds: OracleBinds;
  options: OracleExecuteOptions;
  connection: number;
}

/** A driver error as node-oracledb builds it: `code` and a message starting with it. */
export function driverError(code: string, text: string): Error {
  return Object.assign(new Error(`${code}: ${text}`), { code });
}

/** What a getRows-based result set did. */
export class FakeResultSet implements OracleResultSetLike {
  readonly requested: number[] = [];
  closed = false;
  #offset = 0;

  constructor(private readonly rows: unknown[][], private readonly response: FakeResponse) {}

  async getRows(numRows: number): Promise<unknown[][]> {
    if (this.closed) throw driverError('NJS-018', 'invalid ResultSet');
    const call = this.requested.length;
    this.requested.push(numRows);
    if (this.response.failGetRowsAt === call) throw this.response.getRowsError ?? driverError('NJS-500', 'connection to Oracle Database was closed or broken');
    if (this.response.hangGetRowsAt === call) return new Promise<never>(() => undefined);
    const rows = this.rows.slice(this.#offset, this.#offset + numRows);
    this.#offset += rows.length;
    return rows;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

type Match = string | RegExp | ((sql: string) => boolean);

function matches(match: Match, sql: string): boolean {
  if (typeof match === 'string') return sql.startsWith(match);
  if (match instanceof RegExp) return match.test(sql);
  return match(sql);
}

/** The fake driver: `getConnection` hands out FakeConnections answering from the script. */
export class FakeOracleDriver implements OracleDriverLike {
  readonly thin = true;
  readonly OUT_FORMAT_ARRAY = real.OUT_FORMAT_ARRAY;
  readonly OUT_FORMAT_OBJECT = real.OUT_FORMAT_OBJECT;
  readonly STRING = real.STRING;
  readonly BUFFER = real.BUFFER;

  readonly attributes: OracleConnectAttributes[] = [];
  readonly connections: FakeConnection[] = [];
  readonly calls: FakeCall[] = [];
  readonly resultSets: FakeResultSet[] = [];
  /** Errors the next getConnection calls fail with, in order. */
  readonly connectErrors: Error[] = [];
  readonly #once: [Match, FakeResponse][] = [];
  readonly #always: [Match, FakeResponse][] = [];

  constructor() {
    this.on("ALTER SESSION SET TIME_ZONE", {});
    this.on('SELECT USER AS USERNAME FROM DUAL', { columns: [{ name: 'USERNAME', dbTypeName: 'VARCHAR2' }], rows: [['ETL']] });
  }

  /** Answers every matching SQL (by prefix, pattern or predicate) with `response`. */
  on(match: Match, response: FakeResponse): this {
    this.#always.unshift([match, response]);
    return this;
  }

  /** Answers the next matching SQL once, before any `on` answer. */
  once(match: Match, response: FakeResponse): this {
    this.#once.push([match, response]);
    return this;
  }

  /** The SQL texts executed so far, session setup left out. */
  statements(): string[] {
    return this.calls.map((c) => c.sql).filter((sql) => !sql.startsWith('ALTER SESSION') && !sql.startsWith('SELECT USER AS'));
  }

  async getConnection(attributes: OracleConnectAttributes): Promise<OracleConnectionLike> {
    this.attributes.push(attributes);
    const error = this.connectErrors.shift();
    if (error) throw error;
    const connection = new FakeConnection(this, this.connections.length);
    this.connections.push(connection);
    return connection;
  }

  /** The scripted answer for one SQL text, consumed when it is a `once`. */
  respond(sql: string): FakeResponse {
    const index = this.#once.findIndex(([match]) => matches(match, sql));
    if (index >= 0) return this.#once.splice(index, 1)[0]![1];
    const found = this.#always.find(([match]) => matches(match, sql));
    if (!found) throw new Error(`fake oracledb: no response scripted for ${sql}`);
    return found[1];
  }
}

/** Delivers one wire value as the driver would for the fetch type the handler chose. */
function deliver(column: FakeColumn, fetchAs: object | undefined, value: unknown): unknown {
  if (value === null) return null;
  switch (column.dbTypeName) {
    case 'NUMBER': return fetchAs === real.STRING ? value : parseFloat(value as string);
    case 'CLOB': case 'NCLOB': return fetchAs === real.STRING ? value : { lobType: column.dbTypeName };
    case 'BLOB': return fetchAs === real.BUFFER ? value : { lobType: 'BLOB' };
    default: return value;
  }
}

export class FakeConnection implements OracleConnectionLike {
  callTimeout = 0;
  closed = false;

  constructor(private readonly driver: FakeOracleDriver, readonly id: number) {}

  async execute<R = unknown>(sql: string, binds: OracleBinds, options: OracleExecuteOptions): Promise<OracleExecuteResult<R>> {
    if (this.closed) throw driverError('NJS-003', 'invalid or closed connection');
    this.driver.calls.push({ sql, binds, options, connection: this.id });
    const response = this.driver.respond(sql);
    if (response.error) throw response.error;
    const columns = response.columns ?? [];
    // The driver calls the handler once per column before any row is fetched; a throw fails the execute.
    const fetchAs = columns.map((column) => options.fetchTypeHandler?.({ name: column.name, dbTypeName: column.dbTypeName })?.type);
    const rows = (response.rows ?? []).map((row) => row.map((value, i) => deliver(columns[i]!, fetchAs[i], value)));
    if (options.resultSet) {
      const resultSet = new FakeResultSet(rows, response);
      this.driver.resultSets.push(resultSet);
      return { resultSet };
    }
    if (options.outFormat === real.OUT_FORMAT_OBJECT) {
      return { rows: rows.map((row) => Object.fromEntries(columns.map((c, i) => [c.name, row[i]]))) as R[] };
    }
    return { rows: rows as R[] };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
