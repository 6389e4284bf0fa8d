/**
 * What the Spark twin suite stages: a table with one column per canonical kind (and decimals at
 * scales 0, 10 and 38), its edge values written as real DataPipe AVRO parts, and a small client
 * of the Statement Execution API (plain fetch, as the warehouse adapter will talk to it).
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { PartWriter } from '../../../shared/avro/part-writer.js';
import type { Row, TableModel } from '../../../shared/model/column.js';
import { LocalStore } from '../../../shared/stores/local/local-store.js';
import { startAzurite, uniqueAzuriteAccount } from '../../support/azurite.js';
import type { DatabricksFake } from '../../support/databricks-fake.js';
import { column, tableModel } from '../../support/model-fixtures.js';
import { days, decimal, micros } from '../duckdb/load-fixtures.js';

export const everything: TableModel = tableModel('APP.EVERYTHING', [
  column('id', { kind: 'int64' }, false),
  column('big', { kind: 'int64' }),
  column('d4', { kind: 'decimal', precision: 4, scale: 2 }),
  column('d18', { kind: 'decimal', precision: 18, scale: 2 }),
  column('d38_0', { kind: 'decimal', precision: 38, scale: 0 }),
  column('d38_10', { kind: 'decimal', precision: 38, scale: 10 }),
  column('d38_38', { kind: 'decimal', precision: 38, scale: 38 }),
  column('ratio', { kind: 'float64' }),
  column('small', { kind: 'float32' }),
  column('flag', { kind: 'boolean' }),
  column('name', { kind: 'string' }),
  column('doc', { kind: 'json' }),
  column('span', { kind: 'interval' }),
  column('payload', { kind: 'bytes' }),
  column('day', { kind: 'date' }),
  column('local_at', { kind: 'datetime' }),
  column('utc_at', { kind: 'timestamp' }),
], ['id']);

export const UNICODE = 'ñandú 🦆 中文 Ω\u0000after NUL';
const NINES = '9'.repeat(38);

const plain = {
  big: 0, d4: decimal('0.01', 4, 2), d18: decimal('-0.01', 18, 2), d38_0: decimal('1', 38, 0),
  d38_10: decimal('0.0000000001', 38, 10), d38_38: decimal(`0.${'0'.repeat(37)}1`, 38, 38), flag: true,
  name: 'x', doc: '{}', span: 'P-1D', payload: Buffer.from([0x00]),
  day: days('1970-01-01'), local_at: micros('1970-01-01 00:00:00.000001'), utc_at: micros('1969-12-31 23:59:59.999999'),
};

/** Run r1: extremes, NULLs, and every special float in its own row. */
export const rows: Row[] = [
  {
    id: 1, big: 2n ** 63n - 1n, d4: decimal('99.99', 4, 2), d18: decimal('9999999999999999.99', 18, 2),
    d38_0: decimal(NINES, 38, 0), d38_10: decimal(`${NINES.slice(10)}.${NINES.slice(0, 10)}`, 38, 10), d38_38: decimal(`0.${NINES}`, 38, 38),
    ratio: 1.7976931348623157e308, small: 3.4028234663852886e38, flag: true,
    name: UNICODE, doc: '{"a":[1,2],"b":"ü"}', span: 'P1Y2M3DT4H5M6.789S', payload: Buffer.from([0x00, 0xff, 0x00]),
    day: days('9999-12-31'), local_at: micros('9999-12-31 23:59:59.999999'), utc_at: micros('9999-12-31 23:59:59.999999'),
  },
  {
    id: 2, big: -(2n ** 63n), d4: decimal('-99.99', 4, 2), d18: decimal('-9999999999999999.99', 18, 2),
    d38_0: decimal(`-${NINES}`, 38, 0), d38_10: decimal(`-${NINES.slice(10)}.${NINES.slice(0, 10)}`, 38, 10), d38_38: decimal(`-0.${NINES}`, 38, 38),
    ratio: -5e-324, small: -1.401298464324817e-45, flag: false,
    name: '', doc: 'null', span: 'PT0S', payload: Buffer.alloc(0),
    day: days('0001-01-01'), local_at: micros('0001-01-01 00:00:00'), utc_at: micros('0001-01-01 00:00:00'),
  },
  { id: 3, ...plain, ratio: 0.1, small: 0.1 },
  {
    id: 4, big: null, d4: null, d18: null, d38_0: null, d38_10: null, d38_38: null, ratio: null, small: null, flag: null,
    name: null, doc: null, span: null, payload: null, day: null, local_at: null, utc_at: null,
  },
  { id: 5, ...plain, ratio: Number.NaN, small: Number.POSITIVE_INFINITY },
  { id: 6, ...plain, ratio: -0, small: Number.NEGATIVE_INFINITY },
  { id: 7, ...plain, ratio: Number.NEGATIVE_INFINITY, small: -0 },
];

