/**
 * The tools the peers benchmark runs, one entry each: psql's binary COPY (the reference, the source's
 * own limit), DataPipe as a user runs it (the extractor entrypoint, `datapipe run`), and the Python
 * peers (bench/peers/*.py in the cached virtualenv of peers-venv.sh). Each says which jobs it does,
 * why it cannot run here (then it is listed as skipped), what it does untimed before a timed run,
 * the timed command, and how many rows the run says it moved (checked against the job's rows).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { PostgresTestConfig } from '../../test/support/postgres-server.js';
import { runUntimed, type ToolCommand } from './measured-process.js';
import { PEERS_CURSOR, PEERS_PRIMARY_KEY, PEERS_TABLE, type RowChange } from './peers-table.js';

export type Job = 'extract' | 'full' | 'incremental';

export interface BenchContext {
  pg: PostgresTestConfig;
  /** The peers' virtualenv python, or why there is none. */
  python: { path: string } | { missing: string };
  /** Python modules the virtualenv cannot import (probed once). */
  missingModules: Set<string>;
  /** A folder holding DataPipe's committed `schemas/` for the table (made by `generate schema`). */
  schemasTemplate: string;
  psql: string | null;
}

export interface PeerTool {
  /** As the table prints it. */
  name: string;
  jobs: readonly Job[];
  /** Why the tool cannot run here (it is then listed as skipped), or null. */
  unavailable(context: BenchContext): string | null;
  /** Untimed, in the job's fresh folder `dir`: a workspace to write, the incremental job's first load. */
  prepare?(job: Job, dir: string, context: BenchContext): Promise<void>;
  /** The timed process; `change` is the incremental job's row change, made after `prepare`. */
  command(job: Job, dir: string, context: BenchContext, change: RowChange | null): Promise<ToolCommand>;
  /** Rows the run reports having moved: the whole table, or the changed rows for `incremental`. */
  rowsMoved(job: Job, dir: string, stdout: string): Promise<number>;
}

const REPO = resolve(import.meta.dirname, '../..');
export const CLI = join(REPO, 'dist/services/cli/main.js');
const EXTRACTOR = join(REPO, 'dist/services/extractor/main.js');

const libpqUrl = (pg: PostgresTestConfig, scheme = 'postgresql') =>
  `${scheme}://${encodeURIComponent(pg.user)}${pg.password ? `:${encodeURIComponent(pg.password)}` : ''}@${pg.host}:${pg.port}/${encodeURIComponent(pg.database)}`;

/** The psql on PATH, else the newest under /usr/lib/postgresql (Debian's server packages). */
export function findPsql(): string | null {
  if (spawnSync('psql', ['--version']).status === 0) return 'psql';
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const found = versions.map((v) => join(root, v, 'bin/psql')).find((path) => existsSync(path));
  return found ?? null;
}

const copyReference: PeerTool = {
  name: 'psql COPY binary → /dev/null',
  jobs: ['extract', 'full', 'incremental'],
  unavailable: (context) => (context.psql ? null : 'no psql on PATH or under /usr/lib/postgresql/*/bin'),
  async command(job, dir, context, change) {
    // The rows the job reads: the table, or (incremental) the rows the change stamped.
    const where = change ? ` WHERE ${PEERS_CURSOR} >= '${change.since}'` : '';
    const copy = `\\copy (SELECT * FROM ${PEERS_TABLE}${where}) TO '/dev/null' (FORMAT binary)`;
    return { argv: [context.psql!, '-X', '-d', libpqUrl(context.pg), '-c', copy], cwd: dir };
  },
  rowsMoved: async (_job, _dir, stdout) => Number(/COPY (\d+)/.exec(stdout)?.[1] ?? NaN),
};

/** A DataPipe config.yaml for the table on the benchmark's server (the password through `${BENCH_PG_PASSWORD}`). */
export function workspaceConfig(pg: PostgresTestConfig, tableSettings: string): string {
  return `project: { name: bench }
source:
  type: postgres
  connection: { host: ${pg.host}, port: ${pg.port}, database: ${pg.database}, user: ${pg.user}, password: "\${BENCH_PG_PASSWORD}" }
destination: { cloud: local, local: { path: staging, warehouse: warehouse.duckdb } }
tables:
  - { name: ${PEERS_TABLE}, ${tableSettings} }
`;
}

/** A workspace as a user would have it: config.yaml and the committed schemas/ (run from it). */
async function writeWorkspace(dir: string, job: Job, context: BenchContext): Promise<void> {
  const mode = job === 'incremental' ? `load_mode: incremental, partition_column: ${PEERS_CURSOR}` : 'load_mode: full';
  await writeFile(join(dir, 'config.yaml'), workspaceConfig(context.pg, `${mode}, primary_keys: [${PEERS_PRIMARY_KEY}]`));
  await cp(join(context.schemasTemplate, 'schemas'), join(dir, 'schemas'), { recursive: true });
}

