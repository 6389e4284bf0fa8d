import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findTable, loadConfig, type LoadedConfig } from '../../../shared/config/load-config.js';
import { silentLogger } from '../../../shared/log.js';
import type { TableModel } from '../../../shared/model/column.js';
import { applyTableSpec } from '../../../shared/pipeline/table-contract.js';
import { connectPostgres } from '../../../shared/sources/postgres/postgres-source.js';
import type { Source } from '../../../shared/sources/source.js';
import { workspace } from '../../support/cli.js';
import { startPostgres, type PostgresHandle } from '../../support/postgres-server.js';
import { createAllTypes, dropSchema } from '../postgres/all-types-fixture.js';

/**
 * A PostgreSQL schema holding `tipos_todos` (every type, all-types-fixture.ts), a `local`
 * workspace whose config.yaml extracts it incrementally on c_ts, and its model as that config
 * shapes it.
 */
export interface AllTypesWorkspace {
  handle: PostgresHandle;
  schema: string;
  dir: string;
  loaded: LoadedConfig;
  model: TableModel;
  /** A new connection to the schema; the caller closes it. */
  connect(): Promise<Source>;
  close(): Promise<void>;
}

/** `staging` and `tableOptions` are YAML flow-map entries: the staging settings, and the table's beyond its keys and watermark. */
export async function openAllTypesWorkspace(name: string, staging: string, tableOptions = ''): Promise<AllTypesWorkspace> {
  const handle = await startPostgres();
  let schema: string | undefined;
  const close = async () => {
    if (schema) await dropSchema(handle, schema);
    await handle.stop();
  };
  try {
    schema = await createAllTypes(handle);
    const dir = await workspace(name);
    process.env.DATAPIPE_IT_PG_PASSWORD = handle.config.password ?? '';
    const { host, port, database, user } = handle.config;
    const extra = tableOptions ? `, ${tableOptions}` : '';
    await writeFile(join(dir, 'config.yaml'), `
project: { name: it }
source:
  type: postgres
  connection: { host: ${host}, port: ${port}, database: ${database}, user: ${user}, password: "\${DATAPIPE_IT_PG_PASSWORD}" }
  schema: ${schema}
destination: { cloud: local }
staging: { ${staging} }
tables:
  - { name: tipos_todos, load_mode: incremental, partition_column: c_ts, primary_keys: [id], null_watermark: include${extra} }
`);
    const loaded = await loadConfig(join(dir, 'config.yaml'));
    const inSchema = schema;
    const connect = () => connectPostgres(handle.config, inSchema, silentLogger);
    const source = await connect();
    let model: TableModel;
    try {
      model = applyTableSpec(await source.describe('tipos_todos', { profile: true }), findTable(loaded, 'tipos_todos'));
    } finally {
      await source.close();
    }
    return { handle, schema, dir, loaded, model, connect, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The source with its AVRO transcoder hidden: the extractor must fall back to read() + write(rows). */
export function objectPathOnly(source: Source): Source {
  return {
    describe: (t, o) => source.describe(t, o),
    windowHigh: (m, c) => source.windowHigh(m, c),
    countNulls: (m, c) => source.countNulls(m, c),
    read: (plan) => source.read(plan),
    close: () => source.close(),
  };
}
