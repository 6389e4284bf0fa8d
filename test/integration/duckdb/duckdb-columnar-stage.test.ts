import type { DuckDBValue } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { unscaledToBytes } from '../../../shared/avro/decimal.js';
import { PartWriter } from '../../../shared/avro/part-writer.js';
import { ContractError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/log.js';
import type { Row, TableModel } from '../../../shared/model/column.js';
import { ChunkDecoder } from '../../../shared/warehouses/duckdb/duckdb-chunk-decoder.js';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../../shared/warehouses/duckdb/duckdb-warehouse.js';
import type { StagedPart } from '../../../shared/warehouses/warehouse.js';
import { days, decimal, everything, loadRequest, micros, query } from './load-fixtures.js';
import { MemoryStore } from '../../support/memory-store.js';
import { column } from '../../support/model-fixtures.js';

/**
 * The local warehouse stages DataPipe's parts by decoding AVRO blocks straight into DuckDB's
 * vectors (duckdb-chunk-decoder.ts), and any other part record by record. The same rows through
 * both paths must give the same table, value for value — across chunk (2,048 rows) and block
 * boundaries, at every decimal width, for strings on both sides of DuckDB's 12-byte inline limit.
 */

/** The same table with one more field: its parts cannot be decoded column by column. */
const withExtra: TableModel = { ...everything, columns: [...everything.columns, column('extra', { kind: 'string' })] };

const INT64_EDGES = [2n ** 63n - 1n, -(2n ** 63n), 0, -1, 1, 2n ** 53n + 1n, -(2 ** 31), 2 ** 31, 127, 128, -64, -65, 2n ** 35n, -(2n ** 56n)];
const STRINGS = ['', 'a', '123456789012', '1234567890123', 'ééééééé', 'éééééé', 'ñandú 🦆 中文', '🦆🦆🦆', 'x'.repeat(5000), 'café\u0000nul'];
const FLOATS = [Number.NaN, -0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5e-324, -1.7976931348623157e308, 0.1];
const DECIMALS: [string, string, string, string][] = [
  ['99.99', '999999.999', '9999999999999999.99', '9999999999999999999999999999.9999999999'],
  ['-99.99', '-999999.999', '-9999999999999999.99', '-9999999999999999999999999999.9999999999'],
  ['0.00', '0.000', '0.00', '0.0000000000'],
  ['-0.01', '0.001', '-0.01', '-0.0000000001'],
  ['1.28', '-8388.608', '-9223372036854775.08', '170141183460469231731.6873037728'],
];

function row(i: number): Row {
  // NULLs in the first chunk of the first part and not in its second: a chunk's validity is its own.
  const nulls = i % 7 === 3 && (i < 1_000 || i >= 4_000);
  const [d4, d9, d18, d38] = DECIMALS[i % DECIMALS.length]!;
  const text = STRINGS[i % STRINGS.length]!;
  return {
    id: i,
    big: nulls ? null : INT64_EDGES[i % INT64_EDGES.length]!,
    d4: nulls ? null : decimal(d4, 4, 2), d9: decimal(d9, 9, 3), d18: decimal(d18, 18, 2), d38: decimal(d38, 38, 10),
    ratio: nulls ? null : FLOATS[i % FLOATS.length]!, small: Math.fround(FLOATS[(i + 3) % FLOATS.length]!),
    flag: nulls ? null : i % 2 === 0,
    name: nulls ? null : text, doc: `{"n":${i}}`, span: i % 2 === 0 ? 'P1Y2M3DT4H5M6.789S' : 'PT0S',
    payload: nulls ? null : Buffer.from(text.length > 12 ? Buffer.alloc(13 + (i % 40), i & 0xff) : [0x00, 0xff, i & 0xff]),
    day: nulls ? null : days('1970-01-01') + (i % 2 === 0 ? i : -i * 400),
    local_at: micros('0001-01-01 00:00:00') + BigInt(i) * 86_400_000_001n, utc_at: nulls ? null : micros('9999-12-31 23:59:59.999999') - BigInt(i),
  };
}

const ROWS = Array.from({ length: 5_000 }, (_, i) => row(i));

async function writePart(store: MemoryStore, model: TableModel, key: string, rows: Row[], codec: 'deflate' | 'null' = 'deflate'): Promise<StagedPart> {
  // Small blocks: the rows cross many block and chunk boundaries.
  const writer = new PartWriter({ store, schema: modelToAvsc(model), codec, partSizeBytes: 1 << 30, blockSizeBytes: 16_384, keyFor: () => key });
  await writer.write(rows);
  const [info] = await writer.close();
  if (!info) throw new Error('no part written');
  return { key, uri: store.uri(key), rows: info.rows, bytes: info.bytes };
}

/** Every value of the table, floats by their bits (so -0 and NaN are told apart), in id order. */
async function contents(warehouse: DuckDbWarehouse): Promise<string[]> {
  const rows = await query(warehouse, 'SELECT * FROM main.everything ORDER BY id');
  return rows.map((values) => JSON.stringify(values.map(spell)));
}

function spell(value: DuckDBValue): unknown {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  return value === null ? null : String(value);
}

describe('staging into DuckDB column by column (real AVRO parts, in-memory DuckDB)', () => {
  let warehouse: DuckDbWarehouse;
  let store: MemoryStore;

  beforeEach(async () => {
    warehouse = await openDuckDbWarehouse(':memory:', silentLogger);
    store = new MemoryStore({ readChunkBytes: 7_000 });
    await warehouse.ensureTable(everything, null);
  });

  afterEach(async () => {
    await warehouse.close();
  });

  async function load(parts: StagedPart[], runId: string) {
    return warehouse.load(loadRequest(store, everything, runId, parts, { mode: 'full', baseRunId: null }));
  }

  it('gives the same table, value for value, as reading the same rows record by record', async () => {
    const columnar = [
      await writePart(store, everything, 'everything/run=r1/part-0.avro', ROWS.slice(0, 3_001)),
      await writePart(store, everything, 'everything/run=r1/part-1.avro', ROWS.slice(3_001), 'null'),
    ];
    expect(await load(columnar, 'r1')).toEqual({ staged: 5_000, deduplicated: 5_000, targetRows: 5_000 });
    const fast = await contents(warehouse);

    const byRecord = [
      await writePart(store, withExtra, 'everything/run=r2/part-0.avro', ROWS.slice(0, 3_001).map((r) => ({ ...r, extra: 'ignored' }))),
      await writePart(store, withExtra, 'everything/run=r2/part-1.avro', ROWS.slice(3_001).map((r) => ({ ...r, extra: null })), 'null'),
    ];
    await warehouse.load(loadRequest(store, everything, 'r2', byRecord, { mode: 'full', baseRunId: 'r1' }));
    const slow = await contents(warehouse);

    // The comparison's premise: the first parts went column by column, the second record by record.
    expect(ChunkDecoder.accepts(everything, modelToAvsc(everything))).toBe(true);
    expect(ChunkDecoder.accepts(everything, modelToAvsc(withExtra))).toBe(false);

    expect(fast).toHaveLength(5_000);
    expect(fast).toEqual(slow);
    // And what they both hold is the source's values, spelled by DuckDB.
    const edges = await query(warehouse, `
      SELECT id, big, CAST(d4 AS VARCHAR), CAST(d18 AS VARCHAR), CAST(d38 AS VARCHAR), name, octet_length(payload), CAST(day AS VARCHAR),
             CAST(local_at AS VARCHAR), CAST(utc_at AT TIME ZONE 'UTC' AS VARCHAR)
      FROM main.everything WHERE id IN (0, 1, 3, 4, 8, 9) ORDER BY id`);
    expect(edges).toEqual([
      [0n, 2n ** 63n - 1n, '99.99', '9999999999999999.99', '9999999999999999999999999999.9999999999', '', 3n, '1970-01-01', '0001-01-01 00:00:00', '9999-12-31 23:59:59.999999'],
      [1n, -(2n ** 63n), '-99.99', '-9999999999999999.99', '-9999999999999999999999999999.9999999999', 'a', 3n, '1968-11-27', '0001-01-02 00:00:00.000001', '9999-12-31 23:59:59.999998'],
      [3n, null, null, '-0.01', '-0.0000000001', null, null, null, '0001-01-04 00:00:00.000003', null],
      [4n, 1n, '1.28', '-9223372036854775.08', '170141183460469231731.6873037728', 'ééééééé', 3n, '1970-01-05', '0001-01-05 00:00:00.000004', '9999-12-31 23:59:59.999995'],
      [8n, 127n, '-0.01', '-0.01', '-0.0000000001', 'x'.repeat(5000), 21n, '1970-01-09', '0001-01-09 00:00:00.000008', '9999-12-31 23:59:59.999991'],
      [9n, 128n, '1.28', '-9223372036854775.08', '170141183460469231731.6873037728', 'café\u0000nul', 3n, '1960-02-23', '0001-01-10 00:00:00.000009', '9999-12-31 23:59:59.99999'],
    ]);
    const floats = await query(warehouse, "SELECT id, CAST(ratio AS VARCHAR), CAST(small AS VARCHAR) FROM main.everything WHERE id < 8 AND id <> 3 ORDER BY id");
    expect(floats).toEqual([
      [0n, 'nan', 'inf'], [1n, '-0.0', '-inf'], [2n, '0.0', '0.0'], [4n, '-inf', '0.1'],
      [5n, '5e-324', 'nan'], [6n, '-1.7976931348623157e+308', '-0.0'], [7n, '0.1', '0.0'],
    ]);
  });

  it('refuses a decimal with more digits than its column holds, naming table, run, part, row and column', async () => {
    const rows = ROWS.slice(0, 10).map((r) => ({ ...r }));
    rows[6]!.d4 = unscaledToBytes(10_000n); // 100.00: fits DuckDB's int16, not decimal(4,2)
    const parts = [await writePart(store, everything, 'everything/run=r1/part-0.avro', rows)];
    await expect(load(parts, 'r1')).rejects.toThrow(new ContractError(
      'table everything, run r1, part everything/run=r1/part-0.avro, row 6: column d4: 100.00 has more than 4 digits, it does not fit decimal(4,2)',
    ));
    rows[6]!.d4 = unscaledToBytes(-(2n ** 70n)); // wider than any int16
    const wider = [await writePart(store, everything, 'everything/run=r1/part-1.avro', rows)];
    await expect(load(wider, 'r1')).rejects.toThrow(
      'table everything, run r1, part everything/run=r1/part-1.avro, row 6: column d4: -11805916207174113034.24 has more than 4 digits, it does not fit decimal(4,2)',
    );
    expect(await query(warehouse, 'SELECT count(*) FROM main.everything')).toEqual([[0n]]);
  });

  it('refuses text that is not UTF-8, inline (≤ 12 bytes) or not, naming the column', async () => {
    for (const [marker, bad] of [['SHORTBAD', [0x41, 0xc3, 0x28]], ['LONGBAD-LONGBAD-LONGBAD', [0xe2, 0x82]]] as const) {
      const rows = ROWS.slice(0, 4).map((r) => ({ ...r, name: r.id === 2 ? marker : 'ok' }));
      const part = await writePart(store, everything, `everything/run=r1/${marker}.avro`, rows, 'null');
      const body = Buffer.from(store.objects.get(part.key)!);
      Buffer.from(bad).copy(body, body.indexOf(marker));
      store.objects.set(part.key, body);
      await expect(load([part], 'r1')).rejects.toThrow(new ContractError(
        `table everything, run r1, part everything/run=r1/${marker}.avro, row 2: column name: the text is not valid UTF-8 (a damaged or foreign part) — re-run the extractor for this run`,
      ));
    }
  });
});
