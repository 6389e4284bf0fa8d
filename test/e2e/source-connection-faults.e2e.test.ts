import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, start, workspace, type Outcome } from '../support/cli.js';
import { postgresServerAvailability, type PostgresHandle } from '../support/postgres-server.js';
import { FaultProxy, type Fault } from '../support/tcp-proxy.js';
import { oneLine, startOwnDatabase } from './e2e-database.js';

/**
 * The extractor reading a real PostgreSQL server through a TCP proxy that breaks the connection
 * in the middle of the read — closes it (FIN), resets it (RST), or stops forwarding (a stall) —
 * by COPY and by cursor. Each ends with exit 1 and one line naming the server and what happened,
 * no stack trace, no manifest; a stall is noticed after `read_timeout_ms` instead of never. A
 * break before the first batch has left is retried on a new connection, and the run succeeds.
 */

const server = postgresServerAvailability();
if (!server.available) console.warn(`[source connection faults] SKIPPING: ${server.reason} (PGlite serves one connection, so a broken one cannot be retried)`);

const ROWS = 20_000;
const READ_TIMEOUT_MS = 1_500;

let db: PostgresHandle;
let proxy: FaultProxy;
let cwd: string;
let env: Record<string, string>;
let target = '';

async function stagedFiles(runId: string): Promise<string[]> {
  return readdir(join(cwd, 'proj', 'staging', 'proj', 'pedidos', `run=${runId}`)).catch(() => []);
}

/** Runs the extractor, killing it (and failing) if it hangs. */
async function extract(runId: string, readPath: 'copy' | 'cursor'): Promise<Outcome & { ms: number }> {
  const begun = Date.now();
  const { child, done } = start('extractor', ['--table', 'pedidos', '--run-id', runId, '--config', 'proj/config.yaml'], {
    cwd, env: { ...env, DATAPIPE_PG_READ_PATH: readPath },
  });
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const outcome = await done;
  clearTimeout(watchdog);
  return { ...outcome, ms: Date.now() - begun };
}

describe.skipIf(!server.available)('extractor: a PostgreSQL connection that breaks during the read', () => {
  beforeAll(async () => {
    db = await startOwnDatabase('conn_faults');
    const client = new pg.Client(db.config);
    await client.connect();
    await client.query('CREATE TABLE pedidos (id bigint PRIMARY KEY, cambiado timestamp(6) NOT NULL, nota text)');
    await client.query(`INSERT INTO pedidos SELECT g, TIMESTAMP '2026-01-01' + g * interval '1 second', 'pedido ' || g FROM generate_series(1, ${ROWS}) g`);
    await client.end();
    proxy = await FaultProxy.start({ host: db.config.host, port: db.config.port });
    target = `127.0.0.1:${proxy.port}/${db.config.database}`;
    cwd = await workspace('conn-faults');
    await mkdir(join(cwd, 'proj'));
    await writeFile(join(cwd, 'proj', 'config.yaml'), [
      'project: { name: proj }',
      'source:',
      '  type: postgres',
      `  connection: { host: 127.0.0.1, port: ${proxy.port}, database: "\${PGDATABASE}", user: "\${PGUSER}", password: "\${PGPASSWORD}", read_timeout_ms: ${READ_TIMEOUT_MS} }`,
      'destination: { cloud: local, local: { path: staging, warehouse: warehouse.duckdb } }',
      'staging: { batch_rows: 500 }',
      'tables:',
      '  - { name: pedidos, load_mode: incremental, partition_column: cambiado, primary_keys: [id] }',
      '',
    ].join('\n'));
    env = { PGDATABASE: db.config.database, PGUSER: db.config.user, PGPASSWORD: db.config.password ?? '' };
    const generated = await run('datapipe', ['generate', 'schema', 'pedidos', '--config', 'proj/config.yaml'], { cwd, env });
    expect(generated.stderr).toBe('');
    expect(generated.code).toBe(0);
  });

  afterAll(async () => {
    await proxy?.stop();
    await db?.stop();
  });

  const closed = () => `datapipe: lost the connection to PostgreSQL at ${target}: it was closed or reset in the middle of the conversation (retrying may help)`;
  /**
   * The lines each fault may give. A reset right behind data is reported by the kernel either as
   * ECONNRESET or, once the data has been read, as an end of stream — pg's "Connection terminated
   * unexpectedly" — so a reset has two possible lines, both exact.
   */
  const LINES: Record<Fault, () => string[]> = {
    close: () => [closed()],
    reset: () => [`datapipe: lost the connection to PostgreSQL at ${target}: the connection was reset (ECONNRESET) (retrying may help)`, closed()],
    stall: () => [`datapipe: PostgreSQL at ${target} sent nothing for ${READ_TIMEOUT_MS / 1000} s while DataPipe waited for data (source.connection.read_timeout_ms): the connection or the server stalled, so DataPipe closed it (retrying may help; raise read_timeout_ms if the query is slow to produce rows)`],
  };

  describe.each([
    { readPath: 'copy' as const, messageType: 'd' },
    { readPath: 'cursor' as const, messageType: 'D' },
  ])('read by $readPath', ({ readPath, messageType }) => {
    it.each(['close', 'reset', 'stall'] as Fault[])('%s after 5,000 rows (batches already handed over): exit 1, one line, no manifest', async (fault) => {
      const runId = `${fault}-${readPath}`;
      proxy.arm({ fault, messageType, after: 5_000, times: 1 });
      const outcome = await extract(runId, readPath);
      expect(proxy.struck).toBe(1);
      expect({ code: outcome.code, signal: outcome.signal }).toEqual({ code: 1, signal: null });
      expect(LINES[fault]()).toContain(oneLine(outcome.stderr));
      expect((await stagedFiles(runId)).filter((f) => f.startsWith('_manifest'))).toEqual([]);
      if (fault === 'stall') expect(outcome.ms).toBeLessThan(30_000);
    });

    it('a reset before the first batch is retried on a new connection: exit 0, every row staged', async () => {
      const runId = `retried-${readPath}`;
      proxy.arm({ fault: 'reset', messageType, after: 100, times: 1 });
      const outcome = await extract(runId, readPath);
      expect(proxy.struck).toBe(1);
      expect(outcome.stderr).toBe('');
      expect(outcome.code).toBe(0);
      const warnings = outcome.stdout.split('\n').filter((line) => line.includes('retrying in'));
      expect(warnings).toHaveLength(1);
      const reason = LINES.reset().map((line) => line.replace('datapipe: ', ''));
      expect(reason.map((r) => `PostgreSQL at ${target}: reading public.pedidos (no row handed over yet) failed (${r}); retrying in `).some((w) => warnings[0]!.includes(w))).toBe(true);
      const manifest = (await stagedFiles(runId)).find((f) => f.startsWith('_manifest'));
      expect(manifest).toBeDefined();
    });
  });
});
