import { TerminalError } from '../../errors.js';
import { formatType, type CanonicalType } from '../../model/column.js';

/** DuckDB's widest DECIMAL (https://duckdb.org/docs/stable/sql/data_types/numeric). */
export const DUCKDB_MAX_DECIMAL_PRECISION = 38;

/**
 * The DuckDB DDL type of a canonical type (docs/types.md, "canonical → warehouse"). Every kind maps
 * to a type that holds its values exactly; a decimal wider than DuckDB's 38 digits is refused
 * here because choosing a narrower type is a schema decision (a config override), not ours.
 */
export function duckDbType(type: CanonicalType): string {
  switch (type.kind) {
    case 'boolean': return 'BOOLEAN';
    case 'int64': return 'BIGINT';
    case 'float32': return 'FLOAT';
    case 'float64': return 'DOUBLE';
    case 'decimal': return decimalType(type.precision, type.scale);
    case 'string':
    case 'json':
    case 'interval': return 'VARCHAR';
    case 'bytes': return 'BLOB';
    case 'date': return 'DATE';
    case 'datetime': return 'TIMESTAMP';
    case 'timestamp': return 'TIMESTAMPTZ';
  }
}

function decimalType(precision: number, scale: number): string {
  const fits = Number.isInteger(precision) && Number.isInteger(scale)
    && precision >= 1 && precision <= DUCKDB_MAX_DECIMAL_PRECISION && scale >= 0 && scale <= precision;
  if (!fits) {
    throw new TerminalError(
      `${formatType({ kind: 'decimal', precision, scale })} does not fit DuckDB's DECIMAL (precision 1-38, ` +
        `0 ≤ scale ≤ precision); override the column's type in config.yaml and regenerate the schema`,
    );
  }
  return `DECIMAL(${precision},${scale})`;
}

/**
 * How DuckDB reports a type in `duckdb_columns().data_type`: it spells TIMESTAMPTZ out in full.
 * Used to check that an existing target still has the columns the model declares.
 */
export function duckDbReportedType(type: CanonicalType): string {
  const ddl = duckDbType(type);
  return ddl === 'TIMESTAMPTZ' ? 'TIMESTAMP WITH TIME ZONE' : ddl;
}
