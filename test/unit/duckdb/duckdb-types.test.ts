import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../../shared/errors.js';
import type { CanonicalType } from '../../../shared/model/column.js';
import { duckDbReportedType, duckDbType } from '../../../shared/warehouses/duckdb/duckdb-types.js';

describe('duckDbType (docs/types.md, canonical → DuckDB)', () => {
  it.each<[CanonicalType, string]>([
    [{ kind: 'boolean' }, 'BOOLEAN'],
    [{ kind: 'int64' }, 'BIGINT'],
    [{ kind: 'float32' }, 'FLOAT'],
    [{ kind: 'float64' }, 'DOUBLE'],
    [{ kind: 'decimal', precision: 18, scale: 2 }, 'DECIMAL(18,2)'],
    [{ kind: 'decimal', precision: 38, scale: 10 }, 'DECIMAL(38,10)'],
    [{ kind: 'decimal', precision: 1, scale: 0 }, 'DECIMAL(1,0)'],
    [{ kind: 'decimal', precision: 38, scale: 38 }, 'DECIMAL(38,38)'],
    [{ kind: 'string' }, 'VARCHAR'],
    [{ kind: 'json' }, 'VARCHAR'],
    [{ kind: 'interval' }, 'VARCHAR'],
    [{ kind: 'bytes' }, 'BLOB'],
    [{ kind: 'date' }, 'DATE'],
    [{ kind: 'datetime' }, 'TIMESTAMP'],
    [{ kind: 'timestamp' }, 'TIMESTAMPTZ'],
  ])('%j → %s', (type, ddl) => {
    expect(duckDbType(type)).toBe(ddl);
  });

  it.each<[number, number]>([[39, 2], [0, 0], [10, 11], [10, -1], [18.5, 2]])('refuses decimal(%d,%d)', (precision, scale) => {
    const type: CanonicalType = { kind: 'decimal', precision, scale };
    expect(() => duckDbType(type)).toThrow(TerminalError);
    expect(() => duckDbType(type)).toThrow(
      `decimal(${precision},${scale}) does not fit DuckDB's DECIMAL (precision 1-38, 0 ≤ scale ≤ precision); override the column's type in config.yaml and regenerate the schema`,
    );
  });

  it('spells TIMESTAMPTZ the way duckdb_columns() reports it', () => {
    expect(duckDbReportedType({ kind: 'timestamp' })).toBe('TIMESTAMP WITH TIME ZONE');
    expect(duckDbReportedType({ kind: 'decimal', precision: 18, scale: 2 })).toBe('DECIMAL(18,2)');
    expect(duckDbReportedType({ kind: 'datetime' })).toBe('TIMESTAMP');
  });
});
