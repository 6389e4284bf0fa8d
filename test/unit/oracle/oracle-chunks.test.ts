/**
 * `--chunk i/n` on Oracle: ROWID boundaries from recorded DBA_EXTENTS rows, the snapshot token,
 * the ORA_HASH fallback, and — through the real extractor against a FAKE of the node-oracledb
 * boundary — one SCN and one set of ranges shared by every chunk of a run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extract } from '../../../services/extractor/extract.js';
import { formatAvsc, modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { findTable, loadConfig } from '../../../shared/config/load-config.js';
import { ContractError, TerminalError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/log.js';
import { boundaryBlocks, EXTENTS_SQL, rowidText, sortRowidsSql, TABLE_ORGANIZATION_SQL, type ExtentRow } from '../../../shared/sources/oracle/oracle-chunks.js';
import { parseSnapshot, readScope, snapshotToken } from '../../../shared/sources/oracle/oracle-snapshot.js';
import { CURRENT_SCN_SQL, DATABASE_SCN_SQL, PRIMARY_KEY_SQL } from '../../../shared/sources/oracle/oracle-sql.js';
import { MemoryStore } from '../../support/memory-store.js';
import { workspace } from '../../support/cli.js';
import { driverError, FakeOracleDriver, type FakeColumn } from './fake-oracledb.js';
import { capturingLogger, catalogDriver, col, connectFake, MODEL, MODEL_COLUMNS, MODEL_SELECT } from './oracle-fixtures.js';

/** A partitioned table's extents as DBA_EXTENTS returns them (NUMBER as text): 64 blocks in two data objects. */
const EXTENTS: ExtentRow[] = [
  { DATA_OBJECT_ID: '100', RELATIVE_FNO: '4', BLOCK_ID: '128', BLOCKS: '8' },
  { DATA_OBJECT_ID: '100', RELATIVE_FNO: '4', BLOCK_ID: '136', BLOCKS: '8' },
  { DATA_OBJECT_ID: '100', RELATIVE_FNO: '5', BLOCK_ID: '16', BLOCKS: '16' },
  { DATA_OBJECT_ID: '101', RELATIVE_FNO: '4', BLOCK_ID: '1024', BLOCKS: '32' },
];
const EXTENT_COLUMNS: FakeColumn[] = ['DATA_OBJECT_ID', 'RELATIVE_FNO', 'BLOCK_ID', 'BLOCKS'].map((name) => ({ name, dbTypeName: 'NUMBER' }));
const extentRows = (rows: ExtentRow[]) => rows.map((r) => [r.DATA_OBJECT_ID, r.RELATIVE_FNO, r.BLOCK_ID, r.BLOCKS]);
const SCN = { columns: [{ name: 'CURRENT_SCN', dbTypeName: 'VARCHAR2' }], rows: [['123456789012345']] };
const SORTED: FakeColumn[] = [{ name: 'B', dbTypeName: 'VARCHAR2' }];
const IOT_TYPE: FakeColumn[] = [{ name: 'IOT_TYPE', dbTypeName: 'VARCHAR2' }];

