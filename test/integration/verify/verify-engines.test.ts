/**
 * `datapipe verify`'s SQL executed for real on every engine that runs here, over the same fidelity
 * edge values loaded through each warehouse's own load path: DuckDB (the local warehouse), the
 * Redshift dialect on PostgreSQL through the Redshift Data API fake (Redshift's twin), and the
 * Databricks dialect on Spark + Delta through the Statement Execution API fake (Databricks' twin).
 * Every engine must spell every row, every profile statistic and every bucket aggregate
 * identically — byte for byte — or verify would report differences that are not there.
 * (BigQuery's dialect is checked by ZetaSQL in bigquery-verify-zetasql.test.ts; PostgreSQL as a
 * source in verify-postgres-duckdb.test.ts.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/log.js';
import type { Row } from '../../../shared/model/column.js';
import { keyColumns, rowText } from '../../../shared/verify/canonical-sql.js';
import { bucketsSql, profileSql } from '../../../shared/verify/verify-sql.js';
import type { VerifySide } from '../../../shared/verify/verify-side.js';
import { openDuckDbWarehouse } from '../../../shared/warehouses/duckdb/duckdb-warehouse.js';
import { openRedshiftWarehouse } from '../../../shared/warehouses/redshift/redshift-warehouse.js';
import type { Warehouse } from '../../../shared/warehouses/warehouse.js';
import { sharedDatabricksFake, skipWithoutDatabricksFake, type DatabricksFake } from '../../support/databricks-fake.js';
import { MemoryStore } from '../../support/memory-store.js';
import { withoutColumns } from '../../support/model-fixtures.js';
import { folderObjectReader, skipWithoutRedshiftFake, startRedshiftDataFake } from '../../support/redshift-data-fake.js';
import { FakeStaging, loadRequest as databricksRequest, openFakeWarehouse } from '../databricks/warehouse-fixtures.js';
import { days, decimal, loadRequest as duckDbRequest, micros, writeParts as duckDbParts } from '../duckdb/load-fixtures.js';
import { ALL_TYPES, ALL_TYPES_ROWS, DESTINATION, putObject, loadRequest as redshiftRequest, writeParts as redshiftParts } from '../redshift/warehouse-fixtures.js';

/** Every canonical kind but a decimal wider than 38 digits (which only Redshift keeps, as text). */
const MODEL = withoutColumns(ALL_TYPES, 'wide');
const TEXT_ROWS: Row[] = ALL_TYPES_ROWS.map(({ wide: _wide, ...row }) => row);

/** The same rows in the standard AVRO encoding (decimals as bytes, dates as days, times as micros). */
const STANDARD_ROWS: Row[] = TEXT_ROWS.map((row) => ({
  ...row,
  updated: row.updated === null ? null : micros(row.updated as string),
  amount: row.amount === null ? null : decimal(row.amount as string, 38, 9),
  raw: row.raw === null ? null : Buffer.from(row.raw as string, 'hex'),
  day: row.day === null ? null : days(row.day as string),
  at: row.at === null ? null : micros((row.at as string).replace(/\+00$/, '')),
}));

const skipRedshift = skipWithoutRedshiftFake('verify SQL on the Redshift twin');
const skipDatabricks = skipWithoutDatabricksFake('verify SQL on the Spark twin');

interface Spelling {
  rows: Record<string, string>;
  profile: Record<string, unknown>;
  buckets: Record<string, unknown>[];
}

/** What one warehouse computes: every row's canonical text, the profile, and the 16 bucket aggregates. */
async function spelling(warehouse: Warehouse): Promise<Spelling> {
  return warehouse.verifySession(MODEL, async (side: VerifySide) => {
    const { dialect: d } = side.table;
    const key = rowText(d, keyColumns(MODEL), (c) => side.table.column(c));
    const row = rowText(d, MODEL.columns, (c) => side.table.column(c));
    const rows = await side.query(`SELECT ${key} AS ${d.quote('kt')}, ${row} AS ${d.quote('rt')} FROM ${side.table.from}`, {}, 'test');
    const profile = profileSql(side.table, null);
    const buckets = bucketsSql(side.table, 'rows', null, 1);
    const aggregates = (await side.query(buckets.sql, buckets.params, 'test')).map((b) => ({ b: String(b.b), n: String(b.n), s: String(b.s) }));
    return {
      rows: Object.fromEntries(rows.map((r) => [String(r.kt), String(r.rt)])),
      profile: Object.fromEntries(Object.entries((await side.query(profile.sql, profile.params, 'test'))[0]!).map(([k, v]) => [k, v === null ? null : String(v)])),
      buckets: aggregates.sort((x, y) => x.b.localeCompare(y.b)),
    };
  });
}

let reference: Spelling;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'datapipe-verify-engines-'));
  const warehouse = await openDuckDbWarehouse(join(dir, 'warehouse.duckdb'), silentLogger);
  try {
    const store = new MemoryStore();
    await warehouse.ensureTable(MODEL, 'updated');
    await warehouse.load(duckDbRequest(store, MODEL, 'r1', await duckDbParts(store, MODEL, 'r1', [STANDARD_ROWS]), { partitionColumn: 'updated' }));
    reference = await spelling(warehouse);
  } finally {
    await warehouse.close();
    await rm(dir, { recursive: true, force: true });
  }
});

