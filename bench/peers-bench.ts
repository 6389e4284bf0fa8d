/**
 * `npm run bench -- --peers`: DataPipe against the tools its users would pick instead, on the same
 * PostgreSQL table in one run — psql's binary COPY to /dev/null (the source's own limit), dlt with
 * ConnectorX and with pyarrow, psycopg 3 + fastavro — for three jobs: extract to compressed files,
 * a full load into DuckDB, an incremental load of changed rows. Every tool runs as its own process,
 * timed from start to exit with its peak RSS read from the kernel (bench/peers/measure_process.py);
 * the tools take turns within each round (the order rotating between rounds) and the table reports
 * medians. Options: --rows 500000,2000000 --rounds 3 --changed 100000 --jobs extract,full,incremental.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { startPostgresServer, postgresServerAvailability } from '../test/support/postgres-server.js';
import { runMeasured, runUntimed } from './peers/measured-process.js';
import { CLI, dataPipeEnv, findPsql, PEER_TOOLS, PYTHON_MODULES, workspaceConfig, type BenchContext, type Job, type PeerTool } from './peers/peer-tools.js';
import { changeRows, createPeersTable, PEERS_TABLE } from './peers/peers-table.js';
import { formatReport, summarize, type RoundResult } from './peers/peers-report.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const sizes = option('rows', '500000,2000000').split(',').map(Number);
const rounds = Number(option('rounds', '3'));
const changed = Number(option('changed', '100000'));
const jobs = option('jobs', 'extract,full,incremental').split(',') as Job[];
const REPO = resolve(import.meta.dirname, '..');

const availability = postgresServerAvailability();
if (!availability.available) {
  console.error(`bench --peers: needs a PostgreSQL server — ${availability.reason}`);
  process.exit(2);
}
const progress = (line: string) => process.stderr.write(`bench --peers: ${line}\n`);
const loadAverage = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const loadAtStart = loadAverage();

// DataPipe runs from dist/, as the CLI and the images do: compiled from the tree being measured.
progress('compiling dist/ (tsc -p tsconfig.build.json)…');
const build = spawnSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);

const found = await toolsFound();
const server = await startPostgresServer();
const client = new pg.Client(server.config);
await client.connect();
const context: BenchContext = { ...found, pg: server.config, schemasTemplate: '' };

const results: RoundResult[] = [];
const failures = new Map<string, string>();
const cellKey = (tableRows: number, job: Job, tool: string) => `${tableRows}\t${job}\t${tool}`;
try {
  for (const tableRows of sizes) {
    progress(`generating ${tableRows} rows in ${PEERS_TABLE}…`);
    await createPeersTable(client, tableRows);
    context.schemasTemplate = await committedSchemas(context);
    // Read the table once (count(nota) needs every heap page), so the first tool measured does not
    // pay for bringing it from disk.
    await client.query(`SELECT count(nota) FROM ${PEERS_TABLE}`);
    let changes = 0;
    for (let round = 0; round < rounds; round++) {
      for (const job of jobs) {
        for (const tool of rotate(runnable(job), round)) {
          const key = cellKey(tableRows, job, tool.name);
          if (failures.has(key)) continue;
          progress(`${tableRows} rows · round ${round + 1}/${rounds} · ${job} · ${tool.name}`);
          const dir = await mkdtemp(join(tmpdir(), 'datapipe-bench-peers-'));
          try {
            await tool.prepare?.(job, dir, context);
            const change = job === 'incremental' ? await changeRows(client, tableRows, Math.min(changed, tableRows), changes++) : null;
            const measured = runMeasured(measuringPython(), await tool.command(job, dir, context, change));
            results.push({
              tableRows, job, tool: tool.name, rows: change ? change.rows : tableRows,
              rowsReported: await tool.rowsMoved(job, dir, measured.stdout), seconds: measured.seconds, peakRssMb: measured.peakRssMb,
            });
          } catch (error) {
            // A tool that fails is reported as such, and not retried in later rounds; the others go on.
            failures.set(key, `failed: ${(error as Error).message.split('\n').join(' ')}`);
            progress(`${tool.name} failed on ${job}: ${(error as Error).message}`);
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        }
      }
    }
    await rm(context.schemasTemplate, { recursive: true, force: true });
  }
} finally {
  await client.query(`DROP TABLE IF EXISTS ${PEERS_TABLE}`).catch(() => undefined);
  await client.end();
  await server.stop();
}

const reference = PEER_TOOLS[0]!.name;
const cells = sizes.flatMap((tableRows) => jobs.flatMap((job) => PEER_TOOLS.filter((t) => t.jobs.includes(job)).map((tool) => ({
  tableRows, job, tool: tool.name,
  skipped: tool.unavailable(context) ?? failures.get(cellKey(tableRows, job, tool.name)),
}))));
const report = summarize(results, cells, reference);
process.stdout.write(`${formatReport(report, changed)}\n\nload average (1, 5, 15 min): ${loadAtStart} at start, ${loadAverage()} at end; ${rounds} rounds, medians\n`);
process.stdout.write(`${JSON.stringify({ rounds, changed, loadAverage: { start: loadAtStart, end: loadAverage() }, results, report })}\n`);

/** The tools that can run `job` here; the ones that cannot are reported as skipped. */
function runnable(job: Job): PeerTool[] {
  return PEER_TOOLS.filter((tool) => tool.jobs.includes(job) && tool.unavailable(context) === null);
}

/** Each round starts one tool later, so no tool always runs first (cold) or right after a heavy one. */
function rotate<T>(items: T[], by: number): T[] {
  const shift = items.length > 0 ? by % items.length : 0;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** psql, the peers' virtualenv (made or reused by peers-venv.sh) and the modules it cannot import. */
async function toolsFound(): Promise<Omit<BenchContext, 'pg' | 'schemasTemplate'>> {
  const psql = findPsql();
  progress('the peers\' Python virtualenv (bench/peers/peers-venv.sh)…');
  const venv = spawnSync('bash', [join(REPO, 'bench/peers/peers-venv.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (venv.status !== 0) {
    return { psql, python: { missing: 'no Python virtualenv for the peers (bench/peers/peers-venv.sh failed, see above)' }, missingModules: new Set() };
  }
  const python = venv.stdout.trim().split('\n').at(-1)!;
  const missingModules = new Set(PYTHON_MODULES.filter((module) => spawnSync(python, ['-c', `import ${module}`]).status !== 0));
  if (missingModules.size > 0) progress(`the virtualenv cannot import ${[...missingModules].join(', ')}: the peers that need them are skipped`);
  return { psql, python: { path: python }, missingModules };
}

/** Any Python 3 runs the measuring wrapper (stdlib only): the virtualenv's, else python3. */
function measuringPython(): string {
  return 'path' in context.python ? context.python.path : 'python3';
}

/** `datapipe generate schema` into a temp folder, copied into each DataPipe workspace (a user commits it). */
async function committedSchemas(context: BenchContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'datapipe-bench-peers-schemas-'));
  await writeFile(join(dir, 'config.yaml'), workspaceConfig(context.pg, 'load_mode: full'));
  runUntimed({ argv: [process.execPath, CLI, 'generate', 'schema', PEERS_TABLE, '--config', 'config.yaml'], cwd: dir, env: dataPipeEnv(context) });
  return dir;
}
