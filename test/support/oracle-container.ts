/**
 * An Oracle database holding the VENTAS sample (services/cli/commands/dev-oracle-*.ts), for the
 * Oracle integration suite and bench. In order of preference:
 * 1. `DATAPIPE_ORACLE_URL=oracle://<admin>:<password>@<host>:<port>/<service>` — an Oracle 23ai
 *    someone runs (`datapipe dev oracle` prints this line). The admin is SYS (connected AS SYSDBA)
 *    or an account that may create users and grant EXECUTE on SYS.DBMS_FLASHBACK. The sample is
 *    recreated there: accounts VENTAS and DATAPIPE get the admin's password, VENTAS's five sample
 *    tables are dropped and rebuilt; nothing else is touched.
 * 2. gvenzl/oracle-free (`DATAPIPE_ORACLE_IMAGE`, default gvenzl/oracle-free:23-slim-faststart)
 *    started through @testcontainers/oraclefree on Docker or Podman, removed on stop.
 * `DATAPIPE_IT_ORACLE=0` turns the Oracle suites off; `DATAPIPE_IT_ORACLE=1` makes an absent
 * Oracle a failure instead of a skip (CI asks for it explicitly).
 */
import {
  containerEngineProblem, DEFAULT_ORACLE_IMAGE, loadContainerModules, startOracleContainer,
} from '../../services/cli/commands/dev-oracle-engine.js';
import {
  connectAs, loadOracleDriver, newPassword, SAMPLE_OWNER, SAMPLE_READER, seedSample,
  type OracleAccount, type OracleDriver, type OracleSession, type OracleTarget,
} from '../../services/cli/commands/dev-oracle-seed.js';

export type OracleAvailability =
  | { available: true; how: 'url' | 'container' }
  | { available: false; reason: string };

/** How to run the Oracle suites, for the skip message. */
export const ORACLE_SUITE_HOWTO = 'run them with Docker (or Podman) running: `DATAPIPE_IT_ORACLE=1 npm test -- test/integration/oracle`, '
  + 'or against an Oracle 23ai you run: `DATAPIPE_ORACLE_URL=oracle://sys:<password>@<host>:1521/FREEPDB1` (`datapipe dev oracle` prints that line)';

/** True when DATAPIPE_IT_ORACLE=1: the suites must run, and fail when Oracle cannot be had. */
export function oracleRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.DATAPIPE_IT_ORACLE === '1';
}

/** Whether an Oracle can be had here, and if not, why (quick: the engine probe has a deadline). */
export async function oracleAvailability(env: NodeJS.ProcessEnv = process.env): Promise<OracleAvailability> {
  if (env.DATAPIPE_IT_ORACLE === '0') return { available: false, reason: 'DATAPIPE_IT_ORACLE=0' };
  if (env.DATAPIPE_ORACLE_URL) return { available: true, how: 'url' };
  let modules;
  try {
    modules = await loadContainerModules();
  } catch (error) {
    return { available: false, reason: (error as Error).message };
  }
  const problem = await containerEngineProblem(modules, env);
  return problem === null ? { available: true, how: 'container' } : { available: false, reason: `no Docker engine reachable (${problem})` };
}

/** A running Oracle with the sample, and the two sample accounts. */
export interface OracleHandle extends OracleTarget {
  kind: 'url' | 'container';
  driver: OracleDriver;
  /** VENTAS: owns the sample tables; tests change data as it. */
  owner: OracleAccount;
  /** DATAPIPE: the least-privileged account the extractor uses. */
  reader: OracleAccount;
  session(account: 'owner' | 'reader'): Promise<OracleSession>;
  stop(): Promise<void>;
}

/** `oracle://user:password@host:port/service` → the target and the admin account. */
export function parseOracleUrl(url: string): { target: OracleTarget; admin: OracleAccount } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('DATAPIPE_ORACLE_URL is not a URL — write it as oracle://<admin user>:<password>@<host>:<port>/<service>');
  }
  const service = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (parsed.protocol !== 'oracle:' || !parsed.hostname || !service || !parsed.username) {
    throw new Error('DATAPIPE_ORACLE_URL must look like oracle://<admin user>:<password>@<host>:<port>/<service>');
  }
  return {
    target: { host: decodeURIComponent(parsed.hostname), port: Number(parsed.port || 1521), service },
    admin: { user: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) },
  };
}

function handle(kind: 'url' | 'container', target: OracleTarget, driver: OracleDriver, password: string, stop: () => Promise<void>): OracleHandle {
  const owner = { user: SAMPLE_OWNER, password };
  const reader = { user: SAMPLE_READER, password };
  return {
    ...target, kind, driver, owner, reader, stop,
    session: (account) => connectAs(driver, target, account === 'owner' ? owner : reader),
  };
}

/** Starts (or reaches) Oracle and (re)creates the sample with `sales` sales. */
export async function startOracle(options: { sales?: number } = {}): Promise<OracleHandle> {
  const driver = loadOracleDriver();
  const url = process.env.DATAPIPE_ORACLE_URL;
  if (url) {
    const { target, admin } = parseOracleUrl(url);
    await seedSample(driver, { target, admin, password: admin.password, sales: options.sales });
    return handle('url', target, driver, admin.password, async () => undefined);
  }
  const modules = await loadContainerModules();
  const password = newPassword();
  const image = process.env.DATAPIPE_ORACLE_IMAGE ?? DEFAULT_ORACLE_IMAGE;
  const started = await startOracleContainer(modules, { image, port: 0, password, keep: false });
  try {
    await seedSample(driver, { target: started, admin: { user: 'SYS', password }, password, sales: options.sales });
  } catch (error) {
    await started.stop();
    throw error;
  }
  const target = { host: started.host, port: started.port, service: started.service };
  return handle('container', target, driver, password, () => started.stop());
}
