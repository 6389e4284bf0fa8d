/**
 * The local warehouse's memory bound (destination.local.memory_limit, default 256MB): DuckDB gets
 * the limit and a spill folder beside the file, so a large stage spills instead of growing the
 * loader (measured in README "Benchmarks": flat near 0.6 GB from 2M to 4M rows, 1.4 GB unbounded).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config/load-config.js';
import { silentLogger } from '../../../shared/log.js';
import { openDuckDbWarehouse } from '../../../shared/warehouses/duckdb/duckdb-warehouse.js';
import { openWarehouse } from '../../../shared/warehouses/registry.js';
import { tableModel, column } from '../../support/model-fixtures.js';

const model = tableModel('APP.T', [column('id', { kind: 'int64' }, false)], ['id']);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datapipe-duckdb-memory-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function settings(memoryLimit?: string): Promise<{ memory: string; temp: string }> {
  const path = join(dir, `w-${memoryLimit ?? 'default'}.duckdb`);
  const warehouse = await openDuckDbWarehouse(path, silentLogger, memoryLimit ? { memoryLimit } : {});
  try {
    const [row] = await warehouse.verifySession(model, (side) => side.query(
      "SELECT current_setting('memory_limit') AS memory, current_setting('temp_directory') AS temp", {}, 'test'));
    return { memory: String(row!.memory), temp: String(row!.temp) };
  } finally {
    await warehouse.close();
  }
}

describe('the local warehouse\'s memory bound', () => {
  it('is 256MB by default, spilling beside the warehouse file', async () => {
    // DuckDB shows 256 × 10^6 bytes in MiB.
    expect(await settings()).toEqual({ memory: '244.1 MiB', temp: join(dir, 'w-default.duckdb.tmp') });
  });

  it('takes destination.local.memory_limit', async () => {
    expect((await settings('1GB')).memory).toBe('953.6 MiB');
  });

  it('takes memory_limit from config.yaml, as the loader reads it', async () => {
    const path = join(dir, 'limit.yaml');
    await writeFile(path, 'project: { name: m }\nsource: { type: postgres, connection: { host: h, port: 5432, database: d, user: u } }\n'
      + 'destination: { cloud: local, local: { warehouse: from-config.duckdb, memory_limit: 96MB } }\ntables: [{ name: t, load_mode: full }]\n');
    const { config } = await loadConfig(path);
    expect(config.destination.local).toEqual({ path: join(dir, '.datapipe/staging'), warehouse: join(dir, 'from-config.duckdb'), memory_limit: '96MB' });
    const warehouse = await openWarehouse(config.destination, silentLogger);
    try {
      const [row] = await warehouse.verifySession(model, (side) => side.query("SELECT current_setting('memory_limit') AS memory", {}, 'test'));
      expect(row!.memory).toBe('91.5 MiB');
    } finally {
      await warehouse.close();
    }
  });

  it('a scan-only session (datapipe verify) takes 64MB whatever the loader\'s bound: pages are read once', async () => {
    const destination = { cloud: 'local' as const, local: { path: join(dir, 'staging'), warehouse: join(dir, 'scan.duckdb'), memory_limit: '1GB' } };
    const warehouse = await openWarehouse(destination, silentLogger, { scanOnly: true });
    try {
      const [row] = await warehouse.verifySession(model, (side) => side.query("SELECT current_setting('memory_limit') AS memory", {}, 'test'));
      expect(row!.memory).toBe('61.0 MiB');
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
