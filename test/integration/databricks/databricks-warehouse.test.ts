/**
 * The Databricks warehouse (shared/warehouses/databricks/) through its real HTTP client against
 * the Databricks FAKE (test/tools/databricks_fake.py): the Statement Execution API answered at the
 * HTTP boundary as Databricks documents it, every statement run for real on Apache Spark 4.0 +
 * Delta Lake 4.0 (the Spark twin), after the fake's rewrites (read_files → a temporary view over
 * the same local files, Unity Catalog names → Spark databases, QUALIFY → a subquery, `:name`
 * parameters → typed literals). Parts are written by DataPipe's own PartWriter. Failures, polling
 * and cancel: databricks-warehouse-failures.test.ts; what only the real service can confirm:
 * databricks-live.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractError, TerminalError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/log.js';
import type { DatabricksWarehouse } from '../../../shared/warehouses/databricks/databricks-warehouse.js';
import type { StagedPart } from '../../../shared/warehouses/warehouse.js';
import { sharedDatabricksFake, skipWithoutDatabricksFake, type DatabricksFake } from '../../support/databricks-fake.js';
import { column, EXACT_TIES } from '../../support/model-fixtures.js';
import { decimal, micros } from '../duckdb/load-fixtures.js';
import { UNICODE, everything, rows } from './twin-fixtures.js';
import { FakeStaging, lines, loadRequest, openFakeWarehouse, orders } from './warehouse-fixtures.js';

const SKIP = skipWithoutDatabricksFake('databricks warehouse');
const NINES = '9'.repeat(38);
const FINE = ['0', '0.01', '-0.01', '1', '0.0000000001', `0.${'0'.repeat(37)}1`];
const FINE_TAIL = ['true', 'x', '{}', 'P-1D', 'AA==', '1970-01-01', '1970-01-01 00:00:00.000001', '1969-12-31 23:59:59.999999'];

/** Every column as Spark's text (binary as base64: the fake's rendering of JSON_ARRAY values). */
const EVERYTHING = (table: string) => `SELECT * FROM ${table} ORDER BY id`;

