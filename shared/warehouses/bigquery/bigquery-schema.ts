import type { CanonicalType, Column, TableModel } from '../../model/column.js';

/** One field of a BigQuery table schema (the JSON `bq mk --schema` and the API accept). */
export interface BigQueryField {
  name: string;
  type: 'INT64' | 'NUMERIC' | 'BIGNUMERIC' | 'STRING' | 'FLOAT64' | 'BYTES' | 'DATE' | 'DATETIME' | 'TIMESTAMP' | 'BOOL' | 'JSON';
  mode: 'NULLABLE' | 'REQUIRED';
  description: string;
  /** Parameterised NUMERIC / BIGNUMERIC (strings, as the REST API spells int64). */
  precision?: string;
  scale?: string;
}

/**
 * The BigQuery schema of a table (types.md, canonical → warehouse). Decimals take NUMERIC while
 * scale ≤ 9 and integer digits ≤ 29, BIGNUMERIC while both fit 38, else STRING — the same
 * choice the load job makes with decimalTargetTypes [NUMERIC, BIGNUMERIC, STRING]
 * (https://cloud.google.com/bigquery/docs/loading-data-cloud-storage-avro#decimal_logical_type).
 */
export function bigQuerySchema(model: TableModel): BigQueryField[] {
  return model.columns.map((column) => ({
    name: column.name,
    ...bigQueryType(column.type),
    mode: column.nullable ? 'NULLABLE' : 'REQUIRED',
    description: describeColumn(column),
  }));
}

function bigQueryType(type: CanonicalType): Pick<BigQueryField, 'type' | 'precision' | 'scale'> {
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
