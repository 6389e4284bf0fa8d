/**
 * The Databricks FAKE for tests: test/tools/databricks_fake.py, a fake of the SQL Statement
 * Execution API whose statements run for real on local Spark + Delta (the "Spark twin"). Spark takes
 * seconds to start, so a test run shares ONE fake: the first suite that asks starts it (under a
 * lock, detached), later suites and workers reuse it, and the global teardown stops it
 * (global-setup.ts). Suites keep apart by using their own schema and storage paths.
 *
 * The Python comes from DATAPIPE_SPARK_PYTHON, else the virtualenv `bash test/tools/spark-venv.sh`
 * makes under ${DATAPIPE_CI_CACHE:-~/.cache/datapipe-ci}/spark. Files a statement names as
 * `abfss://<container>@<account>.dfs.core.windows.net/<path>` are read under `abfssRoot`
 * (`<abfssRoot>/<account>/<container>/<path>`), or from an Azurite endpoint registered for the account.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export interface RecordedDatabricksRequest {
  method: string;
  path: string;
  query: string;
  /** Lower-cased names; the Authorization value is replaced by `<scheme> <redacted>`. */
  headers: Record<string, string>;
  body: unknown;
}

/** A statement's result as the API returns it: manifest columns and JSON_ARRAY rows. */
export interface TwinResult {
  columns: { name: string; type_name: string; type_text: string; type_precision?: number; type_scale?: number }[];
  rows: (string | null)[][];
}

export interface DatabricksFake {
  /** `http://127.0.0.1:<port>`: the workspace host the client talks to. */
  url: string;
  token: string;
  warehouseId: string;
  /** Where abfss:// URIs resolve when no blob endpoint is registered for their account. */
  abfssRoot: string;
  /** Seconds from process start to the first answer, as the fake measured them. */
  startupSeconds: number;
  /** Every API request recorded so far (all suites of the run: filter by your own statement text). */
  requests(): Promise<RecordedDatabricksRequest[]>;
  /** Runs a statement on the twin to completion, unrecorded; throws with Spark's message when it fails. */
  sql(statement: string, options?: { catalog?: string; schema?: string }): Promise<TwinResult>;
  /** Statements matching `pattern` (a Python regex) wait `seconds` before they run, `times` times. */
  delay(pattern: string, seconds: number, times?: number): Promise<void>;
  /** abfss:// URIs of `account` are read from this Azurite blob endpoint (`http://127.0.0.1:<port>/<account>`). */
  registerBlobEndpoint(endpoint: string): Promise<void>;
}

interface FakeState {
  url: string;
  token: string;
  pid: number;
  abfssRoot: string;
  startupSeconds: number;
}

const WAREHOUSE_ID = 'fake-warehouse';
const ROOT = resolve(import.meta.dirname, '../..');

/** The Python of the Spark virtualenv. */
export function sparkPython(): string {
  const cache = process.env.DATAPIPE_CI_CACHE ?? join(homedir(), '.cache', 'datapipe-ci');
  return process.env.DATAPIPE_SPARK_PYTHON ?? join(cache, 'spark', 'venv', 'bin', 'python');
}

/** Why the twin cannot run here, or null when it can. */
export function databricksFakeMissing(): string | null {
  const python = sparkPython();
  try {
    accessSync(python, constants.X_OK);
    const jars = readdirSync(join(python, '..', '..', '..', 'jars')).filter((f) => f.endsWith('.jar'));
    if (jars.length > 0) return null;
  } catch {
    // Reported below.
  }
  return `Spark (pyspark + Delta + spark-avro jars) not found beside ${python}; run bash test/tools/spark-venv.sh (or set DATAPIPE_SPARK_PYTHON)`;
}

/** Whether a suite must skip: says so loudly. Under CI=true it never skips (the fake's start then fails the suite). */
export function skipWithoutDatabricksFake(suite: string): boolean {
  const missing = databricksFakeMissing();
  if (missing === null || process.env.CI === 'true') return false;
  console.warn(`[${suite}] SKIPPING: ${missing}`);
  return true;
}

