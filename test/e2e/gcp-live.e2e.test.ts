import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BigQuery } from '@google-cloud/bigquery';
import { Storage } from '@google-cloud/storage';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, workspace } from '../support/cli.js';
import { liveGcp } from '../support/gcp-live.js';
import type { PostgresHandle } from '../support/postgres-server.js';
import { startOwnDatabase } from './e2e-database.js';
import { salesTableSql } from './gcp-sales-table.js';

/**
 * The whole `--cloud gcp` pipeline against REAL GCS and BigQuery: a PostgreSQL table → the
 * extractor and loader entrypoints → the bucket → the dataset, then the target compared with the
 * source. Skipped unless configured (see README, "The live BigQuery suite"):
 *
 *   gcloud auth application-default login
 *   DATAPIPE_IT_GCP_PROJECT=my-project DATAPIPE_IT_GCP_BUCKET=my-bucket DATAPIPE_IT_GCP_DATASET=datapipe_it \
 *   DATAPIPE_IT_GCP_LOCATION=US npx vitest run test/e2e/gcp-live.e2e.test.ts
 *
 * Each run uses its own table and bucket prefix and deletes both at the end.
 */

const live = liveGcp('gcp-live e2e', 'run the pipeline against real GCS and BigQuery');

const SUFFIX = randomBytes(4).toString('hex');
const TABLE = `IT_VENTAS_${SUFFIX.toUpperCase()}`;
const TARGET = TABLE.toLowerCase();
const PREFIX = `datapipe-it/${SUFFIX}`;

const SALES = salesTableSql(TABLE);

/** Per row, every column as exact text; the same expression shape on both sides. */
const SOURCE_TEXT = `SELECT "ID_VENTA"::text AS id, trim_scale("MONTO")::text AS monto, trim_scale("PRECIO")::text AS precio,
  to_char("FECHA_VENTA", 'YYYY-MM-DD"T"HH24:MI:SS.US') AS fecha, to_char("ENTREGA", 'YYYY-MM-DD') AS entrega,
  (extract(epoch from "INSTANTE") * 1000000)::bigint::text AS instante, "CLIENTE" AS cliente, encode("DOCUMENTO", 'hex') AS documento
  FROM "${TABLE}" ORDER BY "ID_VENTA"`;
const TARGET_TEXT = `SELECT CAST(id_venta AS STRING) AS id, CAST(monto AS STRING) AS monto, CAST(precio AS STRING) AS precio,
  FORMAT_DATETIME('%Y-%m-%dT%H:%M:%E6S', fecha_venta) AS fecha, FORMAT_DATE('%Y-%m-%d', entrega) AS entrega,
  CAST(UNIX_MICROS(instante) AS STRING) AS instante, cliente, TO_HEX(documento) AS documento
  FROM \`${live.project}\`.\`${live.dataset}\`.\`${TARGET}\` ORDER BY id_venta`;

describe.skipIf(!live.available)(`end to end on real GCP (${live.project}:${live.dataset}, gs://${live.bucket}/${PREFIX})`, () => {
  let db: PostgresHandle;
  let client: pg.Client;
  let bigquery: BigQuery;
  let cwd: string;
  let env: Record<string, string>;
  const args = [TABLE, '--config', 'live/config.yaml'];

  beforeAll(async () => {
    bigquery = new BigQuery({ projectId: live.project, location: live.location });
    db = await startOwnDatabase('gcp_live');
    client = new pg.Client(db.config);
    await client.connect();
    await client.query(SALES.create);
    await client.query(SALES.edge);
    await client.query(SALES.rows(10, 20_009, '2025-12-01 01:00:00'));
    cwd = await workspace('e2e-gcp-live');
    await mkdir(join(cwd, 'live'));
    await writeFile(join(cwd, 'live', 'config.yaml'), `project: { name: datapipe-it, environment: test }
source:
  type: postgres
  connection: { host: "\${PGHOST}", port: ${db.config.port}, database: "\${PGDATABASE}", user: "\${PGUSER}", password: "\${PGPASSWORD}" }
  schema: public
destination:
  cloud: gcp
  gcp: { project_id: ${live.project}, dataset: ${live.dataset}, bucket: ${live.bucket}, prefix: ${PREFIX}, location: ${live.location} }
tables:
  - name: ${TABLE}
    partition_column: FECHA_VENTA
`);
    env = { PGHOST: db.config.host, PGDATABASE: db.config.database, PGUSER: db.config.user, PGPASSWORD: db.config.password ?? '' };
  }, 300_000);

  afterAll(async () => {
    await client?.end();
    await db?.stop();
    await bigquery?.dataset(live.dataset).table(TARGET).delete().catch(() => undefined);
    await new Storage({ projectId: live.project }).bucket(live.bucket).deleteFiles({ prefix: `${PREFIX}/` }).catch(() => undefined);
  }, 300_000);

  async function expectTargetEqualsSource(): Promise<number> {
    const source = (await client.query<Record<string, string | null>>(SOURCE_TEXT)).rows;
    const [target] = await bigquery.query({ query: TARGET_TEXT, location: live.location });
    expect(target).toEqual(source);
    return source.length;
  }

  it('generate schema, then an initial run: the dataset holds the source to the last digit', async () => {
    const generated = await run('datapipe', ['generate', 'schema', ...args], { cwd, env });
    expect(generated.stderr).toBe('');
    expect(generated.code).toBe(0);
    const first = await run('datapipe', ['run', ...args], { cwd, env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(await expectTargetEqualsSource()).toBe(20_002);
  }, 900_000);

  it('an incremental run through the entrypoints merges updates and new rows', async () => {
    const w = (await client.query<{ w: string }>(`SELECT max("FECHA_VENTA")::text AS w FROM "${TABLE}"`)).rows[0]!.w;
    await client.query(`UPDATE "${TABLE}" SET "PRECIO" = "PRECIO" + 0.01, "FECHA_VENTA" = TIMESTAMP '${w}' + interval '1 hour' WHERE "ID_VENTA" IN (1, 500)`);
    await client.query(SALES.rows(100_000, 100_099, '2025-12-01 00:00:00'));
    const runId = `live_${SUFFIX}`;
    const common = ['--table', TABLE, '--cloud', 'gcp', '--run-id', runId, '--config', 'live/config.yaml'];
    const extracted = await run('extractor', common, { cwd, env });
    expect(extracted.stderr).toBe('');
    expect(extracted.code).toBe(0);
    const loaded = await run('loader', common, { cwd, env });
    expect(loaded.stderr).toBe('');
    expect(loaded.code).toBe(0);
    expect(await expectTargetEqualsSource()).toBe(20_102);
  }, 900_000);
});
