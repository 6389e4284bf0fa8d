/**
 * The BigQuery warehouse against real BigQuery and GCS: real AVRO parts (shared/avro PartWriter)
 * uploaded to a bucket, loaded, merged, replaced, and read back value by value. Needs a project,
 * a bucket and a dataset in the same location, and Application Default Credentials with
 * roles/bigquery.dataEditor on the dataset, roles/bigquery.jobUser on the project and
 * roles/storage.objectAdmin on the bucket:
 *
 *   gcloud auth application-default login
 *   DATAPIPE_IT_GCP_PROJECT=my-project DATAPIPE_IT_GCP_BUCKET=my-bucket DATAPIPE_IT_GCP_DATASET=datapipe_it \
 *   DATAPIPE_IT_GCP_LOCATION=US npx vitest run test/integration/bigquery/bigquery-live.test.ts
 *
 * Each run uses a fresh table (`it_orders_<random>`) and prefix, and deletes both at the end.
 */
import { randomBytes } from 'node:crypto';
import { BigQuery } from '@google-cloud/bigquery';
import { Storage, type Bucket } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GcpDestination } from '../../../shared/config/config-schema.js';
import { silentLogger } from '../../../shared/log.js';
import type { Row, TableModel } from '../../../shared/model/column.js';
import { openBigQueryWarehouse, type BigQueryWarehouse } from '../../../shared/warehouses/bigquery/bigquery-warehouse.js';
import type { LoadMode, LoadRequest } from '../../../shared/warehouses/warehouse.js';
import { liveGcp } from '../../support/gcp-live.js';
import { MemoryStore } from '../../support/memory-store.js';
import { column, withoutColumns } from '../../support/model-fixtures.js';
import { canonicalRows } from '../../support/verify-spelling.js';
import { openDuckDbWarehouse } from '../../../shared/warehouses/duckdb/duckdb-warehouse.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { days, decimal, loadRequest as duckDbRequest, micros, writeParts } from '../duckdb/load-fixtures.js';
import { previousRun } from '../duckdb/load-fixtures.js';

const env = liveGcp('bigquery-live', 'run the BigQuery warehouse against real BigQuery');

const TABLE = `it_orders_${randomBytes(4).toString('hex')}`;
const PREFIX = `datapipe-it/${TABLE}`;
const MAX = '99999999999999999999999999999.999999999';

const model: TableModel = {
  sourceSchema: 'IT',
  sourceName: TABLE.toUpperCase(),
  name: TABLE,
  columns: [
    column('id', { kind: 'int64' }, false),
    column('updated_at', { kind: 'datetime' }),
    column('amount', { kind: 'decimal', precision: 38, scale: 9 }),
    column('wide', { kind: 'decimal', precision: 76, scale: 38 }),
    column('ratio', { kind: 'float64' }),
    column('note', { kind: 'string' }),
    column('day', { kind: 'date' }),
    column('instant', { kind: 'timestamp' }),
    column('blob', { kind: 'bytes' }),
    column('flag', { kind: 'boolean' }),
  ],
  primaryKeys: ['id'],
};

function row(id: bigint, updatedAt: string | null, amount: string | null, note: string | null, extra: Partial<Row> = {}): Row {
  return {
    id, updated_at: updatedAt === null ? null : micros(updatedAt), amount: amount === null ? null : decimal(amount, 38, 9),
    wide: null, ratio: null, note, day: null, instant: null, blob: null, flag: null, ...extra,
  };
}

const READ_BACK = (table: string) => `
  SELECT CAST(id AS STRING) AS id,
    CAST(DATETIME_DIFF(updated_at, DATETIME '1970-01-01 00:00:00', MICROSECOND) AS STRING) AS updated_at,
    CAST(amount AS STRING) AS amount, CAST(wide AS STRING) AS wide, ratio, note,
    UNIX_DATE(day) AS day, CAST(UNIX_MICROS(instant) AS STRING) AS instant, TO_HEX(blob) AS blob, flag
  FROM \`${env.project}\`.\`${env.dataset}\`.\`${table}\` ORDER BY id`;

