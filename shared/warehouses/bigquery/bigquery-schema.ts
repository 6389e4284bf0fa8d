import { TerminalError } from '../../errors.js';
import type { CanonicalType, Column, TableModel } from '../../model/column.js';

/** One field of a BigQuery table schema (the JSON `bq mk --schema` and the API accept). */
export interface BigQueryField {
  name: string;
  type: 'INT64' | 'NUMERIC' | 'BIGNUMERIC' | 'STRING' | 'FLOAT64' | 'BYTES' | 'DATE' | 'DATETIME' | 'TIMESTAMP' | 'BOOL' | 'JSON';
  mode: 'NULLABLE' | 'REQUIRED';
  description?: string;
  /** Parameterised NUMERIC / BIGNUMERIC (strings, as the REST API spells int64). */
  precision?: string;
  scale?: string;
}

/**
 * The BigQuery schema of a table (docs/types.md, canonical → warehouse). Decimals take NUMERIC while
 * scale ≤ 9 and integer digits ≤ 29, BIGNUMERIC while both fit 38, else STRING — the same
 * choice the load job makes with decimalTargetTypes [NUMERIC, BIGNUMERIC, STRING]
 * (https://cloud.google.com/bigquery/docs/loading-data-cloud-storage-avro#decimal_logical_type).
 * Primary-key columns are REQUIRED: the loader refuses a NULL key, so the table states it.
 */
export function bigQuerySchema(model: TableModel): BigQueryField[] {
  const keys = new Set(model.primaryKeys);
  return model.columns.map((column) => ({
    name: column.name,
    ...bigQueryType(column.type),
    mode: column.nullable && !keys.has(column.name) ? 'NULLABLE' : 'REQUIRED',
    description: describeColumn(column),
  }));
}

/**
 * The stage table's schema: the target's types, every column NULLABLE, so a NULL key reaches the
 * stage check that names it instead of failing the load job with a bare "missing required field".
 */
export function stageSchema(model: TableModel): BigQueryField[] {
  return bigQuerySchema(model).map(({ description: _description, ...field }) => ({ ...field, mode: 'NULLABLE' }));
}

/** A field's type as DDL spells it: `INT64`, `NUMERIC(18, 2)`. */
export function bigQueryTypeText(field: Pick<BigQueryField, 'type' | 'precision' | 'scale'>): string {
  return field.precision === undefined ? field.type : `${field.type}(${field.precision}, ${field.scale ?? '0'})`;
}

/** The BigQuery type of a canonical type (see bigQuerySchema for the decimal rule). */
export function bigQueryType(type: CanonicalType): Pick<BigQueryField, 'type' | 'precision' | 'scale'> {
  switch (type.kind) {
    case 'int64': return { type: 'INT64' };
    case 'decimal': {
      const { precision, scale } = type;
      if (scale <= 9 && precision - scale <= 29) return { type: 'NUMERIC', precision: String(precision), scale: String(scale) };
      if (scale <= 38 && precision - scale <= 38) return { type: 'BIGNUMERIC', precision: String(precision), scale: String(scale) };
      return { type: 'STRING' };
    }
    case 'float32':
    case 'float64': return { type: 'FLOAT64' };
    case 'bytes': return { type: 'BYTES' };
    case 'date': return { type: 'DATE' };
    case 'datetime': return { type: 'DATETIME' };
    case 'timestamp': return { type: 'TIMESTAMP' };
    case 'boolean': return { type: 'BOOL' };
    // JSON text loads into STRING from AVRO; PARSE_JSON in a view gives a JSON column when wanted.
    case 'json':
    case 'interval':
    case 'string': return { type: 'STRING' };
  }
}

/** `<source name> <source type>`, plus the type decision when one was made. */
export function describeColumn(column: Column): string {
  const base = `${column.sourceName} ${column.sourceType}`;
  return column.decision ? `${base}; ${column.decision}` : base;
}

/** The target table's description: where its rows come from. */
export function describeTable(model: TableModel): string {
  return `${model.sourceSchema}.${model.sourceName}, loaded by DataPipe`;
}

/** Time-unit partitioning granularity (destination.gcp.partition_granularity). */
export const PARTITION_GRANULARITIES = ['DAY', 'HOUR', 'MONTH', 'YEAR'] as const;
/** One of PARTITION_GRANULARITIES. */
export type PartitionGranularity = (typeof PARTITION_GRANULARITIES)[number];

/** How a new target table is laid out; BigQuery cannot change either after creation. */
export interface BigQueryTableLayout {
  timePartitioning?: { type: PartitionGranularity; field: string };
  clustering?: { fields: string[] };
  /** Why the partition column does not partition the table, when it does not. */
  note?: string;
}

/**
 * Clustering takes at most four columns, of these types only: FLOAT64 and BYTES cannot cluster
 * (https://cloud.google.com/bigquery/docs/creating-clustered-tables#limitations).
 */
const MAX_CLUSTERING_COLUMNS = 4;
const CLUSTERABLE = new Set<BigQueryField['type']>(['INT64', 'NUMERIC', 'BIGNUMERIC', 'STRING', 'DATE', 'DATETIME', 'TIMESTAMP', 'BOOL']);

/**
 * The layout of a new target: time-partitioned on the partition column when it is a DATE,
 * DATETIME or TIMESTAMP (a DATE has no hours, so HOUR becomes DAY there); an int64 partition
 * column leaves the table unpartitioned, as integer-range partitioning needs bounds DataPipe cannot
 * know. Clustered on the first four primary-key columns of a clusterable type, in key order.
 */
export function tableLayout(model: TableModel, partitionColumn: string | null, granularity: PartitionGranularity): BigQueryTableLayout {
  const layout: BigQueryTableLayout = {};
  if (partitionColumn !== null) {
    const column = model.columns.find((c) => c.name === partitionColumn);
    if (!column) throw new TerminalError(`table ${model.name}: partition column ${partitionColumn} is not one of its columns`);
    const kind = column.type.kind;
    if (kind === 'date') {
      layout.timePartitioning = { type: granularity === 'HOUR' ? 'DAY' : granularity, field: column.name };
      if (granularity === 'HOUR') layout.note = `partition column ${column.name} is a DATE: partitioned by DAY, not HOUR`;
    } else if (kind === 'datetime' || kind === 'timestamp') {
      layout.timePartitioning = { type: granularity, field: column.name };
    } else {
      layout.note = `partition column ${column.name} is ${kind}: the table is not partitioned (BigQuery partitions by time, or by integer ranges DataPipe cannot know)`;
    }
  }
  const types = new Map(bigQuerySchema(model).map((f) => [f.name, f.type]));
  const fields = model.primaryKeys.filter((k) => CLUSTERABLE.has(types.get(k) ?? 'FLOAT64')).slice(0, MAX_CLUSTERING_COLUMNS);
  if (fields.length > 0) layout.clustering = { fields };
  return layout;
}
