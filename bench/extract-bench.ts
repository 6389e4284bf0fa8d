/**
 * `npm run bench`: PostgreSQL → local compressed AVRO, against the source's own speed limit.
 * For each size: `COPY (SELECT …) TO STDOUT` (text and binary) consumed raw, then the real
 * extractor in a child process (rows/s, MB/s, peak RSS). Options: --rows 1000000,5000000 --codec deflate|snappy|null.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { startPostgresServer, postgresServerAvailability } from '../test/support/postgres-server.js';
import { createSalesSql, SALES_COLUMNS, SALES_TABLE } from './sales-table.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const sizes = option('rows', '1000000,5000000').split(',').map(Number);
const codec = option('codec', 'deflate');

const availability = postgresServerAvailability();
if (!availability.available) {
  console.error(`bench: needs a PostgreSQL server — ${availability.reason}`);
  process.exit(2);
}
const server = await startPostgresServer();
const client = new pg.Client(server.config);
await client.connect();

async function copyRate(format: 'text' | 'binary'): Promise<{ seconds: number; bytes: number }> {
  const started = performance.now();
  let bytes = 0;
  const options = format === 'binary' ? ' (FORMAT binary)' : '';
  const stream = client.query(copyTo(`COPY (SELECT ${SALES_COLUMNS} FROM ${SALES_TABLE}) TO STDOUT${options}`));
  for await (const chunk of stream) bytes += (chunk as Buffer).length;
  return { seconds: (performance.now() - started) / 1000, bytes };
}

const results = [];
try {
  for (const rows of sizes) {
    process.stderr.write(`bench: generating ${rows} rows…\n`);
    await client.query(createSalesSql(rows));
    await copyRate('text'); // warm the cache so both sides read from memory
    const text = await copyRate('text');
    const binary = await copyRate('binary');
    process.stderr.write(`bench: extracting ${rows} rows (${codec})…\n`);
    const child = spawnSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, 'extract-child.ts')], {
      env: { ...process.env, BENCH_PG: JSON.stringify(server.config), BENCH_CODEC: codec },
      encoding: 'utf8', maxBuffer: 1 << 20,
    });
    if (child.status !== 0) throw new Error(`extract child failed: ${child.stderr}`);
    const extract = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { rows: number; seconds: number; avroBytes: number; peakRssMb: number; secondHalfRssMb: number };
    const copyRows = rows / text.seconds;
    results.push({
      rows,
      'COPY text rows/s': Math.round(copyRows),
      'COPY binary rows/s': Math.round(rows / binary.seconds),
      'extract rows/s': Math.round(extract.rows / extract.seconds),
      'extract / COPY text': `${((extract.rows / extract.seconds / copyRows) * 100).toFixed(1)} %`,
      'source MB/s (COPY text bytes)': +(text.bytes / 1048576 / extract.seconds).toFixed(1),
      'AVRO MB written': +(extract.avroBytes / 1048576).toFixed(1),
      'peak RSS MB': extract.peakRssMb,
    });
  }
} finally {
  await client.query(`DROP TABLE IF EXISTS ${SALES_TABLE}`).catch(() => undefined);
  await client.end();
  await server.stop();
}
console.table(results);
process.stdout.write(`${JSON.stringify({ codec, results })}\n`);