/**
 * Writes `rows` as DataPipe parts (deflate, the extractor's PartWriter) under
 * `<root>/<table>/run=<run>/part-0000-<seq>.avro`, one part per `rowsPerPart` rows. Returns the keys.
 */
export async function writeRun(root: string, run: string, partRows: Row[][]): Promise<string[]> {
  const store = new LocalStore(root);
  const keys: string[] = [];
  for (const [seq, part] of partRows.entries()) {
    const key = `${everything.name}/run=${run}/part-0000-${String(seq).padStart(6, '0')}.avro`;
    const writer = new PartWriter({ store, schema: modelToAvsc(everything), codec: 'deflate', partSizeBytes: 1 << 30, keyFor: () => key });
    await writer.write(part);
    await writer.close();
    keys.push(key);
  }
  return keys;
}

export interface StatementResponse {
  statement_id: string;
  status: { state: string; error?: { error_code: string; message: string }; sql_state?: string };
  manifest?: {
    format: string;
    schema: { column_count: number; columns: { name: string; type_name: string; type_text: string; position: number; type_precision?: number; type_scale?: number }[] };
    total_chunk_count: number;
    total_row_count: number;
    truncated: boolean;
    chunks?: { chunk_index: number; row_offset: number; row_count: number }[];
  };
  result?: { chunk_index?: number; row_offset?: number; row_count?: number; data_array?: (string | null)[][]; next_chunk_index?: number; next_chunk_internal_link?: string };
}

/** One call of the API with the fake's token (or `token`), answering status and JSON. */
export async function api(fake: DatabricksFake, method: string, path: string, body?: unknown, token: string | null = fake.token): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${fake.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

/** POST /api/2.0/sql/statements, waiting up to 50 s (the API's longest synchronous wait). */
export async function execute(fake: DatabricksFake, statement: string, extra: Record<string, unknown> = {}): Promise<StatementResponse> {
  const { status, json } = await api(fake, 'POST', '/api/2.0/sql/statements', {
    warehouse_id: fake.warehouseId, statement, wait_timeout: '50s', ...extra,
  });
  if (status !== 200) throw new Error(`HTTP ${status}: ${JSON.stringify(json)}`);
  return json as StatementResponse;
}

export interface AzuriteBlob {
  /** `http://127.0.0.1:<port>/<account>`: the blob endpoint of the suite's own account. */
  endpoint: string;
  account: string;
  /** Uploads local files to a container with public read access (how the fake reads it). */
  upload(container: string, files: { key: string; path: string }[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Azurite (test/support/azurite.ts) with one storage account of its own, so suites sharing one
 * Databricks fake never mix their storage; containers are made readable without credentials.
 */
export async function startAzuriteBlob(): Promise<AzuriteBlob> {
  const account = uniqueAzuriteAccount();
  const azurite = await startAzurite({ account });
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString());
  return {
    endpoint: azurite.accountUrl,
    account: account.name,
    stop: azurite.stop,
    upload: async (container, files) => {
      const client = service.getContainerClient(container);
      await client.createIfNotExists({ access: 'container' });
      for (const file of files) await client.getBlockBlobClient(file.key).uploadFile(file.path);
    },
  };
}
