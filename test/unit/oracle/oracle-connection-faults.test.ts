/**
 * An Oracle connection that breaks during a read — closed by the other end (FIN), reset (RST), or
 * stalled — against a FAKE of the node-oracledb boundary (fake-oracledb.ts). The driver errors are
 * the ones node-oracledb 26 Thin builds for a socket that ended or was reset
 * (lib/thin/sqlnet/ntTcp.js `checkErr`: NJS-500 wrapping NJS-521 or NJS-501 with the socket
 * error); a stall is a fetch that never answers. Each ends in one transient line (exit 1); before
 * the first batch it is retried on a new session.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TransientError } from '../../../shared/errors.js';
import type { Row } from '../../../shared/model/column.js';
import { callTimeoutOf, DEFAULT_READ_TIMEOUT_MS } from '../../../shared/sources/oracle/oracle-connect.js';
import type { OracleSource } from '../../../shared/sources/oracle/oracle-source.js';
import { watchdogMs } from '../../../shared/sources/oracle/oracle-watchdog.js';
import { driverError, FakeOracleDriver, type FakeResponse } from './fake-oracledb.js';
import { CONFIG, connectFake, MODEL, MODEL_COLUMNS, MODEL_SELECT } from './oracle-fixtures.js';

const WIRE: unknown[][] = [['1', ' 2024-01-31T10:11:12', 'Ana', '10.5'], ['2', ' 2024-02-01T00:00:00', 'Bea', '1'], ['3', null, null, null]];
const TARGET = 'db.example:1521/ERP_PROD';

/** NJS-500 as Thin builds it when the socket ended (the database or something between closed it). */
const EOF = driverError('NJS-500', `connection to Oracle Database was closed or broken\nNJS-521: connection to host db.example port 1521 received end-of-file on communication channel. (CONNECTION_ID=abc)`);
/** NJS-500 as Thin builds it when the socket was reset. */
const RESET = driverError('NJS-500', `connection to Oracle Database was closed or broken\nNJS-501: connection to host db.example port 1521 terminated unexpectedly. (CONNECTION_ID=abc)\nread ECONNRESET`);

function driverWith(response: Partial<FakeResponse>): FakeOracleDriver {
  return new FakeOracleDriver().on('SELECT t."ID_VENTA"', { columns: MODEL_COLUMNS, rows: WIRE, ...response });
}

/** Reads with one-row batches and one-row round trips, so the second fetch comes after a batch has left. */
async function readAll(source: OracleSource, seen: Row[][]): Promise<unknown> {
  try {
    for await (const batch of source.read({ model: MODEL, batchSize: 1 })) seen.push(batch);
    return null;
  } catch (error) {
    return error;
  }
}

const ONE_ROW_TRIPS = { ...CONFIG, fetch_array_size: 1 };

afterEach(() => {
  vi.useRealTimers();
});

describe('Oracle: a connection that breaks in the middle of a read (fake node-oracledb boundary)', () => {
  it.each([
    ['closed by the other end (FIN)', EOF, `lost the connection to Oracle at ${TARGET} reading VENTAS.VENTAS_CABECERA: the other end closed it (end of file) (NJS-500; retrying may help)`],
    ['reset (RST)', RESET, `lost the connection to Oracle at ${TARGET} reading VENTAS.VENTAS_CABECERA: it was reset (ECONNRESET) (NJS-500; retrying may help)`],
  ])('%s after a batch has left: one transient line, no retry, the session dropped', async (_what, error, line) => {
    const driver = driverWith({ failGetRowsAt: 1, getRowsError: error });
    const source = await connectFake(driver, { config: ONE_ROW_TRIPS });
    const seen: Row[][] = [];
    const failure = await readAll(source, seen);
    expect(seen).toHaveLength(1);
    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as TransientError).exitCode).toBe(1);
    expect((failure as Error).message).toBe(line);
    expect(driver.calls.filter((c) => c.sql === MODEL_SELECT)).toHaveLength(1);
    expect(driver.connections[0]!.closed).toBe(true);
  });

  it('a stalled fetch (no answer, not even to the driver\'s break) ends after the watchdog: one line, the session dropped', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const driver = driverWith({ hangGetRowsAt: 1 });
    const source = await connectFake(driver, { config: { ...ONE_ROW_TRIPS, call_timeout_ms: undefined, read_timeout_ms: 30_000 } });
    expect(driver.connections[0]!.callTimeout).toBe(30_000);
    const seen: Row[][] = [];
    const reading = readAll(source, seen);
    await vi.advanceTimersByTimeAsync(watchdogMs(30_000) - 1);
    expect(seen).toHaveLength(1);
    expect(driver.connections[0]!.closed).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const failure = await reading;
    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toBe(`Oracle at ${TARGET} sent nothing for 30 s reading VENTAS.VENTAS_CABECERA, not even the answer to the driver's break (source.connection.read_timeout_ms): the connection or the database stalled, so DataPipe dropped the session (retrying may help)`);
    expect(driver.connections[0]!.closed).toBe(true);
    expect(watchdogMs(30_000)).toBe(35_000);
  });

  it('a stall before the first batch is retried on a new session, and the read completes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const driver = driverWith({}).once('SELECT t."ID_VENTA"', { columns: MODEL_COLUMNS, rows: WIRE, hangGetRowsAt: 0 });
    const source = await connectFake(driver, { config: { ...CONFIG, call_timeout_ms: 1_000 } });
    const seen: Row[][] = [];
    const reading = readAll(source, seen);
    await vi.advanceTimersByTimeAsync(watchdogMs(1_000));
    expect(await reading).toBeNull();
    expect(seen.flat()).toHaveLength(3);
    expect(driver.calls.filter((c) => c.sql === MODEL_SELECT).map((c) => c.connection)).toEqual([0, 1]);
  });

  it('the driver\'s own call timeout, when the database answers the break (NJS-123), is one line naming the setting', async () => {
    const driver = driverWith({ failGetRowsAt: 1, getRowsError: driverError('NJS-123', 'call timeout of 60000 ms exceeded') });
    const source = await connectFake(driver, { config: ONE_ROW_TRIPS });
    const failure = await readAll(source, []);
    expect((failure as Error).message).toBe(`Oracle at ${TARGET} did not finish a round trip within 60 s reading VENTAS.VENTAS_CABECERA (NJS-123; source.connection.call_timeout_ms, else read_timeout_ms): the database or the connection stalled (retrying may help; raise the timeout if a fetch is legitimately slower)`);
  });

  it('bounds every round trip: call_timeout_ms, else read_timeout_ms, else ten minutes', () => {
    const { call_timeout_ms: _omitted, ...withoutCall } = CONFIG;
    expect(callTimeoutOf(CONFIG)).toBe(60_000);
    expect(callTimeoutOf({ ...withoutCall, read_timeout_ms: 5_000 })).toBe(5_000);
    expect(callTimeoutOf(withoutCall)).toBe(DEFAULT_READ_TIMEOUT_MS);
    expect(DEFAULT_READ_TIMEOUT_MS).toBe(600_000);
  });
});
