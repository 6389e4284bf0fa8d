/**
 * The tables the Databricks warehouse creates, as DDL: targets (Delta, keys NOT NULL, liquid
 * clustering on the primary keys) and `_datapipe_loads`. The same text is `schemas/<table>.sql`
 * (`datapipe generate schema` on azure), for review or to create a table by hand. Deterministic:
 * the same model always gives the same bytes.
 * https://learn.microsoft.com/azure/databricks/sql/language-manual/sql-ref-syntax-ddl-create-table-using
 */
import type { DestinationConfig } from '../../config/config-schema.js';
import { TerminalError } from '../../errors.js';
import type { CanonicalKind, Column, TableModel } from '../../model/column.js';
import { columnDefinitions, createLoadsTableSql } from '../sql/load-sql.js';
import { DATABRICKS_DIALECT } from './databricks-dialect.js';
import { checkSchemaRef, quoteIdentifier, tableRef, type SchemaRef } from './databricks-names.js';

/**
 * Liquid clustering takes at most four keys, each a column Delta collects statistics for: one of
 * the first 32 columns (delta.dataSkippingNumIndexedCols) of a type with min/max statistics —
 * not BINARY or BOOLEAN. https://learn.microsoft.com/azure/databricks/delta/clustering#choose-clustering-keys
 */
const MAX_CLUSTERING_KEYS = 4;
const STATS_COLUMNS = 32;
const UNCLUSTERABLE = new Set<CanonicalKind>(['bytes', 'boolean']);

/** How a new target is laid out. */
export interface DatabricksTableLayout {
  /** Liquid clustering keys: the primary keys that can cluster, in key order. */
  clusterBy: string[];
  /** Why some key columns do not cluster the table, when they do not. */
  note?: string;
}

/**
 * Clustered by the primary keys, never partitioned: every load MERGEs ON the keys, so files
 * clustered by them let the MERGE skip files that hold none of the staged keys, and Databricks
 * advises liquid clustering over partitioning for new tables (partitions smaller than about 1 GB
 * only slow reads down). The partition column orders the deduplication only.
 * https://learn.microsoft.com/azure/databricks/tables/partitions
 */
export function tableLayout(model: TableModel): DatabricksTableLayout {
  const position = new Map(model.columns.map((c, i) => [c.name, i]));
  const keys = model.primaryKeys.map((k) => model.columns.find((c) => c.name === k)).filter((c): c is Column => c !== undefined);
  const usable = keys.filter((c) => !UNCLUSTERABLE.has(c.type.kind) && (position.get(c.name) ?? STATS_COLUMNS) < STATS_COLUMNS);
  const clusterBy = usable.slice(0, MAX_CLUSTERING_KEYS).map((c) => c.name);
  const left = keys.map((c) => c.name).filter((name) => !clusterBy.includes(name));
  if (left.length === 0) return { clusterBy };
  return {
    clusterBy,
    note: `primary-key column${left.length > 1 ? 's' : ''} ${left.join(', ')} do${left.length > 1 ? '' : 'es'} not cluster the table ` +
      '(liquid clustering takes four keys, among the first 32 columns, not BINARY or BOOLEAN)',
  };
}

/** `CREATE TABLE IF NOT EXISTS <target> (…) USING DELTA CLUSTER BY (…) COMMENT '…'`, without a final semicolon. */
export function createTargetSql(model: TableModel, target: string): string {
  const definitions = columnDefinitions(model, DATABRICKS_DIALECT);
  const columns = model.columns.map((column, i) => `${definitions[i]} COMMENT ${stringLiteral(describeColumn(column))}`);
  const lines = [`CREATE TABLE IF NOT EXISTS ${target} (`, columns.join(',\n'), ')', 'USING DELTA'];
  const { clusterBy } = tableLayout(model);
  if (clusterBy.length > 0) lines.push(`CLUSTER BY (${clusterBy.map(quoteIdentifier).join(', ')})`);
  lines.push(`COMMENT ${stringLiteral(`${model.sourceSchema}.${model.sourceName}, loaded by DataPipe`)}`);
  return lines.join('\n');
}

/** `_datapipe_loads`, a Delta table like the targets. */
export function createLoadsSql(loads: string): string {
  return `${createLoadsTableSql(loads, DATABRICKS_DIALECT)}\nUSING DELTA`;
}

/** `schemas/<table>.sql` on azure: the target as the loader creates it, in the configured catalog and schema. */
export function databricksDdlFile(model: TableModel, destination: DestinationConfig): string {
  const databricks = destination.azure?.databricks;
  if (!databricks) throw new TerminalError('destination.azure.databricks: missing — add `databricks: { host, http_path, token, catalog, schema }`');
  const ref: SchemaRef = checkSchemaRef({ catalog: databricks.catalog, schema: databricks.schema });
  return `${createTargetSql(model, tableRef(ref, model.name))};\n`;
}

/** `<source name> <source type>`, plus the type decision when one was made. */
function describeColumn(column: Column): string {
  const base = `${column.sourceName} ${column.sourceType}`;
  return column.decision ? `${base}; ${column.decision}` : base;
}

/**
 * A Databricks SQL string literal: backslash escapes on, as by default
 * (https://learn.microsoft.com/azure/databricks/sql/language-manual/data-types/string-type).
 */
export function stringLiteral(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
  const escaped = text.replace(/[\\'\u0000-\u001f\u007f]/g, (char) => {
    switch (char) {
      case '\\': return '\\\\';
      case '\'': return '\\\'';
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\t': return '\\t';
      default: return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  });
  return `'${escaped}'`;
}
