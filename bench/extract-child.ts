/**
 * One measured extraction, in its own process so its peak RSS is its own: the real extract()
 * (committed schema, window, PostgreSQL binary COPY, AVRO deflate parts, manifest) to a local folder.
 * Prints one JSON line.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from '../services/extractor/extract.js';
import { formatAvsc, modelToAvsc } from '../shared/avro/avsc-schema.js';
import { findTable, loadConfig } from '../shared/config/load-config.js';
import { silentLogger } from '../shared/log.js';
import { applyTableSpec } from '../shared/pipeline/table-contract.js';
import { connectPostgres } from '../shared/sources/postgres/postgres-source.js';
import { LocalStore } from '../shared/stores/local/local-store.js';
import { SALES_TABLE } from './sales-table.js';

const connection = JSON.parse(process.env.BENCH_PG ?? '{}') as { host: string; port: number; database: string; user: string; password?: string };
const codec = process.env.BENCH_CODEC ?? 'deflate';
const dir = await mkdtemp(join(tmpdir(), 'datapipe-bench-'));
try {
  process.env.BENCH_PG_PASSWORD = connection.password ?? '';
  await writeFile(join(dir, 'config.yaml'), `
project: { name: bench }
source:
  type: postgres
  connection: { host: ${connection.host}, port: ${connection.port}, database: ${connection.database}, user: ${connection.user}, password: "\${BENCH_PG_PASSWORD}" }
destination: { cloud: local, local: { path: staging, warehouse: warehouse.duckdb } }
staging: { codec: ${codec}, part_size_mb: 128, batch_rows: 10000 }
tables:
  - { name: ${SALES_TABLE}, load_mode: full, primary_keys: [id_venta] }
`);
  const loaded = await loadConfig(join(dir, 'config.yaml'));
  const table = findTable(loaded, SALES_TABLE);
  const source = await connectPostgres(loaded.config.source.connection as typeof connection, 'public', silentLogger);
  await mkdir(join(dir, 'schemas'));
  const model = applyTableSpec(await source.describe(SALES_TABLE, { profile: false }), table);
  await writeFile(join(dir, 'schemas', `${SALES_TABLE}.avsc`), formatAvsc(modelToAvsc(model)));

  let peakRss = 0;
  const samples: number[] = [];
  const sampler = setInterval(() => {
    const rss = process.memoryUsage.rss();
    peakRss = Math.max(peakRss, rss);
    samples.push(rss);
  }, 100);
  const started = performance.now();
  const manifest = await extract({
    config: loaded.config, configPath: loaded.path, table, source, store: new LocalStore(join(dir, 'staging')),
    prefix: undefined, schemasDir: join(dir, 'schemas'), runId: 'bench', log: silentLogger,
  });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  await source.close();
  const bytes = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
  const mid = samples.slice(Math.floor(samples.length / 2));
  process.stdout.write(`${JSON.stringify({
    rows: manifest.rows, seconds, avroBytes: bytes, files: manifest.files.length,
    peakRssMb: Math.round(Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1048576),
    secondHalfRssMb: mid.length > 0 ? Math.round(Math.max(...mid) / 1048576) : null,
  })}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
