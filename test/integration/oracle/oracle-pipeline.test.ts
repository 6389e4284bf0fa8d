/**
 * The whole pipeline against Oracle, as a user runs it: the VENTAS sample of `datapipe dev oracle`
 * → `datapipe generate schema` → `datapipe run` / the extractor and loader entrypoints → a local
 * staging folder → DuckDB. Every value is compared with the sample's hand-written expectations
 * and, after each change, the whole target with a fresh read of the source. The extractor logs in
 * as DATAPIPE, which holds only CREATE SESSION, SELECT + FLASHBACK on the tables and EXECUTE on
 * DBMS_FLASHBACK, so these runs also prove those grants are enough.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AvscField, AvscRecordSchema } from '../../../shared/avro/avsc-schema.js';
import { targetName } from '../../../shared/model/column.js';
import { parseStored, stateSchema } from '../../../shared/pipeline/manifest.js';
import { sampleConfigYaml } from '../../../services/cli/commands/dev-oracle.js';
import { expectedRow, type Canonical, type SampleRow, type SampleTable } from '../../../services/cli/commands/dev-oracle-sample.js';
import { SAMPLE_SALES, saleCents, scaledText, VENTAS_CABECERA, VENTAS_DETALLE } from '../../../services/cli/commands/dev-oracle-sales.js';
import { runStatements, SAMPLE_TABLES } from '../../../services/cli/commands/dev-oracle-seed.js';
import {
  TIPOS_ORACLE, TIPOS_ORACLE_LONG, TIPOS_ORACLE_LONG_RAW, TIPOS_ORACLE_LONG_RAW_ROWS, TIPOS_ORACLE_LONG_ROWS, TIPOS_ORACLE_ROWS,
} from '../../../services/cli/commands/dev-oracle-types.js';
import { run, workspace, type Outcome } from '../../support/cli.js';
import {
  ORACLE_SUITE_HOWTO, oracleAvailability, oracleRequired, startOracle, type OracleHandle,
} from '../../support/oracle-container.js';
import { DAY_MS, SalesState, shiftDatetime } from './oracle-sales-state.js';
import {
  committedModel, differences, expectedColumns, readManifest, snapshotScn, reconcileWithSource, warehouseRows,
} from './oracle-warehouse.js';
import { checkVerifiable } from '../../../shared/sources/oracle/oracle-verify.js';

const availability = await oracleAvailability();
const required = oracleRequired();
if (!availability.available) {
  const how = required ? 'DATAPIPE_IT_ORACLE=1 asks for them, so they FAIL' : `SKIPPING them — ${ORACLE_SUITE_HOWTO}`;
  console.warn(`[oracle integration] no Oracle for the Oracle pipeline tests (${availability.reason}); ${how}`);
}
const LONG = { timeout: 10 * 60_000 };

let oracle: OracleHandle;
let cwd: string;
let env: Record<string, string>;
const state = new SalesState(SAMPLE_SALES);
const configDir = () => join(cwd, 'ventas-oracle');
const configPath = () => join(configDir(), 'config.yaml');
const warehouse = () => join(configDir(), '.datapipe', 'warehouse.duckdb');

function oneLine(outcome: Outcome): string {
  const lines = outcome.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(outcome.stderr).not.toMatch(/\n\s+at /);
  expect(outcome.stderr).not.toContain(oracle.reader.password);
  return lines[0]!;
}

function ok(outcome: Outcome): Outcome {
  expect(outcome.stderr).toBe('');
  expect(outcome.code).toBe(0);
  return outcome;
}

/** `datapipe run <table>` and the run id it printed. */
async function datapipeRun(table: string, dir = cwd, config = configPath()): Promise<string> {
  const outcome = ok(await run('datapipe', ['run', table, '--config', config], { cwd: dir, env }));
  const runId = new RegExp(`^${table}: run (\\S+) extracted`, 'm').exec(outcome.stdout)?.[1];
  expect(runId).toBeDefined();
  return runId!;
}

async function asOwner(statements: Parameters<typeof runStatements>[2]): Promise<void> {
  const session = await oracle.session('owner');
  try {
    await runStatements(oracle.driver, session, statements);
  } finally {
    await session.close();
  }
}

async function expectWarehouse(table: SampleTable, expected: Record<string, Canonical>[]): Promise<void> {
  expect(differences(table, expected, await warehouseRows(warehouse(), table))).toEqual([]);
}

