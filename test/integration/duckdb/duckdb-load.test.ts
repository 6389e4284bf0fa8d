import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContractError, TerminalError, TransientError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/log.js';
import type { Row, TableModel } from '../../../shared/model/column.js';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../../shared/warehouses/duckdb/duckdb-warehouse.js';
import { decimal, loadRequest, loads, micros, query, writeParts } from './load-fixtures.js';
import { MemoryStore } from '../../support/memory-store.js';
import { column, EXACT_TIES, tableModel } from '../../support/model-fixtures.js';

const orders = tableModel('APP.ORDERS', [
  column('id', { kind: 'int64' }, false),
  column('updated_at', { kind: 'datetime' }),
  column('name', { kind: 'string' }),
], ['id']);

/** Composite key; the source declares line_no nullable, so a NULL key can reach a part. */
const lines = tableModel('APP.ORDER_LINES', [
  column('order_id', { kind: 'int64' }, false),
  column('line_no', { kind: 'int64' }),
  column('qty', { kind: 'decimal', precision: 10, scale: 2 }),
  column('changed_at', { kind: 'timestamp' }),
], ['order_id', 'line_no']);

function order(id: number, updatedAt: string | null, name: string | null): Row {
  return { id, updated_at: updatedAt === null ? null : micros(updatedAt), name };
}

function line(orderId: number, lineNo: number | null, qty: string, changedAt: string): Row {
  return { order_id: orderId, line_no: lineNo, qty: decimal(qty, 10, 2), changed_at: micros(changedAt) };
}

const ORDERS_SQL = 'SELECT id, CAST(updated_at AS VARCHAR), name FROM main.orders ORDER BY id';
const LINES_SQL = 'SELECT order_id, line_no, CAST(qty AS VARCHAR), CAST(changed_at AS VARCHAR) FROM main.order_lines ORDER BY ALL';