describe('ROWID boundaries', () => {
  it('writes extended ROWIDs as Oracle does, small- and bigfile', () => {
    // Oracle Concepts, "Rowid Format": AAAPec / AAF / AAAABS / AAA.
    expect(rowidText({ object: 63388, file: 5, block: 82 })).toBe('AAAPecAAFAAAABSAAA');
    // A bigfile tablespace (relative file 1024): block 20 as the 9-digit AAAAAAAAU.
    expect(rowidText({ object: 73749, file: 1024, block: 20 })).toBe('AAASAVAAAAAAAAUAAA');
    expect(rowidText({ object: 2 ** 32 - 1, file: 1023, block: 2 ** 22 - 1 }, 2 ** 16 - 1)).toBe('D/////AP/AAP///P//');
    expect(() => rowidText({ object: 1, file: 4, block: 2 ** 22 })).toThrow('block number 4194304 is outside an extended ROWID (0..4194303)');
  });

  it('cuts the extents laid end to end into runs of equal block counts, across files and data objects', () => {
    expect(boundaryBlocks(EXTENTS, 4)).toEqual([
      { object: 100, file: 5, block: 16 }, { object: 101, file: 4, block: 1024 }, { object: 101, file: 4, block: 1040 },
    ]);
    expect(boundaryBlocks(EXTENTS, 1)).toEqual([]);
    // Fewer blocks than chunks: a boundary repeats and a chunk is empty, never a row read twice.
    expect(boundaryBlocks([{ DATA_OBJECT_ID: 7, RELATIVE_FNO: 1, BLOCK_ID: 8, BLOCKS: 2 }], 4)).toEqual([
      { object: 7, file: 1, block: 8 }, { object: 7, file: 1, block: 9 }, { object: 7, file: 1, block: 9 },
    ]);
    expect(boundaryBlocks([], 4)).toBeNull();
  });

  it('lets the database sort the boundaries, all bound', () => {
    expect(sortRowidsSql(['AAAABkAAFAAAAAQAAA', 'AAAABlAAEAAAAQAAAA'])).toEqual({
      sql: 'SELECT ROWIDTOCHAR(R) AS B FROM (SELECT CHARTOROWID(:b0) AS R FROM DUAL UNION ALL SELECT CHARTOROWID(:b1) AS R FROM DUAL) ORDER BY R',
      binds: { b0: 'AAAABkAAFAAAAAQAAA', b1: 'AAAABlAAEAAAAQAAAA' },
    });
  });
});

describe('snapshot token and read scope', () => {
  const rowids = ['AAAABkAAFAAAAAQAAA', 'AAAABlAAEAAAAQAAAA', 'AAAABlAAEAAAAQQAAA'];
  const token = snapshotToken({ oracle: 2, scn: '123456789012345', chunks: 4, rowids });

  it('gives chunk i the range between boundaries i−1 and i, open at both ends, at the run’s SCN', () => {
    const scopes = [0, 1, 2, 3].map((index) => readScope({ model: MODEL, batchSize: 1, chunk: { index, count: 4 }, snapshot: token }));
    expect(scopes).toEqual([
      { scn: '123456789012345', rowidRange: { low: null, high: rowids[0] } },
      { scn: '123456789012345', rowidRange: { low: rowids[0], high: rowids[1] } },
      { scn: '123456789012345', rowidRange: { low: rowids[1], high: rowids[2] } },
      { scn: '123456789012345', rowidRange: { low: rowids[2], high: null } },
    ]);
    expect(readScope({ model: MODEL, batchSize: 1, snapshot: token })).toEqual({ scn: '123456789012345' });
    const hashed = snapshotToken({ oracle: 2, scn: '9', chunks: 4 });
    expect(readScope({ model: MODEL, batchSize: 1, chunk: { index: 1, count: 4 }, snapshot: hashed })).toEqual({ scn: '9' });
    const keyed = snapshotToken({ oracle: 2, scn: '9', chunks: 4, hash_key: ['ID_VENTA'] });
    expect(readScope({ model: MODEL, batchSize: 1, chunk: { index: 1, count: 4 }, snapshot: keyed })).toEqual({ scn: '9', hashKey: ['ID_VENTA'] });
    // A version-1 token with ROWID boundaries means what it meant.
    const v1 = '{"oracle":1,"scn":"5","chunks":2,"rowids":["AAAABkAAFAAAAAQAAA"]}';
    expect(readScope({ model: MODEL, batchSize: 1, chunk: { index: 1, count: 2 }, snapshot: v1 })).toEqual({ scn: '5', rowidRange: { low: 'AAAABkAAFAAAAAQAAA', high: null } });
  });

  it('refuses a chunk count other than the run’s, and a token this source did not write', () => {
    expect(() => readScope({ model: MODEL, batchSize: 1, chunk: { index: 0, count: 8 }, snapshot: token })).toThrow(new TerminalError(
      '--chunk 1/8: this run was started with 4 chunks (its _window.json) — run its chunks as i/4, or start a new run (a new --run-id)'));
    expect(() => parseSnapshot('{"oracle":2,"scn":"1 OR 1=1","chunks":2}')).toThrow(ContractError);
    expect(() => parseSnapshot('{"oracle":2,"scn":"5","chunks":2,"rowids":["AAAABkAAFAAAAAQAAA"],"hash_key":["ID"]}')).toThrow(ContractError);
    // Version 1 hashed the key when it had no ROWIDs: its chunks cannot be mixed with ROWID buckets.
    expect(() => parseSnapshot('{"oracle":1,"scn":"5","chunks":2}')).toThrow(new TerminalError(
      'this run\'s chunks were cut by an earlier DataPipe (ORA_HASH of the key) — start a new run (a new --run-id)'));
    expect(() => parseSnapshot('{"oracle":1,"scn":"5","chunks":4,"rowids":["AAAABkAAFAAAAAQAAA"]}')).toThrow(
      new ContractError('the run\'s snapshot in _window.json is not an Oracle snapshot ({"oracle":1,"scn":"5","chunks":4,"rowids":["AAAABkAAFAAAAAQAAA"]}) — start a new run (a new --run-id)'));
  });

  it('refuses a chunked read when the run has no snapshot (it was started without --chunk)', () => {
    expect(() => readScope({ model: MODEL, batchSize: 1, chunk: { index: 1, count: 2 } })).toThrow(new TerminalError(
      "--chunk 2/2: this run's _window.json records no snapshot for its chunks to share (the run was started without --chunk) — start a new run (a new --run-id) and give each of its chunks --chunk i/2"));
    expect(readScope({ model: MODEL, batchSize: 1, chunk: { index: 0, count: 1 } })).toEqual({});
    expect(readScope({ model: MODEL, batchSize: 1 })).toEqual({});
  });
});

