/**
 * `datapipe run` at a terminal (README "At a terminal"), under a real pseudo-terminal: a live line
 * per phase with rows, rate, bytes and — for the extraction — an estimated total, percentage and
 * ETA labelled as an estimate; one summary line per table; and off a terminal (pipes, CI,
 * --log-format) exactly the records `datapipe run` has always printed.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, workspace } from '../support/cli.js';
import type { PostgresHandle } from '../support/postgres-server.js';
import { runInTerminal, screens, terminalUnavailable } from '../support/terminal.js';
import { FaultProxy } from '../support/tcp-proxy.js';
import { startOwnDatabase } from './e2e-database.js';

const ROWS = 400_000;
const CONFIG = ['--config', 'ventas/config.yaml'];
const unavailable = terminalUnavailable();
if (unavailable) console.warn(`[terminal.e2e] skipped: ${unavailable}`);

let db: PostgresHandle;
let env: Record<string, string>;

/** A workspace with the table's schema generated: every run in it is an initial load of ROWS rows. */
async function freshWorkspace(name: string): Promise<string> {
  const cwd = await workspace(name);
  for (const args of [['init', 'ventas', '--cloud', 'local'], ['generate', 'schema', 'ventas_cabecera', ...CONFIG]]) {
    const outcome = await run('datapipe', args, { cwd, env });
    expect(outcome.stderr).toBe('');
  }
  return cwd;
}

beforeAll(async () => {
  db = await startOwnDatabase('terminal');
  const client = new pg.Client(db.config);
  await client.connect();
  await client.query('CREATE TABLE ventas_cabecera (id_venta bigint PRIMARY KEY, fecha_venta timestamp NOT NULL, nota text NOT NULL, monto numeric(18,2))');
  await client.query(`INSERT INTO ventas_cabecera SELECT g, TIMESTAMP '2026-01-01' + g * interval '1 second', 'venta número ' || g || repeat(' x', 20), g * 1.25 FROM generate_series(1, ${ROWS}) g`);
  await client.query('ANALYZE ventas_cabecera');
  await client.end();
  env = { PGHOST: db.config.host, PGPORT: String(db.config.port), PGDATABASE: db.config.database, PGUSER: db.config.user, PGPASSWORD: db.config.password ?? '' };
});

afterAll(async () => {
  await db?.stop();
});

