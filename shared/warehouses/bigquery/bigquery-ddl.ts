/**
 * The target's DDL as text, for `datapipe generate schema` on gcp (`schemas/<table>.sql`): the
 * table the loader's ensureTable creates, for review or for creating it by hand. Deterministic:
 * the same model and config always give the same bytes.
 */
import type { DestinationConfig, TableSpec } from '../../config/config-schema.js';
import { TerminalError } from '../../errors.js';
import { findColumn, type CanonicalKind, type TableModel } from '../../model/column.js';
import { checkDatasetRef, quoteIdentifier, tableRef, type DatasetRef } from './bigquery-names.js';
import {
  bigQuerySchema, bigQueryTypeText, describeTable, tableLayout, type BigQueryTableLayout, type PartitionGranularity,
} from './bigquery-schema.js';

/** Used when destination.gcp.partition_granularity is absent. */
export const DEFAULT_PARTITION_GRANULARITY: PartitionGranularity = 'DAY';

/**
 * `CREATE TABLE IF NOT EXISTS … PARTITION BY … CLUSTER BY … OPTIONS(description=…);` for the
 * model, in the dataset, with the layout tableLayout chose.
 */
export function bigQueryTableDdl(model: TableModel, dataset: DatasetRef, layout: BigQueryTableLayout): string {
  const fields = bigQuerySchema(model).map((field) => {
    const notNull = field.mode === 'REQUIRED' ? ' NOT NULL' : '';
    const options = field.description === undefined ? '' : ` OPTIONS(description=${stringLiteral(field.description)})`;
    return `  ${quoteIdentifier(field.name)} ${bigQueryTypeText(field)}${notNull}${options}`;
  });
  const lines = [`CREATE TABLE IF NOT EXISTS ${tableRef(dataset, model.name)} (`, fields.join(',\n'), ')'];
  if (layout.timePartitioning) {
    const { field, type } = layout.timePartitioning;
    const kind = model.columns.find((c) => c.name === field)?.type.kind;
    lines.push(`PARTITION BY ${partitionExpression(quoteIdentifier(field), kind, type)}`);
  }
  if (layout.clustering) lines.push(`CLUSTER BY ${layout.clustering.fields.map(quoteIdentifier).join(', ')}`);
  lines.push(`OPTIONS(description=${stringLiteral(describeTable(model))});`);
  return `${lines.join('\n')}\n`;
}

/**
 * The DDL file `generate schema` writes for a table on gcp: partitioned as the loader will
 * partition it (incremental loads on their partition_column; full loads unpartitioned).
 */
export function bigQueryDdlFile(model: TableModel, spec: TableSpec, destination: DestinationConfig): string {
  const gcp = destination.gcp;
  if (!gcp) throw new TerminalError('destination.gcp: missing — add `gcp: { project_id, dataset, bucket, location }`');
  const dataset = checkDatasetRef({ projectId: gcp.project_id, datasetId: gcp.dataset });
  const partition = spec.load_mode === 'incremental' && spec.partition_column ? findColumn(model, spec.partition_column)?.name ?? null : null;
  const layout = tableLayout(model, partition, gcp.partition_granularity ?? DEFAULT_PARTITION_GRANULARITY);
  return bigQueryTableDdl(model, dataset, layout);
}

/**
 * The PARTITION BY expressions BigQuery accepts for time-unit partitioning: a DATE column itself
 * or DATE_TRUNC(date, MONTH|YEAR), DATETIME_TRUNC / TIMESTAMP_TRUNC(column, DAY|HOUR|MONTH|YEAR)
 * (https://cloud.google.com/bigquery/docs/reference/standard-sql/data-definition-language#partition_expression).
 */
function partitionExpression(column: string, kind: CanonicalKind | undefined, granularity: PartitionGranularity): string {
  if (kind === 'date') return granularity === 'DAY' ? column : `DATE_TRUNC(${column}, ${granularity})`;
  if (kind === 'datetime') return `DATETIME_TRUNC(${column}, ${granularity})`;
  return `TIMESTAMP_TRUNC(${column}, ${granularity})`;
}

/**
 * A GoogleSQL double-quoted string literal: backslash, quote and control characters escaped
 * (https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical#string_and_bytes_literals).
 */
export function stringLiteral(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
  const escaped = text.replace(/[\\"\u0000-\u001f\u007f]/g, (char) => {
    switch (char) {
      case '\\': return '\\\\';
      case '"': return '\\"';
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\t': return '\\t';
      default: return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  });
  return `"${escaped}"`;
}
