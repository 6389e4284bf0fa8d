/**
 * `datapipe status` against the local warehouse (DuckDB) after real runs, through the compiled
 * CLI: before the first load, after a run, after a loader killed mid-load (its run is listed as
 * waiting), once that run has waited past stale_after (exit 3 and one line), when `_state.json`
 * lags behind the warehouse's record, and with the source unreachable or skipped (--offline).
 */
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, start, workspace } from '../support/cli.js';
import type { PostgresHandle } from '../support/postgres-server.js';
import { oneLine, startOwnDatabase } from './e2e-database.js';

const CONFIG = ['--config', 'ventas/config.yaml'];
const TABLE_DIR = join('ventas', '.datapipe', 'staging', 'ventas', 'ventas_cabecera');
const ROWS = 300_000;

let db: PostgresHandle;
let client: pg.Client;
let cwd: string;
let env: Record<string, string>;

interface StatusJson {
  tables: {
    table: string; staleAfterMs: number;
    committed: { runId: string; committedAt: string | null; rows: number; watermark: string | null; stateBehind: string | null } | null;
    staged: { runId: string; state: string; stuck: boolean; publishedAt: string | null }[];
    lag: { newest: string | null; behind: string } | null;
    lagNote: string | null;
  }[];
}

/** As a user runs it: DATAPIPE_LOG_LEVEL unset (status then logs nothing; stdout is the report). */
const status = (args: string[] = [], extraEnv: Record<string, string> = {}) => run('datapipe', ['status', ...CONFIG, ...args], { cwd, env: { ...env, DATAPIPE_LOG_LEVEL: '', ...extraEnv } });

async function statusJson(args: string[] = []): Promise<{ code: number | null; stderr: string; table: StatusJson['tables'][number] }> {
  const outcome = await status(['--json', ...args]);
  return { code: outcome.code, stderr: outcome.stderr, table: (JSON.parse(outcome.stdout) as StatusJson).tables[0]! };
}

async function state(): Promise<{ runId: string; watermark: string; committedAt: string; rows: number }> {
  return JSON.parse(await readFile(join(cwd, TABLE_DIR, '_state.json'), 'utf8'));
}

