/**
 * One measured extraction, in its own process so its peak RSS is its own: the real extract()
 * (committed schema, window, PostgreSQL binary COPY, AVRO deflate parts, manifest) to a local folder.
 * Prints one JSON line.
 */
import { measureExtract } from './measure-extract.js';
import { SALES_TABLE } from './sales-table.js';

const connection = JSON.parse(process.env.BENCH_PG ?? '{}') as { host: string; port: number; database: string; user: string; password?: string };
const codec = process.env.BENCH_CODEC ?? 'deflate';
process.env.BENCH_PG_PASSWORD = connection.password ?? '';
const measured = await measureExtract(`
project: { name: bench }
source:
  type: postgres
  connection: { host: ${connection.host}, port: ${connection.port}, database: ${connection.database}, user: ${connection.user}, password: "\${BENCH_PG_PASSWORD}" }
destination: { cloud: local, local: { path: staging, warehouse: warehouse.duckdb } }
staging: { codec: ${codec}, part_size_mb: 128, batch_rows: 10000 }
tables:
  - { name: ${SALES_TABLE}, load_mode: full, primary_keys: [id_venta] }
`, SALES_TABLE);
process.stdout.write(`${JSON.stringify(measured)}\n`);
