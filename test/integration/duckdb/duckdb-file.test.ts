import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TerminalError, TransientError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/log.js';
import type { Row } from '../../../shared/model/column.js';
import { openDuckDbWarehouse } from '../../../shared/warehouses/duckdb/duckdb-warehouse.js';
import { decimal, loadRequest, loads, micros, query, writeParts } from './load-fixtures.js';
import { MemoryStore } from '../../support/memory-store.js';
import { column, tableModel } from '../../support/model-fixtures.js';
import { mountSmallDisk, smallDiskAvailability } from '../../support/small-disk.js';

const disk = await smallDiskAvailability();

const accounts = tableModel('public.accounts', [
  column('id', { kind: 'int64' }, false),
  column('balance', { kind: 'decimal', precision: 38, scale: 10 }),
  column('changed_at', { kind: 'timestamp' }, false),
], ['id']);

function account(id: number, balance: string, changedAt: string): Row {
  return { id, balance: decimal(balance, 38, 10), changed_at: micros(changedAt) };
}

const ACCOUNTS_SQL = 'SELECT id, CAST(balance AS VARCHAR), CAST(changed_at AS VARCHAR) FROM main.accounts ORDER BY id';

describe('DuckDB warehouse in a database file', () => {
  let folder: string;
  let holder: ChildProcess | undefined;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'datapipe-duckdb-'));
  });

  afterEach(async () => {
    holder?.kill();
    holder = undefined;
    await rm(folder, { recursive: true, force: true });
  });

  it('creates the folder, and the loaded rows survive closing and reopening the file', async () => {
    const path = join(folder, 'nested', 'deeper', 'warehouse.duckdb');
    const store = new MemoryStore({ readChunkBytes: 64 * 1024 });
    const first = await openDuckDbWarehouse(path, silentLogger);
    await first.ensureTable(accounts, 'changed_at');
    const r1 = await writeParts(store, accounts, 'r1', [[account(1, '10.5', '2024-05-01 00:00:00'), account(2, '-0.0000000001', '2024-05-01 00:00:00')]]);
    expect(await first.load(loadRequest(store, accounts, 'r1', r1, { partitionColumn: 'changed_at', watermark: '2024-05-01T00:00:00Z' })))
      .toEqual({ staged: 2, deduplicated: 2, targetRows: 2 });
    await first.close();
    expect(existsSync(path)).toBe(true);

    const second = await openDuckDbWarehouse(path, silentLogger);
    await second.ensureTable(accounts, 'changed_at');
    const r2 = await writeParts(store, accounts, 'r2', [[account(2, '99999999999999999999.5', '2024-05-02 00:00:00'), account(3, '0', '2024-05-02 00:00:00')]]);
    expect(await second.load(loadRequest(store, accounts, 'r2', r2, { partitionColumn: 'changed_at' })))
      .toEqual({ staged: 2, deduplicated: 2, targetRows: 3 });
    expect(await query(second, ACCOUNTS_SQL)).toEqual([
      [1n, '10.5000000000', '2024-05-01 00:00:00+00'],
      [2n, '99999999999999999999.5000000000', '2024-05-02 00:00:00+00'],
      [3n, '0.0000000000', '2024-05-02 00:00:00+00'],
    ]);
    expect(await loads(second)).toEqual([
      ['accounts', 'r1', 'incremental', 2n, 2n, '2024-05-01T00:00:00Z', true],
      ['accounts', 'r2', 'incremental', 2n, 2n, null, true],
    ]);
    // Stages are temp tables: nothing of them is left in the file.
    expect(await query(second, "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '_datapipe_stage%'")).toEqual([]);
    await second.close();
  });

  it('a file another process holds open is a transient error (exit 1) naming the file', async () => {
    const path = join(folder, 'locked.duckdb');
    holder = await holdOpen(path);
    const failure = openDuckDbWarehouse(path, silentLogger);
    await expect(failure).rejects.toThrow(TransientError);
    await expect(failure).rejects.toThrow(new RegExp(
      `^opening DuckDB ${escape(path)}: the DuckDB file is in use by another process \\(IO Error: Could not set lock on file "${escape(path)}": .*\\); retry once it has finished$`,
    ));
  });

  it('a folder that cannot be created is a terminal error naming the path', async () => {
    const blocker = join(folder, 'a-file');
    await writeFile(blocker, 'not a folder');
    const path = join(blocker, 'warehouse.duckdb');
    const failure = openDuckDbWarehouse(path, silentLogger);
    await expect(failure).rejects.toThrow(TerminalError);
    await expect(failure).rejects.toThrow(new TerminalError(
      `cannot create the folder ${blocker}: a file stands where a folder is needed (EEXIST) — move it, or point destination.local.warehouse elsewhere`,
    ));
  });

  describe.skipIf(!disk.available)(`on a small disk${disk.available ? '' : ` (skipped: ${disk.reason})`}`, () => {
    it('a read-only file system is a configuration error (exit 2) naming the setting', async () => {
      const small = await mountSmallDisk(1024);
      try {
        small.readOnly(true);
        const failure = openDuckDbWarehouse(join(small.path, 'dw', 'warehouse.duckdb'), silentLogger);
        await expect(failure).rejects.toThrow(TerminalError);
        await expect(failure).rejects.toThrow(`cannot create the folder ${join(small.path, 'dw')}: the file system is read-only (EROFS) — point destination.local.warehouse at a writable folder`);
      } finally {
        await small.unmount();
      }
    });
  });
});

/** Starts a separate Node process that opens the DuckDB file and keeps it (and its lock) open. */
async function holdOpen(path: string): Promise<ChildProcess> {
  const script = `
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(${JSON.stringify(path)});
    await (await instance.connect()).run('CREATE TABLE IF NOT EXISTS held (a INTEGER)');
    process.stdout.write('ready\\n');
    setInterval(() => undefined, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the lock holder exited early (code ${code})`)));
  });
  return child;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