export const dataPipeEnv = (context: BenchContext) => ({ BENCH_PG_PASSWORD: context.pg.password ?? '' });
const datapipeRun = (dir: string, context: BenchContext): ToolCommand =>
  ({ argv: [process.execPath, CLI, 'run', PEERS_TABLE, '--config', 'config.yaml'], cwd: dir, env: dataPipeEnv(context) });

/** Every `_manifest*.json` under the staging folder, rows added up (one per chunk; the benchmark reads one). */
async function manifestRows(dir: string): Promise<number> {
  const files = (await readdir(join(dir, 'staging'), { recursive: true })).filter((f) => /(^|\/)_manifest[^/]*\.json$/.test(f));
  let rows = 0;
  for (const file of files) rows += (JSON.parse(await readFile(join(dir, 'staging', file), 'utf8')) as { rows: number }).rows;
  return rows;
}

const dataPipe: PeerTool = {
  name: 'DataPipe',
  jobs: ['extract', 'full', 'incremental'],
  unavailable: () => (existsSync(CLI) ? null : `${CLI} is missing (the benchmark builds it first)`),
  async prepare(job, dir, context) {
    await writeWorkspace(dir, job, context);
    // The incremental job times the second run: the first loads the table.
    if (job === 'incremental') runUntimed(datapipeRun(dir, context));
  },
  async command(job, dir, context) {
    if (job !== 'extract') return datapipeRun(dir, context);
    // The extractor image's entrypoint: extract to local deflate AVRO parts and a manifest, no load.
    return { argv: [process.execPath, EXTRACTOR, '--table', PEERS_TABLE, '--config', 'config.yaml'], cwd: dir, env: dataPipeEnv(context) };
  },
  async rowsMoved(job, dir, stdout) {
    if (job === 'extract') return manifestRows(dir);
    // `datapipe run`'s result line: "<table>: run R extracted N rows, target holds M rows, …".
    const line = /extracted (\d+) rows, target holds (\d+) rows/.exec(stdout);
    return Number(line?.[job === 'full' ? 2 : 1] ?? NaN);
  },
};

function pythonUnavailable(context: BenchContext, modules: string[]): string | null {
  if ('missing' in context.python) return context.python.missing;
  const missing = modules.filter((m) => context.missingModules.has(m));
  return missing.length > 0 ? `cannot import ${missing.join(', ')} in the peers virtualenv (bench/peers/peers-venv.sh could not install it)` : null;
}

const lastJsonRows = (stdout: string) => (JSON.parse(stdout.trim().split('\n').at(-1)!) as { rows: number }).rows;

function dltTool(backend: 'connectorx' | 'pyarrow', modules: string[]): PeerTool {
  const command = (job: Job, dir: string, context: BenchContext): ToolCommand => ({
    argv: [
      (context.python as { path: string }).path, join(import.meta.dirname, 'dlt_pipeline.py'),
      '--dsn', libpqUrl(context.pg, 'postgresql+psycopg'), '--table', PEERS_TABLE,
      '--primary-key', PEERS_PRIMARY_KEY, '--cursor', PEERS_CURSOR, '--backend', backend,
      '--destination', job === 'extract' ? 'parquet' : 'duckdb', '--workdir', dir,
    ],
    cwd: dir,
  });
  return {
    name: `dlt + ${backend === 'connectorx' ? 'ConnectorX' : 'pyarrow'}`,
    jobs: ['extract', 'full', 'incremental'],
    unavailable: (context) => pythonUnavailable(context, modules),
    async prepare(job, dir, context) {
      // The merge pipeline's first run loads the table and records the cursor; the timed one follows.
      if (job === 'incremental') runUntimed(command(job, dir, context));
    },
    command: async (job, dir, context) => command(job, dir, context),
    rowsMoved: async (_job, _dir, stdout) => lastJsonRows(stdout),
  };
}

const psycopgFastavro: PeerTool = {
  name: 'psycopg 3 + fastavro',
  jobs: ['extract'],
  unavailable: (context) => pythonUnavailable(context, ['psycopg', 'fastavro']),
  command: async (_job, dir, context) => ({
    argv: [(context.python as { path: string }).path, join(import.meta.dirname, 'psycopg_fastavro.py'),
      '--dsn', libpqUrl(context.pg), '--table', PEERS_TABLE, '--workdir', dir],
    cwd: dir,
  }),
  rowsMoved: async (_job, _dir, stdout) => lastJsonRows(stdout),
};

/** In the order of the printed table; the reference first. */
export const PEER_TOOLS: readonly PeerTool[] = [
  copyReference,
  dataPipe,
  dltTool('connectorx', ['dlt', 'connectorx', 'pyarrow', 'sqlalchemy', 'psycopg', 'duckdb']),
  dltTool('pyarrow', ['dlt', 'pyarrow', 'sqlalchemy', 'psycopg', 'duckdb']),
  psycopgFastavro,
];

/** The modules any tool imports, to probe the virtualenv once. */
export const PYTHON_MODULES = ['dlt', 'connectorx', 'pyarrow', 'sqlalchemy', 'psycopg', 'fastavro', 'duckdb'];