/** Run r1: a duplicated key and the fidelity edges. */
const FIRST_RUN: Row[][] = [
  [
    row(1n, '2024-05-01 10:00:00', '1.5', 'old'),
    row(-(2n ** 63n), '0001-01-01 00:00:00', `-${MAX}`, '', {
      wide: decimal('-99999999999999999999999999999999999999.99999999999999999999999999999999999999', 76, 38),
      ratio: -0, day: days('0001-01-01'), instant: micros('0001-01-01 00:00:00'), blob: Buffer.from([0, 255]), flag: false,
    }),
  ],
  [
    row(1n, '2024-05-02 10:00:00', '2.5', 'new'),
    row(2n ** 63n - 1n, '9999-12-31 23:59:59.999999', MAX, 'Ñandú — 東京 😀', {
      ratio: 1.7976931348623157e308, day: days('9999-12-31'), instant: micros('9999-12-31 23:59:59.999999'), blob: Buffer.alloc(0), flag: true,
    }),
  ],
];

describe.skipIf(!env.available)(`BigQueryWarehouse against real BigQuery (${env.project}:${env.dataset}, ${env.location})`, () => {
  const destination: GcpDestination = { project_id: env.project, dataset: env.dataset, bucket: env.bucket, location: env.location };
  const store = new MemoryStore();
  // Created in beforeAll: a skipped describe still runs this body, where empty names would throw.
  let bigquery: BigQuery;
  let bucket: Bucket;
  let warehouse: BigQueryWarehouse;

  beforeAll(async () => {
    bigquery = new BigQuery({ projectId: env.project, location: env.location });
    bucket = new Storage({ projectId: env.project }).bucket(env.bucket);
    warehouse = await openBigQueryWarehouse(destination, silentLogger);
    await warehouse.ensureTable(model, 'updated_at');
  }, 300_000);

  afterAll(async () => {
    await bigquery.dataset(env.dataset).table(TABLE).delete().catch(() => undefined);
    await bucket.deleteFiles({ prefix: `${PREFIX}/` }).catch(() => undefined);
  }, 300_000);

  /** Writes the parts with the PartWriter, uploads them under the run's prefix, loads them. */
  async function load(runId: string, parts: Row[][], mode: LoadMode, watermark: string | null) {
    const staged = await writeParts(store, model, runId, parts);
    const gcsParts = [];
    for (const part of staged) {
      const name = `${PREFIX}/${part.key}`;
      await bucket.file(name).save(store.objects.get(part.key)!, { resumable: false, contentType: 'application/avro' });
      gcsParts.push({ ...part, key: name, uri: `gs://${env.bucket}/${name}` });
    }
    const request: LoadRequest = {
      model, mode, runId, baseRunId: previousRun(runId), partitionColumn: 'updated_at', parts: gcsParts, watermark,
      expectedRows: gcsParts.reduce((sum, p) => sum + p.rows, 0),
      openPart: async () => { throw new Error('not read through the client'); },
    };
    return warehouse.load(request);
  }

  async function target(): Promise<Record<string, unknown>[]> {
    const [rows] = await bigquery.query({ query: READ_BACK(TABLE), location: env.location });
    return (rows as Record<string, unknown>[]).map((r) => ({ ...r }));
  }

  it('loads every type exactly, keeping the latest row of a duplicated key', async () => {
    const result = await load('r1', FIRST_RUN, 'incremental', '2024-05-02 10:00:00');
    expect(result).toEqual({ staged: 4, deduplicated: 3, targetRows: 3 });
    expect(await target()).toEqual([
      {
        id: '-9223372036854775808', updated_at: String(micros('0001-01-01 00:00:00')), amount: `-${MAX}`,
        wide: '-99999999999999999999999999999999999999.99999999999999999999999999999999999999', ratio: -0, note: '',
        day: days('0001-01-01'), instant: String(micros('0001-01-01 00:00:00')), blob: '00ff', flag: false,
      },
      { id: '1', updated_at: String(micros('2024-05-02 10:00:00')), amount: '2.5', wide: null, ratio: null, note: 'new', day: null, instant: null, blob: null, flag: null },
      {
        id: '9223372036854775807', updated_at: String(micros('9999-12-31 23:59:59.999999')), amount: MAX, wide: null, ratio: 1.7976931348623157e308,
        note: 'Ñandú — 東京 😀', day: days('9999-12-31'), instant: String(micros('9999-12-31 23:59:59.999999')), blob: '', flag: true,
      },
    ]);
  }, 600_000);

  it('datapipe verify: BigQuery spells every loaded row as DuckDB does, the edges included (the Redshift and Spark twins are checked in test/integration/verify)', async () => {
    // DuckDB holds no decimal wider than 38 digits: both sides are read without that column.
    const subset = withoutColumns(model, 'wide');
    const onBigQuery = await warehouse.verifySession(subset, canonicalRows);
    const dir = await mkdtemp(join(tmpdir(), 'datapipe-bq-verify-'));
    const duckdb = await openDuckDbWarehouse(join(dir, 'w.duckdb'), silentLogger);
    try {
      const local = new MemoryStore();
      const rows = FIRST_RUN.map((part) => part.map(({ wide: _wide, ...r }) => r));
      await duckdb.ensureTable(subset, 'updated_at');
      await duckdb.load(duckDbRequest(local, subset, 'r1', await writeParts(local, subset, 'r1', rows), { partitionColumn: 'updated_at' }));
      expect(onBigQuery).toEqual(await duckdb.verifySession(subset, canonicalRows));
    } finally {
      await duckdb.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 600_000);

  it('merges a late row over a newer one and inserts new keys; re-running the run changes nothing', async () => {
    const parts = [[row(1n, '2024-04-30 08:00:00', '0.000000001', 'moved back'), row(3n, '2024-05-03 00:00:00', '7', 'third')]];
    expect(await load('r2', parts, 'incremental', '2024-05-03 00:00:00')).toEqual({ staged: 2, deduplicated: 2, targetRows: 4 });
    expect(await load('r2', parts, 'incremental', '2024-05-03 00:00:00')).toEqual({ staged: 2, deduplicated: 2, targetRows: 4 });
    const rows = await target();
    expect(rows.map((r) => [r.id, r.amount, r.note])).toEqual([
      ['-9223372036854775808', `-${MAX}`, ''], ['1', '0.000000001', 'moved back'], ['3', '7', 'third'], ['9223372036854775807', MAX, 'Ñandú — 東京 😀'],
    ]);
  }, 600_000);

  it('full mode replaces the target; _datapipe_loads holds one row per run', async () => {
    expect(await load('r3', [[row(5n, '2024-06-01 00:00:00', '5', 'only'), row(5n, null, '6', 'undated')]], 'full', null)).toEqual({ staged: 2, deduplicated: 1, targetRows: 1 });
    expect((await target()).map((r) => [r.id, r.amount, r.note])).toEqual([['5', '5', 'only']]);
    const [loads] = await bigquery.query({
      query: `SELECT run_id, mode, rows_staged, rows_loaded, watermark FROM \`${env.project}\`.\`${env.dataset}\`._datapipe_loads WHERE table_name = @t ORDER BY run_id`,
      params: { t: TABLE }, location: env.location,
    });
    expect(loads).toEqual([
      { run_id: 'r1', mode: 'incremental', rows_staged: 4, rows_loaded: 3, watermark: '2024-05-02 10:00:00' },
      { run_id: 'r2', mode: 'incremental', rows_staged: 2, rows_loaded: 2, watermark: '2024-05-03 00:00:00' },
      { run_id: 'r3', mode: 'full', rows_staged: 2, rows_loaded: 1, watermark: null },
    ]);
  }, 600_000);
});
