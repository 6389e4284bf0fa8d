/**
 * The Docker CLI for the image suite (image-docker.e2e.test.ts): whether an engine answers, and
 * `docker …` run without blocking this process (the suite's fake BigQuery endpoint answers the
 * containers from this process while they run).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from '../support/cli.js';

export interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall-clock milliseconds. */
  ms: number;
}

export type Engine = { available: true; version: string } | { available: false; reason: string };

/** Whether `docker info` answers (DOCKER_HOST or the default socket); test/tools/docker-engine.sh starts one. */
export function dockerEngine(): Engine {
  const probe = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.error) return { available: false, reason: `no docker command (${probe.error.message})` };
  if (probe.status !== 0) return { available: false, reason: `docker info failed: ${(probe.stderr || probe.stdout).trim().split('\n').at(-1)}` };
  return { available: true, version: probe.stdout.trim() };
}

/** Runs `command args` to its end; the outcome whatever the exit code. */
export function exec(command: string, args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<Outcome> {
  const started = Date.now();
  const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  child.stdin.end(options.input ?? '');
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr, ms: Date.now() - started })));
}

export const docker = (...args: string[]) => exec('docker', args);

/** The bytes `docker save` writes for `image` (every layer as an uncompressed tar), as one Buffer. */
export function savedImage(image: string): Promise<Buffer> {
  const child = spawn('docker', ['save', image], { stdio: ['ignore', 'pipe', 'inherit'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => chunks.push(d));
  return new Promise((done, fail) => child.on('close', (code) => (code === 0 ? done(Buffer.concat(chunks)) : fail(new Error(`docker save ${image} exited ${code}`)))));
}

/** An image's size in bytes, as the engine reports it (the sum of its layers). */
export async function imageBytes(image: string): Promise<number> {
  const outcome = await docker('image', 'inspect', '--format', '{{.Size}}', image);
  if (outcome.code !== 0) throw new Error(`docker image inspect ${image}: ${outcome.stderr.trim()}`);
  return Number(outcome.stdout.trim());
}

/** Polls `docker logs` of a running container until `seen` matches its stdout + stderr. */
export async function waitForLogs(container: string, seen: RegExp, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const logs = await docker('logs', container);
    const text = logs.stdout + logs.stderr;
    if (seen.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`container ${container}: ${seen} not seen within ${timeoutMs} ms; logs:\n${text}`);
    await sleep(250);
  }
}

/**
 * A user's workspace root: a copy of this checkout's files (tracked, and new ones not ignored),
 * committed to a fresh git repository so `make build` tags the images from git, plus `files`.
 */
export async function workspaceCheckout(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'datapipe-docker-workspace-'));
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files: ${listed.stderr}`);
  for (const path of listed.stdout.split('\0').filter((p) => p !== '')) {
    await cp(join(ROOT, path), join(dir, path), { recursive: true, errorOnExist: false }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // deleted in the work tree, not yet committed
    });
  }
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  const git = (...args: string[]) => {
    const result = spawnSync('git', ['-c', 'user.name=DataPipe test', '-c', 'user.email=test@datapipe.invalid', ...args], { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim();
  };
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'workspace');
  return dir;
}

export const TABLE = 'VENTAS_CABECERA';
export const BUCKET = 'empresa-staging-bucket';
export const PROJECT = 'empresa-datalake-test';
export const DATASET = 'raw_ventas';

/**
 * The suite's workspace configs: migracion-ventas (PostgreSQL on `pgPort` → gcp, with a local block
 * for the LOCAL_CLOUD=true loader) and erp-oracle (an Oracle listener nobody runs at `oraclePort`).
 */
export const workspaceConfigs = (pgPort: number, oraclePort: number): Record<string, string> => ({
  'migracion-ventas/config.yaml': `project: { name: migracion-ventas, environment: test }
source:
  type: postgres
  connection: { host: "\${PGHOST}", port: ${pgPort}, database: "\${PGDATABASE}", user: "\${PGUSER}", password: "\${PGPASSWORD}" }
  schema: public
destination:
  cloud: gcp
  gcp: { project_id: ${PROJECT}, dataset: ${DATASET}, bucket: ${BUCKET}, prefix: landing, location: US }
  local: { path: /data/staging, warehouse: /data/warehouse.duckdb }
staging: { part_size_mb: 1 }
tables:
  - name: ${TABLE}
    load_mode: incremental
    partition_column: FECHA_VENTA
    primary_keys: [ID_VENTA]
`,
  // Nothing listens on this port: the run shows the bundled Thin driver loading and dialing.
  'erp-oracle/config.yaml': `project: { name: erp-oracle, environment: test }
source:
  type: oracle
  connection: { host: 127.0.0.1, port: ${oraclePort}, service_name: FREEPDB1, user: "\${ORACLE_USER:-datapipe}", password: "\${ORACLE_PASSWORD:-unused}" }
destination:
  cloud: local
  local: { path: /tmp/staging, warehouse: /tmp/warehouse.duckdb }
tables:
  - name: ORACLE_VENTAS
    load_mode: full
    primary_keys: [ID]
`,
});