describe.skipIf(unavailable !== null)('datapipe run at a terminal', () => {
  it('draws a live line for each phase and closes with one summary line, no log records', async () => {
    const cwd = await freshWorkspace('terminal-live');
    // The read goes through a proxy pacing the server at 16 MB/s: it lasts over two seconds on any
    // machine, so the line (redrawn 5 times a second) is always seen mid-read, with an ETA.
    const proxy = await FaultProxy.start({ host: db.config.host, port: db.config.port });
    proxy.pace(16 * 1024 * 1024);
    let outcome: Awaited<ReturnType<typeof runInTerminal>>;
    try {
      outcome = await runInTerminal('datapipe', ['run', 'ventas_cabecera', ...CONFIG], { cwd, env: { ...env, PGHOST: '127.0.0.1', PGPORT: String(proxy.port) } });
    } finally {
      await proxy.stop();
    }
    const shown = screens(outcome.raw);
    expect(outcome.code).toBe(0);

    const extract = shown.filter((l) => l.startsWith('ventas_cabecera  extract '));
    const estimated = extract.map((l) => /(\d+)% of ~([\d,]+) rows \(estimate\) · ([\d,]+) rows · ([\d,]+) rows\/s · [\d.]+ (?:B|kB|MB) · (ETA \S+|[\d.]+s)$/.exec(l)).filter((m) => m !== null);
    expect(estimated.length, shown.join('\n')).toBeGreaterThan(0);
    // The planner's estimate for the first run's window is close to the table's rows.
    const total = Number(estimated[0]![2]!.replace(/,/g, ''));
    expect(total).toBeGreaterThan(ROWS * 0.5);
    expect(total).toBeLessThan(ROWS * 1.5);
    // Mid-read, the line has counted rows and promises an ETA.
    expect(estimated.some((m) => Number(m[3]!.replace(/,/g, '')) > 0 && m[5]!.startsWith('ETA '))).toBe(true);

    expect(shown.some((l) => /^ventas_cabecera {2}stage {3}.* of 400,000 rows · [\d,]+ rows · /.test(l))).toBe(true);
    expect(shown.some((l) => /^ventas_cabecera {2}merge {3}400,000 rows · [\d.]+s$/.test(l))).toBe(true);

    const summary = shown.filter((l) => l.startsWith('✓ '));
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatch(/^✓ ventas_cabecera · incremental · window up to 2026-\S+ · extracted 400,000 · merged 400,000 · target 400,000 rows · [\d.]+s · [\d,]+ rows\/s · run \S+$/);
    expect(shown.at(-1)).toBe(summary[0]);
    // No records: neither JSON lines nor pino-pretty's.
    expect(outcome.raw).not.toContain('"level"');
    expect(outcome.raw).not.toMatch(/\bINFO\b/);
  });

  it('a failure ends with the summary saying what its exit code means, then the one datapipe: line', async () => {
    const cwd = await freshWorkspace('terminal-failure');
    const outcome = await runInTerminal('datapipe', ['run', 'ventas_cabecera', ...CONFIG], { cwd, env: { ...env, PGPORT: '1' } });
    expect(outcome.code).toBe(1);
    const shown = screens(outcome.raw);
    expect(shown.filter((l) => l.startsWith('✗ '))).toEqual([expect.stringMatching(/^✗ ventas_cabecera · failed after [\d.]+s · exit 1: failed, safe to retry$/)]);
    expect(shown.at(-1)).toMatch(/^datapipe: cannot reach PostgreSQL at 127\.0\.0\.1:1\/\S+: connection refused/);
    expect(outcome.raw).not.toContain('"level"');
    expect(outcome.raw).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['CI is set', [], { CI: 'true' }],
    ['--log-format pretty', ['--log-format', 'pretty'], {}],
  ])('%s: no live line; the pretty records and the result line as before', async (_, flags, extra) => {
    const cwd = await freshWorkspace('terminal-pretty');
    const outcome = await runInTerminal('datapipe', ['run', 'ventas_cabecera', ...CONFIG, ...flags], { cwd, env: { ...env, ...extra } });
    expect(outcome.code).toBe(0);
    const shown = screens(outcome.raw);
    expect(shown.some((l) => /INFO.*: extracted/.test(l))).toBe(true);
    // pino-pretty writes from a worker thread, so its last records may follow the result line (as before).
    expect(shown.filter((l) => /^ventas_cabecera: run \S+ extracted 400000 rows, target holds 400000 rows, watermark \S+$/.test(l))).toHaveLength(1);
    expect(outcome.raw).not.toContain('(estimate)');
    expect(outcome.raw).not.toContain('✓');
  });

  it('--json at a terminal: JSON lines and the result line, nothing else', async () => {
    const cwd = await freshWorkspace('terminal-json');
    const outcome = await runInTerminal('datapipe', ['run', 'ventas_cabecera', ...CONFIG, '--json'], { cwd, env });
    expect(outcome.code).toBe(0);
    const lines = outcome.raw.split(/\r?\n/).filter((l) => l.length > 0);
    expect(lines.slice(0, -1).map((l) => (JSON.parse(l) as { msg: string }).msg).filter((m) => m !== 'progress')).toEqual(RECORDS.map(([msg]) => msg));
    expect(lines.at(-1)).toMatch(/^ventas_cabecera: run \S+ extracted 400000 rows/);
  });
});

/**
 * What `datapipe run` printed to a pipe before the live line existed (recorded from the build
 * before it): each record's message and keys, in order, then the result line.
 */
const RECORDS: [string, string[]][] = [
  ['extracting', ['app', 'attempt', 'level', 'msg', 'phase', 'run_id', 'table', 'time', 'window']],
  ['extracted', ['app', 'bytes', 'files', 'level', 'max_seen', 'ms', 'msg', 'phase', 'rows', 'rows_per_s', 'run_id', 'table', 'time']],
  ['loading', ['app', 'files', 'level', 'msg', 'phase', 'rows', 'run_id', 'table', 'time']],
  ['staged', ['app', 'level', 'msg', 'phase', 'rows', 'rows_per_s', 'run_id', 'seconds', 'table', 'time']],
  ['loaded', ['app', 'deduplicated', 'level', 'mode', 'msg', 'phase', 'run_id', 'staged', 'table', 'target_rows', 'time']],
  ['loaded', ['app', 'deduplicated', 'level', 'ms', 'msg', 'phase', 'rows_per_s', 'run_id', 'staged', 'table', 'targetRows', 'time', 'watermark']],
];

describe('datapipe run off a terminal prints exactly what it always did', () => {
  it('JSON records on stdout, then the result line; nothing on stderr', async () => {
    const cwd = await freshWorkspace('terminal-pipe');
    const outcome = await run('datapipe', ['run', 'ventas_cabecera', ...CONFIG], { cwd, env });
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    const lines = outcome.stdout.split('\n').filter((l) => l.length > 0);
    const records = lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.msg !== 'progress');
    expect(records.map((r) => [r.msg, Object.keys(r).sort()])).toEqual(RECORDS);
    expect(records[1]).toMatchObject({ level: 30, app: 'datapipe', table: 'ventas_cabecera', phase: 'extract', rows: ROWS });
    expect(lines.at(-1)).toMatch(/^ventas_cabecera: run \S+ extracted 400000 rows, target holds 400000 rows, watermark 2026-01-05T15:06:40\.000000$/);
    expect(outcome.stdout).not.toContain('(estimate)');
  });
});