async function expectSourceEqualsTarget(table: SampleTable, rows: number): Promise<void> {
  const model = await committedModel(cwd, table.name);
  const outcome = await reconcileWithSource(configPath(), warehouse(), model);
  expect(outcome.differences).toEqual([]);
  expect([outcome.sourceRows, outcome.targetRows]).toEqual([rows, rows]);
  // `datapipe verify` must agree, computing inside Oracle (AS OF SCN, STANDARD_HASH) and DuckDB —
  // or refuse in one line a table whose LOB, interval or JSON columns it cannot spell yet.
  const verify = await run('datapipe', ['verify', table.name, '--config', configPath()], { cwd, env });
  const unsupported = (() => {
    try {
      checkVerifiable(model);
      return null;
    } catch (error) {
      return (error as Error).message;
    }
  })();
  if (unsupported) {
    expect([verify.code, verify.stderr.trim().split('\n').at(-1)]).toEqual([2, `datapipe: ${unsupported}`]);
  } else {
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/ equal\n/);
  }
}

describe.skipIf(!availability.available && !required)('Oracle → AVRO → DuckDB: the VENTAS sample, value for value', () => {
  beforeAll(async () => {
    if (!availability.available) throw new Error(`DATAPIPE_IT_ORACLE=1 but ${availability.reason} — ${ORACLE_SUITE_HOWTO}`);
    oracle = await startOracle();
    cwd = await workspace('oracle-pipeline');
    await mkdir(configDir(), { recursive: true });
    await writeFile(configPath(), sampleConfigYaml());
    env = {
      ORACLE_HOST: oracle.host, ORACLE_PORT: String(oracle.port), ORACLE_SERVICE: oracle.service,
      ORACLE_USER: oracle.reader.user, ORACLE_PASSWORD: oracle.reader.password, TZ: 'UTC',
    };
    // The same variables for this process, whose reconciliation reads the source through the config.
    Object.assign(process.env, env);
  }, 20 * 60_000);

  afterAll(async () => {
    await oracle?.stop();
  }, 5 * 60_000);

  it('generate schema writes each table\'s model exactly: types, keys, and the decisions for NUMBER, FLOAT, TIMESTAMP(9) and zones', LONG, async () => {
    ok(await run('datapipe', ['generate', 'schema', '--all', '--config', configPath()], { cwd, env }));
    for (const { table } of SAMPLE_TABLES) {
      const model = await committedModel(cwd, table.name);
      expect([model.sourceSchema, model.sourceName, model.name]).toEqual(['VENTAS', table.name, targetName(table.name)]);
      expect(model.primaryKeys).toEqual(table.primaryKey.map(targetName));
      expect(model.columns).toEqual(expectedColumns(table));
    }
    const avsc = (await committedModel(cwd, 'TIPOS_ORACLE')).avsc as AvscRecordSchema;
    const field = (name: string): AvscField['type'] | undefined => avsc.fields.find((f) => f.name === name)?.type;
    expect(field('id')).toBe('long');
    expect(field('c_number_38')).toEqual(['null', { type: 'bytes', logicalType: 'decimal', precision: 38, scale: 0 }]);
    expect(field('c_number_libre')).toEqual(['null', { type: 'bytes', logicalType: 'decimal', precision: 15, scale: 6 }]);
    expect(field('c_number_extremo')).toEqual(['null', 'string']);
    expect(field('c_binary_float')).toEqual(['null', 'float']);
    expect(field('c_ts9')).toEqual(['null', { type: 'long', logicalType: 'local-timestamp-micros' }]);
    expect(field('c_tsltz')).toEqual(['null', { type: 'long', logicalType: 'timestamp-micros' }]);
    expect(field('c_boolean')).toEqual(['null', 'boolean']);
  });

  it('full loads put every edge value of every Oracle type into DuckDB exactly', LONG, async () => {
    const full: [SampleTable, SampleRow[]][] = [
      [TIPOS_ORACLE, TIPOS_ORACLE_ROWS], [TIPOS_ORACLE_LONG, TIPOS_ORACLE_LONG_ROWS], [TIPOS_ORACLE_LONG_RAW, TIPOS_ORACLE_LONG_RAW_ROWS],
    ];
    for (const [table, rows] of full) {
      const runId = await datapipeRun(table.name);
      expect((await readManifest(configDir(), table.name, runId)).rows).toBe(rows.length);
      await expectWarehouse(table, rows.map((row) => expectedRow(table, row)));
      await expectSourceEqualsTarget(table, rows.length);
    }
  });

  it('the initial incremental loads read every sale and line, and commit the watermark', LONG, async () => {
    for (const [table, column, rows] of [[VENTAS_CABECERA, 'FECHA_VENTA', SAMPLE_SALES], [VENTAS_DETALLE, 'FECHA_MODIFICACION', 2 * SAMPLE_SALES]] as const) {
      const runId = await datapipeRun(table.name);
      const manifest = await readManifest(configDir(), table.name, runId);
      expect([manifest.rows, manifest.window.low]).toEqual([rows, null]);
      await expectWarehouse(table, state.rows(table));
      await expectSourceEqualsTarget(table, rows);
      const statePath = join(configDir(), '.datapipe', 'staging', 'ventas-oracle', table.name.toLowerCase(), '_state.json');
      const committed = parseStored(stateSchema, await readFile(statePath), statePath);
      expect(committed.watermark).toBe(state.max(table, column));
    }
    // By hand: sale 5000 is stamped 2025-01-01 + 5000 min; its line 2 two seconds and 5000·2·7919 mod 10⁶ µs later.
    expect(state.max(VENTAS_CABECERA, 'FECHA_VENTA')).toBe('2025-01-04T11:20:00.000000');
    expect(state.max(VENTAS_DETALLE, 'FECHA_MODIFICACION')).toBe('2025-01-04T11:20:02.190000');
  });

  it('an incremental run reads only [watermark − 1 day, now]: updates, a late correction, inserts at the watermark', LONG, async () => {
    const lows = {
      cabecera: shiftDatetime(state.max(VENTAS_CABECERA, 'FECHA_VENTA'), -DAY_MS),
      detalle: shiftDatetime(state.max(VENTAS_DETALLE, 'FECHA_MODIFICACION'), -DAY_MS),
    };
    await asOwner(state.lateChanges());
    // By hand: sales 3560..5000 (1441) are within a day of W, plus 100, 200, 300 and the 10 new ones;
    // lines of sales 3561..5000 (2880), line 2 of 3560, line 100/1 and the 10 new lines.
    const reads: [SampleTable, string, string, number][] = [
      [VENTAS_CABECERA, 'FECHA_VENTA', lows.cabecera, 1454],
      [VENTAS_DETALLE, 'FECHA_MODIFICACION', lows.detalle, 2892],
    ];
    for (const [table, column, low, byHand] of reads) {
      expect(state.countFrom(table, column, low)).toBe(byHand);
      const runId = `incremental-${table.name.toLowerCase()}`;
      const common = ['--table', table.name, '--run-id', runId, '--config', configPath()];
      ok(await run('extractor', common, { cwd, env }));
      const manifest = await readManifest(configDir(), table.name, runId);
      expect([manifest.window.low, manifest.rows]).toEqual([low, byHand]);
      ok(await run('loader', common, { cwd, env }));
      await expectWarehouse(table, state.rows(table));
      await expectSourceEqualsTarget(table, state.rows(table).length);
    }
  });

  it('--chunk 1/3..3/3 read one SCN: an update committed between chunks is not seen, and the union is the snapshot', LONG, async () => {
    const low = shiftDatetime(state.max(VENTAS_CABECERA, 'FECHA_VENTA'), -DAY_MS);
    // By hand: W is now 2025-01-04T12:20 (sales 100 and 200); sales 3620..5000 (1381) plus 100, 200, 300 and the 10 new ones.
    expect([low, state.countFrom(VENTAS_CABECERA, 'FECHA_VENTA', low)]).toEqual(['2025-01-03T12:20:00.000000', 1394]);
    const runId = 'chunked-at-one-scn';
    const common = ['--table', VENTAS_CABECERA.name, '--run-id', runId, '--config', configPath()];
    ok(await run('extractor', [...common, '--chunk', '1/3'], { cwd, env }));
    await asOwner([{ sql: 'UPDATE VENTAS_CABECERA SET MONTO = MONTO + 1000' }]);
    try {
      ok(await run('extractor', [...common, '--chunk', '2/3'], { cwd, env }));
      ok(await run('extractor', [...common, '--chunk', '3/3'], { cwd, env }));
      const manifests = await Promise.all([0, 1, 2].map((i) => readManifest(configDir(), VENTAS_CABECERA.name, runId, i)));
      expect(manifests.map((m) => m.window.low)).toEqual([low, low, low]);
      expect(manifests.reduce((sum, m) => sum + m.rows, 0)).toBe(1394);
      // One snapshot token (SCN, chunk count, ROWID boundaries) for all three, naming an SCN.
      expect(new Set(manifests.map((m) => m.source.snapshot)).size).toBe(1);
      expect(snapshotScn(manifests[0]!)).toMatch(/^\d+$/);
      ok(await run('loader', common, { cwd, env }));
      // The update is committed (the live table shows it) yet no chunk read it: the target holds the snapshot.
      const session = await oracle.session('owner');
      try {
        const live = await session.execute(`SELECT TO_CHAR(MONTO, 'FM9999999999999990.00') AS MONTO FROM VENTAS_CABECERA WHERE ID_VENTA = 5000`, {}, { outFormat: oracle.driver.OUT_FORMAT_OBJECT });
        expect(live.rows).toEqual([{ MONTO: scaledText(saleCents(5000) + 100_000n, 2) }]);
      } finally {
        await session.close();
      }
      await expectWarehouse(VENTAS_CABECERA, state.rows(VENTAS_CABECERA));
    } finally {
      await asOwner([{ sql: 'UPDATE VENTAS_CABECERA SET MONTO = MONTO - 1000' }]);
    }
    await expectSourceEqualsTarget(VENTAS_CABECERA, SAMPLE_SALES + 10);
  });

  describe('bad input: one line, the documented exit code, no stack trace, no password', () => {
    async function variant(name: string, edit: (yaml: string) => string): Promise<{ dir: string; config: string }> {
      const dir = join(cwd, name);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'config.yaml'), edit(sampleConfigYaml()));
      return { dir, config: join(dir, 'config.yaml') };
    }

    it('a wrong password exits 2 naming the database and the user', LONG, async () => {
      const outcome = await run('datapipe', ['generate', 'schema', 'VENTAS_CABECERA', '--config', configPath(), '--out', join(cwd, 'unused')], {
        cwd, env: { ...env, ORACLE_PASSWORD: 'not-the-password' },
      });
      expect(outcome.code).toBe(2);
      expect(oneLine(outcome)).toBe(`datapipe: cannot log in to Oracle at ${oracle.host}:${oracle.port}/${oracle.service} as DATAPIPE: invalid username or password — check source.connection.user and source.connection.password`);
    });

    it('a table the database does not have exits 2 naming owner and table', LONG, async () => {
      const { dir, config } = await variant('unknown-table', (yaml) => `${yaml}  - { name: NO_EXISTE, load_mode: full }\n`);
      const outcome = await run('datapipe', ['generate', 'schema', 'NO_EXISTE', '--config', config], { cwd: dir, env });
      expect(outcome.code).toBe(2);
      expect(oneLine(outcome)).toBe(`datapipe: table VENTAS.NO_EXISTE not found on ${oracle.host}:${oracle.port}/${oracle.service}: ALL_TAB_COLUMNS lists only what DATAPIPE may read `
        + '— check tables[].name and source.schema (the owner), and GRANT SELECT ON VENTAS.NO_EXISTE TO DATAPIPE');
    });

    it('a value beyond a declared decimal override exits 3 naming table, column, key and the fix', LONG, async () => {
      const { dir, config } = await variant('narrow-decimal', (yaml) => yaml.replace(
        '- { name: TIPOS_ORACLE, load_mode: full }',
        '- { name: TIPOS_ORACLE, load_mode: full, columns: { C_NUMBER_18_2: { type: "decimal(6,2)" } } }',
      ));
      ok(await run('datapipe', ['generate', 'schema', 'TIPOS_ORACLE', '--config', config], { cwd: dir, env }));
      const outcome = await run('datapipe', ['run', 'TIPOS_ORACLE', '--config', config], { cwd: dir, env });
      expect(outcome.code).toBe(3);
      expect(oneLine(outcome)).toBe('datapipe: TIPOS_ORACLE.C_NUMBER_18_2: 9999999999999999.99 does not fit decimal(6,2): 16 integer digits, at most 4 '
        + '(primary key ID=1) — widen the column type in config (columns.C_NUMBER_18_2.type: a wider decimal, or string) and regenerate the schema');
    });

    it('a BC date exits 3 instead of arriving as an AD one', LONG, async () => {
      await asOwner([{ sql: "INSERT INTO TIPOS_ORACLE (ID, C_DATE) VALUES (99, TO_DATE('-0044-03-15 12:00:00', 'SYYYY-MM-DD HH24:MI:SS'))" }]);
      try {
        const outcome = await run('datapipe', ['run', 'TIPOS_ORACLE', '--config', configPath()], { cwd, env });
        expect(outcome.code).toBe(3);
        expect(oneLine(outcome)).toBe('datapipe: TIPOS_ORACLE.C_DATE: -0044-03-15T12:00:00 is a BC date, before 0001-01-01, which no target holds (primary key ID=99) '
          + '— fix the value in the source (the targets hold years 0001 to 9999)');
      } finally {
        await asOwner([{ sql: 'DELETE FROM TIPOS_ORACLE WHERE ID = 99' }]);
      }
    });
  });
});
