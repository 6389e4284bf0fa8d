/**
 * Canonical types as Databricks (Delta) columns — types.md, "canonical → warehouse" — and as
 * `DESCRIBE TABLE` reports them back. https://learn.microsoft.com/azure/databricks/sql/language-manual/sql-ref-datatypes
 */
import { TerminalError } from '../../errors.js';
import { formatType, type CanonicalType } from '../../model/column.js';

/**
 * DECIMAL holds at most 38 digits (https://learn.microsoft.com/azure/databricks/sql/language-manual/data-types/decimal-type).
 * No model reaches past it: the sources map a wider number to an exact string (postgres-types.ts
 * MAX_DECIMAL_PRECISION) and a wider override is refused. Spark's AVRO reader fails such a part
 * outright ([DECIMAL_PRECISION_EXCEEDS_MAX_PRECISION], SQLSTATE 22003), so it could never load anyway.
 */
export const DATABRICKS_MAX_DECIMAL_PRECISION = 38;

/**
 * The column type of a canonical type. datetime (no zone) is TIMESTAMP_NTZ and timestamp (an
 * instant) TIMESTAMP, as Spark's AVRO reader maps local-timestamp-micros and timestamp-micros;
 * json and interval keep their text in STRING.
 */
export function databricksType(type: CanonicalType): string {
  switch (type.kind) {
    case 'boolean': return 'BOOLEAN';
    case 'int64': return 'BIGINT';
    case 'float32': return 'FLOAT';
    case 'float64': return 'DOUBLE';
    case 'decimal': return decimalType(type.precision, type.scale);
    case 'string':
    case 'json':
    case 'interval': return 'STRING';
    case 'bytes': return 'BINARY';
    case 'date': return 'DATE';
    case 'datetime': return 'TIMESTAMP_NTZ';
    case 'timestamp': return 'TIMESTAMP';
  }
}

function decimalType(precision: number, scale: number): string {
  const fits = Number.isInteger(precision) && Number.isInteger(scale)
    && precision >= 1 && precision <= DATABRICKS_MAX_DECIMAL_PRECISION && scale >= 0 && scale <= precision;
  if (!fits) {
    throw new TerminalError(
      `${formatType({ kind: 'decimal', precision, scale })} does not fit Databricks' DECIMAL (precision 1-38, 0 ≤ scale ≤ precision); ` +
        'override the column\'s type as string (or a narrower decimal) in config.yaml and regenerate the schema',
    );
  }
  return `DECIMAL(${precision},${scale})`;
}

/** The type as `DESCRIBE TABLE` spells it in `data_type`: lowercase, `decimal(p,s)`. */
export function databricksReportedType(type: CanonicalType): string {
  return databricksType(type).toLowerCase();
}
