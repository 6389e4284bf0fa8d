import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleImage, LOCAL_CLOUD_FIX } from '../../scripts/image-bundle.js';
import { FIXTURES_DIR } from '../unit/dag/dag-fixtures.js';
import { DOCKERFILES, entrypoint, environment, finalStage, readDockerfile, runWorkspaceStep, workdir, type Role } from '../unit/images/dockerfile.js';

/**
 * The images' entrypoints run exactly as the images run them, without Docker: per image, a folder
 * laid out like it — /app made by the Dockerfile's bundle step (scripts/image-bundle.ts: the
 * bundle and only its runtime packages, nothing else installed), /workspace made by the
 * Dockerfile's own workspace step from a build context with a baked config and schemas/ — then the
 * Dockerfile's ENTRYPOINT, with `/app` mapped into that folder, started in its WORKDIR with its ENV.
 */
const images: Record<Role, string> = { extractor: '', loader: '' };

beforeAll(async () => {
  const context = await mkdtemp(join(tmpdir(), 'datapipe-context-'));
  await mkdir(join(context, 'ventas'));
  await copyFile(join(FIXTURES_DIR, 'gcp.yaml'), join(context, 'ventas/config.yaml'));
  await mkdir(join(context, 'schemas'));
  await copyFile(join(FIXTURES_DIR, 'gcp.yaml'), join(context, 'schemas/placeholder.avsc'));
  for (const role of Object.keys(images) as Role[]) {
    images[role] = await mkdtemp(join(tmpdir(), `datapipe-image-root-${role}-`));
    // As the Dockerfiles build it: the loader without LOCAL_CLOUD.
    await bundleImage({ role, out: join(images[role], 'app'), localCloud: false });
    const step = runWorkspaceStep(readDockerfile(role), context, join(images[role], 'workspace'));
    if (step.status !== 0) throw new Error(`workspace step failed: ${step.stderr}`);
  }
});

/**
 * A container's first process is PID 1 of its own PID namespace (which changes how signals reach
 * it, and tini warns when it is not PID 1): `unshare --pid --fork` gives the entrypoint the same,
 * where this machine allows it (root, or unprivileged user namespaces).
 */
const PID_NAMESPACE = [['unshare', '--pid', '--fork'], ['unshare', '--user', '--map-root-user', '--pid', '--fork']]
  .find((prefix) => spawnSync(prefix[0]!, [...prefix.slice(1), 'true']).status === 0);
if (!PID_NAMESPACE) console.warn('[image-entrypoint] cannot make a PID namespace here (unshare): entrypoints run as ordinary child processes, tini as a subreaper');

