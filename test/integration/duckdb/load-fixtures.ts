import type { DuckDBValue } from '@duckdb/node-api';
import { modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { decimalTextToBytes } from '../../../shared/avro/decimal.js';
import { PartWriter } from '../../../shared/avro/part-writer.js';
import type { Column, Row, TableModel } from '../../../shared/model/column.js';
import type { DuckDbWarehouse } from '../../../shared/warehouses/duckdb/duckdb-warehouse.js';
import type { LoadMode, LoadRequest, StagedPart } from '../../../shared/warehouses/warehouse.js';
import type { MemoryStore } from '../../support/memory-store.js';
import { column, tableModel } from '../../support/model-fixtures.js';

/** Microseconds since the epoch of `YYYY-MM-DD HH:MM:SS[.ffffff]` read as UTC (years 0001-9999). */
export function micros(text: string): bigint {
  const [seconds = '', fraction = ''] = text.split('.');
  const ms = Date.parse(`${seconds.replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) throw new Error(`bad timestamp ${text}`);
  return BigInt(ms) * 1000n + BigInt(fraction.padEnd(6, '0'));
}

/** Days since 1970-01-01 of `YYYY-MM-DD`. */
export function days(text: string): number {
  return Date.parse(`${text}T00:00:00Z`) / 86_400_000;
}

export function decimal(text: string, precision: number, scale: number): Buffer {
  return decimalTextToBytes(text, precision, scale);
}

/**
 * Writes each array of rows as one real AVRO part (deflate) through the PartWriter, under
 * `<table>/run=<run>/part-0-<n>.avro`, and returns the parts as a manifest lists them.
 */
export async function writeParts(store: MemoryStore, model: TableModel, runId: string, parts: Row[][]): Promise<StagedPart[]> {
  const staged: StagedPart[] = [];
  for (const [index, rows] of parts.entries()) {
    const key = `${model.name}/run=${runId}/part-0-${index}.avro`;
    const writer = new PartWriter({ store, schema: modelToAvsc(model), codec: 'deflate', partSizeBytes: 1 << 30, keyFor: () => key });
    await writer.write(rows);
    const [info] = await writer.close();
    if (!info) throw new Error('the part writer returned no part');
    staged.push({ key, uri: store.uri(key), rows: info.rows, bytes: info.bytes });
  }
  return staged;
}

export interface RequestOptions {
  mode?: LoadMode;
  /** The run this one continues; default: the run before it in test naming (r2 → r1, r1 → none). */
  baseRunId?: string | null;
  partitionColumn?: string | null;
  expectedRows?: number;
  watermark?: string | null;
}

/** Test runs are named r1, r2, …: each continues the one before it. */
export function previousRun(runId: string): string | null {
  const n = Number(/^r(\d+)$/.exec(runId)?.[1] ?? 0);
  return n > 1 ? `r${n - 1}` : null;
}

export function loadRequest(store: MemoryStore, model: TableModel, runId: string, parts: StagedPart[], options: RequestOptions = {}): LoadRequest {
  return {
    model,
    mode: options.mode ?? 'incremental',
    runId,
    baseRunId: options.baseRunId !== undefined ? options.baseRunId : previousRun(runId),
    partitionColumn: options.partitionColumn === undefined ? null : options.partitionColumn,
    parts,
    expectedRows: options.expectedRows ?? parts.reduce((sum, p) => sum + p.rows, 0),
    watermark: options.watermark === undefined ? null : options.watermark,
    openPart: (key) => store.openRead(key),
  };
}

/** Runs a query on its own connection, with timestamptz rendered in UTC. */
export async function query(warehouse: DuckDbWarehouse, sql: string): Promise<DuckDBValue[][]> {
  const connection = await warehouse.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    return (await connection.runAndReadAll(sql)).getRows();
  } finally {
    connection.closeSync();
  }
}

/** The `_datapipe_loads` rows, oldest first, without `loaded_at` (checked for presence only). */
export async function loads(warehouse: DuckDbWarehouse): Promise<DuckDBValue[][]> {
  return query(warehouse,
    'SELECT table_name, run_id, mode, rows_staged, rows_loaded, watermark, loaded_at IS NOT NULL ' +
      'FROM main._datapipe_loads ORDER BY loaded_at, table_name, run_id');
}

/** One column per canonical kind, and one per DuckDB decimal width (int16, int32, int64, int128). */
export const everything = tableModel('APP.EVERYTHING', [
  column('id', { kind: 'int64' }, false),
  column('big', { kind: 'int64' }),
  column('d4', { kind: 'decimal', precision: 4, scale: 2 }),
  column('d9', { kind: 'decimal', precision: 9, scale: 3 }),
  column('d18', { kind: 'decimal', precision: 18, scale: 2 }),
  column('d38', { kind: 'decimal', precision: 38, scale: 10 }),
  column('ratio', { kind: 'float64' }),
  column('small', { kind: 'float32' }),
  column('flag', { kind: 'boolean' }),
  column('name', { kind: 'string' }),
  column('doc', { kind: 'json' }),
  column('span', { kind: 'interval' }),
  column('payload', { kind: 'bytes' }),
  column('day', { kind: 'date' }),
  column('local_at', { kind: 'datetime' }),
  column('utc_at', { kind: 'timestamp' }),
], ['id']);

/** `width` columns after the key: a BIGINT, a 30-byte text, a DECIMAL(18,2) and a TIMESTAMP in turn. */
export function wideModel(width: number): TableModel {
  const kinds: Column['type'][] = [{ kind: 'int64' }, { kind: 'string' }, { kind: 'decimal', precision: 18, scale: 2 }, { kind: 'datetime' }];
  const columns = Array.from({ length: width }, (_, i) => column(`c${i}`, kinds[i % 4] as Column['type']));
  return tableModel('ERP.WIDE', [column('id', { kind: 'int64' }, false), ...columns], ['id']);
}

/**
 * Row `n`: the BIGINT `c<i>` holds n·(i+1), the text `v<n mod 1000>-x…x-<i mod 10>`, the DECIMAL
 * n + 0.02 and the TIMESTAMP n seconds and i µs after the epoch, so sums over the target check them.
 */
export function wideRow(model: TableModel, n: number): Row {
  const row: Row = { id: BigInt(n) };
  const amount = decimal(`${n}.02`, 18, 2);
  for (const [i, c] of model.columns.slice(1).entries()) {
    switch (c.type.kind) {
      case 'int64': row[c.name] = BigInt(n) * BigInt(i + 1); break;
      case 'string': row[c.name] = `v${n % 1000}-${'x'.repeat(24)}-${i % 10}`; break;
      case 'decimal': row[c.name] = amount; break;
      default: row[c.name] = BigInt(n) * 1_000_000n + BigInt(i);
    }
  }
  return row;
}
