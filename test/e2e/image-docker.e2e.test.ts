import { randomBytes } from 'node:crypto';
import { chmod, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { avscToModel } from '../../shared/avro/avsc-schema.js';
import { readAvroRecords } from '../../shared/avro/part-reader.js';
import type { Row, TableModel } from '../../shared/model/column.js';
import { manifestSchema, parseStored, stateSchema, type Manifest } from '../../shared/pipeline/manifest.js';
import { reconcile } from '../../shared/pipeline/reconcile.js';
import { StagingLayout } from '../../shared/pipeline/staging-layout.js';
import { silentLogger } from '../../shared/log.js';
import { connectPostgres } from '../../shared/sources/postgres/postgres-source.js';
import { openGcsStore, type GcsStore } from '../../shared/stores/gcs/gcs-store.js';
import { readDuckDbRows } from '../../shared/warehouses/duckdb/duckdb-readback.js';
import { BigQueryFake } from '../support/bigquery-recorder.js';
import { run, workspace as testFolder } from '../support/cli.js';
import { fakeGcsServerMissing, startFakeGcsServer, type FakeGcsServer } from '../support/fake-gcs-server.js';
import { freePort } from '../support/free-port.js';
import type { PostgresHandle } from '../support/postgres-server.js';
import { oneLine, startOwnDatabase } from './e2e-database.js';
import { salesTableSql } from './gcp-sales-table.js';
import {
  BUCKET, DATASET, docker, dockerEngine, exec, imageBytes, PROJECT, savedImage, TABLE, waitForLogs, workspaceCheckout, workspaceConfigs, type Outcome,
} from './image-docker.js';

/**
 * Steps 5 and 6 of the workflow, as a user runs them: `make build` in a workspace (a checkout of
 * this repository with a config and its generated schemas, committed to git), then `docker run
 * --env-file .env datapipe/extractor:latest --table VENTAS_CABECERA --cloud gcp` and the same for
 * the loader — against the PostgreSQL test server, fake-gcs-server (the GCS emulator) and the FAKE
 * BigQuery REST endpoint of test/support/bigquery-recorder.ts (no BigQuery emulator loads AVRO; it
 * records the jobs and answers as planned). A loader built with LOCAL_CLOUD=true loads into DuckDB,
 * and that warehouse is compared with the source value for value.
 *
 * Containers use the host network: the services listen on this machine's loopback. An engine must
 * run on this machine; test/tools/docker-suite.sh starts one where none answers (as root). The base
 * image is DATAPIPE_DOCKER_BASE_IMAGE when set (test/tools/docker-base-image.sh: node:22-bookworm-slim
 * or its stand-in), and DATAPIPE_DOCKER_BUILD_FLAGS are passed to make build as DOCKER_BUILD_FLAGS.
 */

const LAYOUT = new StagingLayout('landing', 'migracion-ventas', TABLE);
const SALES = salesTableSql(TABLE);
const EXTRACTOR = 'datapipe/extractor:latest';
const LOADER = 'datapipe/loader:latest';
/** Goals for the layers above the base image. */
const GOAL_BYTES = { extractor: 80e6, loader: 120e6 };
/** Kubernetes' default terminationGracePeriodSeconds: SIGTERM, then SIGKILL this much later. */
const POD_GRACE_MS = 30_000;

const engine = dockerEngine();
const gcsMissing = fakeGcsServerMissing();
const missing = [engine.available ? null : `no Docker engine (${engine.reason})`, gcsMissing].filter((m): m is string => m !== null);
const HOWTO = 'bash test/tools/docker-suite.sh starts an engine (as root), prepares the base image and runs this suite';
const skip = missing.length > 0 && process.env.CI !== 'true';
if (skip) console.warn(`[image-docker] SKIPPING the Docker image suite: ${missing.join('; ')} — ${HOWTO}`);

let db: PostgresHandle;
let client: pg.Client;
let gcs: FakeGcsServer;
let bigquery: BigQueryFake;
let store: GcsStore;
let workspace: string;
let version: string;
let data: string;
let built: Outcome;
const secret = `pw-${randomBytes(12).toString('hex')}`;
const role = `datapipe_image_${process.pid}`;
const baseImage = process.env.DATAPIPE_DOCKER_BASE_IMAGE ?? '';
let buildFlags = process.env.DATAPIPE_DOCKER_BUILD_FLAGS;
const LOCAL_LOADER = () => `datapipe/loader:${version}-local`;

/** `docker run --rm --network host` + args: the services are on this machine's loopback. */
function dockerRun(...args: string[]): Promise<Outcome> {
  return docker('run', '--rm', '--network', 'host', ...args);
}

async function model(): Promise<TableModel> {
  return avscToModel(JSON.parse(await readFile(join(workspace, 'schemas', 'ventas_cabecera.avsc'), 'utf8')));
}

/** The manifests of every run staged in the bucket for the table. */
async function manifests(): Promise<Manifest[]> {
  const keys = (await store.list(`${LAYOUT.base}/`)).filter((key) => /\/_manifest\.json$/.test(key));
  return Promise.all(keys.map(async (key) => parseStored(manifestSchema, (await store.get(key))!, 'manifest')));
}

async function* stagedRows(m: Manifest): AsyncIterable<Row[]> {
  for (const file of m.files) {
    const batch: Row[] = [];
    for await (const record of readAvroRecords(await store.openRead(file.key))) batch.push(record);
    yield batch;
  }
}

async function* sourceRows(m: TableModel): AsyncIterable<Row[]> {
  const source = await connectPostgres(db.config, 'public', silentLogger);
  try {
    yield* source.read({ model: m, batchSize: 5000 });
  } finally {
    await source.close();
  }
}

beforeAll(async () => {
  if (skip) return;
  if (missing.length > 0) throw new Error(`CI=true, so the Docker image suite must run, but: ${missing.join('; ')} — ${HOWTO}`);
  gcs = await startFakeGcsServer({ buckets: [BUCKET] });
  bigquery = await BigQueryFake.start();
  bigquery.datasets.set(`${PROJECT}:${DATASET}`, { location: 'US' });
  store = openGcsStore({ projectId: PROJECT, bucket: BUCKET, apiEndpoint: gcs.endpoint });
  db = await startOwnDatabase('docker_images');
  client = new pg.Client(db.config);
  await client.connect();
  await client.query(SALES.create);
  await client.query(SALES.edge);
  await client.query(SALES.rows(10, 20_009, '2025-12-01 01:00:00'));
  // The containers log in as a role of their own, whose password is the secret no image may hold.
  await client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${secret}'`);
  await client.query(`GRANT SELECT ON "${TABLE}" TO ${role}`);

  const env = {
    PGHOST: db.config.host, PGDATABASE: db.config.database, PGUSER: role, PGPASSWORD: secret,
    STORAGE_EMULATOR_HOST: gcs.endpoint, BIGQUERY_EMULATOR_HOST: bigquery.url,
  };
  workspace = await workspaceCheckout({
    ...workspaceConfigs(db.config.port, await freePort()),
    '.env': Object.entries(env).map(([key, value]) => `${key}=${value}`).join('\n') + '\n',
  });
  // Step 3 of the workflow: the schemas, generated from the source and committed before the build.
  const schema = await run('datapipe', ['generate', 'schema', TABLE, '--config', 'migracion-ventas/config.yaml'], { cwd: workspace, env });
  if (schema.code !== 0) throw new Error(`generate schema: ${schema.stderr}`);
  const git = (...args: string[]) => exec('git', ['-c', 'user.name=DataPipe test', '-c', 'user.email=test@datapipe.invalid', ...args], { cwd: workspace });
  await git('add', 'schemas');
  await git('commit', '-qm', 'schemas');
  version = (await git('describe', '--always', '--dirty')).stdout.trim();

  // Step 5: make build — on an engine without a bridge network the build needs the host's.
  buildFlags ??= (await docker('network', 'inspect', 'bridge')).code === 0 ? '' : '--network host';
  const makeArgs = ['build', ...(buildFlags ? [`DOCKER_BUILD_FLAGS=${buildFlags}`] : []), ...(baseImage ? [`BASE_IMAGE=${baseImage}`] : [])];
  console.log(`[image-docker] make ${makeArgs.join(' ')} (in a workspace committed as ${version})`);
  built = await exec('make', ['--no-print-directory', ...makeArgs], { cwd: workspace });
  if (built.code !== 0) throw new Error(`make build failed (${built.code}):\n${built.stdout.slice(-3000)}\n${built.stderr.slice(-3000)}`);
  // The documented build argument for the local cloud.
  const local = await exec('docker', ['build', '--file', 'Dockerfile.loader', '--build-arg', 'LOCAL_CLOUD=true',
    ...(baseImage ? ['--build-arg', `BASE_IMAGE=${baseImage}`] : []), ...(buildFlags ? buildFlags.split(' ') : []), '--tag', LOCAL_LOADER(), '.'], { cwd: workspace });
  if (local.code !== 0) throw new Error(`docker build LOCAL_CLOUD=true failed:\n${local.stdout.slice(-3000)}\n${local.stderr.slice(-3000)}`);
  console.log(`[image-docker] make build took ${(built.ms / 1000).toFixed(0)} s, the LOCAL_CLOUD=true loader ${(local.ms / 1000).toFixed(0)} s`);

  // Under DATAPIPE_TEST_ARTIFACTS in CI: fastavro reads back the parts the containers write here.
  data = await testFolder('docker-local');
  await chmod(data, 0o777); // the containers run as uid 1000
}, 40 * 60_000);

afterAll(async () => {
  await client?.query(`DROP OWNED BY ${role}`).catch(() => undefined);
  await client?.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
  await client?.end();
  await db?.stop();
  await bigquery?.close();
  await gcs?.stop();
  // The version tags this suite made (latest stays, as after a user's make build).
  if (version) await docker('image', 'rm', LOCAL_LOADER(), `datapipe/extractor:${version}`, `datapipe/loader:${version}`);
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

describe.skipIf(skip)('the images: make build, then docker run as the workflow says', () => {
  it('make build tags both images with the workspace\'s git version and latest, and labels them with it', async () => {
    expect(built.stdout).toContain(`built datapipe/extractor:${version} in `);
    expect(built.stdout).toContain(`built datapipe/loader:${version} in `);
    for (const image of ['extractor', 'loader']) {
      const byVersion = await docker('image', 'inspect', '--format', '{{.Id}} {{index .Config.Labels "org.opencontainers.image.version"}}', `datapipe/${image}:${version}`);
      const latest = await docker('image', 'inspect', '--format', '{{.Id}} {{index .Config.Labels "org.opencontainers.image.version"}}', `datapipe/${image}:latest`);
      expect(byVersion.stdout).toMatch(new RegExp(` ${version}\\n$`));
      expect(latest.stdout).toBe(byVersion.stdout);
    }
  });

  it('is slim: the layers above the base are under 80 MB (extractor) and 120 MB (loader)', async () => {
    const base = await imageBytes(baseImage || 'node:22-bookworm-slim');
    const sizes = {
      extractor: await imageBytes(EXTRACTOR) - base,
      loader: await imageBytes(LOADER) - base,
      'loader (LOCAL_CLOUD=true)': await imageBytes(LOCAL_LOADER()) - base,
    };
    console.log(`[image-docker] layers above the base ${baseImage || 'node:22-bookworm-slim'} (${(base / 1e6).toFixed(1)} MB): `
      + Object.entries(sizes).map(([name, bytes]) => `${name} ${(bytes / 1e6).toFixed(1)} MB`).join(', '));
    expect(sizes.extractor).toBeLessThan(GOAL_BYTES.extractor);
    expect(sizes.loader).toBeLessThan(GOAL_BYTES.loader);
    expect(sizes['loader (LOCAL_CLOUD=true)']).toBeGreaterThan(sizes.loader + 50e6); // DuckDB is in it
  });

  it('each image holds its own job: no npm, PGlite, DuckDB (but with LOCAL_CLOUD=true), dev or type packages', async () => {
    const contents = async (image: string) => {
      const listed = await dockerRun('--entrypoint', 'sh', image, '-c',
        'cd /app/node_modules && ls -d * @*/* | grep -v "^@[^/]*$"; for tool in npm npx corepack; do command -v $tool; done; true');
      expect(listed.stderr).toBe('');
      return listed.stdout.trim().split('\n');
    };
    const extractor = await contents(EXTRACTOR);
    const loader = await contents(LOADER);
    const local = await contents(LOCAL_LOADER());
    for (const packages of [extractor, loader, local]) {
      expect(packages.filter((p) => /^(@electric-sql|@types|typescript|vitest|esbuild|tsx|eslint|azurite|testcontainers)\b|npm$|npx$|corepack$/.test(p))).toEqual([]);
      // The SDKs are in the bundle, not in node_modules.
      expect(packages.filter((p) => /^@(google-cloud|aws-sdk|azure)\//.test(p))).toEqual([]);
    }
    expect(extractor).toContain('oracledb');
    expect(extractor.filter((p) => p.startsWith('@duckdb/'))).toEqual([]);
    // The loader reads the source for `loader verify` and deletes (docs/verify.md): the Oracle Thin driver, no DuckDB.
    expect(loader).toContain('oracledb');
    expect(loader.filter((p) => p.startsWith('@duckdb/'))).toEqual([]);
    expect(local).toContain('@duckdb/node-api');
    // The warehouse clients are bundled into the loader only; the source drivers into both (the
    // loader's `verify` and deletes read the source). esbuild heads each bundled module with a
    // `// node_modules/<package>/…` comment.
    const bundled = async (image: string, module: string) =>
      Number((await dockerRun('--entrypoint', 'sh', image, '-c', `grep -rlF '// node_modules/${module}/' /app/dist | wc -l`)).stdout.trim());
    expect(await bundled(EXTRACTOR, '@google-cloud/bigquery')).toBe(0);
    expect(await bundled(LOADER, '@google-cloud/bigquery')).toBeGreaterThan(0);
    expect(await bundled(LOADER, 'pg-cursor')).toBeGreaterThan(0);
    expect(await bundled(EXTRACTOR, 'pg-cursor')).toBeGreaterThan(0);
    expect(await bundled(EXTRACTOR, '@google-cloud/storage')).toBeGreaterThan(0);
    expect(await bundled(LOADER, '@google-cloud/storage')).toBeGreaterThan(0);
  });

  it('runs as uid 1000, never root', async () => {
    for (const image of [EXTRACTOR, LOADER]) {
      expect((await docker('image', 'inspect', '--format', '{{.Config.User}}', image)).stdout.trim()).toBe('1000:1000');
      expect((await dockerRun('--entrypoint', 'id', image, '-u')).stdout.trim()).toBe('1000');
    }
  });

  it('step 6, exactly: the extractor finds the baked config and stages the table in the bucket, value for value', async () => {
    const outcome = await dockerRun('--env-file', join(workspace, '.env'), EXTRACTOR, '--table', TABLE, '--cloud', 'gcp');
    expect(outcome.stderr, outcome.stdout).toBe('');
    expect(outcome.code).toBe(0);
    const runs = await manifests();
    expect(runs).toHaveLength(1);
    expect(runs[0]!.rows).toBe(20_002);
    const reconciled = await reconcile(await model(), sourceRows(await model()), stagedRows(runs[0]!));
    expect(reconciled.differences).toEqual([]);
    expect(reconciled.targetRows).toBe(20_002);
  });

  it('step 6, exactly: the loader loads that run into BigQuery (the FAKE endpoint) and advances the state', async () => {
    const [staged] = await manifests();
    bigquery.plan((job) => job.configuration.load !== undefined, { outputRows: 20_002 });
    bigquery.answer(/COUNT\(\*\)[\s\S]*__stage_/, { rows: [{ staged: 20_002, deduplicated: 20_002, null_0: 0, null_1: 0, null_2: 0 }] });
    bigquery.answer(/target_rows/, { rows: [{ target_rows: 20_002 }] });
    const outcome = await dockerRun('--env-file', join(workspace, '.env'), LOADER, '--table', TABLE, '--cloud', 'gcp');
    expect(outcome.stderr, outcome.stdout).toBe('');
    expect(outcome.code).toBe(0);
    const loads = bigquery.jobInserts().filter((j) => j.configuration.load !== undefined);
    expect(loads.map((j) => j.configuration.load!.sourceUris)).toEqual([staged!.files.map((f) => `gs://${BUCKET}/${f.key}`)]);
    expect(bigquery.jobInserts().filter((j) => j.configuration.query?.query.includes('BEGIN TRANSACTION'))).toHaveLength(1);
    const state = parseStored(stateSchema, (await store.get(LAYOUT.stateKey))!, 'state');
    const max = (await client.query<{ w: string }>(`SELECT to_char(max("FECHA_VENTA"), 'YYYY-MM-DD"T"HH24:MI:SS.US') AS w FROM "${TABLE}"`)).rows[0]!.w;
    expect(state).toMatchObject({ runId: staged!.runId, watermark: max, rows: 20_002 });
  });

  it('the local cloud on read-only root filesystems: the extractor, then the LOCAL_CLOUD=true loader; DuckDB equals the source', async () => {
    const common = ['--read-only', '--tmpfs', '/tmp', '--volume', `${data}:/data`, '--env-file', join(workspace, '.env')];
    const extracted = await dockerRun(...common, EXTRACTOR, '--table', TABLE, '--cloud', 'local');
    expect(extracted.stderr).toBe('');
    expect(extracted.code).toBe(0);
    const loaded = await dockerRun(...common, LOCAL_LOADER(), '--table', TABLE, '--cloud', 'local');
    expect(loaded.stderr).toBe('');
    expect(loaded.code).toBe(0);
    const m = await model();
    const reconciled = await reconcile(m, sourceRows(m), readDuckDbRows(join(data, 'warehouse.duckdb'), m));
    expect(reconciled.differences).toEqual([]);
    expect(reconciled.targetRows).toBe(20_002);
  });

  it('a loader built without LOCAL_CLOUD asked for --cloud local: one line naming the build argument, exit 2', async () => {
    const outcome = await dockerRun('--volume', `${data}:/data`, '--env-file', join(workspace, '.env'), LOADER, '--table', TABLE, '--cloud', 'local');
    expect(outcome.code).toBe(2);
    expect(oneLine(outcome.stderr)).toBe("datapipe: destination.cloud local: this loader image was built without DuckDB, the local cloud's warehouse "
      + "— rebuild it with --build-arg LOCAL_CLOUD=true (make build DOCKER_BUILD_FLAGS='--build-arg LOCAL_CLOUD=true')");
  });

  it('SIGTERM to an extractor blocked on the source: exit 1 within its 10 s grace (inside the pod\'s 30 s), nothing published', async () => {
    const name = `datapipe-test-sigterm-extractor-${process.pid}`;
    const locker = new pg.Client(db.config);
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${TABLE}" IN ACCESS EXCLUSIVE MODE`);
      const started = await docker('run', '-d', '--name', name, '--network', 'host', '--env-file', join(workspace, '.env'), EXTRACTOR, '--table', TABLE, '--cloud', 'gcp');
      expect(started.code).toBe(0);
      // The extractor's read waits for the lock.
      for (let i = 0; ; i++) {
        const waiting = await client.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE usename = '${role}' AND wait_event_type = 'Lock'`);
        if (waiting.rows[0]!.n !== '0') break;
        if (i > 240) throw new Error(`the extractor never waited on the lock:\n${(await docker('logs', name)).stdout}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const before = (await manifests()).length;
      const signalled = Date.now();
      expect((await docker('kill', '--signal', 'TERM', name)).code).toBe(0);
      const waited = await docker('wait', name);
      const elapsed = Date.now() - signalled;
      const logs = await docker('logs', name);
      expect(waited.stdout.trim()).toBe('1');
      expect(elapsed).toBeLessThan(POD_GRACE_MS);
      expect(oneLine(logs.stderr)).toBe('datapipe: stopped by SIGTERM; the run did not stop within 10 s and was ended — nothing partial is left visible; re-running it is safe');
      expect(await manifests()).toHaveLength(before);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await docker('rm', '-f', name);
    }
  });

  it('SIGTERM to a loader waiting on a BigQuery job: tini passes it on, exit 1 at once, the state unmoved', async () => {
    const name = `datapipe-test-sigterm-loader-${process.pid}`;
    await client.query(`INSERT INTO "${TABLE}" SELECT g, 1, 1, TIMESTAMP '2026-06-01' + g * interval '1 second', NULL, NULL, 'tarde', NULL FROM generate_series(500000, 500009) g`);
    const extracted = await dockerRun('--env-file', join(workspace, '.env'), EXTRACTOR, '--table', TABLE, '--cloud', 'gcp');
    expect(extracted.code).toBe(0);
    const before = await store.getVersioned(LAYOUT.stateKey);
    bigquery.plan((job) => job.configuration.load !== undefined, { runningPolls: 10_000 });
    const seen = bigquery.jobInserts().length;
    try {
      expect((await docker('run', '-d', '--name', name, '--network', 'host', '--env-file', join(workspace, '.env'), LOADER, '--table', TABLE, '--cloud', 'gcp')).code).toBe(0);
      for (let i = 0; bigquery.jobInserts().slice(seen).every((j) => j.configuration.load === undefined); i++) {
        if (i > 240) throw new Error(`the loader never started its load job:\n${(await docker('logs', name)).stdout}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const signalled = Date.now();
      expect((await docker('kill', '--signal', 'TERM', name)).code).toBe(0);
      const waited = await docker('wait', name);
      const elapsed = Date.now() - signalled;
      expect(waited.stdout.trim()).toBe('1');
      expect(elapsed).toBeLessThan(5_000);
      expect(oneLine((await docker('logs', name)).stderr)).toBe('datapipe: stopped by SIGTERM before the run finished — nothing partial is left visible; re-running it is safe');
      expect((await store.getVersioned(LAYOUT.stateKey))?.version).toBe(before?.version);
    } finally {
      await docker('rm', '-f', name);
    }
  });

  it('the Oracle source: the bundled Thin driver loads and dials the configured listener', async () => {
    const name = `datapipe-test-oracle-${process.pid}`;
    try {
      expect((await docker('run', '-d', '--name', name, '--network', 'host', EXTRACTOR, '--table', 'ORACLE_VENTAS')).code).toBe(0);
      const logs = await waitForLogs(name, /NJS-503: connection to host 127\.0\.0\.1 port \d+ could not be established/);
      expect(logs).not.toMatch(/Cannot find (module|package)/);
    } finally {
      await docker('rm', '-f', name);
    }
  });

  it('on a terminal (-t) the pretty log transport loads from the image', async () => {
    const outcome = await dockerRun('-t', '--env-file', join(workspace, '.env'), EXTRACTOR, '--table', 'NOPE');
    expect(outcome.code).toBe(2);
    expect(outcome.stdout).toContain('datapipe: table NOPE is not listed in any config under /workspace');
    expect(outcome.stdout).not.toMatch(/Cannot find (module|package)|unable to determine transport target/);
  });

  it('no secret from .env in docker history, docker inspect or any layer of either image', async () => {
    const env = await readFile(join(workspace, '.env'), 'utf8');
    expect(env).toContain(secret);
    for (const image of [EXTRACTOR, LOADER]) {
      const history = await docker('history', '--no-trunc', image);
      const inspect = await docker('image', 'inspect', image);
      expect(history.code).toBe(0);
      expect(history.stdout + inspect.stdout).not.toContain(secret);
      expect(inspect.stdout).not.toMatch(/PGPASSWORD|STORAGE_EMULATOR_HOST/);
      const layers = await savedImage(image);
      expect(layers.length).toBeGreaterThan(10e6);
      expect(layers.includes(secret)).toBe(false);
      expect(layers.includes('PGPASSWORD=')).toBe(false);
    }
  });
});
