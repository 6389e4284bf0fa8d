/** Helpers for the config tests: config files in a fresh temporary folder, and the seed example. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes `text` as `<fresh tmp folder>/config.yaml` and returns its absolute path. */
export async function writeConfig(text: string, name = 'config.yaml'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'datapipe-config-'));
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** The seed example of docs/architecture.md, verbatim (flow mappings spanning lines included). */
export const SEED_YAML = `project: { name: migracion-ventas, environment: production }
source:
  type: oracle                       # oracle | postgres
  connection: { host: "\${ORACLE_HOST_PROD}", port: 1521, service_name: ERP_PROD,
                user: "\${ORACLE_USER}", password: "\${ORACLE_PASSWORD}" }
  schema: VENTAS                     # owner; default: the user
destination:
  cloud: gcp
  gcp: { project_id: empresa-datalake-prod, dataset: raw_ventas,
         bucket: empresa-staging-bucket, location: us-central1 }
schedule: "0 2 * * *"                # or daily / hourly
tables:
  - name: VENTAS_CABECERA
    load_mode: incremental           # incremental | full
    partition_column: FECHA_VENTA
    primary_keys: [ID_VENTA]
    lookback: 2d                     # optional
    columns: { MONTO: { type: "decimal(18,2)" } }   # optional per-column overrides
`;

export const SEED_ENV = { ORACLE_HOST_PROD: 'erp-db.internal', ORACLE_USER: 'etl_reader', ORACLE_PASSWORD: 'pw-Secreto-123' };

/**
 * A block-style config whose line numbers the tests rely on (line N of the file is element N of
 * this list's 1-based numbering). `tables` are appended by each test.
 */
export function blockConfig(tables: string): string {
  return [
    'project:',                                   // 1
    '  name: ventas',                             // 2
    'source:',                                    // 3
    '  type: postgres',                           // 4
    '  connection:',                              // 5
    '    host: 127.0.0.1',                        // 6
    '    database: erp',                          // 7
    '    user: etl',                              // 8
    '    password: "${PGPASSWORD}"',              // 9
    'destination:',                               // 10
    '  cloud: local',                             // 11
    'tables:',                                    // 12
    tables,                                       // 13…
  ].join('\n') + '\n';
}
