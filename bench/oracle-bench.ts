/**
 * The Oracle extraction benchmark: a 10-column sales table of N rows, generated in the database,
 * read (1) by a plain node-oracledb scan — `getRows(1000)` with fetchArraySize 1000 and the
 * driver's default conversions, nothing else — and (2) by the real extractor (committed schema,
 * Oracle source, AVRO parts, manifest) to a local staging folder, in a child process so its peak
 * RSS is its own. Prints rows/s of each, the extractor's share of the scan's rate, AVRO MB and peak RSS.
 *
 * Oracle comes from test/support/oracle-container.ts (DATAPIPE_ORACLE_URL, else a container on
 * Docker / Podman); where there is none, it says so in one line and exits 0.
 * Options: --rows 1000000[,5000000] --codec deflate|snappy|null --batch 200000 (rows per INSERT).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dropTableIfExistsSql } from '../services/cli/commands/dev-oracle-sample.js';
import { runStatements, SAMPLE_OWNER, SAMPLE_READER, type OracleSession } from '../services/cli/commands/dev-oracle-seed.js';
import { measureExtract, type ExtractMeasurement } from './measure-extract.js';
import { oracleAvailability, startOracle, type OracleHandle } from '../test/support/oracle-container.js';

const TABLE = 'BENCH_VENTAS';
const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};

/** The table, and `batch` rows from id `base + 1` (binds :base, :batch), generated from DUAL. */
const CREATE_SQL = `CREATE TABLE ${TABLE} (
  ID_VENTA NUMBER(12) NOT NULL, FECHA_VENTA TIMESTAMP(6) NOT NULL, ID_CLIENTE NUMBER(9) NOT NULL,
  PRODUCTO VARCHAR2(40 CHAR) NOT NULL, CANTIDAD NUMBER(12,3) NOT NULL, PRECIO NUMBER(18,2) NOT NULL,
  TOTAL NUMBER(20,2) NOT NULL, ESTADO CHAR(1) NOT NULL, ACTUALIZADO_EN TIMESTAMP(6) WITH TIME ZONE NOT NULL,
  NOTA VARCHAR2(100 CHAR), CONSTRAINT ${TABLE}_PK PRIMARY KEY (ID_VENTA))`;
// APPEND: a direct-path insert, written above the high-water mark (it needs a commit before the next one).
const INSERT_SQL = `INSERT /*+ APPEND */ INTO ${TABLE}
SELECT g, TIMESTAMP '2025-01-01 00:00:00' + NUMTODSINTERVAL(g, 'SECOND') + NUMTODSINTERVAL(MOD(g, 1000000) / 1000000, 'SECOND'),
       MOD(g, 50000), 'Producto número ' || TO_CHAR(MOD(g, 5000)), MOD(g, 100000) / 1000, MOD(g, 10000000) / 100,
       ROUND(MOD(g, 10000000) / 100 * 1.21, 2), SUBSTR('APC', MOD(g, 3) + 1, 1),
       FROM_TZ(TIMESTAMP '2025-01-01 00:00:00' + NUMTODSINTERVAL(g, 'SECOND'), 'UTC'),
       CASE WHEN MOD(g, 4) = 0 THEN 'entrega urgente — café' END
  FROM (SELECT :base + LEVEL AS g FROM DUAL CONNECT BY LEVEL <= :batch)`;

async function seed(oracle: OracleHandle, rows: number, batch: number): Promise<void> {
  const session = await oracle.session('owner');
  try {
    await runStatements(oracle.driver, session, [{ sql: dropTableIfExistsSql(TABLE) }, { sql: CREATE_SQL }]);
    for (let base = 0; base < rows; base += batch) {
      await runStatements(oracle.driver, session, [{ sql: INSERT_SQL, binds: { base, batch: Math.min(batch, rows - base) } }]);
    }
    await runStatements(oracle.driver, session, [
      { sql: `BEGIN DBMS_STATS.GATHER_TABLE_STATS(USER, '${TABLE}'); END;` },
      { sql: `GRANT SELECT, FLASHBACK ON ${TABLE} TO "${SAMPLE_READER}"` },
    ]);
  } finally {
    await session.close();
  }
}