describe.skipIf(SKIP)('Databricks warehouse against the FAKE (Spark + Delta twin): loads of every canonical type', () => {
  let fake: DatabricksFake;
  let warehouse: DatabricksWarehouse;
  const schema = `dw_${randomBytes(4).toString('hex')}`;
  let staging: FakeStaging;

  beforeAll(async () => {
    fake = await sharedDatabricksFake();
    await fake.sql(`CREATE SCHEMA main.${schema}`);
    staging = new FakeStaging(fake, `datapipe/${schema}`);
    warehouse = await openFakeWarehouse(fake, schema);
  }, 240_000);

  afterAll(async () => {
    await warehouse?.close();
    await fake?.sql(`DROP SCHEMA IF EXISTS main.${schema} CASCADE`);
  });

  it('creates the target as a Delta table clustered by its key, with the mapped types and NOT NULL keys', async () => {
    await warehouse.ensureTable(everything, 'local_at');
    const described = await fake.sql(`DESCRIBE TABLE main.${schema}.everything`);
    expect(described.rows.map(([name, type]) => `${name} ${type}`)).toEqual([
      'id bigint', 'big bigint', 'd4 decimal(4,2)', 'd18 decimal(18,2)', 'd38_0 decimal(38,0)', 'd38_10 decimal(38,10)',
      'd38_38 decimal(38,38)', 'ratio double', 'small float', 'flag boolean', 'name string', 'doc string', 'span string',
      'payload binary', 'day date', 'local_at timestamp_ntz', 'utc_at timestamp',
    ]);
    const detail = await fake.sql(`DESCRIBE DETAIL main.${schema}.everything`);
    const columns = detail.columns.map((c) => c.name);
    expect(detail.rows[0]?.[columns.indexOf('format')]).toBe('delta');
    expect(detail.rows[0]?.[columns.indexOf('clusteringColumns')]).toBe('["id"]');
    // Idempotent: a second ensureTable finds the table as it made it.
    await warehouse.ensureTable(everything, 'local_at');
  });

  it('loads run r1 (3 parts, 7 rows) and reads back every value exactly: extremes, NULLs, NaN, ±Infinity, -0.0, bytes, years 1 and 9999', async () => {
    const parts = await staging.writeParts(everything, 'r1', [rows.slice(0, 3), rows.slice(3, 4), rows.slice(4)]);
    // A stray part of another attempt in the same run folder, listed by no manifest: never read.
    writeFileSync(`${fake.abfssRoot}/datapipewh/staging/${staging.key(everything, 'r1', 'part-0000-b-000000.avro')}`, 'not avro');
    const result = await warehouse.load(loadRequest(everything, 'r1', parts, { partitionColumn: 'local_at', watermark: '9999-12-31 23:59:59.999999' }));
    expect(result).toEqual({ staged: 7, deduplicated: 7, targetRows: 7 });
    const target = await fake.sql(EVERYTHING(`main.${schema}.everything`));
    expect(target.rows).toEqual([
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
      ['3', ...FINE, '0.1', '0.1', ...FINE_TAIL],
      ['4', ...Array<null>(16).fill(null)],
      ['5', ...FINE, 'NaN', 'Infinity', ...FINE_TAIL],
      ['6', ...FINE, '-0.0', '-Infinity', ...FINE_TAIL],
      ['7', ...FINE, '-Infinity', '-0.0', ...FINE_TAIL],
    ]);
    // Bits, not just text: the bytes, the instant of a TIMESTAMP, the float32 widened exactly, UTF-8 length (with the NUL).
    const bits = await fake.sql(`SELECT id, hex(payload), unix_micros(utc_at), CAST(small AS DOUBLE), octet_length(name) FROM main.${schema}.everything WHERE id IN (1, 2, 6) ORDER BY id`);
    expect(bits.rows).toEqual([
      ['1', '00FF00', '253402300799999999', '3.4028234663852886E38', String(Buffer.byteLength(UNICODE))],
      ['2', '', '-62135596800000000', '-1.401298464324817E-45', '0'],
      ['6', '00', '-1', '-Infinity', '1'],
    ]);
    expect(await warehouse.latestLoad('everything')).toEqual({ runId: 'r1', mode: 'incremental', rowsStaged: 7, rowsLoaded: 7, watermark: '9999-12-31 23:59:59.999999' });
  });

  it('merges run r2 (one part empty): the later of two staged versions of a key wins, an older partition value still overwrites the target, new keys are inserted', async () => {
    const later = { ...rows[2]!, id: 1, name: 'later', local_at: micros('2024-05-01 00:00:00'), d38_10: decimal('-1.5', 38, 10), ratio: -0 };
    const earlier = { ...rows[2]!, id: 1, name: 'earlier', local_at: micros('2024-04-30 23:59:59.999999') };
    // An empty part among them: the pinned schema reads it as zero rows of the same types.
    const parts = await staging.writeParts(everything, 'r2', [[earlier, { ...rows[2]!, id: 8, name: 'new' }], [], [later]]);
    expect(await warehouse.load(loadRequest(everything, 'r2', parts, { partitionColumn: 'local_at' }))).toEqual({ staged: 3, deduplicated: 2, targetRows: 8 });
    const kept = await fake.sql(`SELECT id, name, CAST(d38_10 AS STRING), CAST(ratio AS STRING), CAST(local_at AS STRING) FROM main.${schema}.everything WHERE id IN (1, 2, 8) ORDER BY id`);
    expect(kept.rows).toEqual([
      ['1', 'later', '-1.5000000000', '-0.0', '2024-05-01 00:00:00'],
      ['2', '', `-${NINES.slice(10)}.${NINES.slice(0, 10)}`, '-4.9E-324', '0001-01-01 00:00:00'],
      ['8', 'new', '0.0000000001', '0.1', '1970-01-01 00:00:00.000001'],
    ]);
  });
});

type OrderRow = [id: number | bigint, updatedAt: string | null, amount: string | null, ratio: number | null, note: string | null];

function order([id, updatedAt, amount, ratio, note]: OrderRow) {
  return { id, updated_at: updatedAt === null ? null : micros(updatedAt), amount: amount === null ? null : decimal(amount, 38, 9), ratio, note };
}

/** DuckDB's text of a double (EXACT_TIES.kept) as Spark writes it. */
const SPARK_DOUBLE: Record<string, string> = { '-1e+308': '-1.0E308', nan: 'NaN' };

