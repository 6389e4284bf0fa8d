import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, workspace } from '../support/cli.js';
import type { PostgresHandle } from '../support/postgres-server.js';
import { mountSmallDisk, smallDiskAvailability, type SmallDisk } from '../support/small-disk.js';
import { oneLine, startOwnDatabase } from './e2e-database.js';

/**
 * The extractor with its local staging folder on a real disk that is full, or read-only: one line
 * naming the cause (errno) and the path, the documented exit code, and no temporary file or
 * manifest left behind.
 */

const disk = await smallDiskAvailability();
if (!disk.available) console.warn(`[staging disk e2e] SKIPPING: ${disk.reason}`);

let db: PostgresHandle;
let small: SmallDisk;
let cwd: string;
let env: Record<string, string>;
let staging: string;

/** Every entry under the staging folder, relative. */
async function stagedEntries(): Promise<string[]> {
  return (await readdir(staging, { recursive: true }).catch(() => [])).map(String).sort();
}

const extract = (runId: string) => run('extractor', ['--table', 'documentos', '--run-id', runId, '--config', 'proj/config.yaml'], { cwd, env });

describe.skipIf(!disk.available)('extractor with its staging folder on a full or read-only disk (a real 512 KiB tmpfs)', () => {
  beforeAll(async () => {
    db = await startOwnDatabase('staging_disk');
    const client = new pg.Client(db.config);
    await client.connect();
    await client.query('CREATE TABLE documentos (id bigint PRIMARY KEY, cambiado timestamp(6) NOT NULL, contenido bytea)');
    // About 2 MiB of random bytes: no codec shrinks them below the disk's 512 KiB.
    for (let i = 0; i < 256; i++) await client.query("INSERT INTO documentos VALUES ($1, '2026-01-01 10:00:00', $2)", [i, randomBytes(8192)]);
    await client.end();
    small = await mountSmallDisk(512);
    staging = join(small.path, 'staging');
    cwd = await workspace('staging-disk');
    await mkdir(join(cwd, 'proj'));
    await writeFile(join(cwd, 'proj', 'config.yaml'), [
      'project: { name: proj }',
      'source:',
      '  type: postgres',
      '  connection: { host: "${PGHOST}", port: "${PGPORT}", database: "${PGDATABASE}", user: "${PGUSER}", password: "${PGPASSWORD}" }',
      `destination: { cloud: local, local: { path: ${JSON.stringify(staging)}, warehouse: ${JSON.stringify(join(cwd, 'warehouse.duckdb'))} } }`,
      'tables:',
      '  - { name: documentos, load_mode: incremental, partition_column: cambiado, primary_keys: [id] }',
      '',
    ].join('\n'));
    env = {
      PGHOST: db.config.host, PGPORT: String(db.config.port), PGDATABASE: db.config.database,
      PGUSER: db.config.user, PGPASSWORD: db.config.password ?? '',
    };
    const generated = await run('datapipe', ['generate', 'schema', 'documentos', '--config', 'proj/config.yaml'], { cwd, env });
    expect(generated.stderr).toBe('');
    expect(generated.code).toBe(0);
  });

  afterAll(async () => {
    await small?.unmount();
    await db?.stop();
  });

  it('a full disk: exit 1, one line naming ENOSPC and the part, no temporary file, no manifest', async () => {
    const outcome = await extract('full1');
    expect(outcome.code).toBe(1);
    // Parts carry the extractor attempt's id in their names: part-<chunk>-<attempt>-<seq>.avro.
    const part = `${staging}/proj/documentos/run=full1/part-0000-`;
    const line = oneLine(outcome.stderr);
    expect(line.replace(/part-0000-[0-9a-f]{8}-000000\.avro/, 'part-0000-')).toBe(`datapipe: cannot write ${part}: no space left on the device (ENOSPC) — free space on the disk holding the staging folder ${staging} (destination.local.path), or point it at a larger disk`);
    expect(line).toMatch(/part-0000-[0-9a-f]{8}-000000\.avro: /);
    const entries = await stagedEntries();
    expect(entries.filter((e) => /\.tmp-|_manifest/.test(e))).toEqual([]);
    expect(entries.filter((e) => e.endsWith('.avro'))).toEqual([]);
  });

  it('a read-only disk: exit 2, one line naming EROFS and the folder, not ENOENT', async () => {
    small.readOnly(true);
    try {
      const outcome = await extract('ro1');
      expect(outcome.code).toBe(2);
      expect(oneLine(outcome.stderr)).toBe(`datapipe: cannot create the folder ${staging}/proj/documentos/run=ro1: the file system is read-only (EROFS) — point destination.local.path at a writable folder, or mount ${staging} read-write`);
    } finally {
      small.readOnly(false);
    }
  });
});
