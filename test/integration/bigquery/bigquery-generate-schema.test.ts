/**
 * `datapipe generate schema` on the gcp cloud writes the BigQuery DDL of the table the loader
 * would create (schemas/<table>.sql), from a real PostgreSQL table's metadata.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSchemas } from '../../../services/cli/commands/generate-schema.js';
import { loadConfig } from '../../../shared/config/load-config.js';
import { silentLogger } from '../../../shared/log.js';
import { startPostgres, type PostgresHandle } from '../../support/postgres-server.js';

let handle: PostgresHandle;
const schema = `bq_ddl_${randomBytes(3).toString('hex')}`;

async function sql(text: string): Promise<void> {
  const client = new pg.Client({ ...handle.config });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  handle = await startPostgres();
  await sql(`CREATE SCHEMA ${schema};
    CREATE TABLE ${schema}."VENTAS" ("ID_VENTA" bigint, "LINEA" integer, "MONTO" numeric(18,2) NOT NULL,
      "FECHA" timestamp(6), "NOTA" text, PRIMARY KEY ("ID_VENTA", "LINEA"))`);
});

afterAll(async () => {
  if (handle) await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
  await handle?.stop();
});

describe('generate schema on gcp', () => {
  it('writes the BigQuery DDL: keys NOT NULL, partitioned at the configured granularity, clustered by the key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'datapipe-bq-ddl-'));
    const { host, port, database, user } = handle.config;
    await writeFile(join(dir, 'config.yaml'), `
project: { name: it }
source:
  type: postgres
  connection: { host: ${host}, port: ${port}, database: ${database}, user: ${user}, password: "\${DATAPIPE_IT_PG_PASSWORD:-}" }
  schema: ${schema}
destination:
  cloud: gcp
  gcp: { project_id: empresa-datalake-prod, dataset: raw_ventas, bucket: b, location: us-central1, partition_granularity: MONTH }
tables:
  - { name: VENTAS, load_mode: incremental, partition_column: FECHA, primary_keys: [ID_VENTA, LINEA] }
`);
    const loaded = await loadConfig(join(dir, 'config.yaml'), { DATAPIPE_IT_PG_PASSWORD: handle.config.password ?? '' });
    await generateSchemas({ loaded, tables: loaded.config.tables, out: dir, sampleRows: 0, log: silentLogger });
    expect(await readFile(join(dir, 'schemas', 'ventas.sql'), 'utf8')).toBe([
      'CREATE TABLE IF NOT EXISTS `empresa-datalake-prod`.`raw_ventas`.`ventas` (',
      '  `id_venta` INT64 NOT NULL OPTIONS(description="ID_VENTA bigint"),',
      '  `linea` INT64 NOT NULL OPTIONS(description="LINEA integer"),',
      '  `monto` NUMERIC(18, 2) NOT NULL OPTIONS(description="MONTO numeric(18,2)"),',
      '  `fecha` DATETIME OPTIONS(description="FECHA timestamp(6) without time zone"),',
      '  `nota` STRING OPTIONS(description="NOTA text")',
      ')',
      'PARTITION BY DATETIME_TRUNC(`fecha`, MONTH)',
      'CLUSTER BY `id_venta`, `linea`',
      `OPTIONS(description="${schema}.VENTAS, loaded by DataPipe");`,
      '',
    ].join('\n'));
  });
});
