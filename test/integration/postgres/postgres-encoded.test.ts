/**
 * readEncoded against a real PostgreSQL server and PGlite over the wire protocol: its records are
 * byte for byte avsc's encoding of read()'s rows (encoded-comparison.ts) — full, windowed, chunked,
 * by COPY and by cursor, edge values included — and its batches end where they should, with the
 * right watermark. Errors: postgres-encoded-errors.test.ts.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableModel } from '../../../shared/model/column.js';
import type { PostgresSource } from '../../../shared/sources/postgres/postgres-source.js';
import {
  postgresTargets, type PostgresHandle,
} from '../../support/postgres-server.js';
import { GENERATED_ROWS } from './all-types-fixture.js';
import { avroRecords, closeAllTypes, encodedBatches, expectSameAsRead, openAllTypes, rowBatches } from './encoded-comparison.js';

const TARGETS = postgresTargets();

describe.each(TARGETS)('readEncoded on $name', ({ start, skip }) => {
  let handle: PostgresHandle;
  let schema: string;
  let copy: PostgresSource;
  let cursor: PostgresSource;
  let model: TableModel;
  let admin: pg.Client;

  beforeAll(async () => {
    if (skip) return;
    ({ handle, schema, copy, cursor, model, admin } = await openAllTypes(start));
  });

  afterAll(async () => {
    if (skip) return;
    await closeAllTypes({ handle, schema, copy, cursor, admin });
  });

  describe.skipIf(skip)('the same bytes as encoding read()', () => {
    it('a full read of every type, batch for batch', async () => {
      const batches = await expectSameAsRead(copy, { model, batchSize: 64 });
      expect(batches.map((b) => b.rows)).toEqual([64, 64, 64, 11]);
    });

    it('a windowed read with includeNulls; maxWatermark is the batch\'s largest value, null when it has none', async () => {
      const window = { column: 'c_ts', low: '2024-01-01T05:00:00.000000', high: '2024-01-03T00:00:00.000000', includeNulls: true };
      const batches = await expectSameAsRead(copy, { model, batchSize: 10, window });
      expect(batches.reduce((n, b) => n + b.rows, 0)).toBe(1 + 44);
      const single = await expectSameAsRead(copy, { model, batchSize: 1, window });
      expect(single.map((b) => b.maxWatermark)).toContain(null); // row 3, whose c_ts is NULL
      expect(single.at(-1)!.maxWatermark).toBe(1_704_240_000_000_000); // 2024-01-03T00:00
    });

    it('watermarks beyond 2^53 are bigints; dates, timestamps and integers all report', async () => {
      const open = (column: string) => ({ column, low: null, high: null, includeNulls: true });
      const wide = await expectSameAsRead(copy, { model, batchSize: 2, window: open('c_int8') });
      expect(wide[0]!.maxWatermark).toBe(9223372036854775807n);
      expect(wide[1]!.maxWatermark).toBe(1); // row 3 (NULL) and generated row 1
      expect((await expectSameAsRead(copy, { model, batchSize: 500, window: open('c_ts') }))[0]!.maxWatermark).toBe(253_402_300_799_999_999n);
      expect((await expectSameAsRead(copy, { model, batchSize: 500, window: open('c_date') }))[0]!.maxWatermark).toBe(2_932_896);
      const instant = await expectSameAsRead(copy, { model, batchSize: 500, window: { column: 'c_tstz', low: '2024-01-01T00:00:00.000000Z', high: null, includeNulls: false } });
      expect(instant[0]!.maxWatermark).toBe(1_706_713_872_123_456);
    });

    it('a chunked read, each chunk alone and combined with a window', async () => {
      let total = 0;
      for (let index = 0; index < 3; index++) {
        const batches = await expectSameAsRead(copy, { model, batchSize: 25, chunk: { index, count: 3 } });
        total += batches.reduce((n, b) => n + b.rows, 0);
      }
      expect(total).toBe(GENERATED_ROWS + 3);
      await expectSameAsRead(copy, { model, batchSize: 25, chunk: { index: 1, count: 2 }, window: { column: 'c_int8', low: '10', high: '30', includeNulls: false } });
    });

    it('the cursor path yields the same bytes as the COPY path', async () => {
      const viaCopy = await encodedBatches(copy, { model, batchSize: 1000 });
      const viaCursor = await encodedBatches(cursor, { model, batchSize: 1000 });
      expect(Buffer.concat(viaCursor.map((b) => b.records)).equals(Buffer.concat(viaCopy.map((b) => b.records)))).toBe(true);
      await expectSameAsRead(cursor, { model, batchSize: 30, window: { column: 'c_date', low: '2024-01-05', high: null, includeNulls: true } });
    });
  });

  describe.skipIf(skip)('batches', () => {
    it('end with the record that reaches batchBytes, or at batchSize rows', async () => {
      const rows = (await rowBatches(copy, { model, batchSize: 1000 })).flat();
      const sizes = avroRecords(model, rows).map((r) => r.length);
      for (const [batchBytes, batchSize] of [[500, 1000], [1, 1000], [4000, 7]] as const) {
        const expected: [number, number][] = [];
        let count = 0;
        let bytes = 0;
        for (const size of sizes) {
          count++;
          bytes += size;
          if (count >= batchSize || bytes >= batchBytes) {
            expected.push([count, bytes]);
            count = 0;
            bytes = 0;
          }
        }
        if (count > 0) expected.push([count, bytes]);
        const batches = await encodedBatches(copy, { model, batchSize, batchBytes });
        expect(batches.map((b) => [b.rows, b.records.length]), `batchBytes ${batchBytes}, batchSize ${batchSize}`).toEqual(expected);
      }
    });

    it('a consumer that stops early releases the read; the next read sees everything', async () => {
      for (const source of [copy, cursor]) {
        for await (const batch of source.readEncoded({ model, batchSize: 10 })) {
          expect(batch.rows).toBe(10);
          break;
        }
        const batches = await encodedBatches(source, { model, batchSize: 1000 });
        expect(batches.reduce((n, b) => n + b.rows, 0)).toBe(GENERATED_ROWS + 3);
      }
    });

    it('refuses a batch byte target that is not a positive whole number', async () => {
      await expect(encodedBatches(copy, { model, batchSize: 10, batchBytes: 0 })).rejects.toThrow('batch bytes 0 must be a whole number of bytes, at least 1');
    });
  });

  describe.skipIf(skip)('edge values', () => {
    it('extreme numbers, floats, long text and a bytea larger than a batch: the same bytes', async () => {
      await admin.query(`CREATE TABLE bordes (
        id int PRIMARY KEY, i8 bigint, r real, d double precision, n numeric(38,10), m numeric(18,2), s numeric(16,0),
        t text, b bytea, dt date, ts timestamp, tz timestamptz)`);
      await admin.query(`INSERT INTO bordes VALUES
        (1, 9007199254740991, 'NaN', 'NaN', 0.0000000001, 9999999999999999.99, 9007199254740991, repeat('ü', 40000), decode(repeat('00ff', 600000), 'hex'),
         '0001-01-01', '1500-06-01 12:00:00.000001', '2500-01-01 00:00:00+00'),
        (2, 9007199254740992, 'Infinity', '-Infinity', -0.0000000001, -9999999999999999.99, -9007199254740992, '', '\\x',
         '9999-12-31', '1715-01-01 00:00:00', '2285-12-31 23:59:59.999999+00'),
        (3, -9007199254740993, '-0', '-0', 0, 0.01, 9999999999999999, 'x', '\\x00',
         '1970-01-01', '1970-01-01 00:00:00', '1969-12-31 23:59:59.999999+00'),
        (4, -9223372036854775808, 1.4e-45, 4.9e-324, 123456789012345678.9012345678, 90071992547409.91, -9007199254740991, NULL, NULL,
         NULL, '2000-01-01 00:00:00', NULL)`);
      const edges = await copy.describe('bordes', { profile: false });
      await expectSameAsRead(copy, { model: edges, batchSize: 1 });
      const batches = await encodedBatches(copy, { model: edges, batchSize: 100 });
      expect(batches.map((b) => b.rows)).toEqual([1, 3]); // the 1.2 MB bytea fills the first batch alone
      expect(batches[0]!.records.length).toBeGreaterThan(1_200_000);
    });
  });
});