/** The run's shared fake, started on first use. */
export async function sharedDatabricksFake(): Promise<DatabricksFake> {
  const statePath = process.env.DATAPIPE_DATABRICKS_FAKE_STATE;
  if (!statePath) throw new Error('DATAPIPE_DATABRICKS_FAKE_STATE is not set: run the tests through vitest (test/support/global-setup.ts)');
  const missing = databricksFakeMissing();
  if (missing !== null) throw new Error(missing);
  return withLock(`${statePath}.lock`, async () => {
    const known = readState(statePath);
    if (known && (await answers(known.url))) return client(known);
    const state = await launch(statePath);
    writeFileSync(statePath, JSON.stringify(state));
    return client(state);
  });
}

/** For the global teardown: stops the shared fake (its whole process group: Python and Spark's JVM) if one was started. */
export async function stopSharedDatabricksFake(statePath: string): Promise<void> {
  const state = readState(statePath);
  if (!state) return;
  try {
    process.kill(-state.pid, 'SIGTERM');
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && alive(state.pid)) await sleep(200);
    if (alive(state.pid)) process.kill(-state.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
  rmSync(statePath, { force: true });
  rmSync(`${statePath}.log`, { force: true });
  rmSync(dirname(state.abfssRoot), { recursive: true, force: true });
}

async function launch(statePath: string): Promise<FakeState> {
  const token = `dapi-fake-${randomBytes(12).toString('hex')}`;
  const work = join(tmpdir(), `datapipe-databricks-fake-${process.pid}-${Date.now()}`);
  const abfssRoot = join(work, 'abfss');
  mkdirSync(abfssRoot, { recursive: true });
  const out = join(work, 'fake.out');
  const log = `${statePath}.log`;
  const child = spawn(sparkPython(), [
    join(ROOT, 'test/tools/databricks_fake.py'), '--warehouse-id', WAREHOUSE_ID,
    '--work-dir', join(work, 'spark'), '--abfss-root', abfssRoot, '--chunk-rows', '1000',
  ], {
    detached: true,
    stdio: ['ignore', openSync(out, 'a'), openSync(log, 'a')],
    env: { ...process.env, DATABRICKS_FAKE_TOKEN: token },
  });
  child.unref();
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const line = readFileSync(out, 'utf8').split('\n').find((l) => l.includes('"ready"'));
    if (line) {
      const ready = JSON.parse(line) as { url: string; startup_seconds: number };
      return { url: ready.url, token, pid: child.pid!, abfssRoot, startupSeconds: ready.startup_seconds };
    }
    if (child.exitCode !== null) break;
    await sleep(200);
  }
  if (child.pid) process.kill(-child.pid, 'SIGKILL');
  throw new Error(`the Databricks fake did not start within 180 s; its log (${log}):\n${readFileSync(log, 'utf8').slice(-3000)}`);
}

function client(state: FakeState): DatabricksFake {
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${state.url}${path}`, {
      method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json: unknown = await response.json();
    if (!response.ok) throw new Error(`databricks fake ${method} ${path}: HTTP ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    url: state.url,
    token: state.token,
    warehouseId: WAREHOUSE_ID,
    abfssRoot: state.abfssRoot,
    startupSeconds: state.startupSeconds,
    requests: async () => (await call('GET', '/_fake/requests')) as RecordedDatabricksRequest[],
    sql: async (statement, options = {}) => {
      const answer = (await call('POST', '/_fake/sql', { statement, ...options })) as StatementAnswer;
      if (answer.status.state !== 'SUCCEEDED') {
        throw new Error(`twin statement ${answer.status.state}: ${answer.status.error?.message ?? ''}\n${statement}`);
      }
      return { columns: answer.manifest?.schema.columns ?? [], rows: answer.result?.data_array ?? [] };
    },
    delay: async (pattern, seconds, times = 1) => {
      await call('POST', '/_fake/delay', { pattern, seconds, times });
    },
    registerBlobEndpoint: async (endpoint) => {
      await call('POST', '/_fake/blob-endpoint', { endpoint });
    },
  };
}

interface StatementAnswer {
  status: { state: string; error?: { message: string } };
  manifest?: { schema: { columns: TwinResult['columns'] } };
  result?: { data_array?: (string | null)[][] };
}

function readState(statePath: string): FakeState | null {
  try {
    return JSON.parse(readFileSync(statePath, 'utf8')) as FakeState;
  } catch {
    return null;
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/_fake/health`)).ok;
  } catch {
    return false;
  }
}

/** mkdir is atomic: the one worker that creates the folder holds the lock. */
async function withLock<T>(lock: string, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 240_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`could not take the lock ${lock} within 240 s`);
      await sleep(250);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
