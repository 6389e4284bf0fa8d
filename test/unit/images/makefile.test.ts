import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../support/cli.js';
import { FIXTURE_ENV, GOLDEN_DIR, fixtureWorkspace } from '../dag/dag-fixtures.js';

/**
 * The Makefile's image targets, with a stand-in `docker` first on PATH: one whose engine is
 * down (`docker info` fails, as on machines with the CLI and no engine), or one that records
 * every call, so the exact build / tag / push commands are checked without a Docker engine.
 */
async function fakeDocker(engineUp: boolean): Promise<{ bin: string; log: string }> {
  const bin = await mkdtemp(join(tmpdir(), 'datapipe-fake-docker-'));
  const log = join(bin, 'calls.log');
  await writeFile(join(bin, 'docker'), [
    '#!/bin/sh',
    `echo "$*" >> "${log}"`,
    engineUp ? 'exit 0' : '[ "$1" = info ] && { echo "Cannot connect to the Docker daemon" >&2; exit 1; }; exit 0',
  ].join('\n'));
  await chmod(join(bin, 'docker'), 0o755);
  return { bin, log };
}

/**
 * A PATH holding every program of /usr/bin and /bin but docker (a machine where Debian's docker.io
 * is installed, as on CI, has /usr/bin/docker).
 */
async function pathWithoutDocker(): Promise<string> {
  const bin = await mkdtemp(join(tmpdir(), 'datapipe-no-docker-'));
  for (const folder of ['/usr/bin', '/bin']) {
    for (const name of await readdir(folder)) {
      if (/^docker/.test(name)) continue;
      await symlink(join(folder, name), join(bin, name)).catch(() => undefined);
    }
  }
  return bin;
}

/** The Makefile's build settings, which make also takes from the environment: none set unless a test sets them. */
const BUILD_SETTINGS = ['DOCKER_BUILD', 'DOCKER_BUILD_FLAGS', 'BASE_IMAGE'];

function make(args: string[], options: { cwd?: string; path: string; env?: Record<string, string> }) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !BUILD_SETTINGS.includes(key)));
  const result = spawnSync('make', ['--no-print-directory', '-f', join(ROOT, 'Makefile'), ...args], {
    cwd: options.cwd ?? ROOT, encoding: 'utf8', env: { ...env, ...options.env, PATH: options.path },
  });
  // Messages name the Makefile as make was given it (-f <absolute path>); compare them as `Makefile`.
  return { code: result.status, stdout: result.stdout, stderr: result.stderr.replaceAll(join(ROOT, 'Makefile'), 'Makefile') };
}

const git = (...args: string[]) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
const NO_ENGINE = /^Makefile:\d+: \*\*\* no Docker engine is reachable \(docker info failed\) — start Docker or point DOCKER_HOST at one and re-run; `make compile` builds dist\/ without Docker\. {2}Stop\.\n$/;