async function recordedRuns(): Promise<string[]> {
  const instance = await DuckDBInstance.create(join(cwd, 'ventas', '.datapipe', 'warehouse.duckdb'), { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll('SELECT run_id FROM _datapipe_loads ORDER BY loaded_at')).getRows().map(([id]) => String(id));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

beforeAll(async () => {
  db = await startOwnDatabase('status');
  client = new pg.Client(db.config);
  await client.connect();
  await client.query('CREATE TABLE ventas_cabecera (id_venta bigint PRIMARY KEY, fecha_venta timestamp NOT NULL, nota text NOT NULL, monto numeric(18,2))');
  await client.query(`INSERT INTO ventas_cabecera SELECT g, TIMESTAMP '2026-01-01' + g * interval '1 second', 'venta ' || g || repeat(' x', 20), g * 1.25 FROM generate_series(1, ${ROWS}) g`);
  cwd = await workspace('e2e-status');
  env = { PGHOST: db.config.host, PGPORT: String(db.config.port), PGDATABASE: db.config.database, PGUSER: db.config.user, PGPASSWORD: db.config.password ?? '' };
  for (const args of [['init', 'ventas', '--cloud', 'local'], ['generate', 'schema', 'ventas_cabecera', ...CONFIG]]) {
    expect((await run('datapipe', args, { cwd, env })).code).toBe(0);
  }
});

afterAll(async () => {
  await client?.end();
  await db?.stop();
});

describe('datapipe status on the local cloud', () => {
  it('before the first load: nothing committed, nothing staged, exit 0 — and no warehouse file created', async () => {
    const outcome = await status();
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toBe([
      'ventas_cabecera  (ventas/config.yaml · local · incremental on fecha_venta · stale after 2d)',
      '  committed   nothing yet (no load has committed)',
      '  not loaded  none',
      '  lag         source newest 2026-01-04T11:20:00.000000 · nothing committed yet',
      '',
    ].join('\n'));
    await expect(access(join(cwd, 'ventas', '.datapipe', 'warehouse.duckdb'))).rejects.toThrow(/ENOENT/);
  });

  it('after a run: the committed watermark and run as _state.json and _datapipe_loads hold them; the lag grows with new source rows', async () => {
    expect((await run('datapipe', ['run', 'ventas_cabecera', ...CONFIG], { cwd, env })).code).toBe(0);
    const committed = await state();
    const after = await statusJson();
    expect(after.code).toBe(0);
    expect(after.table.committed).toEqual({ runId: committed.runId, committedAt: committed.committedAt, rows: ROWS, watermark: '2026-01-04T11:20:00.000000', stateBehind: null });
    expect(after.table.staged).toEqual([]);
    expect(after.table.lag).toEqual({ newest: '2026-01-04T11:20:00.000000', behind: 'up to date' });

    await client.query(`INSERT INTO ventas_cabecera VALUES (${ROWS + 1}, TIMESTAMP '2026-01-04 14:32:00', 'tarde', 1)`);
    const text = await status();
    expect(text.stdout).toContain(`  committed   watermark 2026-01-04T11:20:00.000000 · run ${committed.runId} at ${committed.committedAt} (`);
    expect(text.stdout).toContain('  lag         source newest 2026-01-04T14:32:00.000000 · 3h 12m behind\n');
  });

  it('a loader killed mid-load leaves its run listed as waiting for its loader; exit 0 while younger than stale_after', async () => {
    expect((await run('extractor', ['--table', 'ventas_cabecera', ...CONFIG, '--run-id', 'r-killed'], { cwd, env })).code).toBe(0);
    const loader = start('loader', ['--table', 'ventas_cabecera', ...CONFIG, '--run-id', 'r-killed'], { cwd, env });
    let out = '';
    loader.child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('"msg":"loading"')) loader.child.kill('SIGKILL');
    });
    expect((await loader.done).signal).toBe('SIGKILL');
    expect(await recordedRuns()).not.toContain('r-killed');

    const killed = await statusJson();
    expect(killed.code).toBe(0);
    expect(killed.table.staged).toEqual([expect.objectContaining({ runId: 'r-killed', state: 'waiting', stuck: false })]);
    const text = await status(['--offline']);
    expect(text.stdout).toMatch(/\n {2}not loaded {2}r-killed extracted \S+ \(\d+s ago\), waiting for its loader\n/);
    expect(text.stdout).toContain('  lag         not checked (--offline)\n');
  });

  it('a run waiting longer than stale_after is stuck: the report, then one line and exit 3', async () => {
    const entry = join(cwd, TABLE_DIR, '_runs', 'r-killed.json');
    const fresh = await readFile(entry, 'utf8');
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000 - 60_000).toISOString();
    await writeFile(entry, JSON.stringify({ ...JSON.parse(fresh), publishedAt: threeDaysAgo }));
    try {
      const stuck = await status();
      expect(stuck.code).toBe(3);
      expect(oneLine(stuck.stderr)).toBe(
        'datapipe: ventas_cabecera: run r-killed was extracted 3d ago and is still not loaded (stale_after 2d) — ' +
          'run its loader (loader --table ventas_cabecera --run-id r-killed --config ventas/config.yaml) and check why the last one did not finish',
      );
      expect(stuck.stdout).toContain(`r-killed extracted ${threeDaysAgo} (3d ago), waiting for its loader — STUCK: longer than stale_after 2d\n`);
      const json = await statusJson();
      expect(json.code).toBe(3);
      expect(json.table.staged).toEqual([expect.objectContaining({ runId: 'r-killed', stuck: true })]);

      // stale_after in the config wins over two schedule intervals; a bad one is a config error.
      const configPath = join(cwd, 'ventas', 'config.yaml');
      const config = await readFile(configPath, 'utf8');
      await writeFile(configPath, config.replace(/^schedule: .*$/m, 'schedule: daily\nstale_after: 4d'));
      expect((await status()).code).toBe(0);
      await writeFile(configPath, config.replace(/^schedule: .*$/m, 'schedule: hourly\nstale_after: soon'));
      const bad = await status();
      expect(bad.code).toBe(2);
      expect(oneLine(bad.stderr)).toMatch(/^datapipe: \S+config\.yaml:\d+: stale_after: is not a duration — write a whole number and a unit, e\.g\. 36h, 2d, 90m or 45s/);
      await writeFile(configPath, config);
    } finally {
      await writeFile(entry, fresh);
    }
  });

  it('a merge the warehouse recorded before _state.json caught up is the committed run, and says so', async () => {
    const statePath = join(cwd, TABLE_DIR, '_state.json');
    const before = await readFile(statePath);
    expect((await run('loader', ['--table', 'ventas_cabecera', ...CONFIG, '--run-id', 'r-killed'], { cwd, env })).code).toBe(0);
    await writeFile(statePath, before);
    const lagging = await statusJson(['--offline']);
    expect(lagging.code).toBe(0);
    expect(lagging.table.committed).toMatchObject({ runId: 'r-killed', committedAt: null, stateBehind: JSON.parse(before.toString()).runId });
    expect(lagging.table.committed?.watermark).toBe('2026-01-04T14:32:00.000000');
    expect((await status(['--offline'])).stdout).toContain(`_state.json still names run ${JSON.parse(before.toString()).runId} (its loader stopped after the merge); the next loader rolls it forward`);
  });

  it('an unreachable source is the one line run gives (exit 1) unless --offline; bad flags are usage errors', async () => {
    const down = await status([], { PGPORT: '1' });
    expect(down.code).toBe(1);
    expect(down.stdout).toBe('');
    expect(oneLine(down.stderr)).toMatch(/^datapipe: cannot reach PostgreSQL at 127\.0\.0\.1:1\/\S+: connection refused/);
    expect((await run('datapipe', ['status', ...CONFIG, '--offline'], { cwd, env: { ...env, PGPORT: '1' } })).code).toBe(0);

    const all = await run('datapipe', ['status', '--all', '--offline'], { cwd, env });
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^ventas_cabecera {2}\(ventas\/config\.yaml · local/);
    const both = await run('datapipe', ['status', '--all', ...CONFIG], { cwd, env });
    expect(both.code).toBe(2);
    expect(oneLine(both.stderr)).toBe('datapipe: Arguments all and config are mutually exclusive — see `datapipe --help`');
  });
});
