/**
 * The local warehouse's memory (docs/warehouses.md, "The local warehouse's memory"): DuckDB gets a
 * bounded buffer memory and a spill folder beside the file, so a long stage spills instead of
 * growing the loader. Absent `destination.local.memory_limit`, the bound starts at 64MB, is sized
 * by the table's width, and is raised when a load runs out; a limit the user set is kept.
 */
import { Writable } from 'node:stream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config/load-config.js';
import { EXIT, TerminalError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/log.js';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../../shared/warehouses/duckdb/duckdb-warehouse.js';
import { openWarehouse } from '../../../shared/warehouses/registry.js';
import type { Warehouse } from '../../../shared/warehouses/warehouse.js';
import type { TableModel } from '../../../shared/model/column.js';
import { verifyTable } from '../../../shared/verify/verify-table.js';
import { MemoryStore } from '../../support/memory-store.js';
import { tableModel, column } from '../../support/model-fixtures.js';
import { loadRequest, loads, query, wideModel, wideRow, writeParts } from './load-fixtures.js';

const model = tableModel('APP.T', [column('id', { kind: 'int64' }, false)], ['id']);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datapipe-duckdb-memory-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** DuckDB's memory_limit as a session over `model` sees it (a verification session: sized for its width). */
async function limitSeenBy(warehouse: Warehouse, over: TableModel = model): Promise<string> {
  const [row] = await warehouse.verifySession(over, (side) => side.query("SELECT current_setting('memory_limit') AS memory", {}, 'test'));
  return String(row!.memory);
}

async function settings(memoryLimit?: string): Promise<{ memory: string; temp: string; bulkFlush: string }> {
  const path = join(dir, `w-${memoryLimit ?? 'default'}.duckdb`);
  const warehouse = await openDuckDbWarehouse(path, silentLogger, memoryLimit ? { memoryLimit } : {});
  try {
    const [row] = await warehouse.verifySession(model, (side) => side.query(
      "SELECT current_setting('memory_limit') AS memory, current_setting('temp_directory') AS temp, "
        + "current_setting('allocator_bulk_deallocation_flush_threshold') AS bulk_flush", {}, 'test'));
    return { memory: String(row!.memory), temp: String(row!.temp), bulkFlush: String(row!.bulk_flush) };
  } finally {
    await warehouse.close();
  }
}

describe('the local warehouse\'s memory bound', () => {
  it('starts at 64MB by default, spilling beside the warehouse file and handing what it frees back at once', async () => {
    // DuckDB shows 64 × 10^6 bytes in MiB; the flush threshold is 1MB, where DuckDB's default is 512MiB.
    expect(await settings()).toEqual({ memory: '61.0 MiB', temp: join(dir, 'w-default.duckdb.tmp'), bulkFlush: '976.5 KiB' });
  });

  it('takes destination.local.memory_limit, and hands freed memory back whatever the limit', async () => {
    expect(await settings('1GB')).toMatchObject({ memory: '953.6 MiB', bulkFlush: '976.5 KiB' });
  });

  it('takes memory_limit from config.yaml, as the loader reads it', async () => {
    const path = join(dir, 'limit.yaml');
    await writeFile(path, 'project: { name: m }\nsource: { type: postgres, connection: { host: h, port: 5432, database: d, user: u } }\n'
      + 'destination: { cloud: local, local: { warehouse: from-config.duckdb, memory_limit: 96MB } }\ntables: [{ name: t, load_mode: full }]\n');
    const { config } = await loadConfig(path);
    expect(config.destination.local).toEqual({ path: join(dir, '.datapipe/staging'), warehouse: join(dir, 'from-config.duckdb'), memory_limit: '96MB' });
    const warehouse = await openWarehouse(config.destination, silentLogger);
    try {
      expect(await limitSeenBy(warehouse)).toBe('91.5 MiB');
    } finally {
      await warehouse.close();
    }
  });

  it('a scan-only session grows with the width like a load, but never past a memory_limit set', async () => {
    for (const [limit, expected] of [[undefined, '117.3 MiB'], ['100MB', '95.3 MiB']] as const) {
      const destination = { cloud: 'local' as const, local: { path: join(dir, 'staging'), warehouse: join(dir, `scan-${limit}.duckdb`), ...(limit ? { memory_limit: limit } : {}) } };
      const warehouse = await openWarehouse(destination, silentLogger, { scanOnly: true });
      try {
        // 41 columns × 3MB = 123 × 10^6 bytes, or the 100MB set.
        expect(await limitSeenBy(warehouse, wideModel(40))).toBe(expected);
      } finally {
        await warehouse.close();
      }
    }
  });

  it('a scan-only session (datapipe verify) takes 64MB whatever the loader\'s bound: pages are read once', async () => {
    const destination = { cloud: 'local' as const, local: { path: join(dir, 'staging'), warehouse: join(dir, 'scan.duckdb'), memory_limit: '1GB' } };
    const warehouse = await openWarehouse(destination, silentLogger, { scanOnly: true });
    try {
      expect(await limitSeenBy(warehouse)).toBe('61.0 MiB');
    } finally {
      await warehouse.close();
    }
  });

  it('refuses a memory_limit that is not an amount, naming the field and an example', async () => {
    const path = join(dir, 'config.yaml');
    await writeFile(path, 'project: { name: m }\nsource: { type: postgres, connection: { host: h, port: 5432, database: d, user: u } }\n'
      + 'destination: { cloud: local, local: { memory_limit: lots } }\ntables: [{ name: t, load_mode: full }]\n');
    await expect(loadConfig(path)).rejects.toThrow('destination.local.memory_limit: is not an amount of memory — e.g. 256MB, 1GB or 2GiB');
  });
});

/** Half a row group: enough for 200 columns to need more than 256MB (measured: 384MB). */
const ROWS = 60_000;

/** Writes `rows` rows of `model` (wideRow) as one part of run `runId`. */
async function wideRun(store: MemoryStore, model: ReturnType<typeof wideModel>, runId: string, rows: number) {
  return writeParts(store, model, runId, [Array.from({ length: rows }, (_, n) => wideRow(model, n + 1))]);
}

/** The sums and extremes of `main.wide` that any lost or altered value moves (values: wideRow). */
async function wideSums(warehouse: DuckDbWarehouse, last: string) {
  const [sums] = await query(warehouse, `SELECT count(*), sum(id), sum(c0), sum(c4), count(DISTINCT c1), max(length(c5)),
    sum(c2)::VARCHAR, max(c3)::VARCHAR, max(${last})::VARCHAR FROM main.wide`);
  return sums;
}

function expectedSums(rows: number, lastMicros: string) {
  const n = BigInt(rows);
  const sumN = (n * (n + 1n)) / 2n;
  const seconds = new Date(rows * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return [n, sumN, sumN, 5n * sumN, BigInt(Math.min(rows, 1000)), BigInt(28 + String(Math.min(rows, 999)).length), `${sumN + n * 2n / 100n}.${String((n * 2n) % 100n).padStart(2, '0')}`,
    `${seconds}.000003`, `${seconds}.${lastMicros}`];
}

async function memoryLimit(warehouse: DuckDbWarehouse): Promise<string> {
  const [[limit] = []] = await query(warehouse, "SELECT current_setting('memory_limit')");
  return String(limit);
}

/** A logger whose records land in `records`. */
function recordingLogger() {
  const records: Record<string, unknown>[] = [];
  const stream = new Writable({ write(chunk, _encoding, done) { records.push(JSON.parse(String(chunk)) as Record<string, unknown>); done(); } });
  return { log: pino({ level: 'info' }, stream), records };
}

describe('the local warehouse\'s memory against wide tables (real AVRO parts, a DuckDB file)', () => {
  it('loads 200 columns at the default, sized by width: a fixed 256MB ran out of memory on them', { timeout: 120_000 }, async () => {
    const model = wideModel(200);
    const store = new MemoryStore();
    const parts = await wideRun(store, model, 'r1', ROWS);
    const warehouse = await openDuckDbWarehouse(join(dir, 'wide.duckdb'), silentLogger);
    try {
      await warehouse.ensureTable(model, null);
      expect(await warehouse.load(loadRequest(store, model, 'r1', parts, { mode: 'full' }))).toEqual({ staged: ROWS, deduplicated: ROWS, targetRows: ROWS });
      expect(await wideSums(warehouse, 'c199')).toEqual(expectedSums(ROWS, '000199'));
      // 201 columns × 3MB = 603 × 10^6 bytes.
      expect(await memoryLimit(warehouse)).toBe('575.0 MiB');
    } finally {
      await warehouse.close();
    }
    // `datapipe verify` of it, both sides this DuckDB, as verify opens it (scan-only). At a fixed
    // 64MB it ran out of memory; a chain of || over 201 columns took the process to 4.5 GB.
    const scan = await openDuckDbWarehouse(join(dir, 'wide.duckdb'), silentLogger, { scanOnly: true });
    try {
      const result = await scan.verifySession(model, (a) => scan.verifySession(model, (b) =>
        verifyTable(a, b, { source: null, target: null }, null, { level: 2, show: 3, deletes: 'detect' })));
      expect([result.equal, result.sourceRows, result.targetRows, result.differences]).toEqual([true, ROWS, ROWS, 0]);
      expect(await memoryLimit(scan)).toBe('575.0 MiB');
    } finally {
      await scan.close();
    }
  });

  it('keeps the width\'s limit for a narrower table loaded after it', async () => {
    const narrow = tableModel('APP.NARROW', [column('id', { kind: 'int64' }, false)], ['id']);
    const store = new MemoryStore();
    const warehouse = await openDuckDbWarehouse(join(dir, 'widths.duckdb'), silentLogger);
    try {
      for (const model of [wideModel(40), narrow]) {
        await warehouse.ensureTable(model, null);
        const parts = await writeParts(store, model, 'r1', [[model === narrow ? { id: 1n } : wideRow(model, 1)]]);
        await warehouse.load(loadRequest(store, model, 'r1', parts, { mode: 'full' }));
        // 41 columns × 3MB = 123 × 10^6 bytes, kept: loads of other tables may run beside it.
        expect(await memoryLimit(warehouse)).toBe('117.3 MiB');
      }
    } finally {
      await warehouse.close();
    }
  });

  it('raises its own limit when a load runs out of memory and loads again, every value in place', { timeout: 120_000 }, async () => {
    const model = wideModel(40);
    const store = new MemoryStore();
    const parts = await wideRun(store, model, 'r1', ROWS);
    const { log, records } = recordingLogger();
    // Sized too small on purpose (8MB, nothing per column), so the first attempts run out.
    const warehouse = await openDuckDbWarehouse(join(dir, 'raise.duckdb'), log, { sizing: { floorMb: 8, perColumnMb: 0 } });
    try {
      await warehouse.ensureTable(model, null);
      expect(await warehouse.load(loadRequest(store, model, 'r1', parts, { mode: 'full' }))).toEqual({ staged: ROWS, deduplicated: ROWS, targetRows: ROWS });
      expect(await wideSums(warehouse, 'c39')).toEqual(expectedSums(ROWS, '000039'));
      expect(await loads(warehouse)).toEqual([['wide', 'r1', 'full', BigInt(ROWS), BigInt(ROWS), null, true]]);
      const retries = records.filter((r) => r.level === 40);
      expect(retries.length).toBeGreaterThan(0);
      expect(retries[0]).toMatchObject({
        msg: 'DuckDB ran out of memory: loading again with more (set destination.local.memory_limit to skip the retry)',
        table: 'wide', run_id: 'r1', memory_limit_mb: 8, retry_mb: 32,
      });
      for (const [i, retry] of retries.entries()) expect(retry.memory_limit_mb).toBe(8 * 4 ** i);
      // DuckDB shows the limit in MiB, cut to one decimal.
      expect(await memoryLimit(warehouse)).toBe(`${(Math.floor((8 * 4 ** retries.length * 1e6 * 10) / 2 ** 20) / 10).toFixed(1)} MiB`);
    } finally {
      await warehouse.close();
    }
  });

  it('keeps a limit the user set: a load that does not fit fails with the fix, and the table is as it was', { timeout: 120_000 }, async () => {
    const model = wideModel(40);
    const store = new MemoryStore();
    const warehouse = await openDuckDbWarehouse(join(dir, 'fixed.duckdb'), silentLogger, { memoryLimit: '16MB' });
    try {
      await warehouse.ensureTable(model, null);
      await warehouse.load(loadRequest(store, model, 'r1', await wideRun(store, model, 'r1', 3), { mode: 'full' }));
      const failure = await warehouse.load(loadRequest(store, model, 'r2', await wideRun(store, model, 'r2', ROWS), { mode: 'full' })).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(TerminalError);
      expect((failure as TerminalError).exitCode).toBe(EXIT.usage);
      expect((failure as Error).message).toMatch(new RegExp(
        `^loading wide run r2 into DuckDB ${join(dir, 'fixed.duckdb')}: DuckDB ran out of memory \\(.*(could not allocate|failed to pin) block of size 256\\.0 KiB.*\\) — `
        + 'raise destination\\.local\\.memory_limit \\(now 16MB; a table of 41 columns usually loads in 123MB\\), '
        + 'or remove it and let the loader size DuckDB\'s memory$'));
      expect(await wideSums(warehouse, 'c39')).toEqual(expectedSums(3, '000039'));
      expect(await loads(warehouse)).toEqual([['wide', 'r1', 'full', 3n, 3n, null, true]]);
      expect(await query(warehouse, 'SELECT table_name FROM duckdb_tables() WHERE temporary')).toEqual([]);
      expect(await memoryLimit(warehouse)).toBe('15.2 MiB');
    } finally {
      await warehouse.close();
    }
  });
});