/** One log line per statement (`statement succeeded`, with its label and ms), for the timings the suite prints. */
function timedLog(): { log: Logger; steps: { label: string; ms: number }[] } {
  const steps: { label: string; ms: number }[] = [];
  const stream = { write: (line: string) => {
    const record = JSON.parse(line) as { msg?: string; label?: string; ms?: number };
    if (record.msg === 'statement succeeded' && record.label) steps.push({ label: record.label, ms: record.ms ?? 0 });
  } };
  return { log: pino({ level: 'info' }, stream), steps };
}

describe.skipIf(SKIP)('Databricks warehouse against the FAKE (Spark + Delta twin): the load protocol', () => {
  let fake: DatabricksFake;
  let warehouse: DatabricksWarehouse;
  const schema = `dp_${randomBytes(4).toString('hex')}`;
  let staging: FakeStaging;
  const timed = timedLog();
  let r1Parts: StagedPart[] = [];

  beforeAll(async () => {
    fake = await sharedDatabricksFake();
    await fake.sql(`CREATE SCHEMA main.${schema}`);
    staging = new FakeStaging(fake, `datapipe/${schema}`);
    warehouse = await openFakeWarehouse(fake, schema, { log: timed.log });
    await warehouse.ensureTable(orders, 'updated_at');
    await warehouse.ensureTable(lines, null);
  }, 240_000);

  afterAll(async () => {
    await warehouse?.close();
    await fake?.sql(`DROP SCHEMA IF EXISTS main.${schema} CASCADE`);
  });

  const ORDERS = () => `SELECT id, CAST(updated_at AS STRING), CAST(amount AS STRING), CAST(ratio AS STRING), note FROM main.${schema}.orders ORDER BY id`;
  const LOADS = () => `SELECT table_name, run_id, mode, rows_staged, rows_loaded, watermark FROM main.${schema}._datapipe_loads ORDER BY table_name, loaded_at`;

  it('keeps one row per key: the latest partition value wins, a NULL one loses, and exact ties go to the greatest other columns (EXACT_TIES)', async () => {
    const ties: OrderRow[] = EXACT_TIES.staged.map(([id, amount, ratio, note]) => [id, EXACT_TIES.stamp, amount, ratio, note]);
    const latest: OrderRow[] = [
      [11, '2024-05-01 10:00:00', '1', 1, 'old'], [11, '2024-05-02 10:00:00', '2', 2, 'new'], [11, null, '9', 9, 'no date'],
      [12, null, '5', 5, 'only undated'], [12, null, '4', 4, 'smaller'],
    ];
    // Mixed across two parts, each key's rows in both orders.
    const staged = [...ties, ...latest];
    r1Parts = await staging.writeParts(orders, 'r1', [staged.filter((_, i) => i % 2 === 0).map(order), staged.filter((_, i) => i % 2 === 1).reverse().map(order)]);
    timed.steps.length = 0;
    expect(await warehouse.load(loadRequest(orders, 'r1', r1Parts, { partitionColumn: 'updated_at', watermark: '2024-05-02 10:00:00' })))
      .toEqual({ staged: 15, deduplicated: 7, targetRows: 7 });
    console.log(`[databricks warehouse] one incremental load on the twin, ms per statement: ${timed.steps.map((s) => `${s.label} ${s.ms}`).join(', ')}`);
    expect(timed.steps.map((s) => s.label)).toEqual(['check', 'continuity', 'merge', 'record', 'count']);
    expect((await fake.sql(ORDERS())).rows).toEqual([
      ...EXACT_TIES.kept.map(([id, amount, ratio, note]) => [String(id), `${EXACT_TIES.stamp}`, amount, SPARK_DOUBLE[String(ratio)] ?? ratio, note]),
      ['11', '2024-05-02 10:00:00', '2.000000000', '2.0', 'new'],
      ['12', null, '5.000000000', '5.0', 'only undated'],
    ]);
  });

  it('sends the run\'s exact parts to read_files (a glob of their names), options pinned, parameters typed, the token never recorded', async () => {
    const requests = (await fake.requests()).filter((r) => JSON.stringify(r.body).includes(`\`main\`.\`${schema}\``));
    const statements = requests.map((r) => (r.body as { statement?: string }).statement ?? '');
    const folder = `abfss://staging@datapipewh.dfs.core.windows.net/datapipe/${schema}/orders/run=r1/`;
    const read = `read_files('${folder}{part-0000-a-000000.avro,part-0000-a-000001.avro}', format => 'avro', datetimeRebaseMode => 'CORRECTED', ` +
      "schema => '`id` BIGINT, `updated_at` TIMESTAMP_NTZ, `amount` DECIMAL(38,9), `ratio` DOUBLE, `note` STRING')";
    const merge = statements.find((s) => s.startsWith('MERGE INTO'));
    expect(merge).toContain(`USING (\n  SELECT \`id\`, \`updated_at\`, \`amount\`, \`ratio\`, \`note\`\n  FROM ${read}\n  WHERE TRUE\n  QUALIFY ROW_NUMBER()`);
    expect(statements.filter((s) => s.includes('read_files(')).every((s) => s.split('read_files(').slice(1).every((call) => call.startsWith(read.slice('read_files('.length))))).toBe(true);
    const record = requests.find((r) => ((r.body as { statement?: string }).statement ?? '').startsWith(`INSERT INTO \`main\`.\`${schema}\`.\`_datapipe_loads\``));
    expect(record?.body).toMatchObject({
      warehouse_id: fake.warehouseId, wait_timeout: '10s', on_wait_timeout: 'CONTINUE', disposition: 'INLINE', format: 'JSON_ARRAY',
      parameters: [
        { name: 'table_name', value: 'orders', type: 'STRING' }, { name: 'run_id', value: 'r1', type: 'STRING' },
        { name: 'mode', value: 'incremental', type: 'STRING' }, { name: 'rows_staged', value: '15', type: 'BIGINT' },
        { name: 'rows_loaded', value: '7', type: 'BIGINT' }, { name: 'watermark', value: '2024-05-02 10:00:00', type: 'STRING' },
      ],
    });
    expect(requests.every((r) => r.headers.authorization === 'Bearer <redacted>' && r.headers['user-agent'] === 'datapipe')).toBe(true);
    expect(JSON.stringify(requests)).not.toContain(fake.token);
  });

  it('refuses a stale run before changing anything; loading the latest run again changes nothing and records it once', async () => {
    const before = (await fake.sql(ORDERS())).rows;
    const parts = await staging.writeParts(orders, 'r3', [[order([1, '2024-06-01 00:00:00', '1', 1, 'stale'])]]);
    const stale = await warehouse.load(loadRequest(orders, 'r3', parts, { partitionColumn: 'updated_at', baseRunId: 'r0' })).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(TerminalError);
    expect((stale as TerminalError).exitCode).toBe(2);
    expect((stale as Error).message).toBe('ORDERS: run r3 was extracted after run r0, but the warehouse has since merged run r1 — its rows are older; extract a new run instead of loading this one');

    // The same request as the first load (a retry after a crash between the merge and _state.json).
    expect(await warehouse.load(loadRequest(orders, 'r1', r1Parts, { partitionColumn: 'updated_at', watermark: '2024-05-02 10:00:00' })))
      .toEqual({ staged: 15, deduplicated: 7, targetRows: 7 });
    expect((await fake.sql(ORDERS())).rows).toEqual(before);
    expect((await fake.sql(LOADS())).rows).toEqual([['orders', 'r1', 'incremental', '15', '7', '2024-05-02 10:00:00']]);
  });

  it('replaces the target in full mode with one INSERT OVERWRITE, the load recorded', async () => {
    const parts = await staging.writeParts(orders, 'r2', [[
      order([3, '2024-06-01 00:00:00', '3', 3, 'old']), order([3, '2024-06-02 00:00:00', '3.5', 3.5, 'kept']),
      order([20, '2024-06-02 00:00:00', '-0.000000001', null, '']),
    ]]);
    expect(await warehouse.load(loadRequest(orders, 'r2', parts, { mode: 'full', partitionColumn: 'updated_at' }))).toEqual({ staged: 3, deduplicated: 2, targetRows: 2 });
    expect((await fake.sql(ORDERS())).rows).toEqual([
      ['3', '2024-06-02 00:00:00', '3.500000000', '3.5', 'kept'],
      ['20', '2024-06-02 00:00:00', '-0.000000001', null, ''],
    ]);
    expect((await fake.sql(LOADS())).rows).toEqual([
      ['orders', 'r1', 'incremental', '15', '7', '2024-05-02 10:00:00'],
      ['orders', 'r2', 'full', '3', '2', null],
    ]);
    // Where the twin differs: open-source Delta 4.0.1 resets a table's clustering keys on any
    // overwrite (INSERT OVERWRITE, INSERT INTO … REPLACE WHERE); whether Databricks keeps them is
    // asserted by databricks-live.test.ts. Either way no row is affected: only how files are laid out.
    const detail = await fake.sql(`DESCRIBE DETAIL main.${schema}.orders`);
    expect(detail.rows[0]?.[detail.columns.findIndex((c) => c.name === 'clusteringColumns')]).toBe('[]');
  });

  it('stops with exit 3 on a NULL key, a short stage, a missing part and a part of another schema, before any change', async () => {
    const nullKey = await staging.writeParts(lines, 'r1', [[{ order_id: 1, line_no: null, qty: 1 }, { order_id: 1, line_no: 2, qty: 2 }]]);
    const failure = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e as Error);
    const refused = await failure(warehouse.load(loadRequest(lines, 'r1', nullKey)));
    expect(refused).toBeInstanceOf(ContractError);
    expect(refused?.message).toBe('table lines, run r1: 1 staged rows have NULL in primary-key column line_no; a primary key is never NULL — fix the source rows or the table\'s primary_keys in config.yaml');

    const good = await staging.writeParts(lines, 'r2', [[{ order_id: 1, line_no: 1, qty: 1 }]]);
    const short = await failure(warehouse.load(loadRequest(lines, 'r2', good, { baseRunId: null, expectedRows: 2 })));
    expect(short).toBeInstanceOf(ContractError);
    expect(short?.message).toBe('stage for lines run r2 holds 1 rows but the manifests list 2 — the staged files are incomplete; re-run the extractor for this run');

    const listed = { ...good[0]!, key: good[0]!.key.replace('-a-', '-z-'), uri: good[0]!.uri.replace('-a-', '-z-') };
    const oneMissing = await failure(warehouse.load(loadRequest(lines, 'r2', [...good, listed], { baseRunId: null, expectedRows: 2 })));
    expect(oneMissing?.message).toMatch(/^stage for lines run r2 holds 1 rows but the manifests list 2/);
    const allMissing = await failure(warehouse.load(loadRequest(lines, 'r2', [listed], { baseRunId: null, expectedRows: 1 })));
    expect(allMissing).toBeInstanceOf(ContractError);
    expect(allMissing?.message).toMatch(/^loading lines run r2 into Databricks main\.dp_[0-9a-f]+: \[PATH_NOT_FOUND\] Path does not exist: abfss:\/\/staging@datapipewh.*part-0000-z-000000\.avro.* — a staged part the manifests list is missing; re-run the extractor for this run$/);
    // A part whose field is not of its column's type (written with another schema): read_files' pinned schema refuses it.
    const otherSchema = await staging.writeParts({ ...lines, columns: [...lines.columns.slice(0, 2), column('qty', { kind: 'string' })] }, 'r3', [[{ order_id: 1, line_no: 1, qty: 'one' }]]);
    const mistyped = await failure(warehouse.load(loadRequest(lines, 'r3', otherSchema, { baseRunId: null })));
    expect(mistyped).toBeInstanceOf(ContractError);
    expect(mistyped?.message).toMatch(/^loading lines run r3 into Databricks main\.dp_[0-9a-f]+: \[FAILED_READ_FILE\.NO_HINT\] Encountered error while reading file abfss:\/\/staging@datapipewh\.dfs\.core\.windows\.net\/.*\/lines\/run=r3\/part-0000-a-000000\.avro\..* — the staged data does not fit the table; fix the source rows or the schema, then re-run the extractor$/);
    expect((await fake.sql(`SELECT count(*) FROM main.${schema}.lines`)).rows).toEqual([['0']]);
    expect((await fake.sql(`SELECT count(*) FROM main.${schema}._datapipe_loads WHERE table_name = 'lines'`)).rows).toEqual([['0']]);
  });
});
