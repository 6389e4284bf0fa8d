/**
 * Finding a container engine: the DOCKER_HOST ping against a stand-in for the Docker Engine API
 * (a FAKE: a local HTTP server on a unix socket that answers only `GET /_ping`), and the one-line
 * message built from what was found.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  containerEngineProblem, loadContainerModules, noEngineMessage, pingDockerHost,
} from '../../../services/cli/commands/dev-oracle-engine.js';

let dir: string;
const servers: Server[] = [];

/** A FAKE Docker Engine API on a unix socket: `GET /_ping` answers `status`; `hang` never answers. */
async function fakeEngine(name: string, behaviour: { status: number } | 'hang'): Promise<string> {
  const socket = join(dir, name);
  const server = createServer((req, res) => {
    if (behaviour === 'hang') return;
    res.statusCode = req.url === '/_ping' ? behaviour.status : 404;
    res.end(behaviour.status === 200 ? 'OK' : 'no');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return `unix://${socket}`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'datapipe-engine-'));
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await rm(dir, { recursive: true, force: true });
});

describe('pingDockerHost (against a FAKE Docker Engine API)', () => {
  it('is satisfied by a 200 to GET /_ping', async () => {
    expect(await pingDockerHost(await fakeEngine('ok.sock', { status: 200 }))).toBeNull();
  });

  it('names the host and the status of any other answer', async () => {
    const host = await fakeEngine('broken.sock', { status: 500 });
    expect(await pingDockerHost(host)).toBe(`DOCKER_HOST=${host} answered HTTP 500 to GET /_ping`);
  });

  it('names the host and the system error when nothing listens', async () => {
    const socket = join(dir, 'absent.sock');
    expect(await pingDockerHost(`unix://${socket}`)).toBe(`DOCKER_HOST=unix://${socket}: connect ENOENT ${socket}`);
  });

  it('gives up at its deadline when the engine never answers', async () => {
    const host = await fakeEngine('hang.sock', 'hang');
    const started = performance.now();
    expect(await pingDockerHost(host, 300)).toBe(`DOCKER_HOST=${host}: no answer within 0.3 s`);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('explains a DOCKER_HOST that is not a URL, and leaves TLS and pipes to testcontainers', async () => {
    expect(await pingDockerHost('localhost:2375')).toBe('DOCKER_HOST=localhost:2375 is not a URL such as unix:///var/run/docker.sock or tcp://host:2375');
    expect(await pingDockerHost('tcp://127.0.0.1:1', 1000, true)).toBeNull();
    expect(await pingDockerHost('npipe:////./pipe/docker_engine')).toBeNull();
  });
});

describe('containerEngineProblem', () => {
  it('reports an unanswered DOCKER_HOST without falling back to another engine', async () => {
    const modules = await loadContainerModules();
    const socket = join(dir, 'missing.sock');
    expect(await containerEngineProblem(modules, { DOCKER_HOST: `unix://${socket}` }))
      .toBe(`DOCKER_HOST=unix://${socket}: connect ENOENT ${socket}`);
  });

  it('words the message users see', () => {
    expect(noEngineMessage('DOCKER_HOST is not set and nothing answers on /var/run/docker.sock or the rootless Docker sockets')).toBe(
      'no Docker engine reachable (DOCKER_HOST is not set and nothing answers on /var/run/docker.sock or the rootless Docker sockets): '
      + 'datapipe dev oracle needs Docker or Podman — start Docker Desktop / set DOCKER_HOST',
    );
  });
});
