/**
 * The target's DDL (what ensureTable creates and `generate schema` writes as `schemas/<t>.sql`),
 * `_datapipe_loads`, and the catalog query that describes an existing target. Deterministic: the
 * same model and config always give the same bytes.
 *
 * Layout (https://docs.aws.amazon.com/redshift/latest/dg/t_Distributing_data.html,
 * https://docs.aws.amazon.com/redshift/latest/dg/t_Sorting_data.html):
 * - DISTKEY on the first primary-key column. Every incremental load MERGEs on the key, and
 *   AWS's upsert guide distributes target and staging table on the join key
 *   (https://docs.aws.amazon.com/redshift/latest/dg/merge-create-staging-table.html), so the
 *   target's rows for a key sit on one slice and only the (smaller) deduplicated stage moves.
 *   Caveat: a composite key whose first column has few values (a country code) skews slices;
 *   change the table's DISTKEY by hand (ALTER TABLE … ALTER DISTKEY) — ensureTable never alters.
 *   A table without keys gets DISTSTYLE AUTO.
 * - SORTKEY on the partition column of incremental tables: each run's window and most queries
 *   restrict that column, so zone maps skip blocks, and new rows arrive roughly in its order, which
 *   keeps the unsorted region small. Full tables get SORTKEY AUTO.
 * - PRIMARY KEY is declared: Redshift does not enforce it, the planner uses it
 *   (https://docs.aws.amazon.com/redshift/latest/dg/t_Defining_constraints.html); the loader
 *   guarantees one row per key itself. Key columns are NOT NULL.
 */
import type { DestinationConfig, TableSpec } from '../../config/config-schema.js';
import { TerminalError } from '../../errors.js';
import { findColumn, type TableModel } from '../../model/column.js';
import { columnDefinitions, createLoadsTableSql, LOADS_TABLE } from '../sql/load-sql.js';
import { requireColumn } from '../sql/sql-text.js';
import { quoteIdentifier as q, REDSHIFT_DIALECT } from './redshift-dialect.js';

/** `"schema"."table"`. */
export function tableRef(schema: string, table: string): string {
  return `${q(schema)}.${q(table)}`;
}

/** `CREATE TABLE IF NOT EXISTS` of the target in `schema`, with the layout above. */
export function createTargetSql(model: TableModel, schema: string, partitionColumn: string | null): string {
  const columns = columnDefinitions(model, REDSHIFT_DIALECT);
  const keys = model.primaryKeys.map((k) => q(requireColumn(model, k, 'primary key').name));
  if (keys.length > 0) columns.push(`  PRIMARY KEY (${keys.join(', ')})`);
  const layout = [
    keys.length > 0 ? `DISTKEY (${keys[0]})` : 'DISTSTYLE AUTO',
    partitionColumn ? `SORTKEY (${q(requireColumn(model, partitionColumn, 'partition').name)})` : 'SORTKEY AUTO',
  ];
  return `CREATE TABLE IF NOT EXISTS ${tableRef(schema, model.name)} (\n${columns.join(',\n')}\n)\n${layout.join('\n')}`;
}

/** `_datapipe_loads` in `schema`. */
export function createLoadsSql(schema: string): string {
  return createLoadsTableSql(tableRef(schema, LOADS_TABLE), REDSHIFT_DIALECT);
}

/**
 * The DDL file `generate schema` writes for a table on aws: the target as the loader creates it
 * (sorted on the partition column for incremental loads).
 */
export function redshiftDdlFile(model: TableModel, spec: TableSpec, destination: DestinationConfig): string {
  const redshift = destination.aws?.redshift;
  if (!redshift) throw new TerminalError('destination.aws: missing — add `aws: { region, bucket, redshift: { … } }`');
  const partition = spec.load_mode === 'incremental' && spec.partition_column ? findColumn(model, spec.partition_column)?.name ?? null : null;
  return `${createTargetSql(model, redshift.schema, partition)};\n`;
}

/**
 * The columns of an existing table (parameters `schema_name`, `table_name`), in order, as
 * information_schema reports them; lengths and numeric sizes as text, never through a float.
 */
export function describeTargetSql(): string {
  return [
    'SELECT column_name, data_type, CAST(numeric_precision AS VARCHAR(20)) AS numeric_precision,',
    '  CAST(numeric_scale AS VARCHAR(20)) AS numeric_scale',
    'FROM information_schema.columns',
    'WHERE table_schema = :schema_name AND table_name = :table_name',
    'ORDER BY ordinal_position',
  ].join('\n');
}