/** Runs role's ENTRYPOINT + args as the container would; `env` is all the container gets besides the Dockerfile's ENV. */
function runImage(role: Role, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const text = readDockerfile(role);
  // `/app/…` lives in the laid-out folder; `node` is this Node, as the image's is on its PATH.
  const command = entrypoint(text).map((part) => (part.startsWith('/app/') ? join(images[role], part) : part === 'node' ? process.execPath : part));
  const [program, ...rest] = [...(PID_NAMESPACE ?? []), ...command, ...args];
  const child = spawn(program!, rest, {
    cwd: join(images[role], workdir(text)),
    env: { PATH: process.env.PATH, ...environment(finalStage(text)), ...(PID_NAMESPACE ? {} : { TINI_SUBREAPER: '1' }), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

const tini = existsSync('/usr/bin/tini');
if (!tini) console.warn('[image-entrypoint] skipping the loader image entrypoint: /usr/bin/tini is not installed here (apt-get install tini; .ci/run does)');

const ROLES = (Object.keys(DOCKERFILES) as Role[]).filter((role) => role !== 'loader' || tini);

describe.each(ROLES)('the %s image entrypoint', (role) => {
  it('--help prints the usage and exits 0', async () => {
    const outcome = await runImage(role, ['--help']);
    expect(outcome).toMatchObject({ code: 0, stderr: '' });
    expect(outcome.stdout.split('\n')[0]).toBe(`${role} --table <TABLE> [--cloud <cloud>] [--config <path>] [--run-id <id>]`);
    if (role === 'loader') expect(outcome.stdout.split('\n')[1]).toBe('loader verify --table <TABLE> [--level 1|2] [--show N]');
  });

  it('a table no baked config lists is one line naming where it looked, exit 2', async () => {
    const outcome = await runImage(role, ['--table', 'NOPE', '--cloud', 'gcp']);
    expect(outcome).toMatchObject({
      code: 2, stdout: '',
      stderr: `datapipe: table NOPE is not listed in any config under ${join(images[role], 'workspace')} (looked in ventas/config.yaml) — pass --config <path> or set DATAPIPE_CONFIG\n`,
    });
  });

  it('finds the baked config listing the table without --config, and names the variable the container lacks', async () => {
    const outcome = await runImage(role, ['--table', 'VENTAS_CABECERA', '--cloud', 'gcp', '--run-id', 'scheduled__2026-01-01T02:00:00+00:00']);
    expect(outcome).toMatchObject({
      code: 2, stdout: '',
      stderr: 'datapipe: ventas/config.yaml:5: source.connection.host: environment variable ORACLE_HOST_PROD is not set — export it or add it to .env (and 2 more)\n',
    });
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(await runImage(role, ['--version'])).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('an unknown flag is a usage error, exit 2', async () => {
    const outcome = await runImage(role, ['--table', 'T', '--bogus']);
    expect(outcome).toMatchObject({ code: 2, stdout: '', stderr: `${role}: Unknown argument: bogus — see \`${role} --help\`\n` });
  });
});

describe.skipIf(!ROLES.includes('loader'))('the loader image built without LOCAL_CLOUD', () => {
  it('asked for the local cloud: one line naming the build argument, exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'datapipe-local-'));
    await writeFile(join(dir, 'config.yaml'), `project: { name: tienda, environment: test }
source:
  type: postgres
  connection: { host: 127.0.0.1, port: 5432, database: tienda, user: lector }
destination:
  cloud: local
  local: { path: ${join(dir, 'staging')}, warehouse: ${join(dir, 'warehouse.duckdb')} }
tables:
  - name: CLIENTES
    load_mode: full
    primary_keys: [ID]
`);
    const outcome = await runImage('loader', ['--table', 'CLIENTES', '--config', join(dir, 'config.yaml')]);
    expect(outcome).toMatchObject({
      code: 2, stdout: '',
      stderr: `datapipe: destination.cloud local: this loader image was built without DuckDB, the local cloud's warehouse — ${LOCAL_CLOUD_FIX}\n`,
    });
  });
});

/** Starts `command` as PID 1 of a new PID namespace; resolves with its exit once it ends. */
function startAsPid1(command: string[]) {
  const child = spawn(PID_NAMESPACE![0]!, [...PID_NAMESPACE!.slice(1), ...command], { stdio: 'ignore' });
  const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  /** The namespace's PID 1, seen from here: unshare's only child. */
  const pid1 = async (): Promise<number> => {
    for (let i = 0; i < 50; i += 1) {
      const children = (await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').catch(() => '')).trim();
      if (children !== '') return Number(children.split(' ')[0]);
      await sleep(100);
    }
    throw new Error('no PID 1 appeared in the namespace');
  };
  return { child, exited, pid1 };
}

describe.skipIf(!PID_NAMESPACE || !tini)('SIGTERM reaching PID 1 (why the loader image starts tini)', () => {
  const idleNode = [process.execPath, '-e', 'setInterval(() => {}, 1000)'];

  it('a node without a SIGTERM handler ignores SIGTERM as PID 1', async () => {
    const run = startAsPid1(idleNode);
    const pid = await run.pid1();
    process.kill(pid, 'SIGTERM');
    const outcome = await Promise.race([run.exited, sleep(2_000).then(() => 'still running')]);
    // SIGKILL from outside the namespace always reaches its PID 1.
    process.kill(pid, 'SIGKILL');
    await run.exited;
    expect(outcome).toBe('still running');
  });

  it('under the loader image\'s init (its ENTRYPOINT up to node), SIGTERM stops it at once', async () => {
    const init = entrypoint(readDockerfile('loader'));
    expect(init.slice(0, init.indexOf('node'))).toEqual(['/usr/bin/tini', '--']);
    const run = startAsPid1([...init.slice(0, init.indexOf('node')), ...idleNode]);
    const pid = await run.pid1();
    await sleep(500);
    process.kill(pid, 'SIGTERM');
    const outcome = await Promise.race([run.exited, sleep(5_000).then(() => 'still running')]);
    if (outcome === 'still running') process.kill(pid, 'SIGKILL');
    // tini exits with the child's status: 128 + SIGTERM.
    expect(outcome).toBe(143);
  });
});
