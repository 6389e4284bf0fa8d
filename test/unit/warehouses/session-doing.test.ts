import { describe, expect, it } from 'vitest';
import { sessionDoing } from '../../../shared/warehouses/warehouse-driver.js';

describe('sessionDoing: what a failed session was doing, for its one-line message', () => {
  it('names the work, the table and the warehouse', () => {
    const where = 'DuckDB /w.duckdb';
    expect(sessionDoing({ table: 'ventas', runId: 'R1' }, where)).toBe('loading ventas run R1 into DuckDB /w.duckdb');
    expect(sessionDoing({ table: 'ventas', purpose: 'load' }, where)).toBe('loading ventas into DuckDB /w.duckdb');
    expect(sessionDoing({ table: 'ventas', purpose: 'verify' }, where)).toBe('verifying ventas in DuckDB /w.duckdb');
    expect(sessionDoing({ table: 'ventas', purpose: 'read loads' }, where)).toBe('reading the loads of ventas in DuckDB /w.duckdb');
    expect(sessionDoing({ table: 'ventas', purpose: 'delete' }, where)).toBe('deleting rows of ventas in DuckDB /w.duckdb');
  });
});