describe('OracleSource.snapshot (fake node-oracledb boundary)', () => {
  it('reads the SCN, then DBA_EXTENTS, and records the boundaries in the database’s order', async () => {
    const driver = new FakeOracleDriver()
      .on((sql) => sql === CURRENT_SCN_SQL, SCN)
      .on((sql) => sql === EXTENTS_SQL, { columns: EXTENT_COLUMNS, rows: extentRows(EXTENTS) })
      // The database's order wins over the one computed: the token must follow this answer.
      .on('SELECT ROWIDTOCHAR(R)', { columns: SORTED, rows: [['AAAABkAAFAAAAAQAAA'], ['AAAABlAAEAAAAQQAAA'], ['AAAABlAAEAAAAQAAAA']] });
    const { log, records } = capturingLogger();
    const token = await (await connectFake(driver, { log })).snapshot(MODEL, 4);
    expect(JSON.parse(token)).toEqual({ oracle: 2, scn: '123456789012345', chunks: 4, rowids: ['AAAABkAAFAAAAAQAAA', 'AAAABlAAEAAAAQQAAA', 'AAAABlAAEAAAAQAAAA'] });
    expect(driver.calls.slice(2).map((c) => [c.sql.slice(0, 40), c.binds])).toEqual([
      [CURRENT_SCN_SQL.slice(0, 40), {}],
      [EXTENTS_SQL.slice(0, 40), { owner: 'VENTAS', table_name: 'VENTAS_CABECERA' }],
      ['SELECT ROWIDTOCHAR(R) AS B FROM (SELECT ', { b0: 'AAAABkAAFAAAAAQAAA', b1: 'AAAABlAAEAAAAQAAAA', b2: 'AAAABlAAEAAAAQQAAA' }],
    ]);
    expect(records.find((r) => r.chunk_method)).toMatchObject({ chunk_method: 'rowid', scn: '123456789012345', msg: 'VENTAS.VENTAS_CABECERA: 4 chunks by ROWID range (DBA_EXTENTS), all AS OF SCN 123456789012345' });
  });

  it('falls back to V$DATABASE for the SCN and to ORA_HASH buckets of the ROWID when DBA_EXTENTS is not granted, saying why', async () => {
    const driver = new FakeOracleDriver()
      .on((sql) => sql === CURRENT_SCN_SQL, { error: driverError('ORA-00904', '"DBMS_FLASHBACK"."GET_SYSTEM_CHANGE_NUMBER": invalid identifier') })
      .on((sql) => sql === DATABASE_SCN_SQL, SCN)
      .on((sql) => sql === EXTENTS_SQL, { error: driverError('ORA-00942', 'table or view does not exist') })
      .on((sql) => sql === TABLE_ORGANIZATION_SQL, { columns: IOT_TYPE, rows: [[null]] });
    const { log, records } = capturingLogger();
    const token = await (await connectFake(driver, { log })).snapshot(MODEL, 4);
    expect(JSON.parse(token)).toEqual({ oracle: 2, scn: '123456789012345', chunks: 4 });
    expect(driver.calls.find((c) => c.sql === TABLE_ORGANIZATION_SQL)?.binds).toEqual({ owner: 'VENTAS', table_name: 'VENTAS_CABECERA' });
    expect(records.find((r) => r.chunk_method)?.msg).toBe('VENTAS.VENTAS_CABECERA: 4 chunks by ORA_HASH of the ROWID, each a full scan, all AS OF SCN 123456789012345 — ETL cannot read DBA_EXTENTS (GRANT SELECT ON DBA_EXTENTS, or SELECT_CATALOG_ROLE, for ROWID-range chunks)');
  });

  it('hashes an index-organized table by its real primary key, and a view by its primary_keys, never a LOB', async () => {
    const iot = new FakeOracleDriver()
      .on((sql) => sql === CURRENT_SCN_SQL, SCN)
      .on((sql) => sql === EXTENTS_SQL, { columns: EXTENT_COLUMNS, rows: [] })
      .on((sql) => sql === TABLE_ORGANIZATION_SQL, { columns: IOT_TYPE, rows: [['IOT']] })
      .on((sql) => sql === PRIMARY_KEY_SQL, { columns: [{ name: 'COLUMN_NAME', dbTypeName: 'VARCHAR2' }], rows: [['ID_VENTA'], ['CLIENTE']] });
    const { log, records } = capturingLogger();
    // The configured key (here FECHA_VENTA, nullable) is not what an IOT is hashed by.
    const token = await (await connectFake(iot, { log })).snapshot({ ...MODEL, primaryKeys: ['fecha_venta'] }, 2);
    expect(JSON.parse(token)).toEqual({ oracle: 2, scn: '123456789012345', chunks: 2, hash_key: ['ID_VENTA', 'CLIENTE'] });
    expect(records.find((r) => r.chunk_method)?.msg).toBe('VENTAS.VENTAS_CABECERA: 2 chunks by ORA_HASH of the primary key of an index-organized table (ID_VENTA, CLIENTE), each a full scan, all AS OF SCN 123456789012345 — the table has no TABLE extents (empty with deferred segment creation, index-organized, clustered, external, or a view)');

    const view = () => new FakeOracleDriver()
      .on((sql) => sql === CURRENT_SCN_SQL, SCN)
      .on((sql) => sql === EXTENTS_SQL, { columns: EXTENT_COLUMNS, rows: [] })
      .on((sql) => sql === TABLE_ORGANIZATION_SQL, { columns: IOT_TYPE, rows: [] });
    expect(JSON.parse(await (await connectFake(view())).snapshot(MODEL, 2))).toEqual({ oracle: 2, scn: '123456789012345', chunks: 2, hash_key: ['ID_VENTA'] });
    await expect((await connectFake(view())).snapshot({ ...MODEL, primaryKeys: [] }, 2)).rejects.toThrow(new TerminalError(
      'VENTAS.VENTAS_CABECERA has no ROWID of its own to split --chunk buckets by (a view?) and no primary key — set primary_keys for the table in config.yaml, or run it without --chunk'));
    const withLob = { ...MODEL, primaryKeys: ['notas'], columns: [...MODEL.columns, col('NOTAS', 'NCLOB', { kind: 'string' })] };
    await expect((await connectFake(view())).snapshot(withLob, 2)).rejects.toThrow(new TerminalError(
      'VENTAS_CABECERA.NOTAS is NCLOB, which ORA_HASH cannot hash to split --chunk buckets — set primary_keys to columns of other types, or run the table without --chunk'));
  });

  it('names the grants when no SCN is readable', async () => {
    const driver = new FakeOracleDriver()
      .on((sql) => sql === CURRENT_SCN_SQL, { error: driverError('ORA-00904', 'invalid identifier') })
      .on((sql) => sql === DATABASE_SCN_SQL, { error: driverError('ORA-00942', 'table or view does not exist') });
    await expect((await connectFake(driver)).snapshot(MODEL, 2)).rejects.toThrow(new TerminalError(
      'ETL cannot read the current SCN that the chunks of a run share — GRANT EXECUTE ON SYS.DBMS_FLASHBACK TO ETL (or SELECT ON V_$DATABASE), or run the table without --chunk'));
  });

  it('reads every chunk AS OF the token’s SCN, by ROWID range or ORA_HASH bucket', async () => {
    const rowids = ['AAAABkAAFAAAAAQAAA'];
    const driver = new FakeOracleDriver().on('SELECT t."ID_VENTA"', { columns: MODEL_COLUMNS, rows: [] });
    const source = await connectFake(driver);
    for (const index of [0, 1]) {
      for await (const _batch of source.read({ model: MODEL, batchSize: 10, chunk: { index, count: 2 }, snapshot: snapshotToken({ oracle: 2, scn: '77', chunks: 2, rowids }) })) { /* no rows */ }
    }
    for await (const _batch of source.read({ model: MODEL, batchSize: 10, chunk: { index: 1, count: 2 }, snapshot: snapshotToken({ oracle: 2, scn: '77', chunks: 2 }) })) { /* no rows */ }
    for await (const _batch of source.read({ model: MODEL, batchSize: 10, chunk: { index: 0, count: 2 }, snapshot: snapshotToken({ oracle: 2, scn: '77', chunks: 2, hash_key: ['ID_VENTA'] }) })) { /* no rows */ }
    const table = '"VENTAS"."VENTAS_CABECERA"';
    const asOf = MODEL_SELECT.replace(`${table} t`, `${table} AS OF SCN TO_NUMBER(:scn) t`);
    expect(driver.calls.slice(2).map((c) => [c.sql, c.binds])).toEqual([
      [`${asOf} WHERE t.ROWID < CHARTOROWID(:rowid_high)`, { rowid_high: rowids[0], scn: '77' }],
      [`${asOf} WHERE t.ROWID >= CHARTOROWID(:rowid_low)`, { rowid_low: rowids[0], scn: '77' }],
      [`${asOf} WHERE ORA_HASH(t.ROWID, :chunk_max) = :chunk_index`, { chunk_max: 1, chunk_index: 1, scn: '77' }],
      [`${asOf} WHERE NVL(ORA_HASH(t."ID_VENTA", :chunk_max), 0) = :chunk_index`, { chunk_max: 1, chunk_index: 0, scn: '77' }],
    ]);
  });
});

