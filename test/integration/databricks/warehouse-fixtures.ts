/**
 * What the Databricks warehouse suites share: DataPipe parts written with the extractor's own
 * PartWriter where the FAKE reads `abfss://` URIs (its abfss root), the load requests that list
 * them, and the warehouse opened against the fake through its real HTTP client.
 */
import { modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { PartWriter } from '../../../shared/avro/part-writer.js';
import type { AzureDestination } from '../../../shared/config/config-schema.js';
import { silentLogger, type Logger } from '../../../shared/log.js';
import type { Row, TableModel } from '../../../shared/model/column.js';
import { LocalStore } from '../../../shared/stores/local/local-store.js';
import { openDatabricksWarehouse, type DatabricksWarehouse, type DatabricksWarehouseOptions } from '../../../shared/warehouses/databricks/databricks-warehouse.js';
import type { LoadMode, LoadRequest, StagedPart } from '../../../shared/warehouses/warehouse.js';
import type { DatabricksFake } from '../../support/databricks-fake.js';
import { column, tableModel } from '../../support/model-fixtures.js';
import { previousRun } from '../duckdb/load-fixtures.js';

export const ACCOUNT = 'datapipewh';
export const CONTAINER = 'staging';

/** Where a suite's parts live: `<prefix>/<table>/run=<R>/…` in the fake's account and container. */
export class FakeStaging {
  constructor(private readonly fake: DatabricksFake, readonly prefix: string) {}

  /** The abfss:// URI of a key, as the azure store's `uri(key)` gives it. */
  uri(key: string): string {
    return `abfss://${CONTAINER}@${ACCOUNT}.dfs.core.windows.net/${key}`;
  }

  key(model: TableModel, runId: string, name: string): string {
    return `${this.prefix}/${model.name}/run=${runId}/${name}`;
  }

  /** Writes each array of rows as one real AVRO part (deflate), `part-0000-a-<n>.avro`, and lists them as a manifest does. */
  async writeParts(model: TableModel, runId: string, parts: Row[][], attempt = 'a'): Promise<StagedPart[]> {
    const store = new LocalStore(`${this.fake.abfssRoot}/${ACCOUNT}/${CONTAINER}`);
    const staged: StagedPart[] = [];
    for (const [seq, rows] of parts.entries()) {
      const key = this.key(model, runId, `part-0000-${attempt}-${String(seq).padStart(6, '0')}.avro`);
      const writer = new PartWriter({ store, schema: modelToAvsc(model), codec: 'deflate', partSizeBytes: 1 << 30, keyFor: () => key });
      await writer.write(rows);
      const [info] = await writer.close();
      if (!info) throw new Error('the part writer returned no part');
      staged.push({ key, uri: this.uri(key), rows: info.rows, bytes: info.bytes });
    }
    return staged;
  }
}

export interface RequestOptions {
  mode?: LoadMode;
  baseRunId?: string | null;
  partitionColumn?: string | null;
  expectedRows?: number;
  watermark?: string | null;
}

/** The load request of run `runId` (r1, r2, …: each continues the one before unless told). */
export function loadRequest(model: TableModel, runId: string, parts: StagedPart[], options: RequestOptions = {}): LoadRequest {
  return {
    model,
    mode: options.mode ?? 'incremental',
    runId,
    baseRunId: options.baseRunId !== undefined ? options.baseRunId : previousRun(runId),
    partitionColumn: options.partitionColumn === undefined ? null : options.partitionColumn,
    parts,
    expectedRows: options.expectedRows ?? parts.reduce((sum, p) => sum + p.rows, 0),
    watermark: options.watermark === undefined ? null : options.watermark,
    openPart: () => Promise.reject(new Error('Databricks reads the parts itself; the loader never streams them')),
  };
}

/** destination.azure for the fake: its warehouse id, its token, catalog main, the suite's schema. */
export function fakeDestination(fake: DatabricksFake, schema: string, databricks: Partial<AzureDestination['databricks']> = {}): AzureDestination {
  return {
    account_url: `https://${ACCOUNT}.blob.core.windows.net`,
    container: CONTAINER,
    databricks: {
      host: new URL(fake.url).host, http_path: `/sql/1.0/warehouses/${fake.warehouseId}`, token: fake.token, catalog: 'main', schema, ...databricks,
    },
  };
}

/** The warehouse over the fake, through its real HTTP client (plain http:// to the fake). */
export function openFakeWarehouse(fake: DatabricksFake, schema: string, options: DatabricksWarehouseOptions & { log?: Logger; databricks?: Partial<AzureDestination['databricks']> } = {}): Promise<DatabricksWarehouse> {
  const { log = silentLogger, databricks, ...rest } = options;
  return openDatabricksWarehouse(fakeDestination(fake, schema, databricks), log, { baseUrl: fake.url, ...rest });
}

/** Orders: one key, a datetime partition column, a decimal(38,9), a float and a string. */
export const orders: TableModel = tableModel('APP.ORDERS', [
  column('id', { kind: 'int64' }, false),
  column('updated_at', { kind: 'datetime' }),
  column('amount', { kind: 'decimal', precision: 38, scale: 9 }),
  column('ratio', { kind: 'float64' }),
  column('note', { kind: 'string' }),
], ['id']);

/** Lines: a composite key whose second column the source declares nullable (so a part can carry a NULL key). */
export const lines: TableModel = tableModel('APP.LINES', [
  column('order_id', { kind: 'int64' }, false),
  column('line_no', { kind: 'int64' }),
  column('qty', { kind: 'int64' }),
], ['order_id', 'line_no']);
