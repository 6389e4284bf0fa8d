import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../../shared/config/load-config.js';
import { ContractError, TerminalError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/log.js';
import { readCommittedSchema } from '../../../shared/pipeline/table-contract.js';
import { openSource } from '../../../shared/sources/registry.js';
import { verifyLoadedTable } from '../../../shared/verify/verify-run.js';
import { formatReport } from '../../../shared/verify/verify-report.js';
import { openWarehouse } from '../../../shared/warehouses/registry.js';
import { newRunId } from '../../../shared/pipeline/run-id.js';
import { prepareRun, runExtractor, runLoader } from '../../runtime/pipeline-run.js';
import { generateSchemas } from './generate-schema.js';
import { changesSql, demoConfigYaml, DEMO_TABLES, seedSql } from './demo-data.js';
import { startEmbeddedPostgres } from './demo-database.js';

const MARKER = '.datapipe-demo';

export interface DemoArgs {
  dir: string;
  rows: number;
  log: Logger;
}

/**
 * `datapipe demo`: a real incremental migration with nothing to set up. An embedded PostgreSQL is
 * seeded with VENTAS_CABECERA / VENTAS_DETALLE; an initial run loads them into DuckDB; the source
 * then changes (updates, late rows inside the lookback, inserts at the watermark, new rows); an
 * incremental run follows; finally `datapipe verify` proves the target equals the source, inside both engines.
 */
export async function demoCommand(args: DemoArgs): Promise<void> {
  if (!Number.isInteger(args.rows) || args.rows < 100) throw new TerminalError(`--rows ${args.rows}: the demo needs at least 100 rows`);
  const dir = resolve(args.dir);
  await prepareWorkspace(dir);
  const say = (line: string): void => { process.stdout.write(`${line}\n`); };
  const database = await startEmbeddedPostgres();
  try {
    say(`embedded PostgreSQL on ${database.host}:${database.port}; seeding ${args.rows} sales…`);
    await database.db.exec(seedSql(args.rows));
    process.env.DATAPIPE_DEMO_PORT = String(database.port);
    const configPath = join(dir, 'config.yaml');
    await writeFile(configPath, demoConfigYaml());
    const loaded = await loadConfig(configPath);
    const schemas = join(dir, 'schemas');
    await generateSchemas({ loaded, tables: loaded.config.tables, out: dir, sampleRows: 0, log: args.log });
    say(`wrote ${schemas}/{ventas_cabecera,ventas_detalle}.{avsc,sql}`);

    const runAll = async (round: string): Promise<void> => {
      for (const table of DEMO_TABLES) {
        const runArgs = { table, config: configPath, runId: newRunId(), schemas };
        const prepared = await prepareRun(runArgs);
        const manifest = await runExtractor(prepared, runArgs, args.log);
        const result = await runLoader(prepared, runArgs, args.log);
        say(`${round} ${table}: extracted ${manifest.rows} rows (window ${manifest.window.low ?? '-∞'} … ${manifest.window.high}), target now ${result?.targetRows} rows, watermark ${result?.watermark}`);
      }
    };
    await runAll('initial run    ');
    await database.db.exec(changesSql(args.rows));
    const updated = Math.floor(args.rows / 5000);
    say(`source changed: ${updated} sales and ${updated * 2} lines updated, 10 late corrections inside the lookback, 5 sales inserted at the watermark, 495 new sales`);
    await runAll('incremental run');

    // `datapipe verify`, level 2: profiles and row hashes computed inside PostgreSQL and DuckDB.
    for (const table of DEMO_TABLES) {
      const prepared = await prepareRun({ table, config: configPath });
      const { model } = await readCommittedSchema(schemas, table, configPath);
      const source = await openSource(loaded.config.source, args.log);
      const warehouse = await openWarehouse(prepared.destination, args.log);
      try {
        const result = await verifyLoadedTable({ model, spec: prepared.table, source, warehouse, level: 2, show: 5 });
        if (!result.equal) {
          process.stdout.write(formatReport([result]));
          throw new ContractError(`${table}: the warehouse differs from the source in ${result.differences} rows — the report above names them`);
        }
        say(`verify ${table}: source ${result.sourceRows} rows = warehouse ${result.targetRows} rows up to watermark ${result.watermark}, ` +
          `every column's profile and every row's hash identical (${result.seconds.toFixed(1)} s, computed inside both engines)`);
      } finally {
        await warehouse.close();
        await source.close();
      }
    }
    say(`done. Explore the target: duckdb ${join(dir, 'warehouse.duckdb')}  ·  staged AVRO and state: ${join(dir, 'staging')}`);
  } finally {
    await database.stop();
  }
}

/** The demo owns its folder: it starts clean, and refuses to clear a folder it did not create. */
async function prepareWorkspace(dir: string): Promise<void> {
  const exists = await access(dir).then(() => true, () => false);
  if (exists) {
    const ours = await access(join(dir, MARKER)).then(() => true, () => false);
    if (!ours) throw new TerminalError(`${dir} exists and was not created by the demo — pass --dir <new folder>`);
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, MARKER), 'created by datapipe demo; safe to delete\n');
}
