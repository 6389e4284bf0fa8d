/**
 * The slice of `pg` this source calls, declared structurally (as Kysely's `PostgresPool` is) so the
 * pipeline never imports the driver and tests can hand in any pool: a `pg.Pool`, or one limited to
 * a single connection for PGlite served over the wire protocol.
 */

/** A query result: only the rows are used. */
export interface PostgresResult<R> {
  rows: R[];
}

/** Something a client can run itself (a COPY read off the socket, a pg-cursor): `query()` returns it. */
export interface PostgresSubmittable {
  submit(connection: never): void;
}

/**
 * The socket under a connection (net.Socket, or a TLSSocket): its byte count is watched (no 'data'
 * listener: a COPY takes the socket's only one over while it runs), and it is destroyed
 * when stalled.
 */
export interface PostgresSocket {
  /** Bytes received so far (net.Socket); without it no stall can be told apart, and none is watched for. */
  readonly bytesRead?: number;
  destroy(error?: Error): unknown;
}

/** One connection checked out of the pool. */
export interface PostgresPoolClient {
  /** Runs SQL with bound values (`$1`, `$2`, …). */
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<PostgresResult<R>>;
  /** Runs a COPY stream or a cursor on this connection and returns it. */
  query<T extends PostgresSubmittable>(submittable: T): T;
  /**
   * Returns the connection to the pool; `true` (or an error) closes it instead, which is how an
   * abandoned COPY or a broken session is ended.
   */
  release(destroy?: boolean | Error): void;
  /**
   * pg emits 'error' on a client whose connection failed (closed, reset, destroyed); pg-pool
   * listens only while the client is idle, and an unheard 'error' event crashes the process.
   */
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  /** pg's wire connection; `stream` is its socket. */
  readonly connection?: { readonly stream?: PostgresSocket };
}

/** The pool the source is built on. */
export interface PostgresPool {
  connect(): Promise<PostgresPoolClient>;
  end(): Promise<void>;
}

/** A server-side cursor (pg-cursor): rows are fetched `read(n)` at a time. */
export interface PostgresCursor<R> extends PostgresSubmittable {
  read(rows: number): Promise<R[]>;
  close(): Promise<void>;
}
