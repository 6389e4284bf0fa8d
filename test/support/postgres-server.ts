/**
 * A PostgreSQL database for tests, in order of preference:
 * 1. `DATAPIPE_PG_URL` (postgres://user:password@host:port/database): a server someone runs;
 * 2. a throwaway server started from the binaries at /usr/lib/postgresql/<version>/bin (initdb into
 *    a temp dir, trust auth on loopback, stopped and deleted on teardown);
 * 3. PGlite (PostgreSQL compiled to WASM, in this process) served over the wire protocol by
 *    @electric-sql/pglite-socket.
 */
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../services/cli/commands/demo-database.js';
import pg from 'pg';
import { freePort } from './free-port.js';

export interface PostgresTestConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
}

export interface PostgresHandle {
  config: PostgresTestConfig;
  kind: 'server' | 'pglite';
  /**
   * A role that must log in with a password (scram-sha-256), on servers this helper started:
   * the one place a wrong password can be tested (everything else uses trust auth).
   */
  passwordRole?: { user: string; password: string };
  stop(): Promise<void>;
}

const BINARIES_ROOT = '/usr/lib/postgresql';
const PASSWORD_ROLE = { user: 'datapipe_auth', password: 'right-password' };

/** Whether a real server can be had here, and if not, why (for a loud skip). */
export function postgresServerAvailability(): { available: true; how: 'url' | 'binaries' } | { available: false; reason: string } {
  if (process.env.DATAPIPE_PG_URL) return { available: true, how: 'url' };
  if (serverBinaries()) return { available: true, how: 'binaries' };
  return { available: false, reason: `neither DATAPIPE_PG_URL nor PostgreSQL server binaries (${BINARIES_ROOT}/*/bin/initdb) are available` };
}

/** A real server: DATAPIPE_PG_URL, else one started from the installed binaries. */
export async function startPostgresServer(): Promise<PostgresHandle> {
  const url = process.env.DATAPIPE_PG_URL;
  if (url) return { config: configFromUrl(url), kind: 'server', passwordRole: urlPasswordRole(), stop: async () => undefined };
  const bin = serverBinaries();
  if (!bin) throw new Error('no PostgreSQL server binaries to start');
  return startThrowawayServer(bin);
}

/**
 * `DATAPIPE_PG_PASSWORD_ROLE=user:password` names a role on the DATAPIPE_PG_URL server that must
 * log in with that password (CI creates one), so the authentication checks run there too.
 */
function urlPasswordRole(): { user: string; password: string } | undefined {
  const value = process.env.DATAPIPE_PG_PASSWORD_ROLE;
  const colon = value?.indexOf(':') ?? -1;
  return value && colon > 0 ? { user: value.slice(0, colon), password: value.slice(colon + 1) } : undefined;
}

/** A real server when one is available, else PGlite over the wire protocol. */
export async function startPostgres(): Promise<PostgresHandle> {
  return postgresServerAvailability().available ? startPostgresServer() : startPglite();
}

/**
 * PGlite behind PGLiteSocketServer on a free loopback port. The server multiplexes connections
 * onto the one PGlite backend, holding other connections' queries while one is in a transaction.
 */
export async function startPglite(): Promise<PostgresHandle> {
  const embedded = await startEmbeddedPostgres(16);
  return {
    config: { host: embedded.host, port: embedded.port, database: 'postgres', user: 'postgres' },
    kind: 'pglite',
    stop: () => embedded.stop(),
  };
}

function configFromUrl(url: string): PostgresTestConfig {
  const parsed = new URL(url);
  const config: PostgresTestConfig = {
    host: decodeURIComponent(parsed.hostname) || '127.0.0.1',
    port: Number(parsed.port || 5432),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres',
    user: decodeURIComponent(parsed.username) || 'postgres',
  };
  if (parsed.password) config.password = decodeURIComponent(parsed.password);
  return config;
}

/** The bin folder of the newest installed major version that has initdb and pg_ctl. */
function serverBinaries(): string | null {
  if (!existsSync(BINARIES_ROOT)) return null;
  const versions = readdirSync(BINARIES_ROOT).filter((v) => existsSync(join(BINARIES_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(BINARIES_ROOT, versions[0], 'bin') : null;
}

/** initdb refuses to run as root: as root, run the server tools as the `postgres` OS user. */
function asServerUser(bin: string, tool: string, args: string[]): { file: string; args: string[] } {
  const command = join(bin, tool);
  return userInfo().uid === 0 ? { file: 'runuser', args: ['-u', 'postgres', '--', command, ...args] } : { file: command, args };
}

async function startThrowawayServer(bin: string): Promise<PostgresHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'datapipe-pg-'));
  if (userInfo().uid === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    await chown(dir, uid, gid);
  }
  await chmod(dir, 0o700);
  const data = join(dir, 'data');
  const run = (tool: string, args: string[]) => {
    const { file, args: argv } = asServerUser(bin, tool, args);
    const result = spawnSync(file, argv, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${tool} failed: ${result.stderr || result.stdout || result.error?.message}`);
  };
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  // First match wins: the password role must authenticate, everyone else is trusted.
  await writeFile(join(data, 'pg_hba.conf'), [
    'local all all trust',
    `host all ${PASSWORD_ROLE.user} 127.0.0.1/32 scram-sha-256`,
    'host all all 127.0.0.1/32 trust',
    '',
  ].join('\n'));
  await appendFile(join(data, 'postgresql.conf'), "\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\npassword_encryption = 'scram-sha-256'\n");
  const port = await freePort();
  run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start']);
  const stopNow = () => {
    const { file, args } = asServerUser(bin, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    spawnSync(file, args, { stdio: 'ignore' });
  };
  // A test process that dies without teardown must not leave a server behind.
  process.once('exit', stopNow);

  const config: PostgresTestConfig = { host: '127.0.0.1', port, database: 'postgres', user: 'postgres' };
  const admin = new pg.Client(config);
  await admin.connect();
  await admin.query(`CREATE ROLE ${PASSWORD_ROLE.user} LOGIN PASSWORD '${PASSWORD_ROLE.password}'`);
  await admin.end();
  return {
    config,
    kind: 'server',
    passwordRole: PASSWORD_ROLE,
    stop: async () => {
      process.removeListener('exit', stopNow);
      stopNow();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The two PostgreSQL targets integration suites run against (`describe.each`): a real server, and
 * PGlite over the wire protocol. The server target skips, loudly, where none can be had.
 */
export function postgresTargets(): { name: string; start: () => Promise<PostgresHandle>; skip: boolean }[] {
  const server = postgresServerAvailability();
  if (!server.available) console.warn(`[postgres integration] SKIPPING the PostgreSQL server suite: ${server.reason}`);
  return [
    { name: 'PostgreSQL server', start: startPostgresServer, skip: !server.available },
    { name: 'PGlite over the wire protocol', start: startPglite, skip: false },
  ];
}
