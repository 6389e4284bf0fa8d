/**
 * The slice of node-oracledb (Thin mode) this source calls, declared structurally (as Kysely's
 * `PostgresPool` is): the pipeline never imports the driver, and tests hand in a fake of exactly
 * this boundary. Signatures follow node-oracledb 26 (`lib/oracledb.js`, `lib/connection.js`,
 * `lib/resultset.js`); the driver ships no TypeScript declarations, so nothing here is generated.
 */

/** Bind values by name (`:owner` → `{ owner: 'VENTAS' }`); DataPipe binds text and integers only. */
export type OracleBinds = Record<string, string | number>;

/**
 * What the driver hands a fetch type handler per select-list column (`lib/impl/resultset.js`,
 * `_determineFetchType`): `dbTypeName` is the type's column name (`NUMBER`, `DATE`,
 * `TIMESTAMP WITH TIME ZONE`, `CLOB`, …).
 */
export interface OracleColumnMetadata {
  name: string;
  dbTypeName?: string;
}

/**
 * An opaque driver type constant (`oracledb.STRING` is `DB_TYPE_VARCHAR`, `oracledb.BUFFER` is
 * `DB_TYPE_RAW`): the driver checks `instanceof DbType`, so it must come from the loaded driver.
 */
export type OracleDbType = object;

/** `{ type }` asks the driver to fetch the column as that type; undefined keeps its default. */
export type OracleFetchTypeHandler = (metadata: OracleColumnMetadata) => { type: OracleDbType } | undefined;

/** `connection.execute` options DataPipe sets. */
export interface OracleExecuteOptions {
  /** Stream rows through a ResultSet instead of fetching them all. */
  resultSet?: boolean;
  /** `oracledb.OUT_FORMAT_ARRAY` (rows as arrays, the default) or `OUT_FORMAT_OBJECT`. */
  outFormat?: number;
  /** Rows per round trip for the execute's first fetch. */
  fetchArraySize?: number;
  /** Rows the execute round trip itself returns. */
  prefetchRows?: number;
  fetchTypeHandler?: OracleFetchTypeHandler;
}

/** A streamed query: `getRows(n)` fetches up to n rows; an empty array means no more. */
export interface OracleResultSetLike {
  getRows(numRows: number): Promise<unknown[][]>;
  close(): Promise<void>;
}

/** What `execute` resolves to: `rows` for a plain query, `resultSet` with `resultSet: true`. */
export interface OracleExecuteResult<R> {
  rows?: R[];
  resultSet?: OracleResultSetLike;
}

/** One standalone connection. */
export interface OracleConnectionLike {
  execute<R = unknown>(sql: string, binds: OracleBinds, options: OracleExecuteOptions): Promise<OracleExecuteResult<R>>;
  close(): Promise<void>;
  /** Milliseconds a single round trip may take (0 = no limit); a settable property in node-oracledb. */
  callTimeout: number;
}

/** `oracledb.getConnection` attributes DataPipe passes. */
export interface OracleConnectAttributes {
  user: string;
  password: string;
  connectString: string;
  /** Seconds to wait for the listener (node-oracledb default 20). */
  connectTimeout?: number;
  /** Minutes of idle time before TCP keepalive probes start (dead connection detection); 0 = off. */
  expireTime?: number;
}

/** The loaded `oracledb` module: a connection factory, the mode flag and the constants DataPipe uses. */
export interface OracleDriverLike {
  getConnection(attributes: OracleConnectAttributes): Promise<OracleConnectionLike>;
  /** True while node-oracledb runs in Thin mode (nothing here ever calls `initOracleClient`). */
  readonly thin: boolean;
  readonly OUT_FORMAT_ARRAY: number;
  readonly OUT_FORMAT_OBJECT: number;
  readonly STRING: OracleDbType;
  readonly BUFFER: OracleDbType;
}
