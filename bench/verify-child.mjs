// One `datapipe verify` (levels 1 and 2) in a process of its own, as the CLI runs it: the compiled
// code (dist/), a fresh DuckDB instance with verify's memory bound, the PostgreSQL source at its
// snapshot. Prints one JSON line: seconds, whether the sides are equal, the process's peak RSS and
// JS heap. Run by bench/verify-bench.ts with VERIFY_CHILD = {url, warehouse, model}.
import process from 'node:process';
import { performance } from 'node:perf_hooks';
import { clearInterval, setInterval } from 'node:timers';
import { URL } from 'node:url';
import { silentLogger } from '../dist/shared/log.js';
import { connectPostgres } from '../dist/shared/sources/postgres/postgres-source.js';
import { verifyTable } from '../dist/shared/verify/verify-table.js';
import { openDuckDbWarehouse } from '../dist/shared/warehouses/duckdb/duckdb-warehouse.js';

const { url, warehouse: path, model } = JSON.parse(process.env.VERIFY_CHILD);
let heap = 0;
const sampler = setInterval(() => { heap = Math.max(heap, process.memoryUsage().heapUsed); }, 50);
const parsed = new URL(url);
const source = await connectPostgres({
  host: parsed.hostname, port: Number(parsed.port || 5432), user: decodeURIComponent(parsed.username), database: parsed.pathname.slice(1),
  password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
}, 'public', silentLogger);
// As `datapipe verify` opens the local warehouse (registry.ts: scanOnly, no memory_limit set).
const warehouse = await openDuckDbWarehouse(path, silentLogger, { scanOnly: true });
const started = performance.now();
const result = await source.verifySession(model, (s) => warehouse.verifySession(model, (t) => verifyTable(s, t, { source: null, target: null }, null, { level: 2, show: 3, deletes: 'detect' })));
const seconds = (performance.now() - started) / 1000;
await warehouse.close();
await source.close();
clearInterval(sampler);
process.stdout.write(`${JSON.stringify({ seconds, equal: result.equal, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), heapMb: Math.round(heap / 1048576) })}\n`);