describe('DuckDbWarehouse.load against in-memory DuckDB with real AVRO parts', () => {
  let warehouse: DuckDbWarehouse;
  let store: MemoryStore;

  beforeEach(async () => {
    warehouse = await openDuckDbWarehouse(':memory:', silentLogger);
    store = new MemoryStore({ readChunkBytes: 64 * 1024 });
    await warehouse.ensureTable(orders, 'updated_at');
  });

  afterEach(async () => {
    await warehouse.close();
  });

  async function loadOrders(runId: string, parts: Row[][], options: Parameters<typeof loadRequest>[4] = {}) {
    const staged = await writeParts(store, orders, runId, parts);
    return warehouse.load(loadRequest(store, orders, runId, staged, { partitionColumn: 'updated_at', ...options }));
  }

  const FIRST = [
    [order(1, '2024-05-01 10:00:00', 'ana'), order(2, '2024-05-01 11:00:00', 'ben')],
    [order(3, '2024-05-01 12:00:00.000001', 'cy')],
  ];

  it('first load inserts every row of every part and records the load', async () => {
    const result = await loadOrders('r1', FIRST, { watermark: '2024-05-01 12:00:00.000001' });
    expect(result).toEqual({ staged: 3, deduplicated: 3, targetRows: 3 });
    expect(await query(warehouse, ORDERS_SQL)).toEqual([
      [1n, '2024-05-01 10:00:00', 'ana'],
      [2n, '2024-05-01 11:00:00', 'ben'],
      [3n, '2024-05-01 12:00:00.000001', 'cy'],
    ]);
    expect(await loads(warehouse)).toEqual([['orders', 'r1', 'incremental', 3n, 3n, '2024-05-01 12:00:00.000001', true]]);
  });

  it('a second run updates matched keys and inserts new ones', async () => {
    await loadOrders('r1', FIRST);
    const result = await loadOrders('r2', [[order(2, '2024-05-02 09:00:00', 'ben v2'), order(4, '2024-05-02 09:30:00', 'dee')]], { watermark: 'w2' });
    expect(result).toEqual({ staged: 2, deduplicated: 2, targetRows: 4 });
    expect(await query(warehouse, ORDERS_SQL)).toEqual([
      [1n, '2024-05-01 10:00:00', 'ana'],
      [2n, '2024-05-02 09:00:00', 'ben v2'],
      [3n, '2024-05-01 12:00:00.000001', 'cy'],
      [4n, '2024-05-02 09:30:00', 'dee'],
    ]);
    expect(await loads(warehouse)).toEqual([
      ['orders', 'r1', 'incremental', 3n, 3n, null, true],
      ['orders', 'r2', 'incremental', 2n, 2n, 'w2', true],
    ]);
  });

  it('duplicate keys in one run: the latest partition value wins, NULL loses, equal values go to the greater other columns, not the row read last', async () => {
    const result = await loadOrders('r1', [
      [
        order(1, '2024-05-01 10:00:00', 'first'),
        order(1, '2024-05-03 10:00:00', 'latest'),
        order(2, '2024-05-01 10:00:00', 'zed in part 0'),
        order(3, '2024-05-01 10:00:00', 'greater, read first'),
        order(3, '2024-05-01 10:00:00', 'by read order, later'),
        order(5, '2024-05-01 10:00:00', 'dated'),
        order(6, '2024-05-01 10:00:00', 'named'),
      ],
      [
        order(1, '2024-05-02 10:00:00', 'middle'),
        // Read after every row of part 0, and smaller: the value decides, not the read order.
        order(2, '2024-05-01 10:00:00', 'amy in part 1'),
        order(5, null, 'undated'),
        order(6, '2024-05-01 10:00:00', null),
      ],
    ]);
    expect(result).toEqual({ staged: 11, deduplicated: 5, targetRows: 5 });
    expect(await query(warehouse, ORDERS_SQL)).toEqual([
      [1n, '2024-05-03 10:00:00', 'latest'],
      [2n, '2024-05-01 10:00:00', 'zed in part 0'],
      [3n, '2024-05-01 10:00:00', 'greater, read first'],
      [5n, '2024-05-01 10:00:00', 'dated'],
      [6n, '2024-05-01 10:00:00', 'named'],
    ]);
  });

  it('exact ties keep the same row as BigQuery whatever the read order: greatest wins, NULL lowest, NaN below numbers', async () => {
    // EXACT_TIES, the rows and outcome the BigQuery twin also loads, here through real AVRO parts.
    const priced = tableModel('APP.PRICED', [
      column('id', { kind: 'int64' }, false),
      column('updated_at', { kind: 'datetime' }),
      column('amount', { kind: 'decimal', precision: 38, scale: 9 }),
      column('ratio', { kind: 'float64' }),
      column('note', { kind: 'string' }),
    ], ['id']);
    const staged: Row[] = EXACT_TIES.staged.map(([id, amount, ratio, note]) =>
      ({ id, updated_at: micros(EXACT_TIES.stamp), amount: amount === null ? null : decimal(amount, 38, 9), ratio, note }));
    await warehouse.ensureTable(priced, 'updated_at');
    const runs: [string, string | null, Row[][]][] = [['forward', null, [staged.slice(0, 5), staged.slice(5)]], ['reversed', 'forward', [[...staged].reverse()]]];
    for (const [runId, baseRunId, parts] of runs) {
      const written = await writeParts(store, priced, runId, parts);
      const result = await warehouse.load(loadRequest(store, priced, runId, written, { mode: 'full', partitionColumn: 'updated_at', baseRunId }));
      expect(result).toEqual({ staged: 10, deduplicated: 5, targetRows: 5 });
      expect(await query(warehouse, 'SELECT id, CAST(amount AS VARCHAR), CAST(ratio AS VARCHAR), note FROM main.priced ORDER BY id')).toEqual(EXACT_TIES.kept);
    }
  });

  it('a staged row older than the target row still overwrites it: the source\'s current state wins', async () => {
    await loadOrders('r1', [[order(1, '2024-05-10 00:00:00', 'current')]]);
    await loadOrders('r2', [[order(1, '2024-04-01 00:00:00', 'moved back')]]);
    expect(await query(warehouse, ORDERS_SQL)).toEqual([[1n, '2024-04-01 00:00:00', 'moved back']]);
  });

  it('merges by a composite primary key', async () => {
    await warehouse.ensureTable(lines, 'changed_at');
    const r1 = await writeParts(store, lines, 'r1', [[
      line(1, 1, '1.00', '2024-05-01 00:00:00'), line(1, 2, '2.00', '2024-05-01 00:00:00'), line(2, 1, '3.00', '2024-05-01 00:00:00'),
    ]]);
    await warehouse.load(loadRequest(store, lines, 'r1', r1, { partitionColumn: 'changed_at' }));
    const r2 = await writeParts(store, lines, 'r2', [[
      line(1, 2, '20.00', '2024-05-02 00:00:00'), line(2, 2, '4.00', '2024-05-02 00:00:00'), line(1, 2, '5.00', '2024-05-01 12:00:00'),
    ]]);
    const result = await warehouse.load(loadRequest(store, lines, 'r2', r2, { partitionColumn: 'changed_at' }));
    expect(result).toEqual({ staged: 3, deduplicated: 2, targetRows: 4 });
    expect(await query(warehouse, LINES_SQL)).toEqual([
      [1n, 1n, '1.00', '2024-05-01 00:00:00+00'],
      [1n, 2n, '20.00', '2024-05-02 00:00:00+00'],
      [2n, 1n, '3.00', '2024-05-01 00:00:00+00'],
      [2n, 2n, '4.00', '2024-05-02 00:00:00+00'],
    ]);
  });

  it('a NULL primary-key value fails the load naming table and column, leaving the target untouched', async () => {
    await warehouse.ensureTable(lines, 'changed_at');
    const r1 = await writeParts(store, lines, 'r1', [[line(1, 1, '1.00', '2024-05-01 00:00:00')]]);
    await warehouse.load(loadRequest(store, lines, 'r1', r1, { partitionColumn: 'changed_at' }));
    const r2 = await writeParts(store, lines, 'r2', [[line(1, 1, '9.00', '2024-05-02 00:00:00'), line(1, null, '2.00', '2024-05-02 00:00:00')]]);
    const failure = warehouse.load(loadRequest(store, lines, 'r2', r2, { partitionColumn: 'changed_at' }));
    await expect(failure).rejects.toThrow(ContractError);
    await expect(failure).rejects.toThrow(
      'table order_lines, run r2: 1 staged rows have NULL in primary-key column line_no; a primary key is never NULL — ' +
        "fix the source rows or the table's primary_keys in config.yaml",
    );
    expect(await query(warehouse, LINES_SQL)).toEqual([[1n, 1n, '1.00', '2024-05-01 00:00:00+00']]);
    expect((await loads(warehouse)).map((row) => row[1])).toEqual(['r1']);
  });

  it('a NULL in a NOT NULL column fails the load naming the column', async () => {
    const strict: TableModel = { ...orders, name: 'orders_strict', columns: [orders.columns[0]!, orders.columns[1]!, column('name', { kind: 'string' }, false)] };
    await warehouse.ensureTable(strict, 'updated_at');
    const parts = await writeParts(store, { ...orders, name: 'orders_strict' }, 'r1', [[order(1, '2024-05-01 00:00:00', null)]]);
    await expect(warehouse.load(loadRequest(store, strict, 'r1', parts))).rejects.toThrow(
      new ContractError('table orders_strict, run r1: 1 staged rows have NULL in column name, which the schema declares NOT NULL — regenerate the schema if the source column became nullable'),
    );
  });

  it('a stage that holds fewer rows than the manifests list fails with exit 3 and leaves the target untouched', async () => {
    await loadOrders('r1', FIRST);
    const failure = loadOrders('r2', [[order(1, '2024-06-01 00:00:00', 'changed'), order(9, '2024-06-01 00:00:00', 'new')]], { expectedRows: 3 });
    await expect(failure).rejects.toThrow(ContractError);
    await expect(failure).rejects.toThrow(
      'stage for orders run r2 holds 2 rows but the manifests list 3 — the staged files are incomplete; re-run the extractor for this run',
    );
    await expect(failure).rejects.toHaveProperty('exitCode', 3);
    expect(await query(warehouse, ORDERS_SQL)).toEqual([
      [1n, '2024-05-01 10:00:00', 'ana'],
      [2n, '2024-05-01 11:00:00', 'ben'],
      [3n, '2024-05-01 12:00:00.000001', 'cy'],
    ]);
    expect((await loads(warehouse)).map((row) => row[1])).toEqual(['r1']);
  });

  it('full mode replaces the whole target with the deduplicated stage', async () => {
    await loadOrders('r1', FIRST);
    const result = await loadOrders('r2', [[
      order(2, '2024-06-01 00:00:00', 'ben full'), order(7, '2024-06-01 00:00:00', 'gus'), order(7, '2024-06-02 00:00:00', 'gus v2'),
    ]], { mode: 'full' });
    expect(result).toEqual({ staged: 3, deduplicated: 2, targetRows: 2 });
    expect(await query(warehouse, ORDERS_SQL)).toEqual([
      [2n, '2024-06-01 00:00:00', 'ben full'],
      [7n, '2024-06-02 00:00:00', 'gus v2'],
    ]);
    expect((await loads(warehouse)).map((row) => row.slice(0, 5))).toEqual([
      ['orders', 'r1', 'incremental', 3n, 3n],
      ['orders', 'r2', 'full', 3n, 2n],
    ]);
    // The DDL survives the replacement.
    expect(await query(warehouse, "SELECT column_name, data_type, is_nullable FROM duckdb_columns() WHERE table_name = 'orders' ORDER BY column_index")).toEqual([
      ['id', 'BIGINT', false], ['updated_at', 'TIMESTAMP', true], ['name', 'VARCHAR', true],
    ]);
  });

  it('a full load of an empty source empties the target', async () => {
    await loadOrders('r1', FIRST);
    const result = await loadOrders('r2', [[]], { mode: 'full' });
    expect(result).toEqual({ staged: 0, deduplicated: 0, targetRows: 0 });
    expect(await query(warehouse, ORDERS_SQL)).toEqual([]);
  });

  it('re-running the same load leaves the same target and one _datapipe_loads row per run', async () => {
    await loadOrders('r1', FIRST);
    const staged = await writeParts(store, orders, 'r2', [[order(2, '2024-05-02 09:00:00', 'ben v2'), order(2, '2024-05-02 08:00:00', 'older'), order(4, '2024-05-02 09:30:00', 'dee')]]);
    const request = loadRequest(store, orders, 'r2', staged, { partitionColumn: 'updated_at', watermark: 'w2' });
    const first = await warehouse.load(request);
    const after = await query(warehouse, 'SELECT * FROM main.orders ORDER BY id');
    const second = await warehouse.load(request);
    expect(second).toEqual(first);
    expect(first).toEqual({ staged: 3, deduplicated: 2, targetRows: 4 });
    expect(await query(warehouse, 'SELECT * FROM main.orders ORDER BY id')).toEqual(after);
    expect(await loads(warehouse)).toEqual([
      ['orders', 'r1', 'incremental', 3n, 3n, null, true],
      ['orders', 'r2', 'incremental', 3n, 2n, 'w2', true],
    ]);
    const full = loadRequest(store, orders, 'r2', staged, { mode: 'full', partitionColumn: 'updated_at' });
    await warehouse.load(full);
    const once = await query(warehouse, 'SELECT * FROM main.orders ORDER BY id');
    await warehouse.load(full);
    expect(await query(warehouse, 'SELECT * FROM main.orders ORDER BY id')).toEqual(once);
    expect(once).toHaveLength(2);
  });

  it('keeps every row of a keyless table in full mode and refuses to merge it', async () => {
    const log: TableModel = { ...orders, name: 'event_log', primaryKeys: [] };
    await warehouse.ensureTable(log, null);
    const parts = await writeParts(store, log, 'r1', [[order(1, null, 'a'), order(1, null, 'a')]]);
    expect(await warehouse.load(loadRequest(store, log, 'r1', parts, { mode: 'full' }))).toEqual({ staged: 2, deduplicated: 2, targetRows: 2 });
    const merge = warehouse.load(loadRequest(store, log, 'r2', parts));
    await expect(merge).rejects.toThrow(TerminalError);
    await expect(merge).rejects.toThrow('table event_log: an incremental load merges by primary key; declare primary_keys in config.yaml or use load_mode: full');
  });

  it('a part without one of the model\'s fields fails naming table, run, part, row and column', async () => {
    const older: TableModel = { ...orders, columns: orders.columns.slice(0, 2) };
    const parts = await writeParts(store, older, 'r1', [[{ id: 1, updated_at: null }]]);
    await expect(warehouse.load(loadRequest(store, orders, 'r1', parts))).rejects.toThrow(
      new ContractError('table orders, run r1, part orders/run=r1/part-0-0.avro, row 0: column name: the record has no such field'),
    );
  });

  it('a truncated part fails naming the part as damaged, after the rows of its complete blocks, and leaves the target untouched', async () => {
    await loadOrders('r1', FIRST);
    const rows = Array.from({ length: 2000 }, (_, i) => order(i, '2024-06-01 00:00:00', `row ${i} `.repeat(20)));
    const parts = await writeParts(store, orders, 'r2', [rows]);
    const key = parts[0]!.key;
    const body = store.objects.get(key)!;
    store.objects.set(key, body.subarray(0, Math.floor(body.length / 2)));
    const failure = warehouse.load(loadRequest(store, orders, 'r2', parts, { partitionColumn: 'updated_at' }));
    await expect(failure).rejects.toThrow(ContractError);
    await expect(failure).rejects.toThrow(
      /^table orders, run r2, part orders\/run=r2\/part-0-0\.avro, row \d+: the part is damaged \(the file ends inside a block \(truncated\)\) — re-run the extractor for this run$/,
    );
    expect(await query(warehouse, 'SELECT count(*) FROM main.orders')).toEqual([[3n]]);
  });

  it('a part that cannot be read fails naming it, as a retryable error', async () => {
    const parts = await writeParts(store, orders, 'r1', [[order(1, null, 'a')], [order(2, null, 'b')]]);
    await store.delete([parts[1]!.key]);
    const failure = warehouse.load(loadRequest(store, orders, 'r1', parts));
    await expect(failure).rejects.toThrow(TransientError);
    await expect(failure).rejects.toThrow('table orders, run r1, part orders/run=r1/part-0-1.avro, row 0: no object orders/run=r1/part-0-1.avro');
    expect(await query(warehouse, 'SELECT count(*) FROM main.orders')).toEqual([[0n]]);
  });

  it('refuses an existing target whose columns differ from the model', async () => {
    const connection = await warehouse.connect();
    await connection.run('CREATE TABLE main.drifted (id INTEGER, name VARCHAR)');
    connection.closeSync();
    const drifted: TableModel = { ...orders, name: 'drifted' };
    await expect(warehouse.ensureTable(drifted, 'updated_at')).rejects.toThrow(new ContractError(
      'target main.drifted in :memory: differs from the schema: lacks column updated_at; id is INTEGER, the schema says BIGINT — migrate the table or regenerate the schema',
    ));
    await expect(warehouse.ensureTable(orders, 'nope')).rejects.toThrow(new TerminalError('table orders: partition column nope is not one of its columns'));
  });

  it('loading a table that was never ensured is a terminal error naming it', async () => {
    const missing: TableModel = { ...orders, name: 'never_created' };
    const parts = await writeParts(store, missing, 'r1', [[order(1, null, 'x')]]);
    const failure = warehouse.load(loadRequest(store, missing, 'r1', parts));
    await expect(failure).rejects.toThrow(TerminalError);
    await expect(failure).rejects.toThrow('loading never_created run r1 into DuckDB :memory:: Catalog Error: Table with name never_created does not exist!');
  });
});
