/**
 * The Databricks FAKE and its Spark twin (test/tools/databricks_fake.py), proven with real DataPipe
 * AVRO: parts written by the extractor's PartWriter are read through the fake's Statement Execution
 * API with read_files(…, format => 'avro', datetimeRebaseMode => 'CORRECTED') and must come back
 * exactly; a Delta table is merged from them with QUALIFY; failures come back FAILED with Spark's
 * message and SQLSTATE. Where the twin cannot be Databricks, the test says so.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDatabricksFake, skipWithoutDatabricksFake, type DatabricksFake } from '../../support/databricks-fake.js';
import { UNICODE, everything, execute, rows, startAzuriteBlob, writeRun, type AzuriteBlob, type StatementResponse } from './twin-fixtures.js';
import { days, decimal, micros } from '../duckdb/load-fixtures.js';

const SKIP = skipWithoutDatabricksFake('databricks spark twin');
const NINES = '9'.repeat(38);
const ACCOUNT = 'datapipefake';
const CONTAINER = 'staging';

describe.skipIf(SKIP)('Databricks fake: read_files over DataPipe AVRO, Delta MERGE with QUALIFY, failures', () => {
  let fake: DatabricksFake;
  const prefix = `twin-${randomBytes(4).toString('hex')}`;
  const schema = `twin_${randomBytes(4).toString('hex')}`;
  let run1: string;

  beforeAll(async () => {
    fake = await sharedDatabricksFake();
    const root = join(fake.abfssRoot, ACCOUNT, CONTAINER, prefix);
    // Four parts: the first three rows, row 4, then the special floats — so globs select a subset.
    await writeRun(root, 'r1', [rows.slice(0, 3), rows.slice(3, 4), rows.slice(4)]);
    run1 = `abfss://${CONTAINER}@${ACCOUNT}.dfs.core.windows.net/${prefix}/everything/run=r1/`;
    await fake.sql(`CREATE SCHEMA main.${schema}`);
  }, 240_000);

  afterAll(async () => {
    await fake?.sql(`DROP SCHEMA IF EXISTS main.${schema} CASCADE`);
  });

  it('maps every AVRO type of a DataPipe part to its Databricks type, and reads each value exactly', async () => {
    const answer = await execute(fake, `SELECT * FROM read_files('${run1}', format => 'avro', datetimeRebaseMode => 'CORRECTED') ORDER BY id`);
    expect(answer.status).toEqual({ state: 'SUCCEEDED' });
    expect(answer.manifest?.schema.columns.map((c) => [c.name, c.type_name, c.type_text])).toEqual([
      ['id', 'LONG', 'bigint'], ['big', 'LONG', 'bigint'],
      ['d4', 'DECIMAL', 'decimal(4,2)'], ['d18', 'DECIMAL', 'decimal(18,2)'],
      ['d38_0', 'DECIMAL', 'decimal(38,0)'], ['d38_10', 'DECIMAL', 'decimal(38,10)'], ['d38_38', 'DECIMAL', 'decimal(38,38)'],
      ['ratio', 'DOUBLE', 'double'], ['small', 'FLOAT', 'float'], ['flag', 'BOOLEAN', 'boolean'],
      ['name', 'STRING', 'string'], ['doc', 'STRING', 'string'], ['span', 'STRING', 'string'], ['payload', 'BINARY', 'binary'],
      ['day', 'DATE', 'date'], ['local_at', 'TIMESTAMP_NTZ', 'timestamp_ntz'], ['utc_at', 'TIMESTAMP', 'timestamp'],
    ]);
    expect(answer.manifest?.schema.columns[6]).toMatchObject({ type_precision: 38, type_scale: 38 });
    const fine = ['3', '0', '0.01', '-0.01', '1', '0.0000000001', `0.${'0'.repeat(37)}1`];
    const fineTail = ['true', 'x', '{}', 'P-1D', 'AA==', '1970-01-01', '1970-01-01 00:00:00.000001', '1969-12-31 23:59:59.999999'];
    expect(answer.result?.data_array).toEqual([
      [
        '1', '9223372036854775807', '99.99', '9999999999999999.99', NINES, `${NINES.slice(10)}.${NINES.slice(0, 10)}`, `0.${NINES}`,
        '1.7976931348623157E308', '3.4028235E38', 'true', UNICODE, '{"a":[1,2],"b":"ü"}', 'P1Y2M3DT4H5M6.789S', 'AP8A',
        '9999-12-31', '9999-12-31 23:59:59.999999', '9999-12-31 23:59:59.999999',
      ],
      [
        '2', '-9223372036854775808', '-99.99', '-9999999999999999.99', `-${NINES}`, `-${NINES.slice(10)}.${NINES.slice(0, 10)}`, `-0.${NINES}`,
        '-4.9E-324', '-1.4E-45', 'false', '', 'null', 'PT0S', '',
        '0001-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00',
      ],
      [...fine, '0.1', '0.1', ...fineTail],
      ['4', ...Array<null>(16).fill(null)],
      ['5', ...fine.slice(1), 'NaN', 'Infinity', ...fineTail],
      ['6', ...fine.slice(1), '-0.0', '-Infinity', ...fineTail],
      ['7', ...fine.slice(1), '-Infinity', '-0.0', ...fineTail],
    ]);
  });

  it('keeps the exact bits: bytes, float32 widening, NaN and -0.0 compare as Databricks compares them', async () => {
    const answer = await execute(fake,
      `SELECT id, hex(payload), CAST(small AS DOUBLE), isnan(ratio), ratio = 0, ratio = double('NaN'), octet_length(name), unix_micros(utc_at)
       FROM read_files('${run1}', format => 'avro', datetimeRebaseMode => 'CORRECTED') WHERE id IN (1, 2, 3, 5, 6) ORDER BY id`);
    expect(answer.result?.data_array).toEqual([
      ['1', '00FF00', '3.4028234663852886E38', 'false', 'false', 'false', String(Buffer.byteLength(UNICODE)), '253402300799999999'],
      ['2', '', '-1.401298464324817E-45', 'false', 'false', 'false', '0', '-62135596800000000'],
      ['3', '00', String(Math.fround(0.1)), 'false', 'false', 'false', '1', '-1'],
      // Spark (and so Databricks) SQL: NaN = NaN is true, and -0.0 = 0.
      ['5', '00', 'Infinity', 'true', 'false', 'true', '1', '-1'],
      ['6', '00', '-Infinity', 'false', 'true', 'false', '1', '-1'],
    ]);
  });

  it('without datetimeRebaseMode => CORRECTED, a 0001-01-01 date or timestamp fails the read (Spark\'s default EXCEPTION, as on Databricks)', async () => {
    const answer = await execute(fake, `SELECT day FROM read_files('${run1}', format => 'avro') WHERE id = 2`);
    expect(answer.status.state).toBe('FAILED');
    expect(answer.status.error?.error_code).toBe('BAD_REQUEST');
    expect(answer.status.error?.message).toMatch(/^\[INCONSISTENT_BEHAVIOR_CROSS_VERSION\.READ_ANCIENT_DATETIME\]/);
    expect(answer.status.error?.message).toContain('datetimeRebaseMode');
    expect(answer.status.sql_state).toBe('42K0B');
    // The same for timestamp-micros; local-timestamp-micros (TIMESTAMP_NTZ) is never rebased, so it reads.
    const utc = await execute(fake, `SELECT utc_at FROM read_files('${run1}', format => 'avro') WHERE id = 2`);
    expect(utc.status).toMatchObject({ state: 'FAILED', sql_state: '42K0B' });
    const local = await execute(fake, `SELECT local_at FROM read_files('${run1}', format => 'avro') WHERE id = 2`);
    expect(local.result?.data_array).toEqual([['0001-01-01 00:00:00']]);
  });

  it('reads a Hadoop glob of named parts, and a single part', async () => {
    const base = `${run1}part-0000-`;
    const both = await execute(fake, `SELECT count(*), min(id), max(id) FROM read_files('${base}{000000.avro,000002.avro}', format => 'avro', datetimeRebaseMode => 'CORRECTED')`);
    expect(both.result?.data_array).toEqual([['6', '1', '7']]);
    const one = await execute(fake, `SELECT id FROM read_files('${base}000001.avro', format => 'avro')`);
    expect(one.result?.data_array).toEqual([['4']]);
  });

  it('creates a Delta table under a Unity Catalog name and MERGEs staged rows into it, deduplicated with QUALIFY', async () => {
    const table = `main.${schema}.everything`;
    const columns = everything.columns.map((c) => c.name).join(', ');
    const create = await execute(fake,
      `CREATE TABLE ${table} (id BIGINT NOT NULL, big BIGINT, d4 DECIMAL(4,2), d18 DECIMAL(18,2), d38_0 DECIMAL(38,0),
        d38_10 DECIMAL(38,10), d38_38 DECIMAL(38,38), ratio DOUBLE, small FLOAT, flag BOOLEAN, name STRING, doc STRING,
        span STRING, payload BINARY, day DATE, local_at TIMESTAMP_NTZ, utc_at TIMESTAMP) USING DELTA`);
    expect(create.status).toEqual({ state: 'SUCCEEDED' });
    expect(create.manifest).toMatchObject({ total_row_count: 0, total_chunk_count: 0 });

    const merge = (run: string) => `MERGE INTO ${table} AS t USING (
        SELECT ${columns} FROM read_files('${run}', format => 'avro', datetimeRebaseMode => 'CORRECTED')
        QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY local_at DESC NULLS LAST) = 1
      ) AS s ON t.id = s.id
      WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *`;
    const first = await execute(fake, merge(run1));
    expect(first.status).toEqual({ state: 'SUCCEEDED' });
    expect(first.manifest?.schema.columns.map((c) => c.name)).toEqual(['num_affected_rows', 'num_updated_rows', 'num_deleted_rows', 'num_inserted_rows']);
    expect(first.result?.data_array).toEqual([['7', '0', '0', '7']]);

    // Run r2 stages id 1 twice (the later local_at wins) and a new id 8.
    const root = join(fake.abfssRoot, ACCOUNT, CONTAINER, prefix);
    const later = { ...rows[2]!, id: 1, name: 'later', local_at: micros('2024-05-01 00:00:00'), d38_10: decimal('-1.5', 38, 10) };
    const earlier = { ...rows[2]!, id: 1, name: 'earlier', local_at: micros('2024-04-30 23:59:59.999999') };
    await writeRun(root, 'r2', [[earlier, { ...rows[2]!, id: 8, day: days('2024-02-29') }], [later]]);
    const second = await execute(fake, merge(run1.replace('run=r1', 'run=r2')));
    expect(second.result?.data_array).toEqual([['2', '1', '0', '1']]);

    const kept = await fake.sql(`SELECT id, name, CAST(d38_10 AS STRING), CAST(local_at AS STRING), CAST(day AS STRING) FROM ${table} WHERE id IN (1, 2, 8) ORDER BY id`);
    expect(kept.rows).toEqual([
      ['1', 'later', '-1.5000000000', '2024-05-01 00:00:00', '1970-01-01'],
      ['2', '', `-${NINES.slice(10)}.${NINES.slice(0, 10)}`, '0001-01-01 00:00:00', '0001-01-01'],
      ['8', 'x', '0.0000000001', '1970-01-01 00:00:00.000001', '2024-02-29'],
    ]);
  });

  it('binds named parameters by casting their string value to the given type', async () => {
    const answer = await execute(fake,
      `SELECT id, :label AS label FROM read_files('${run1}', format => 'avro', datetimeRebaseMode => 'CORRECTED')
       WHERE local_at >= :since AND d18 > :amount AND day <> :day ORDER BY id`, {
        parameters: [
          { name: 'label', value: "it's" },
          { name: 'since', value: '1970-01-01 00:00:00', type: 'TIMESTAMP_NTZ' },
          { name: 'amount', value: '-0.02', type: 'DECIMAL(18,2)' },
          { name: 'day', value: '1999-01-01', type: 'DATE' },
        ],
      });
    expect(answer.manifest?.schema.columns.map((c) => c.type_name)).toEqual(['LONG', 'STRING']);
    expect(answer.result?.data_array).toEqual([['1', "it's"], ['3', "it's"], ['5', "it's"], ['6', "it's"], ['7', "it's"]]);
  });

  it('resolves Unity Catalog names: three-part, schema.table under the request catalog, bare names under catalog + schema', async () => {
    const table = `main.${schema}.names`;
    expect((await execute(fake, `CREATE TABLE ${table} AS SELECT 1 AS id`)).status).toEqual({ state: 'SUCCEEDED' });
    const threePart = await execute(fake, `SELECT id FROM ${table}`);
    const twoPart = await execute(fake, `SELECT n.id FROM ${schema}.names AS n`, { catalog: 'main' });
    const bare = await execute(fake, 'SELECT id FROM names', { catalog: 'main', schema });
    expect([threePart, twoPart, bare].map((a) => a.result?.data_array)).toEqual([[['1']], [['1']], [['1']]]);
    const tables = await execute(fake, `SHOW TABLES IN main.${schema}`);
    // The twin names the schema by its Spark database: Databricks would say `${schema}`.
    expect(tables.result?.data_array).toContainEqual([`main__${schema}`, 'names', 'false']);
    const missingSchema = await execute(fake, 'SELECT 1', { catalog: 'main', schema: 'no_such_schema' });
    expect(missingSchema.status).toMatchObject({ state: 'FAILED', sql_state: '42704' });
  });

  it('answers a failing statement with HTTP 200, state FAILED, Spark\'s message and its SQLSTATE', async () => {
    const missing = await execute(fake, `SELECT nope FROM main.${schema}.everything`);
    expect(missing.status.state).toBe('FAILED');
    expect(missing.status.error?.error_code).toBe('BAD_REQUEST');
    expect(missing.status.error?.message).toMatch(/^\[UNRESOLVED_COLUMN\.WITH_SUGGESTION\] A column, variable, or function parameter with name `nope` cannot be resolved/);
    expect(missing.status.sql_state).toBe('42703');

    const table = await execute(fake, `SELECT * FROM main.${schema}.absent`);
    expect(table.status.error?.message).toMatch(new RegExp(`^\\[TABLE_OR_VIEW_NOT_FOUND\\] The table or view \`main\`\\.\`${schema}\`\\.\`absent\` cannot be found`));
    expect(table.status.sql_state).toBe('42P01');

    const syntax: StatementResponse = await execute(fake, 'SELEC 1');
    expect(syntax.status).toEqual({
      state: 'FAILED', sql_state: '42601',
      error: { error_code: 'BAD_REQUEST', message: "[PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'. SQLSTATE: 42601" },
    });
  });
});

describe.skipIf(SKIP)('Databricks fake: read_files from Azurite (abfss:// resolved to the blob endpoint)', () => {
  let fake: DatabricksFake;
  let azurite: AzuriteBlob;
  const work = join(tmpdir(), `datapipe-twin-azurite-${randomBytes(4).toString('hex')}`);

  beforeAll(async () => {
    fake = await sharedDatabricksFake();
    azurite = await startAzuriteBlob();
    const keys = await writeRun(work, 'r1', [rows.slice(0, 3), rows.slice(3, 4), rows.slice(4)]);
    await azurite.upload(CONTAINER, keys.map((key) => ({ key: `datapipe/${key}`, path: join(work, key) })));
    await fake.registerBlobEndpoint(azurite.endpoint);
  }, 240_000);

  afterAll(async () => {
    await azurite?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('lists and downloads the blobs a folder or a glob names, then reads them exactly as from a folder', async () => {
    const run = `abfss://${CONTAINER}@${azurite.account}.dfs.core.windows.net/datapipe/everything/run=r1/`;
    const folder = await execute(fake, `SELECT count(*), CAST(sum(id) AS STRING), max(d38_0) FROM read_files('${run}', format => 'avro', datetimeRebaseMode => 'CORRECTED')`);
    expect(folder.result?.data_array).toEqual([['7', '28', NINES]]);
    const glob = await execute(fake, `SELECT id FROM read_files('${run}part-0000-{000001,000002}.avro', format => 'avro', datetimeRebaseMode => 'CORRECTED') ORDER BY id`);
    expect(glob.result?.data_array).toEqual([['4'], ['5'], ['6'], ['7']]);
    const missing = await execute(fake, `SELECT * FROM read_files('${run}part-9*.avro', format => 'avro')`);
    expect(missing.status.state).toBe('FAILED');
    expect(missing.status.error?.message).toMatch(/^\[PATH_NOT_FOUND\]/);
  });
});
