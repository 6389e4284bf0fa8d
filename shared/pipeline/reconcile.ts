import { decimalBytesToText } from '../avro/decimal.js';
import type { AvroValue, Column, Row, TableModel } from '../model/column.js';
import { daysToDateText, microsToDatetimeText, microsToTimestampText } from '../model/temporal.js';

/** The outcome of comparing a source table with its target, row for row. */
export interface Reconciliation {
  sourceRows: number;
  targetRows: number;
  /** Keys present on one side only, or rows whose values differ (the first few, for the message). */
  differences: string[];
  differenceCount: number;
}

/**
 * Compares every column of every row of the source with the target, by primary key, through the
 * canonical text of each value (decimals to the last digit, microseconds, bytes as hex).
 * Holds one side in memory: a check for demos and tests, not a production reconciliation.
 */
export async function reconcile(model: TableModel, source: AsyncIterable<Row[]>, target: AsyncIterable<Row[]>, maxShown = 5): Promise<Reconciliation> {
  const expected = new Map<string, string>();
  let sourceRows = 0;
  for await (const batch of source) {
    for (const row of batch) {
      expected.set(rowKey(model, row), rowText(model, row));
      sourceRows += 1;
    }
  }
  const differences: string[] = [];
  let differenceCount = 0;
  let targetRows = 0;
  const note = (text: string): void => {
    differenceCount += 1;
    if (differences.length < maxShown) differences.push(text);
  };
  for await (const batch of target) {
    for (const row of batch) {
      targetRows += 1;
      const key = rowKey(model, row);
      const want = expected.get(key);
      const got = rowText(model, row);
      if (want === undefined) note(`${key}: in the target only`);
      else if (want !== got) note(`${key}: source ${want} ≠ target ${got}`);
      expected.delete(key);
    }
  }
  for (const key of expected.keys()) note(`${key}: in the source only`);
  return { sourceRows, targetRows, differences, differenceCount };
}

/** The canonical text of one AVRO-ready value: what "equal" means across source and target. */
export function canonicalText(column: Column, value: AvroValue): string {
  if (value === null) return 'NULL';
  switch (column.type.kind) {
    case 'decimal': return decimalBytesToText(value as Buffer, column.type.scale);
    case 'date': return daysToDateText(Number(value));
    case 'datetime': return microsToDatetimeText(value as number | bigint);
    case 'timestamp': return microsToTimestampText(value as number | bigint);
    case 'bytes': return `0x${(value as Buffer).toString('hex')}`;
    case 'string':
    case 'json':
    case 'interval': return JSON.stringify(value);
    default: return String(value);
  }
}

function rowKey(model: TableModel, row: Row): string {
  const columns = model.columns.filter((c) => model.primaryKeys.includes(c.name));
  return columns.map((c) => `${c.sourceName}=${canonicalText(c, row[c.name] ?? null)}`).join(',');
}

function rowText(model: TableModel, row: Row): string {
  return `{${model.columns.map((c) => `${c.name}: ${canonicalText(c, row[c.name] ?? null)}`).join(', ')}}`;
}
