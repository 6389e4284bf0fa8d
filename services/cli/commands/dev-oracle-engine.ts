/**
 * The container side of `datapipe dev oracle`: finding a Docker-compatible engine, and starting
 * gvenzl/oracle-free through @testcontainers/oraclefree (a development dependency, loaded only
 * here, so the CLI works without it).
 *
 * testcontainers 11 tries, in order, `tc.host` from ~/.testcontainers.properties, DOCKER_HOST,
 * /var/run/docker.sock, the rootless sockets and the Windows pipe, and when none answers
 * `docker info` it throws "Could not find a working container runtime strategy"
 * (node_modules/testcontainers/build/container-runtime/clients/client.js). It also falls through
 * to the default socket when DOCKER_HOST does not answer; a DOCKER_HOST the user set is what they
 * meant, so it is pinged first (`GET /_ping`, Docker Engine API) and a silent fallback refused.
 * Every probe has a deadline: an address that drops packets must not hang the command.
 *
 * OracleDbContainer (packages/modules/oraclefree) exposes 1521, waits for the log line
 * "DATABASE IS READY TO USE!" and sets ORACLE_PASSWORD, APP_USER and APP_USER_PASSWORD
 * (gvenzl/oci-oracle-free createAppUser: the user is created in FREEPDB1 with DB_DEVELOPER_ROLE).
 */
import { request } from 'node:http';
import type * as OracleFree from '@testcontainers/oraclefree';
import type * as Testcontainers from 'testcontainers';
import { TerminalError, TransientError } from '../../../shared/errors.js';
import { SAMPLE_OWNER, type OracleTarget } from './dev-oracle-seed.js';

export const DEFAULT_ORACLE_IMAGE = 'gvenzl/oracle-free:23-slim-faststart';
/** Oracle Free opens in well under a minute from a faststart image; slow disks and first starts take longer. */
export const ORACLE_STARTUP_TIMEOUT_MS = 10 * 60_000;
export const ENGINE_PROBE_TIMEOUT_MS = 15_000;
const ORACLE_PORT = 1521;

/** The two packages, imported on demand. */
export interface ContainerModules {
  oraclefree: typeof OracleFree;
  testcontainers: typeof Testcontainers;
}

/** Imports the container packages, or says in one line how to install them. */
export async function loadContainerModules(): Promise<ContainerModules> {
  try {
    const [oraclefree, testcontainers] = await Promise.all([import('@testcontainers/oraclefree'), import('testcontainers')]);
    return { oraclefree, testcontainers };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new TerminalError('datapipe dev oracle needs the @testcontainers/oraclefree package, which is not installed here — run `npm install --save-dev @testcontainers/oraclefree@11.14.0` in the DataPipe checkout, then retry', { cause: error });
  }
}

/** The one line shown when no engine answers. */
export function noEngineMessage(problem: string): string {
  return `no Docker engine reachable (${problem}): datapipe dev oracle needs Docker or Podman — start Docker Desktop / set DOCKER_HOST`;
}

/** Resolves to the first of `work` and a deadline; the timer never outlives the race. */
async function withDeadline<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(late()), ms); });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /_ping` on a plain-HTTP DOCKER_HOST (`unix://…`, `tcp://…`, `http://…`): why the engine
 * does not answer 200, or null when it does — or when the scheme (TLS, npipe, ssh) is left to
 * testcontainers to try.
 */
export async function pingDockerHost(dockerHost: string, timeoutMs = ENGINE_PROBE_TIMEOUT_MS, tls = false): Promise<string | null> {
  const malformed = `DOCKER_HOST=${dockerHost} is not a URL such as unix:///var/run/docker.sock or tcp://host:2375`;
  let url: URL;
  try {
    url = new URL(dockerHost);
  } catch {
    return malformed;
  }
  if (!['unix:', 'tcp:', 'http:', 'https:', 'npipe:', 'ssh:'].includes(url.protocol)) return malformed;
  const plainTcp = (url.protocol === 'tcp:' || url.protocol === 'http:') && !tls;
  const target = url.protocol === 'unix:' ? { socketPath: url.pathname }
    : plainTcp ? { host: url.hostname, port: Number(url.port || 2375) } : null;
  if (!target) return null;
  return new Promise<string | null>((resolve) => {
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? null : `DOCKER_HOST=${dockerHost} answered HTTP ${res.statusCode} to GET /_ping`);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', (error) => resolve(`DOCKER_HOST=${dockerHost}: ${error.message}`));
    req.end();
  });
}

