/**
 * The Databricks warehouse against a real Azure Databricks workspace and storage account — and the
 * assumptions the Databricks FAKE makes (test/tools/databricks_fake.py), asserted where only the
 * real service can answer: read_files' AVRO options (datetimeRebaseMode, schema, a glob of exact
 * names), raise_error's text, INSERT OVERWRITE as one commit that keeps the clustering keys, the
 * type mapping, and how JSON_ARRAY renders values. Needs a SQL warehouse, a Unity Catalog schema,
 * an external location on the container with READ FILES for the token's identity, and rights to
 * write blobs (AZURE_STORAGE_CONNECTION_STRING, or DefaultAzureCredential with Storage Blob Data
 * Contributor):
 *
 *   DATAPIPE_IT_AZURE_STORAGE_ACCOUNT=acme DATAPIPE_IT_AZURE_CONTAINER=staging \
 *   DATAPIPE_IT_AZURE_DATABRICKS_HOST=adb-1234567890123456.7.azuredatabricks.net \
 *   DATAPIPE_IT_AZURE_DATABRICKS_WAREHOUSE_ID=1a2b3c4d5e6f7a8b DATAPIPE_IT_AZURE_DATABRICKS_CATALOG=main \
 *   DATAPIPE_IT_AZURE_DATABRICKS_SCHEMA=datapipe_it DATAPIPE_IT_AZURE_DATABRICKS_TOKEN=dapi… \
 *   npx vitest run test/integration/databricks/databricks-live.test.ts
 *
 * DATAPIPE_IT_AZURE_DATABRICKS_CLIENT_ID and _CLIENT_SECRET (a service principal's OAuth secret)
 * add the oauth-m2m sign-in. Each run uses a fresh table and prefix and removes both at the end.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { PartWriter } from '../../../shared/avro/part-writer.js';
import type { AzureDestination } from '../../../shared/config/config-schema.js';
import { TerminalError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/log.js';
import type { Row, TableModel } from '../../../shared/model/column.js';
import { openAzureStore, type AzureBlobStore } from '../../../shared/stores/azure/azure-store.js';
import { readFilesExpression } from '../../../shared/warehouses/databricks/databricks-stage.js';
import { openDatabricksWarehouse, type DatabricksWarehouse } from '../../../shared/warehouses/databricks/databricks-warehouse.js';
import type { StagedPart } from '../../../shared/warehouses/warehouse.js';
import { UNICODE, everything, rows } from './twin-fixtures.js';
import { loadRequest } from './warehouse-fixtures.js';

const VARS = ['STORAGE_ACCOUNT', 'CONTAINER', 'DATABRICKS_HOST', 'DATABRICKS_WAREHOUSE_ID', 'DATABRICKS_CATALOG', 'DATABRICKS_SCHEMA', 'DATABRICKS_TOKEN'] as const;
const env = Object.fromEntries(VARS.map((v) => [v, process.env[`DATAPIPE_IT_AZURE_${v}`] ?? ''])) as Record<(typeof VARS)[number], string>;
const missing = VARS.filter((v) => env[v] === '').map((v) => `DATAPIPE_IT_AZURE_${v}`);
if (missing.length > 0) console.warn(`[databricks-live] SKIPPED: set ${missing.join(', ')} to run the Databricks warehouse against a real Azure Databricks workspace`);

const TABLE = `it_everything_${randomBytes(4).toString('hex')}`;
const PREFIX = `datapipe-it/${TABLE}`;
const NINES = '9'.repeat(38);
const model: TableModel = { ...everything, name: TABLE, sourceName: TABLE.toUpperCase() };

describe.skipIf(missing.length > 0)('Databricks warehouse against real Azure Databricks (what the fake assumes)', () => {
  let store: AzureBlobStore;
  let warehouse: DatabricksWarehouse;
  let destination: AzureDestination;
  let r1: StagedPart[];
  const target = () => `\`${env.DATABRICKS_CATALOG}\`.\`${env.DATABRICKS_SCHEMA}\`.\`${TABLE}\``;
  const sql = async (statement: string) => (await warehouse.databricks.statements.run(statement, {}, 'databricks-live', 'assert')).rows;

  /** The raw API answer, for what the client does not expose (manifest types, JSON_ARRAY text, FAILED status). */
  async function raw(statement: string): Promise<{ status: { state: string; sql_state?: string; error?: { message?: string } }; manifest?: { schema: { columns: { name: string; type_name: string; type_text: string }[] } }; result?: { data_array?: (string | null)[][] } }> {
    const response = await fetch(`https://${env.DATABRICKS_HOST}/api/2.0/sql/statements`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.DATABRICKS_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ warehouse_id: env.DATABRICKS_WAREHOUSE_ID, statement, wait_timeout: '50s', on_wait_timeout: 'CANCEL' }),
    });
    expect(response.status).toBe(200);
    return response.json() as Promise<never>;
  }

  async function writeParts(runId: string, parts: Row[][], attempt = 'a'): Promise<StagedPart[]> {
    const staged: StagedPart[] = [];
    for (const [seq, partRows] of parts.entries()) {
      const key = `${PREFIX}/${TABLE}/run=${runId}/part-0000-${attempt}-${String(seq).padStart(6, '0')}.avro`;
      const writer = new PartWriter({ store, schema: modelToAvsc(model), codec: 'snappy', partSizeBytes: 1 << 30, keyFor: () => key });
      await writer.write(partRows);
      const [info] = await writer.close();
      staged.push({ key, uri: store.uri(key), rows: info!.rows, bytes: info!.bytes });
    }
    return staged;
  }

  beforeAll(async () => {
    store = openAzureStore({ accountUrl: `https://${env.STORAGE_ACCOUNT}.blob.core.windows.net`, container: env.CONTAINER });
    destination = {
      account_url: `https://${env.STORAGE_ACCOUNT}.blob.core.windows.net`, container: env.CONTAINER,
      databricks: {
        host: env.DATABRICKS_HOST, http_path: `/sql/1.0/warehouses/${env.DATABRICKS_WAREHOUSE_ID}`, token: env.DATABRICKS_TOKEN,
        catalog: env.DATABRICKS_CATALOG, schema: env.DATABRICKS_SCHEMA,
      },
    };
    warehouse = await openDatabricksWarehouse(destination, silentLogger);
    r1 = await writeParts('r1', [rows.slice(0, 3), rows.slice(3, 4), rows.slice(4)]);
    // A stray part of another attempt in the run folder: listed by no manifest, never read.
    await writeParts('r1', [rows.slice(0, 1)], 'b');
  }, 600_000);

  afterAll(async () => {
    if (warehouse) {
      await sql(`DROP TABLE IF EXISTS ${target()}`).catch(() => undefined);
      await sql(`DELETE FROM \`${env.DATABRICKS_CATALOG}\`.\`${env.DATABRICKS_SCHEMA}\`.\`_datapipe_loads\` WHERE table_name = '${TABLE}'`).catch(() => undefined);
    }
    if (store) await store.delete(await store.list(`${PREFIX}/`));
  }, 600_000);

  it('read_files with the warehouse\'s options reads exactly the listed parts, every value exact, with the types the fake reports', async () => {
    const answer = await raw(`SELECT * FROM ${readFilesExpression(model, 'r1', r1)} ORDER BY id`);
    expect(answer.status.state).toBe('SUCCEEDED');
    expect(answer.manifest?.schema.columns.map((c) => `${c.name} ${c.type_name} ${c.type_text}`)).toEqual([
      'id LONG BIGINT', 'big LONG BIGINT', 'd4 DECIMAL DECIMAL(4,2)', 'd18 DECIMAL DECIMAL(18,2)', 'd38_0 DECIMAL DECIMAL(38,0)',
      'd38_10 DECIMAL DECIMAL(38,10)', 'd38_38 DECIMAL DECIMAL(38,38)', 'ratio DOUBLE DOUBLE', 'small FLOAT FLOAT', 'flag BOOLEAN BOOLEAN',
      'name STRING STRING', 'doc STRING STRING', 'span STRING STRING', 'payload BINARY BINARY', 'day DATE DATE',
      'local_at TIMESTAMP_NTZ TIMESTAMP_NTZ', 'utc_at TIMESTAMP TIMESTAMP',
    ]);
    const text = await sql(`SELECT id, CAST(d38_10 AS STRING) AS d, CAST(ratio AS STRING) AS r, CAST(small AS STRING) AS s, name, hex(payload) AS p,
      CAST(day AS STRING) AS day, CAST(local_at AS STRING) AS local_at, unix_micros(utc_at) AS utc FROM ${readFilesExpression(model, 'r1', r1)} ORDER BY id`);
    expect(text.map((r) => [r.id, r.d, r.r, r.s, r.name, r.p, r.day, r.local_at, r.utc])).toEqual([
      [1, `${NINES.slice(10)}.${NINES.slice(0, 10)}`, '1.7976931348623157E308', '3.4028235E38', UNICODE, '00FF00', '9999-12-31', '9999-12-31 23:59:59.999999', 253402300799999999n],
      [2, `-${NINES.slice(10)}.${NINES.slice(0, 10)}`, '-4.9E-324', '-1.4E-45', '', '', '0001-01-01', '0001-01-01 00:00:00', -62135596800000000n],
      [3, '0.0000000001', '0.1', '0.1', 'x', '00', '1970-01-01', '1970-01-01 00:00:00.000001', -1],
      [4, null, null, null, null, null, null, null, null],
      [5, '0.0000000001', 'NaN', 'Infinity', 'x', '00', '1970-01-01', '1970-01-01 00:00:00.000001', -1],
      [6, '0.0000000001', '-0.0', '-Infinity', 'x', '00', '1970-01-01', '1970-01-01 00:00:00.000001', -1],
      [7, '0.0000000001', '-Infinity', '-0.0', 'x', '00', '1970-01-01', '1970-01-01 00:00:00.000001', -1],
    ]);
  });

  it('without datetimeRebaseMode => CORRECTED a 0001-01-01 date fails the read (the EXCEPTION default the fake keeps)', async () => {
    const answer = await raw(`SELECT day FROM read_files('${r1[0]!.uri}', format => 'avro') WHERE id = 2`);
    expect(answer.status.state).toBe('FAILED');
    expect(answer.status.error?.message).toMatch(/INCONSISTENT_BEHAVIOR_CROSS_VERSION/);
  });

  it('raise_error fails the statement with [USER_RAISED_EXCEPTION] <marker> and SQLSTATE P0001', async () => {
    const answer = await raw("SELECT CASE WHEN (SELECT 1) = 1 THEN raise_error('datapipe_stale_run') END");
    expect(answer.status.state).toBe('FAILED');
    expect(answer.status.sql_state).toBe('P0001');
    expect(answer.status.error?.message).toMatch(/^\[USER_RAISED_EXCEPTION\] datapipe_stale_run/);
  });

  it('renders JSON_ARRAY values as the fake does (Spark\'s CAST AS STRING; BINARY as base64)', async () => {
    const answer = await raw(`SELECT CAST(1.5 AS DECIMAL(38,10)), CAST('NaN' AS DOUBLE), CAST('-0.0' AS DOUBLE), X'00FF', true,
      TIMESTAMP_NTZ'0001-01-01 00:00:00', DATE'9999-12-31', CAST(3.4028235E38 AS FLOAT), 9223372036854775807`);
    expect(answer.result?.data_array).toEqual([['1.5000000000', 'NaN', '-0.0', 'AP8=', 'true', '0001-01-01 00:00:00', '9999-12-31', '3.4028235E38', '9223372036854775807']]);
  });

  it('loads through the warehouse: the mapped types, a MERGE, a re-run recorded once, an INSERT OVERWRITE in one commit that keeps the clustering', async () => {
    await warehouse.ensureTable(model, 'local_at');
    const described = await sql(`DESCRIBE TABLE ${target()}`);
    expect(described.slice(0, model.columns.length).map((r) => `${String(r.col_name)} ${String(r.data_type)}`)).toEqual([
      'id bigint', 'big bigint', 'd4 decimal(4,2)', 'd18 decimal(18,2)', 'd38_0 decimal(38,0)', 'd38_10 decimal(38,10)',
      'd38_38 decimal(38,38)', 'ratio double', 'small float', 'flag boolean', 'name string', 'doc string', 'span string',
      'payload binary', 'day date', 'local_at timestamp_ntz', 'utc_at timestamp',
    ]);
    expect(await warehouse.load(loadRequest(model, 'r1', r1, { partitionColumn: 'local_at' }))).toEqual({ staged: 7, deduplicated: 7, targetRows: 7 });
    expect(await warehouse.load(loadRequest(model, 'r1', r1, { partitionColumn: 'local_at' }))).toEqual({ staged: 7, deduplicated: 7, targetRows: 7 });
    expect(await sql(`SELECT count(*) AS n FROM \`${env.DATABRICKS_CATALOG}\`.\`${env.DATABRICKS_SCHEMA}\`.\`_datapipe_loads\` WHERE table_name = '${TABLE}'`)).toEqual([{ n: 1 }]);

    const before = await sql(`DESCRIBE HISTORY ${target()}`);
    const r2 = await writeParts('r2', [[{ ...rows[2]!, id: 9 }, { ...rows[2]!, id: 9, name: 'later', local_at: 2n }]]);
    expect(await warehouse.load(loadRequest(model, 'r2', r2, { mode: 'full', partitionColumn: 'local_at' }))).toEqual({ staged: 2, deduplicated: 1, targetRows: 1 });
    const after = await sql(`DESCRIBE HISTORY ${target()}`);
    expect(after.length - before.length).toBe(1);
    const detail = await sql(`DESCRIBE DETAIL ${target()}`);
    expect(detail[0]?.clusteringColumns).toBe('["id"]');
    expect(await sql(`SELECT id, name FROM ${target()}`)).toEqual([{ id: 9, name: 'later' }]);
  });

  it('signs in with a service principal (oauth-m2m) when DATAPIPE_IT_AZURE_DATABRICKS_CLIENT_ID and _CLIENT_SECRET are set', async (context) => {
    const clientId = process.env.DATAPIPE_IT_AZURE_DATABRICKS_CLIENT_ID ?? '';
    const clientSecret = process.env.DATAPIPE_IT_AZURE_DATABRICKS_CLIENT_SECRET ?? '';
    if (clientId === '' || clientSecret === '') {
      console.warn('[databricks-live] oauth-m2m SKIPPED: set DATAPIPE_IT_AZURE_DATABRICKS_CLIENT_ID and _CLIENT_SECRET');
      context.skip();
    }
    const { token: _token, ...rest } = destination.databricks;
    const m2m = await openDatabricksWarehouse({ ...destination, databricks: { ...rest, auth: 'oauth-m2m', client_id: clientId, client_secret: clientSecret } }, silentLogger);
    expect((await m2m.latestLoad(TABLE))?.runId).toBe('r2');
    const wrong = await openDatabricksWarehouse({ ...destination, databricks: { ...rest, auth: 'oauth-m2m', client_id: clientId, client_secret: 'wrong' } }, silentLogger);
    await expect(wrong.latestLoad(TABLE)).rejects.toBeInstanceOf(TerminalError);
  });
});
