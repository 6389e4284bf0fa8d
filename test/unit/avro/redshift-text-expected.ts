import { decimalBytesToText } from '../../../shared/avro/decimal.js';
import type { AvroValue, Column, Row, TableModel } from '../../../shared/model/column.js';
import { daysToDateText, microsToDatetimeText, microsToTimestampText } from '../../../shared/model/temporal.js';

/**
 * The redshift-text record a row must become (docs/encodings.md), derived through temporal.ts's
 * ISO formatter and decimal.ts — code independent of the writer's converter
 * (shared/avro/redshift-text-values.ts). Keys missing from the row become null (their default).
 */
export function expectedTextRows(model: TableModel, rows: Row[]): Row[] {
  return rows.map((row) => Object.fromEntries(model.columns.map((c) => [c.name, expectedText(c, row[c.name]) ?? null])));
}

function expectedText(column: Column, value: AvroValue | undefined): AvroValue | undefined {
  if (value === null || value === undefined) return value;
  switch (column.type.kind) {
    case 'decimal': return decimalBytesToText(value as Buffer, column.type.scale);
    case 'bytes': return (value as Buffer).toString('hex');
    case 'date': return daysToDateText(value as number);
    case 'datetime': return microsToDatetimeText(value as number | bigint).replace('T', ' ');
    case 'timestamp': return microsToTimestampText(value as number | bigint).replace('T', ' ').replace(/Z$/, '+00');
    default: return value;
  }
}
