import {
  DuckDBBlobValue, DuckDBDateValue, DuckDBDecimalValue, DuckDBTimestampTZValue, DuckDBTimestampValue,
} from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/log.js';
import type { Row } from '../../../shared/model/column.js';
import { openDuckDbWarehouse, type DuckDbWarehouse } from '../../../shared/warehouses/duckdb/duckdb-warehouse.js';
import { days, decimal, everything, loadRequest, micros, query, writeParts } from './load-fixtures.js';
import { MemoryStore } from '../../support/memory-store.js';

const UNICODE = 'ñandú 🦆 中文 Ω\u0000after NUL';

const rows: Row[] = [
  {
    id: 1, big: 2n ** 63n - 1n,
    d4: decimal('99.99', 4, 2), d9: decimal('999999.999', 9, 3), d18: decimal('9999999999999999.99', 18, 2),
    d38: decimal('9999999999999999999999999999.9999999999', 38, 10),
    ratio: 1.7976931348623157e308, small: 3.4028234663852886e38, flag: true,
    name: UNICODE, doc: '{"a":[1,2],"b":"ü"}', span: 'P1Y2M3DT4H5M6.789S', payload: Buffer.from([0x00, 0xff, 0x00]),
    day: days('9999-12-31'), local_at: micros('9999-12-31 23:59:59.999999'), utc_at: micros('9999-12-31 23:59:59.999999'),
  },
  {
    id: 2, big: -(2n ** 63n),
    d4: decimal('-99.99', 4, 2), d9: decimal('-999999.999', 9, 3), d18: decimal('-9999999999999999.99', 18, 2),
    d38: decimal('-9999999999999999999999999999.9999999999', 38, 10),
    ratio: -5e-324, small: -1.401298464324817e-45, flag: false,
    name: '', doc: 'null', span: 'PT0S', payload: Buffer.alloc(0),
    day: days('0001-01-01'), local_at: micros('0001-01-01 00:00:00'), utc_at: micros('0001-01-01 00:00:00'),
  },
  {
    id: 3, big: 0,
    d4: decimal('0.01', 4, 2), d9: decimal('-0.001', 9, 3), d18: decimal('-0.01', 18, 2), d38: decimal('0.0000000001', 38, 10),
    ratio: 0.1, small: 0.1, flag: true,
    name: 'x', doc: '{}', span: 'P-1D', payload: Buffer.from([0x00]),
    day: days('1970-01-01'), local_at: micros('1970-01-01 00:00:00.000001'), utc_at: micros('1969-12-31 23:59:59.999999'),
  },
  {
    id: 4, big: null, d4: null, d9: null, d18: null, d38: null, ratio: null, small: null, flag: null,
    name: null, doc: null, span: null, payload: null, day: null, local_at: null, utc_at: null,
  },
];

describe('DuckDB warehouse type fidelity: every canonical kind, extremes and NULLs, read back exactly', () => {
  let warehouse: DuckDbWarehouse;

  beforeAll(async () => {
    warehouse = await openDuckDbWarehouse(':memory:', silentLogger);
    const store = new MemoryStore({ readChunkBytes: 64 * 1024 });
    await warehouse.ensureTable(everything, 'local_at');
    const parts = await writeParts(store, everything, 'r1', [rows.slice(0, 2), rows.slice(2)]);
    expect(await warehouse.load(loadRequest(store, everything, 'r1', parts, { partitionColumn: 'local_at' })))
      .toEqual({ staged: 4, deduplicated: 4, targetRows: 4 });
  });

  afterAll(async () => {
    await warehouse.close();
  });

  it('reads back as text', async () => {
    const casts = everything.columns.map((c) => `CAST("${c.name}" AS VARCHAR)`).join(', ');
    expect(await query(warehouse, `SELECT ${casts} FROM main.everything ORDER BY id`)).toEqual([
      [
        '1', '9223372036854775807', '99.99', '999999.999', '9999999999999999.99', '9999999999999999999999999999.9999999999',
        '1.7976931348623157e+308', '3.4028235e+38', 'true', UNICODE, '{"a":[1,2],"b":"ü"}', 'P1Y2M3DT4H5M6.789S', '\\x00\\xFF\\x00',
        '9999-12-31', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999+00',
      ],
      [
        '2', '-9223372036854775808', '-99.99', '-999999.999', '-9999999999999999.99', '-9999999999999999999999999999.9999999999',
        '-5e-324', '-1e-45', 'false', '', 'null', 'PT0S', '',
        '0001-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00',
      ],
      [
        '3', '0', '0.01', '-0.001', '-0.01', '0.0000000001',
        '0.1', '0.1', 'true', 'x', '{}', 'P-1D', '\\x00',
        '1970-01-01', '1970-01-01 00:00:00.000001', '1969-12-31 23:59:59.999999+00',
      ],
      ['4', null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
    ]);
  });

  it('reads back as DuckDB values', async () => {
    const [max, min, small, nulls] = await query(warehouse, 'SELECT * FROM main.everything ORDER BY id');
    expect(max).toEqual([
      1n, 2n ** 63n - 1n,
      new DuckDBDecimalValue(9999n, 4, 2), new DuckDBDecimalValue(999999999n, 9, 3),
      new DuckDBDecimalValue(999999999999999999n, 18, 2), new DuckDBDecimalValue(10n ** 38n - 1n, 38, 10),
      1.7976931348623157e308, 3.4028234663852886e38, true, UNICODE, '{"a":[1,2],"b":"ü"}', 'P1Y2M3DT4H5M6.789S',
      new DuckDBBlobValue(Buffer.from([0x00, 0xff, 0x00])),
      new DuckDBDateValue(2932896), new DuckDBTimestampValue(253402300799999999n), new DuckDBTimestampTZValue(253402300799999999n),
    ]);
    expect(min).toEqual([
      2n, -(2n ** 63n),
      new DuckDBDecimalValue(-9999n, 4, 2), new DuckDBDecimalValue(-999999999n, 9, 3),
      new DuckDBDecimalValue(-999999999999999999n, 18, 2), new DuckDBDecimalValue(-(10n ** 38n - 1n), 38, 10),
      -5e-324, -1.401298464324817e-45, false, '', 'null', 'PT0S',
      new DuckDBBlobValue(Buffer.alloc(0)),
      new DuckDBDateValue(-719162), new DuckDBTimestampValue(-62135596800000000n), new DuckDBTimestampTZValue(-62135596800000000n),
    ]);
    // FLOAT holds the float32 the part carried: 0.1 rounded once, by the AVRO writer.
    expect(small?.[7]).toBe(Math.fround(0.1));
    expect(small?.[13]).toEqual(new DuckDBDateValue(0));
    expect(small?.[15]).toEqual(new DuckDBTimestampTZValue(-1n));
    expect(nulls).toEqual([4n, ...Array<null>(15).fill(null)]);
  });
});
