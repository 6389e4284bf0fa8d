import { describe, expect, it } from 'vitest';
import type { TableModel } from '../../../shared/model/column.js';
import { targetDrift } from '../../../shared/warehouses/duckdb/duckdb-target-check.js';

const model: TableModel = {
  sourceSchema: 'S',
  sourceName: 'T',
  name: 't',
  primaryKeys: ['id'],
  columns: [
    { name: 'id', sourceName: 'ID', sourceType: 'NUMBER(10)', type: { kind: 'int64' }, nullable: false },
    { name: 'amount', sourceName: 'AMOUNT', sourceType: 'NUMBER(18,2)', type: { kind: 'decimal', precision: 18, scale: 2 }, nullable: true },
    { name: 'at', sourceName: 'AT', sourceType: 'TIMESTAMP WITH TIME ZONE', type: { kind: 'timestamp' }, nullable: true },
  ],
};

describe('targetDrift', () => {
  it('accepts a target with every column and type, and extra columns', () => {
    expect(targetDrift(model, [
      { name: 'id', type: 'BIGINT' },
      { name: 'amount', type: 'DECIMAL(18,2)' },
      { name: 'at', type: 'TIMESTAMP WITH TIME ZONE' },
      { name: 'added_by_hand', type: 'VARCHAR' },
    ])).toBeNull();
  });

  it('names missing and retyped columns', () => {
    expect(targetDrift(model, [
      { name: 'id', type: 'BIGINT' },
      { name: 'amount', type: 'DECIMAL(10,2)' },
    ])).toBe('differs from the schema: lacks column at; amount is DECIMAL(10,2), the schema says DECIMAL(18,2) — migrate the table or regenerate the schema');
    expect(targetDrift(model, [{ name: 'id', type: 'INTEGER' }])).toBe(
      'differs from the schema: lacks columns amount, at; id is INTEGER, the schema says BIGINT — migrate the table or regenerate the schema',
    );
  });
});