/** Null when testcontainers finds a working engine, else the reason for the one-line message. */
export async function containerEngineProblem(modules: ContainerModules, env: NodeJS.ProcessEnv = process.env, timeoutMs = ENGINE_PROBE_TIMEOUT_MS): Promise<string | null> {
  const dockerHost = env.DOCKER_HOST?.trim();
  if (dockerHost) {
    const pinged = await pingDockerHost(dockerHost, timeoutMs, env.DOCKER_TLS_VERIFY === '1');
    if (pinged) return pinged;
  }
  try {
    await withDeadline(modules.testcontainers.getContainerRuntimeClient(), timeoutMs, () => new Error(`no engine answered within ${timeoutMs / 1000} s`));
    return null;
  } catch (error) {
    const reason = (error as Error).message;
    if (dockerHost) return `DOCKER_HOST=${dockerHost}: ${reason}`;
    return /Could not find a working container runtime strategy/.test(reason)
      ? 'DOCKER_HOST is not set and nothing answers on /var/run/docker.sock or the rootless Docker sockets'
      : reason;
  }
}

/** A running Oracle Free container. */
export interface StartedOracle extends OracleTarget {
  /** The container id (for `docker logs` / `docker rm -f`). */
  id: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  image: string;
  /** Host port for 1521; 0 picks a free one. */
  port: number;
  /** SYS, SYSTEM and VENTAS password (gvenzl ORACLE_PASSWORD / APP_USER_PASSWORD). */
  password: string;
  /** Leave the container running after this process ends (no testcontainers reaper). */
  keep: boolean;
}

/** Starts gvenzl/oracle-free and waits until the database is open; errors are one line each. */
export async function startOracleContainer(modules: ContainerModules, options: StartOptions): Promise<StartedOracle> {
  let container = new modules.oraclefree.OracleDbContainer(options.image)
    .withUsername(SAMPLE_OWNER)
    .withPassword(options.password)
    .withStartupTimeout(ORACLE_STARTUP_TIMEOUT_MS)
    .withLabels({ 'org.datapipe.dev': 'oracle' });
  if (options.port !== 0) container = container.withExposedPorts({ container: ORACLE_PORT, host: options.port });
  if (options.keep) container = container.withAutoCleanup(false);
  try {
    const started = await container.start();
    return {
      host: started.getHost(),
      port: started.getPort(),
      service: started.getDatabase(),
      id: started.getId(),
      stop: async () => { await started.stop(); },
    };
  } catch (error) {
    throw startFailure(error, options);
  }
}

function startFailure(error: unknown, options: StartOptions): Error {
  const message = ((error as Error)?.message ?? String(error)).split('\n')[0] ?? '';
  if (/port is already allocated|address already in use/i.test(message)) {
    return new TerminalError(`--port ${options.port} is already in use on this machine — pass another --port, or --port 0 for any free port`, { cause: error });
  }
  if (/pull access denied|manifest unknown|not found: manifest|no such image|repository does not exist|invalid reference format/i.test(message)) {
    return new TerminalError(`--image ${options.image} cannot be pulled (${message}) — check the name and tag, and that Docker can reach the registry`, { cause: error });
  }
  if (/Log message .* not received|Log stream ended/i.test(message)) {
    return new TransientError(`Oracle (${options.image}) did not report "DATABASE IS READY TO USE!" within ${ORACLE_STARTUP_TIMEOUT_MS / 60_000} minutes — give Docker at least 2 GB of memory and retry`, { cause: error });
  }
  return new TransientError(`starting ${options.image} failed: ${message}`, { cause: error });
}
