/**
 * What the `aws` end-to-end suite runs against, started once for it: a moto server with the
 * staging bucket, the FAKE Redshift Data API (test/support/redshift-data-fake.ts) whose COPY reads
 * that bucket, a PostgreSQL source database holding the fidelity table, a workspace folder, and
 * the environment the entrypoints get. Also the suite's read-backs: manifests, staged records,
 * source rows through DataPipe's PostgreSQL source, and the Redshift twin's table.
 */
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { expect } from 'vitest';
import { avscToModel } from '../../shared/avro/avsc-schema.js';
import { readAvroRecords } from '../../shared/avro/part-reader.js';
import { silentLogger } from '../../shared/log.js';
import type { Row, TableModel } from '../../shared/model/column.js';
import { manifestSchema, parseStored, type Manifest } from '../../shared/pipeline/manifest.js';
import { StagingLayout } from '../../shared/pipeline/staging-layout.js';
import { connectPostgres } from '../../shared/sources/postgres/postgres-source.js';
import { openS3Store, type S3Store } from '../../shared/stores/s3/s3-store.js';
import { workspace, type Outcome } from '../support/cli.js';
import { MOTO_CREDENTIALS, startMotoServer, type MotoServer } from '../support/moto-server.js';
import type { PostgresHandle } from '../support/postgres-server.js';
import { s3ObjectReader, startRedshiftDataFake, type RedshiftDataFake } from '../support/redshift-data-fake.js';
import { CREATE_SALES, exactRows, rowDifferences, SALES_EDGE_ROWS, SALES_TABLE, salesRows, twinRowToRow, twinSelect } from './aws-sales-table.js';
import { startOwnDatabase } from './e2e-database.js';

export const BUCKET = 'empresa-staging-aws';
export const SCHEMA = 'raw_ventas';
export const PREFIX = 'datapipe';
export const IAM_ROLE = 'arn:aws:iam::123456789012:role/datapipe-copy';
export const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:datapipe-redshift';
export const LAYOUT = new StagingLayout(PREFIX, 'migracion-ventas', SALES_TABLE);
export const CONFIG = 'migracion-ventas/config.yaml';
/** Sales of the initial load besides the edge rows: the size the extract and load are measured at. */
export const BULK_ROWS = 50_000;

/** AWS settings of the machine that must not reach the entrypoints (they would point the SDK elsewhere). */
const CLEARED = [
  'AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_REDSHIFT_DATA', 'AWS_REGION', 'AWS_DEFAULT_REGION',
];

export class AwsPipelineWorld {
  readonly #saved = new Map<string, string | undefined>();
  moto!: MotoServer;
  /** A plain S3 client on moto (the fake's object reader; the tests' deletes). */
  s3!: S3Client;
  fake!: RedshiftDataFake;
  #stopFake: (() => Promise<void>) | undefined;
  /** The tests' view of the bucket, through DataPipe's store. */
  store!: S3Store;
  db!: PostgresHandle;
  client!: pg.Client;
  cwd = '';
  /** What every entrypoint gets: the source's and the config's variables, moto's credentials, nothing else of AWS. */
  env: Record<string, string> = {};
  /** The loader's: also the Data API endpoint, through the SDK's service-specific endpoint variable. */
  loaderEnv: Record<string, string> = {};

  static async start(): Promise<AwsPipelineWorld> {
    const world = new AwsPipelineWorld();
    try {
      await world.#start();
    } catch (error) {
      await world.stop();
      throw error;
    }
    return world;
  }

