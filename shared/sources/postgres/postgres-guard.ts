/**
 * Every connection the PostgreSQL source checks out of its pool is guarded while it is out:
 *
 * - an 'error' listener: pg emits 'error' on a client whose connection closes (FIN), resets (RST)
 *   or is destroyed, and pg-pool listens only to idle clients — an unheard 'error' event would
 *   crash the process with a stack trace. The failure itself reaches the query that was running
 *   (or the next one), which reports it as one line (postgres-errors.ts).
 * - a stall detector: while the source waits on the server (a query, the next COPY chunk, the next
 *   cursor rows), no byte for `readTimeoutMs` means a dead peer or a middlebox that stopped
 *   forwarding — TCP keepalive cannot tell when something still answers the probes, and a
 *   statement_timeout is the server's, which may never be heard. The socket is destroyed with a
 *   ReadStallError, which fails the wait. Time the source spends not waiting (a consumer holding a
 *   batch, backpressure) never counts.
 */
import type { Logger } from '../../log.js';
import type { PostgresPool, PostgresPoolClient } from './postgres-client.js';

/** The socket was destroyed because no byte came for `timeoutMs` while the source waited on the server. */
export class ReadStallError extends Error {
  readonly code = 'DATAPIPE_READ_STALL';
  constructor(readonly timeoutMs: number) {
    super(`no data from the server for ${timeoutMs} ms`);
    this.name = 'ReadStallError';
  }
}

/**
 * Counts waits on the server and destroys the socket when one sees no byte for too long. Arriving
 * bytes are seen through the socket's byte count at each check (a 'data' listener would break
 * the COPY read, which takes over the socket's only one while it runs).
 */
class StallWatch {
  #waiting = 0;
  #since = 0;
  #bytesRead: number;
  #lastByte = Date.now();
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly client: PostgresPoolClient, private readonly timeoutMs: number) {
    this.#bytesRead = client.connection?.stream?.bytesRead ?? 0;
    // Checked a few times per timeout, at most once a second: the stall is noticed within ~25 %.
    this.#timer = setInterval(() => this.#check(), Math.max(20, Math.min(1_000, Math.floor(timeoutMs / 4)))).unref();
  }

  during<T>(promise: Promise<T>): Promise<T> {
    if (this.#waiting++ === 0) this.#since = Date.now();
    return promise.finally(() => {
      this.#waiting--;
    });
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #check(): void {
    const socket = this.client.connection?.stream;
    if (socket?.bytesRead === undefined) return;
    const now = Date.now();
    if (socket.bytesRead !== this.#bytesRead) {
      this.#bytesRead = socket.bytesRead;
      this.#lastByte = now;
    }
    if (this.#waiting === 0 || now - Math.max(this.#since, this.#lastByte) < this.timeoutMs) return;
    this.stop();
    socket.destroy(new ReadStallError(this.timeoutMs));
  }
}

const watches = new WeakMap<PostgresPoolClient, StallWatch>();

/**
 * Waits for `promise` as a wait on the server, so the stall detector of `client` watches it (a
 * client without one — not from a guarded pool — just waits).
 */
export function waitOnServer<T>(client: PostgresPoolClient, promise: Promise<T>): Promise<T> {
  const watch = watches.get(client);
  return watch ? watch.during(promise) : promise;
}

/** What guarding needs: the read timeout (0 = none), where to log, and the server's name. */
export interface GuardOptions {
  readTimeoutMs: number;
  log: Logger;
  target: string;
}

/**
 * The pool with every checked-out client guarded (see the module comment): plain queries are waits
 * on the server; COPY and cursor reads mark their own waits with waitOnServer.
 */
export function guardPool(pool: PostgresPool, options: GuardOptions): PostgresPool {
  return {
    end: () => pool.end(),
    connect: async () => guardClient(await pool.connect(), options),
  };
}

function guardClient(client: PostgresPoolClient, options: GuardOptions): PostgresPoolClient {
  const onError = (error: Error): void => {
    options.log.warn({ err: error.message, target: options.target }, 'the PostgreSQL connection failed; the read in progress fails with it');
  };
  client.on('error', onError);
  const watch = options.readTimeoutMs > 0 ? new StallWatch(client, options.readTimeoutMs) : undefined;
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const guarded: PostgresPoolClient = {
    query: ((...args: unknown[]) => {
      const result = query(...args);
      // A text query returns a promise; a submittable (COPY, cursor) is returned as it is.
      return typeof args[0] === 'string' && watch ? watch.during(result as Promise<unknown>) : result;
    }) as PostgresPoolClient['query'],
    release: (destroy) => {
      watch?.stop();
      // A connection that failed may still report; keep listening until pg has let go of it.
      if (destroy === undefined || destroy === false) client.off('error', onError);
      client.release(destroy);
    },
    on: (event, listener) => client.on(event, listener),
    off: (event, listener) => client.off(event, listener),
    get connection() {
      return client.connection;
    },
  };
  if (watch) watches.set(guarded, watch);
  return guarded;
}