/** The plain driver scan as the extractor's account: rows and seconds. */
async function driverScan(session: OracleSession): Promise<{ rows: number; seconds: number }> {
  const started = performance.now();
  const result = await session.execute(`SELECT * FROM ${SAMPLE_OWNER}.${TABLE}`, {}, { resultSet: true, fetchArraySize: 1000 });
  const resultSet = result.resultSet!;
  let rows = 0;
  try {
    for (;;) {
      const batch = await resultSet.getRows(1000);
      if (batch.length === 0) break;
      rows += batch.length;
    }
  } finally {
    await resultSet.close();
  }
  return { rows, seconds: (performance.now() - started) / 1000 };
}

/** The child: the real extract() of BENCH_VENTAS to a local folder; one JSON line on stdout. */
async function child(): Promise<void> {
  const measured = await measureExtract(`
project: { name: bench }
source:
  type: oracle
  connection: { host: "\${ORACLE_HOST}", port: "\${ORACLE_PORT}", service_name: "\${ORACLE_SERVICE}", user: "\${ORACLE_USER}", password: "\${ORACLE_PASSWORD}" }
  schema: ${SAMPLE_OWNER}
destination: { cloud: local, local: { path: staging, warehouse: warehouse.duckdb } }
staging: { codec: ${process.env.BENCH_CODEC ?? 'deflate'}, part_size_mb: 128, batch_rows: 10000 }
tables:
  - { name: ${TABLE}, load_mode: full, primary_keys: [ID_VENTA] }
`, TABLE);
  process.stdout.write(`${JSON.stringify(measured)}\n`);
}

async function main(): Promise<void> {
  const availability = await oracleAvailability();
  if (!availability.available) {
    process.stdout.write(`oracle bench: skipped — no Oracle here (${availability.reason}); run it with Docker (or Podman) running, `
      + 'or with DATAPIPE_ORACLE_URL=oracle://sys:<password>@<host>:1521/FREEPDB1 (`datapipe dev oracle` prints that line)\n');
    return;
  }
  const sizes = option('rows', '1000000').split(',').map(Number);
  const codec = option('codec', 'deflate');
  const batch = Number(option('batch', '200000'));
  process.stderr.write('oracle bench: starting Oracle with the sample…\n');
  const oracle = await startOracle({ sales: 100 });
  const results = [];
  try {
    for (const rows of sizes) {
      process.stderr.write(`oracle bench: generating ${rows} rows…\n`);
      const seedStarted = performance.now();
      await seed(oracle, rows, batch);
      const seedSeconds = (performance.now() - seedStarted) / 1000;
      const reader = await oracle.session('reader');
      let scan;
      try {
        await driverScan(reader); // warm the buffer cache so both reads come from memory
        scan = await driverScan(reader);
      } finally {
        await reader.close();
      }
      process.stderr.write(`oracle bench: extracting ${rows} rows (${codec})…\n`);
      const extracted = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child'], {
        encoding: 'utf8', maxBuffer: 1 << 20,
        env: {
          ...process.env, TZ: 'UTC', BENCH_CODEC: codec, ORACLE_HOST: oracle.host, ORACLE_PORT: String(oracle.port),
          ORACLE_SERVICE: oracle.service, ORACLE_USER: oracle.reader.user, ORACLE_PASSWORD: oracle.reader.password,
        },
      });
      if (extracted.status !== 0) throw new Error(`extract child failed: ${extracted.stderr}`);
      const run = JSON.parse(extracted.stdout.trim().split('\n').at(-1)!) as ExtractMeasurement;
      const scanRate = scan.rows / scan.seconds;
      const extractRate = run.rows / run.seconds;
      results.push({
        rows,
        'seed s': +seedSeconds.toFixed(1),
        'driver scan rows/s': Math.round(scanRate),
        'extract rows/s': Math.round(extractRate),
        'extract / scan': `${((extractRate / scanRate) * 100).toFixed(1)} %`,
        'AVRO MB written': +(run.avroBytes / 1048576).toFixed(1),
        'extract peak RSS MB': run.peakRssMb,
      });
      if (run.rows !== rows || scan.rows !== rows) throw new Error(`read ${scan.rows} (scan) and ${run.rows} (extract) rows of ${rows}`);
    }
  } finally {
    const session = await oracle.session('owner').catch(() => null);
    if (session) await runStatements(oracle.driver, session, [{ sql: dropTableIfExistsSql(TABLE) }]).finally(() => session.close());
    await oracle.stop();
  }
  console.table(results);
  process.stdout.write(`${JSON.stringify({ source: 'oracle', codec, results })}\n`);
}

if (args.includes('--child')) await child();
else await main();