  async #start(): Promise<void> {
    for (const name of CLEARED) this.#set(name, undefined);
    this.moto = await startMotoServer();
    await this.moto.createBucket(BUCKET);
    const credentials = { accessKeyId: MOTO_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: MOTO_CREDENTIALS.AWS_SECRET_ACCESS_KEY };
    this.s3 = new S3Client({ endpoint: this.moto.endpoint, forcePathStyle: true, region: 'us-east-1', credentials });
    // The fake's COPY reads the run's parts from the same bucket the extractor wrote.
    ({ fake: this.fake, stop: this.#stopFake } = await startRedshiftDataFake({ reader: s3ObjectReader(this.s3), schemas: [SCHEMA] }));
    // DataPipe's store takes credentials from this process's environment, as the entrypoints do.
    for (const [name, value] of Object.entries(MOTO_CREDENTIALS)) this.#set(name, value);
    this.store = openS3Store({ bucket: BUCKET, region: 'us-east-1', endpoint: this.moto.endpoint, forcePathStyle: true });

    this.db = await startOwnDatabase('aws_e2e');
    this.client = new pg.Client(this.db.config);
    await this.client.connect();
    await this.client.query(CREATE_SALES);
    await this.client.query(SALES_EDGE_ROWS);
    await this.client.query(salesRows(10, BULK_ROWS + 9, '2026-01-01 11:00:00', '1 minute'));
    this.cwd = await workspace('e2e-aws');
    const { host, port, database, user, password } = this.db.config;
    this.env = {
      PGHOST: host, PGPORT: String(port), PGDATABASE: database, PGUSER: user, PGPASSWORD: password ?? '',
      S3_STAGING_BUCKET: BUCKET, REDSHIFT_WORKGROUP: 'datapipe', REDSHIFT_SECRET_ARN: SECRET_ARN, REDSHIFT_COPY_ROLE_ARN: IAM_ROLE,
      ...MOTO_CREDENTIALS,
      // Nothing from the machine's own AWS setup, and never a probe of an instance-metadata endpoint.
      AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true',
    };
    this.loaderEnv = { ...this.env, AWS_ENDPOINT_URL_REDSHIFT_DATA: this.fake.endpoint };
  }

  async stop(): Promise<void> {
    await this.client?.end();
    await this.db?.stop();
    await this.#stopFake?.();
    this.s3?.destroy();
    await this.moto?.stop();
    for (const [name, value] of this.#saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }

  /** Sets (or, with undefined, removes) a variable of this process, restored by stop(). */
  #set(name: string, value: string | undefined): void {
    if (!this.#saved.has(name)) this.#saved.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }

  /** The committed schema's model. */
  async model(): Promise<TableModel> {
    return avscToModel(JSON.parse(await readFile(join(this.cwd, 'schemas', 'ventas_cabecera.avsc'), 'utf8')));
  }

  async manifest(runId: string): Promise<Manifest> {
    const body = await this.store.get(LAYOUT.manifestKey(runId, undefined));
    expect(body, `manifest of ${runId}`).not.toBeNull();
    return parseStored(manifestSchema, body!, 'manifest');
  }

  /** The records of a run's parts as stored (the redshift-text forms, not yet canonical values). */
  async stagedRecords(m: Manifest): Promise<Row[]> {
    const records: Row[] = [];
    for (const file of m.files) for await (const record of readAvroRecords(await this.store.openRead(file.key))) records.push(record);
    return records;
  }

  /** The source rows a condition selects, read by DataPipe's PostgreSQL source. */
  async* sourceRows(m: TableModel, where = 'TRUE'): AsyncIterable<Row[]> {
    const ids = new Set((await this.client.query<{ id: string }>(`SELECT "ID_VENTA"::text AS id FROM "VENTAS_CABECERA" WHERE ${where}`)).rows.map((r) => r.id));
    const source = await connectPostgres(this.db.config, 'public', silentLogger);
    try {
      for await (const batch of source.read({ model: m, batchSize: 5000 })) yield batch.filter((row) => ids.has(String(row.id_venta)));
    } finally {
      await source.close();
    }
  }

  /** The Redshift twin's target table, read back into canonical rows. */
  async* twinRows(m: TableModel): AsyncIterable<Row[]> {
    yield (await this.fake.query(twinSelect(m, `"${SCHEMA}"."ventas_cabecera"`))).map((r) => twinRowToRow(m, r));
  }

  /** The target equals the source, every column of every row, -0.0 and NaN included; returns the rows. */
  async expectTwinEqualsSource(): Promise<number> {
    const m = await this.model();
    const source = await exactRows(m, this.sourceRows(m));
    const target = await exactRows(m, this.twinRows(m));
    expect(rowDifferences(source, target)).toEqual([]);
    expect(target.size).toBe(source.size);
    return target.size;
  }

  /** `_datapipe_loads` in the twin, one `run mode staged loaded` line per load. */
  async loads(): Promise<string[]> {
    const sql = `SELECT run_id || ' ' || mode || ' ' || rows_staged || ' ' || rows_loaded AS r FROM "${SCHEMA}"."_datapipe_loads" ORDER BY loaded_at, run_id`;
    return (await this.fake.query<{ r: string }>(sql)).map((x) => x.r);
  }
}

export async function* once(rows: Row[]): AsyncIterable<Row[]> {
  yield rows;
}

/** An entrypoint's JSON log lines. */
export function logLines(outcome: Outcome): Record<string, unknown>[] {
  return outcome.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Exit 0, nothing on stderr, and the secret key never printed (credentials come from the environment only). */
export function expectSuccess(outcome: Outcome): void {
  expect(outcome.stderr).toBe('');
  expect(outcome.code).toBe(0);
  expect(outcome.stdout).not.toContain(MOTO_CREDENTIALS.AWS_SECRET_ACCESS_KEY);
}