/** A workspace with VENTAS_CABECERA (full load, batches of 2) and its committed schema, read through the real extractor. */
async function chunkWorkspace(): Promise<{ dir: string; loaded: Awaited<ReturnType<typeof loadConfig>> }> {
  const dir = await workspace('oracle-chunks');
  await writeFile(join(dir, 'config.yaml'), `project: { name: it }
source:
  type: oracle
  connection: { host: db.example, port: 1521, service_name: ERP_PROD, user: etl, password: "\${ORA_TEST_PASSWORD}" }
  schema: VENTAS
destination: { cloud: local }
staging: { codec: deflate, part_size_mb: 1, batch_rows: 2 }
tables:
  - { name: VENTAS_CABECERA, load_mode: full }
`);
  await mkdir(join(dir, 'schemas'));
  await writeFile(join(dir, 'schemas', 'ventas_cabecera.avsc'), formatAvsc(modelToAvsc(MODEL)));
  return { dir, loaded: await loadConfig(join(dir, 'config.yaml'), { ORA_TEST_PASSWORD: 'pw' }) };
}

describe('extract() with --chunk on Oracle (fake node-oracledb boundary)', () => {
  it('takes one snapshot per run and hands its SCN and complementary ROWID ranges to every chunk', async () => {
    const { dir, loaded } = await chunkWorkspace();
    const store = new MemoryStore();
    const wire = [[['1', ' 2024-01-31T10:11:12', 'Ana', '1.5']], [['2', null, 'Bea', null], ['3', null, null, '-.5']]];
    const drivers = wire.map((rows) => catalogDriver().on('SELECT t."ID_VENTA"', { columns: MODEL_COLUMNS, rows }));
    // Only the first chunk's database answers the snapshot queries: the second must reuse the run's.
    drivers[0]!
      .on((sql) => sql === CURRENT_SCN_SQL, SCN)
      .on((sql) => sql === EXTENTS_SQL, { columns: EXTENT_COLUMNS, rows: extentRows(EXTENTS) })
      .on('SELECT ROWIDTOCHAR(R)', { columns: SORTED, rows: [['AAAABlAAEAAAAQAAAA']] });
    const manifests = [];
    for (const index of [0, 1]) {
      const source = await connectFake(drivers[index]!, { schema: 'VENTAS' });
      try {
        manifests.push(await extract({
          config: loaded.config, configPath: loaded.path, table: findTable(loaded, 'VENTAS_CABECERA'), source, store, prefix: undefined,
          schemasDir: join(dir, 'schemas'), runId: 'r1', chunk: { index, count: 2 }, log: silentLogger,
        }));
      } finally {
        await source.close();
      }
    }
    const selects = drivers.map((d) => d.calls.find((c) => c.sql.startsWith('SELECT t."ID_VENTA"'))!);
    expect(selects.map((c) => c.binds)).toEqual([
      { rowid_high: 'AAAABlAAEAAAAQAAAA', scn: '123456789012345' },
      { rowid_low: 'AAAABlAAEAAAAQAAAA', scn: '123456789012345' },
    ]);
    expect(drivers[1]!.statements().some((sql) => sql === CURRENT_SCN_SQL || sql === EXTENTS_SQL)).toBe(false);
    expect(manifests.map((m) => [m.rows, m.source.snapshot])).toEqual([
      [1, '{"oracle":2,"scn":"123456789012345","chunks":2,"rowids":["AAAABlAAEAAAAQAAAA"]}'],
      [2, '{"oracle":2,"scn":"123456789012345","chunks":2,"rowids":["AAAABlAAEAAAAQAAAA"]}'],
    ]);
  });

  it('refuses a chunk of a run that was claimed without --chunk (no shared SCN) with exit 2, publishing nothing', async () => {
    const { dir, loaded } = await chunkWorkspace();
    const store = new MemoryStore();
    const driver = catalogDriver().on('SELECT t."ID_VENTA"', { columns: MODEL_COLUMNS, rows: [['1', null, null, null]] });
    const source = await connectFake(driver, { schema: 'VENTAS' });
    const run = (chunk?: { index: number; count: number }) => extract({
      config: loaded.config, configPath: loaded.path, table: findTable(loaded, 'VENTAS_CABECERA'), source, store, prefix: undefined,
      schemasDir: join(dir, 'schemas'), runId: 'r2', ...(chunk ? { chunk } : {}), log: silentLogger,
    });
    try {
      expect((await run()).rows).toBe(1);
      const error = await run({ index: 1, count: 2 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TerminalError);
      expect((error as TerminalError).exitCode).toBe(2);
      expect((error as Error).message).toBe("--chunk 2/2: this run's _window.json records no snapshot for its chunks to share (the run was started without --chunk) — start a new run (a new --run-id) and give each of its chunks --chunk i/2");
      expect(driver.statements().filter((sql) => sql.startsWith('SELECT t."ID_VENTA"'))).toEqual([MODEL_SELECT]);
      expect((await store.list('')).filter((key) => key.includes('_manifest-'))).toEqual([]);
      expect((await store.list('')).filter((key) => key.includes('_manifest'))).toHaveLength(1);
    } finally {
      await source.close();
    }
  });
});
