/**
 * A bound on every round trip of an Oracle session. node-oracledb's `callTimeout` ends a round trip
 * that takes too long by sending the database a break and waiting for its answer (Thin:
 * lib/thin/protocol/protocol.js, `_processMessage`) — NJS-123 when the database answers. On a
 * connection that stalled (a peer that vanished behind something still answering TCP keepalive, a
 * stuck proxy) the break is never answered and the round trip hangs anyway. So each round trip is
 * also raced against a watchdog a little longer than the call timeout; when it fires, the session
 * is dropped (closed without waiting: a close needs a round trip too) and the round trip fails
 * with a ReadStallError, one line (oracle-errors.ts).
 */
import type { OracleBinds, OracleConnectionLike, OracleExecuteOptions, OracleExecuteResult, OracleResultSetLike } from './oracle-client.js';

/** A round trip that got no answer within the watchdog's time: the session is gone. */
export class ReadStallError extends Error {
  readonly code = 'DATAPIPE_READ_STALL';
  constructor(readonly timeoutMs: number) {
    super(`no answer from the database for ${timeoutMs} ms`);
    this.name = 'ReadStallError';
  }
}

/** How long after the call timeout the watchdog gives the driver's own break to be answered. */
export function watchdogMs(callTimeoutMs: number): number {
  return callTimeoutMs + Math.max(5_000, Math.ceil(callTimeoutMs / 10));
}

/**
 * `session` with each execute and getRows bounded by `watchdogMs(callTimeoutMs)`; 0 leaves it
 * unbounded. `onStall` is told once, so the owner forgets the session.
 */
export function guardSession(session: OracleConnectionLike, callTimeoutMs: number, onStall: () => void): OracleConnectionLike {
  if (callTimeoutMs <= 0) return session;
  const limit = watchdogMs(callTimeoutMs);
  let stalled = false;
  const bounded = <T>(roundTrip: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const watchdog = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (!stalled) {
          stalled = true;
          onStall();
          // Not awaited: closing a stalled session would wait for an answer that never comes.
          void session.close().catch(() => undefined);
        }
        reject(new ReadStallError(callTimeoutMs));
      }, limit);
      timer.unref();
    });
    // The lost round trip may still settle (or fail) later; nobody is waiting for it then.
    roundTrip.catch(() => undefined);
    return Promise.race([roundTrip, watchdog]).finally(() => clearTimeout(timer));
  };
  const guardResultSet = (resultSet: OracleResultSetLike): OracleResultSetLike => ({
    getRows: (numRows) => bounded(resultSet.getRows(numRows)),
    close: () => (stalled ? Promise.resolve() : bounded(resultSet.close())),
  });
  return {
    async execute<R>(sql: string, binds: OracleBinds, options: OracleExecuteOptions): Promise<OracleExecuteResult<R>> {
      const result = await bounded(session.execute<R>(sql, binds, options));
      return result.resultSet ? { ...result, resultSet: guardResultSet(result.resultSet) } : result;
    },
    close: () => (stalled ? Promise.resolve() : bounded(session.close())),
    get callTimeout() {
      return session.callTimeout;
    },
    set callTimeout(ms: number) {
      session.callTimeout = ms;
    },
  };
}
