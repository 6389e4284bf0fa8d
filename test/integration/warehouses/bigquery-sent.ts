/**
 * Everything the BigQuery warehouse sends, recorded: the REAL warehouse (shared/warehouses/bigquery)
 * drives the real @google-cloud/bigquery client against the FAKE BigQuery REST API
 * (test/support/bigquery-recorder.ts) through ensureTable, an incremental and a full load, and
 * latestLoad, for table models covering every canonical type and the edge shapes. The recording
 * gives each query job's exact SQL and typed parameters, and each tables.insert's schema — what
 * bigquery-zetasql.test.ts hands to ZetaSQL.
 */
import type { GcpDestination } from '../../../shared/config/config-schema.js';
import { silentLogger } from '../../../shared/log.js';
import type { TableModel } from '../../../shared/model/column.js';
import type { BigQueryField } from '../../../shared/warehouses/bigquery/bigquery-schema.js';
import { openBigQueryWarehouse } from '../../../shared/warehouses/bigquery/bigquery-warehouse.js';
import type { LoadMode } from '../../../shared/warehouses/warehouse.js';
import { BigQueryFake } from '../../support/bigquery-recorder.js';
import { column, lineas, tableModel, ventas } from '../../support/model-fixtures.js';

export const DESTINATION: GcpDestination = { project_id: 'proj-test', dataset: 'raw', bucket: 'stage-bucket', location: 'us-central1' };

/** A model and how it is loaded: its partition column (null: none), and whether it has keys to merge by. */
export interface LoadedModel {
  model: TableModel;
  partitionColumn: string | null;
  modes: LoadMode[];
  /** The stage check finds every key once, so the change reads the stage as it is; else one key is staged twice. */
  keysUnique?: boolean;
}

/** Every canonical type, and decimals on each side of BigQuery's NUMERIC / BIGNUMERIC / STRING rule. */
const everyType = tableModel('APP.TIPOS', [
  column('id', { kind: 'int64' }, false),
  column('flag', { kind: 'boolean' }),
  column('small', { kind: 'float32' }),
  column('ratio', { kind: 'float64' }),
  column('d18_2', { kind: 'decimal', precision: 18, scale: 2 }),
  column('d38_9', { kind: 'decimal', precision: 38, scale: 9 }),
  column('d38_10', { kind: 'decimal', precision: 38, scale: 10 }),
  column('d38_38', { kind: 'decimal', precision: 38, scale: 38 }),
  column('d76_38', { kind: 'decimal', precision: 76, scale: 38 }),
  column('d80_0', { kind: 'decimal', precision: 80, scale: 0 }),
  column('d50_40', { kind: 'decimal', precision: 50, scale: 40 }),
  column('name', { kind: 'string' }, false),
  column('doc', { kind: 'json' }),
  column('span', { kind: 'interval' }),
  column('payload', { kind: 'bytes' }),
  column('day', { kind: 'date' }),
  column('local_at', { kind: 'datetime' }),
  column('utc_at', { kind: 'timestamp' }),
], ['id']);

/**
 * GoogleSQL reserved keywords as the table's and every column's name, one column named like the
 * table, and columns named like the aliases the statements use (`target`, `source`, `staged`, `one`).
 */
const reserved = tableModel('APP.SELECT', [
  column('from', { kind: 'int64' }, false),
  column('where', { kind: 'string' }),
  column('order', { kind: 'timestamp' }),
  column('group', { kind: 'decimal', precision: 18, scale: 2 }),
  column('limit', { kind: 'float64' }),
  column('qualify', { kind: 'string' }),
  column('merge', { kind: 'boolean' }),
  column('null', { kind: 'date' }),
  column('partition', { kind: 'int64' }, false),
  column('hash', { kind: 'bytes' }),
  column('target', { kind: 'string' }),
  column('source', { kind: 'string' }),
  column('staged', { kind: 'int64' }),
  column('one', { kind: 'int64' }),
  column('select', { kind: 'string' }),
], ['from', 'where']);

/** Only key columns: a MERGE with nothing to update, a dedup with nothing to order by. */
const allKeys = tableModel('APP.ETIQUETAS', [
  column('producto', { kind: 'int64' }, false),
  column('etiqueta', { kind: 'string' }, false),
], ['producto', 'etiqueta']);

/** No primary key: full loads only, every staged row kept. */
const keyless = tableModel('APP.EVENTOS', [
  column('momento', { kind: 'timestamp' }),
  column('detalle', { kind: 'string' }),
  column('importe', { kind: 'decimal', precision: 38, scale: 2 }),
], []);

