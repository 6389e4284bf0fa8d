import { DuckDBInstance, JSDuckDBValueConverter } from '@duckdb/node-api';
import { decimalTextToBytes } from '../../avro/decimal.js';
import type { AvroValue, Column, Row, TableModel } from '../../model/column.js';
import { quoteIdentifier as quote } from './duckdb-dialect.js';

/**
 * Reads a target table back in the AVRO-ready row form, so it can be compared with the source
 * value for value (shared/pipeline/reconcile.ts). Every value comes out of DuckDB as exact text or
 * an exact integer (epoch microseconds, day numbers), never through a float or a JS Date.
 */
export async function* readDuckDbRows(path: string, model: TableModel, batchSize = 10_000): AsyncIterable<Row[]> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const select = model.columns.map((c) => `${readExpression(c)} AS ${quote(c.name)}`).join(', ');
    const result = await connection.stream(`SELECT ${select} FROM main.${quote(model.name)}`);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const rows: Row[] = [];
      for (const values of chunk.convertRows(JSDuckDBValueConverter)) {
        const row: Row = {};
        model.columns.forEach((column, i) => { row[column.name] = toAvroValue(column, values[i]); });
        rows.push(row);
        if (rows.length >= batchSize) yield rows.splice(0);
      }
      if (rows.length > 0) yield rows;
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function readExpression(column: Column): string {
  const name = quote(column.name);
  switch (column.type.kind) {
    case 'decimal': return `CAST(${name} AS VARCHAR)`;
    case 'date': return `date_diff('day', DATE '1970-01-01', ${name})`;
    case 'datetime':
    case 'timestamp': return `epoch_us(${name})`;
    default: return name;
  }
}

function toAvroValue(column: Column, value: unknown): AvroValue {
  if (value === null || value === undefined) return null;
  switch (column.type.kind) {
    case 'decimal': return decimalTextToBytes(String(value), column.type.precision, column.type.scale);
    case 'date': return Number(value);
    case 'datetime':
    case 'timestamp':
    case 'int64': {
      const big = BigInt(value as bigint | number);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    case 'bytes': return Buffer.from(value as Uint8Array);
    default: return value as AvroValue;
  }
}