describe('make build / push', () => {
  it('stops with one line and a non-zero exit when no Docker engine answers', async () => {
    const docker = await fakeDocker(false);
    for (const target of [['build'], ['push', 'REGISTRY=registry.example.com/dp']]) {
      const outcome = make(target, { path: `${docker.bin}:${process.env.PATH}` });
      expect(outcome.code).toBe(2);
      expect(outcome.stdout).toBe('');
      expect(outcome.stderr).toMatch(NO_ENGINE);
    }
    expect(await readFile(docker.log, 'utf8')).toBe('info\ninfo\n');
  });

  it('the same when there is no docker command at all', async () => {
    const outcome = make(['build'], { path: await pathWithoutDocker() });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(NO_ENGINE);
  });

  it('builds both images tagged with `git describe --always --dirty` and latest, passing version and revision', async () => {
    const docker = await fakeDocker(true);
    const version = git('describe', '--always', '--dirty');
    const revision = git('rev-parse', 'HEAD');
    const outcome = make(['build'], { path: `${docker.bin}:${process.env.PATH}` });
    expect(outcome).toMatchObject({ code: 0, stderr: '' });
    expect(await readFile(docker.log, 'utf8')).toBe(['extractor', 'loader'].map((image) =>
      `build --file Dockerfile.${image} --build-arg VERSION=${version} --build-arg REVISION=${revision} --tag datapipe/${image}:${version} --tag datapipe/${image}:latest .\n`,
    ).reduce((all, line) => all + line, 'info\n'));
  });

  it('passes BASE_IMAGE and DOCKER_BUILD_FLAGS to the build, and DOCKER_BUILD replaces the command (buildx)', async () => {
    const docker = await fakeDocker(true);
    const version = git('describe', '--always', '--dirty');
    const revision = git('rev-parse', 'HEAD');
    const outcome = make(['build', 'DOCKER_BUILD=docker buildx build', 'BASE_IMAGE=mirror.example.com/node:22-bookworm-slim',
      'DOCKER_BUILD_FLAGS=--network host --platform linux/amd64,linux/arm64'], { path: `${docker.bin}:${process.env.PATH}` });
    expect(outcome).toMatchObject({ code: 0, stderr: '' });
    expect(outcome.stdout).toMatch(new RegExp(`^building datapipe/extractor:${version}\nbuilt datapipe/extractor:${version} in \\d+ s\nbuilding datapipe/loader:`));
    expect(await readFile(docker.log, 'utf8')).toBe(['extractor', 'loader'].map((image) =>
      `buildx build --file Dockerfile.${image} --build-arg BASE_IMAGE=mirror.example.com/node:22-bookworm-slim `
      + `--build-arg VERSION=${version} --build-arg REVISION=${revision} --network host --platform linux/amd64,linux/arm64 `
      + `--tag datapipe/${image}:${version} --tag datapipe/${image}:latest .\n`,
    ).reduce((all, line) => all + line, 'info\n'));
  });

  it('push retags both images for the registry, version and latest, and pushes them', async () => {
    const docker = await fakeDocker(true);
    const outcome = make(['push', 'REGISTRY=registry.example.com/dp', 'VERSION=v1.2.3'], { path: `${docker.bin}:${process.env.PATH}` });
    expect(outcome).toMatchObject({ code: 0, stderr: '' });
    expect(outcome.stdout).toBe('pushed registry.example.com/dp/extractor and registry.example.com/dp/loader as v1.2.3 and latest — set images: { registry: registry.example.com/dp, tag: v1.2.3 } in config.yaml, then make dags\n');
    const calls = (await readFile(docker.log, 'utf8')).trim().split('\n');
    expect(calls).toEqual(['info', ...['extractor', 'loader'].flatMap((image) => ['v1.2.3', 'latest'].flatMap((tag) => [
      `tag datapipe/${image}:v1.2.3 registry.example.com/dp/${image}:${tag}`,
      `push registry.example.com/dp/${image}:${tag}`,
    ]))]);
  });

  it('push refuses without a registry, and refuses a dirty tree', async () => {
    const docker = await fakeDocker(true);
    const path = `${docker.bin}:${process.env.PATH}`;
    const noRegistry = make(['push'], { path });
    expect(noRegistry.code).toBe(2);
    expect(noRegistry.stderr).toMatch(/^Makefile:\d+: \*\*\* make push needs the registry — e.g\. make push REGISTRY=us-docker\.pkg\.dev\/acme\/datapipe\. {2}Stop\.\n$/);
    const dirty = make(['push', 'REGISTRY=r.example/dp', 'VERSION=abc1234-dirty'], { path });
    expect(dirty.code).toBe(2);
    expect(dirty.stderr).toMatch(/^Makefile:\d+: \*\*\* the tree has uncommitted changes \(abc1234-dirty\) — commit, then make build and make push\. {2}Stop\.\n$/);
  });
});

describe('make dags', () => {
  it('generates the DAGs of every */config.yaml of the workspace', async () => {
    const root = await fixtureWorkspace();
    const outcome = make(['dags'], { cwd: root, path: process.env.PATH!, env: { ...FIXTURE_ENV } });
    expect(outcome).toMatchObject({ code: 0, stderr: '' });
    expect(outcome.stdout.trim().split('\n').sort()).toEqual([
      'wrote dags/dag_aws_orders_hist.py', 'wrote dags/dag_azure_asientos.py', 'wrote dags/dag_gcp_ventas_cabecera.py',
      'wrote dags/dag_gcp_ventas_detalle.py', 'wrote dags/dag_local_clientes.py',
    ]);
    expect(await readFile(join(root, 'dags/dag_azure_asientos.py'), 'utf8')).toBe(await readFile(join(GOLDEN_DIR, 'dag_azure_asientos.py'), 'utf8'));
  });

  it('says so when the folder has no config', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'datapipe-empty-'));
    const outcome = make(['dags'], { cwd: empty, path: process.env.PATH! });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe(`Makefile:${outcome.stderr.split(':')[1]}: *** no config.yaml or */config.yaml in ${empty} — create one with npx datapipe init <name> --cloud <cloud>.  Stop.\n`);
  });
});