export const MODELS: LoadedModel[] = [
  { model: ventas, partitionColumn: 'fecha_venta', modes: ['incremental', 'full'] },
  { model: lineas, partitionColumn: 'cambiado', modes: ['incremental', 'full'] },
  { model: everyType, partitionColumn: 'day', modes: ['incremental', 'full'] },
  { model: reserved, partitionColumn: 'order', modes: ['incremental', 'full'] },
  { model: allKeys, partitionColumn: null, modes: ['incremental', 'full'] },
  { model: keyless, partitionColumn: null, modes: ['full'] },
  // An int64 partition column leaves the table unpartitioned (bigquery-schema.ts tableLayout) but still orders the dedup.
  { model: { ...ventas, name: 'ventas_por_linea' }, partitionColumn: 'id_venta', modes: ['incremental'] },
  { model: { ...ventas, name: 'ventas_unicas' }, partitionColumn: 'fecha_venta', modes: ['incremental', 'full'], keysUnique: true },
];

/** A query job as sent: what it is for (`ventas check incremental`), its SQL, its parameters' types. */
export interface SentQuery {
  id: string;
  table: string;
  kind: string;
  mode: LoadMode | null;
  sql: string;
  params: Record<string, string>;
}

/** A table as tables.insert created it. */
export interface SentTable {
  tableId: string;
  fields: BigQueryField[];
}

type QueryInsert = { jobReference: { jobId: string }; configuration: { query?: { query: string; queryParameters?: { name: string; parameterType: { type: string } }[] } } };

/** Runs every model's loads through the real warehouse against a fresh fake; what it sent. */
export async function recordWhatBigQueryIsSent(): Promise<{ queries: SentQuery[]; tables: SentTable[] }> {
  const fake = await BigQueryFake.start();
  fake.datasets.set(`${DESTINATION.project_id}:${DESTINATION.dataset}`, { location: DESTINATION.location });
  const queries: SentQuery[] = [];
  let suffix = 0;
  const warehouse = await openBigQueryWarehouse(DESTINATION, silentLogger, {
    apiEndpoint: fake.url, pollIntervalMs: 1, jobSuffix: () => `s${suffix++}`, sleep: async () => {},
  });
  /** The query jobs inserted since request `from`, labelled. */
  const sentSince = (from: number, table: string, mode: LoadMode | null): void => {
    for (const request of fake.requests.slice(from)) {
      if (request.method !== 'POST' || !/\/jobs$/.test(request.path)) continue;
      const insert = request.body as QueryInsert;
      if (!insert.configuration.query) continue;
      const kind = /^datapipe_([a-z]+)_/.exec(insert.jobReference.jobId)?.[1] ?? 'unknown';
      const params = Object.fromEntries((insert.configuration.query.queryParameters ?? []).map((p) => [p.name, p.parameterType.type]));
      queries.push({ id: [table, kind, mode].filter(Boolean).join(' '), table, kind, mode, sql: insert.configuration.query.query, params });
    }
  };
  try {
    for (const { model, partitionColumn, modes, keysUnique } of MODELS) {
      await warehouse.ensureTable(model, partitionColumn);
      let base: string | null = null;
      for (const mode of modes) {
        const runId = `20260501T0000${mode === 'full' ? '01' : '00'}Z`;
        const parts = [0, 1].map((i) => ({ key: `p/${model.name}/run=${runId}/part-${i}.avro`, uri: `gs://stage-bucket/p/${model.name}/run=${runId}/part-${i}.avro`, rows: 3, bytes: 100 }));
        fake.answer(/AS `staged`/, { rows: [{ staged: 6, deduplicated: keysUnique ? 6 : 5 }] });
        const from = fake.requests.length;
        await warehouse.load({
          model, mode, runId, baseRunId: base, partitionColumn, parts, expectedRows: 6, watermark: mode === 'full' ? null : '2026-05-01 00:00:00',
          openPart: async () => { throw new Error('BigQuery loads from gs:// URIs; parts are never read through the client'); },
        });
        sentSince(from, model.name, mode);
        base = runId;
      }
      const from = fake.requests.length;
      await warehouse.latestLoad(model.name);
      sentSince(from, model.name, null);
    }
  } finally {
    await warehouse.close();
    await fake.close();
  }
  const tables = fake.requests
    .filter((r) => r.method === 'POST' && /\/tables$/.test(r.path))
    .map((r) => r.body as { tableReference: { tableId: string }; schema: { fields: BigQueryField[] } })
    .map((body) => ({ tableId: body.tableReference.tableId, fields: body.schema.fields }));
  return { queries, tables };
}