describe('verify SQL on DuckDB, the reference', () => {
  it('spells the edge values as documented', () => {
    expect(Object.keys(reference.rows).sort()).toEqual(['-9223372036854775808', '0', '1', '2', '3', '9223372036854775807']);
    expect(reference.rows['-9223372036854775808']).toBe(
      '-9223372036854775808|0001-01-01 00:00:00|-99999999999999999999999999999.999999999|-0|-0|0:|2:{}|3:P0D||0001-01-01|0001-01-01 00:00:00|false');
    // float32 0.1 is 13421773·2^-27; the largest double (2^53-1)·2^971; 2^-1022 the smallest normal;
    // the largest float32 (2^24-1)·2^104 — each as its 53-bit mantissa and exponent.
    expect(reference.rows['0']).toBe('0|1970-01-01 00:00:00.000001|0.000000001|Inf|7205759511166976p-56|~|~|~|~|~|2024-05-01 10:00:00.000001|~');
    expect(reference.rows['1']).toBe('1|~|-0.5|-Inf|~|1: |~|~|00|1970-01-01|~|~');
    expect(reference.rows['2']).toBe('2|~|~|9007199254740991p971|~|~|~|~|~|~|~|~');
    expect(reference.rows['3']).toBe('3|~|~|4503599627370496p-1074|~|~|~|~|~|~|~|~');
    expect(reference.rows['9223372036854775807']).toBe('9223372036854775807|9999-12-31 23:59:59.999999|99999999999999999999999999999.999999999|NaN|9007198717870080p75|'
      + '31:Ñandú ✓ 日本 🎉 "quoted" it\'s\nline|18:{"a":[1,2.5,null]}|18:P1Y2M3DT4H5M6.789S|00ff10deadbeef|9999-12-31|9999-12-31 23:59:59.999999|true');
    expect(reference.profile).toEqual({
      row_count: '6', p0_n: '6', p0_min: '-9223372036854775808', p0_max: '9223372036854775807', p0_sum: '5',
      p1_n: '3', p1_min: '0001-01-01 00:00:00', p1_max: '9999-12-31 23:59:59.999999',
      p2_n: '4', p2_min: '-99999999999999999999999999999.999999999', p2_max: '99999999999999999999999999999.999999999',
      p3_n: '6', p3_min: '-Inf', p3_max: 'Inf', p3_nan: '1', p4_n: '3', p4_min: '0', p4_max: '9007198717870080p75', p4_nan: '0',
      p5_n: '3', p5_length: '32', p6_n: '2', p6_length: '20', p7_n: '2', p7_length: '21', p8_n: '3', p8_length: '8',
      p9_n: '3', p9_min: '0001-01-01', p9_max: '9999-12-31', p10_n: '3', p10_min: '0001-01-01 00:00:00', p10_max: '9999-12-31 23:59:59.999999',
      p11_n: '2', p11_true: '1',
    });
  });
});

describe.skipIf(skipRedshift)('verify SQL in the Redshift dialect on PostgreSQL (Redshift\'s twin, through the Data API fake)', () => {
  it('spells every row, profile statistic and bucket exactly as DuckDB does', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'fake', AWS_SECRET_ACCESS_KEY: 'fake' });
    const root = await mkdtemp(join(tmpdir(), 'datapipe-verify-redshift-'));
    const { fake, stop } = await startRedshiftDataFake({ reader: folderObjectReader(root), schemas: [DESTINATION.redshift.schema!] });
    try {
      const warehouse = await openRedshiftWarehouse(DESTINATION, silentLogger, { endpoint: fake.endpoint, putObject: putObject(root) });
      try {
        await warehouse.ensureTable(MODEL, 'updated');
        await warehouse.load(redshiftRequest(MODEL, 'r1', await redshiftParts(root, MODEL, 'r1', [TEXT_ROWS])));
        expect(await spelling(warehouse)).toEqual(reference);
      } finally {
        await warehouse.close();
      }
    } finally {
      await stop();
      await rm(root, { recursive: true, force: true });
      process.env = saved;
    }
  });
});

describe.skipIf(skipDatabricks)('verify SQL in the Databricks dialect on Spark + Delta (Databricks\' twin, through the Statement Execution API fake)', () => {
  let fake: DatabricksFake;
  const schema = `verify_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    fake = await sharedDatabricksFake();
    await fake.sql(`CREATE SCHEMA main.${schema}`);
  }, 240_000);
  afterAll(async () => {
    await fake?.sql(`DROP SCHEMA IF EXISTS main.${schema} CASCADE`);
  });

  it('spells every row, profile statistic and bucket exactly as DuckDB does', async () => {
    const warehouse = await openFakeWarehouse(fake, schema);
    try {
      const staging = new FakeStaging(fake, `verify-${schema}`);
      await warehouse.ensureTable(MODEL, 'updated');
      await warehouse.load(databricksRequest(MODEL, 'r1', await staging.writeParts(MODEL, 'r1', [STANDARD_ROWS]), { partitionColumn: 'updated' }));
      expect(await spelling(warehouse)).toEqual(reference);
    } finally {
      await warehouse.close();
    }
  }, 240_000);
});
