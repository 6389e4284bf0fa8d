/**
 * `datapipe dev oracle` as a user runs it (the built CLI), where no container engine answers:
 * one line, exit 2, within seconds. DOCKER_HOST names a socket that does not exist, so the outcome
 * is the same on a machine that does run Docker: the engine the user named is the one that counts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../support/cli.js';

let cwd: string;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'datapipe-dev-oracle-'));
});

afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('datapipe dev oracle without a container engine', () => {
  it('says in one line that no Docker engine is reachable and exits 2, quickly', async () => {
    const socket = join(cwd, 'no-engine.sock');
    const started = performance.now();
    const outcome = await run('datapipe', ['dev', 'oracle'], { cwd, env: { DOCKER_HOST: `unix://${socket}` } });
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(outcome.code).toBe(2);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr).toBe(
      `datapipe: no Docker engine reachable (DOCKER_HOST=unix://${socket}: connect ENOENT ${socket}): `
      + 'datapipe dev oracle needs Docker or Podman — start Docker Desktop / set DOCKER_HOST\n',
    );
  });

  it('refuses a port that is not one before looking for an engine', async () => {
    const outcome = await run('datapipe', ['dev', 'oracle', '--port', '70000'], { cwd, env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe('datapipe: --port 70000 is not a TCP port — use 1 to 65535, or 0 for any free port\n');
  });

  it('knows only the oracle service', async () => {
    const outcome = await run('datapipe', ['dev', 'mysql'], { cwd });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe('datapipe: Invalid values: Argument: service, Given: "mysql", Choices: "oracle" — see `datapipe --help`\n');
  });
});
