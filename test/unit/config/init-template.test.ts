import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError } from '../../../shared/config/config-error.js';
import { CLOUDS, type Cloud } from '../../../shared/config/config-schema.js';
import { renderConfigTemplate, templatesDir } from '../../../shared/config/init-template.js';
import { configJsonSchema } from '../../../shared/config/json-schema.js';
import { loadConfig } from '../../../shared/config/load-config.js';
import { TerminalError } from '../../../shared/errors.js';
import { writeConfig } from './config-files.js';
import { schemaErrors } from './json-schema-check.js';

/** Plausible values for every variable a template references without a default. */
const ENV: Record<string, string> = {
  ORACLE_HOST_PROD: 'erp-db.internal', ORACLE_USER: 'etl_reader', ORACLE_PASSWORD: 'pw',
  GCP_PROJECT_ID: 'acme-datalake-prod', GCS_STAGING_BUCKET: 'acme-staging',
  S3_STAGING_BUCKET: 'acme-staging', REDSHIFT_WORKGROUP: 'analytics',
  REDSHIFT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dw', REDSHIFT_COPY_ROLE_ARN: 'arn:aws:iam::123456789012:role/copy',
  AZURE_STORAGE_ACCOUNT: 'acmestaging', DATABRICKS_HOST: 'adb-1.2.azuredatabricks.net',
  DATABRICKS_HTTP_PATH: '/sql/1.0/warehouses/abc', DATABRICKS_TOKEN: 'dapi-token',
};

const REQUIRED_VARS: Record<Cloud, string[]> = {
  local: [],
  gcp: ['ORACLE_HOST_PROD', 'ORACLE_USER', 'ORACLE_PASSWORD', 'GCP_PROJECT_ID', 'GCS_STAGING_BUCKET'],
  aws: ['ORACLE_HOST_PROD', 'ORACLE_USER', 'ORACLE_PASSWORD', 'S3_STAGING_BUCKET', 'REDSHIFT_WORKGROUP', 'REDSHIFT_SECRET_ARN', 'REDSHIFT_COPY_ROLE_ARN'],
  azure: ['ORACLE_HOST_PROD', 'ORACLE_USER', 'ORACLE_PASSWORD', 'AZURE_STORAGE_ACCOUNT', 'DATABRICKS_HOST', 'DATABRICKS_HTTP_PATH', 'DATABRICKS_TOKEN'],
};

describe('config templates', () => {
  it('live in services/cli/templates, found from the package root', async () => {
    expect(templatesDir()).toBe(fileURLToPath(new URL('../../../services/cli/templates', import.meta.url)));
    const files = await readdir(templatesDir());
    expect(files.filter((f) => f.startsWith('config.')).sort()).toEqual(['config.aws.yaml', 'config.azure.yaml', 'config.gcp.yaml', 'config.local.yaml']);
  });

  it.each(CLOUDS)('%s: renders with the project name and no placeholder left', (cloud) => {
    const text = renderConfigTemplate('migracion-ventas', cloud);
    expect(text).toContain('\n  name: migracion-ventas ');
    expect(text).not.toContain('__PROJECT_NAME__');
    expect(text).toContain(`\n  cloud: ${cloud} `);
  });

  it.each(CLOUDS)('%s: names exactly its unset variables', async (cloud) => {
    const path = await writeConfig(renderConfigTemplate('migracion-ventas', cloud));
    const outcome = await loadConfig(path, {}).then(() => [], (error: unknown) => {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).issues.map((line) => /environment variable (\w+) is not set/.exec(line)?.[1]);
    });
    expect(outcome).toEqual(REQUIRED_VARS[cloud]);
  });

  it.each(CLOUDS)('%s: validates once its variables are set', async (cloud) => {
    const path = await writeConfig(renderConfigTemplate('migracion-ventas', cloud));
    const { config } = await loadConfig(path, ENV);
    expect(config.project.name).toBe('migracion-ventas');
    expect(config.destination.cloud).toBe(cloud);
    expect(config.destination[cloud]).toBeDefined();
    const oracle = cloud !== 'local';
    expect(config.source.type).toBe(oracle ? 'oracle' : 'postgres');
    expect(config.tables).toEqual([oracle
      ? { name: 'VENTAS_CABECERA', load_mode: 'incremental', partition_column: 'FECHA_VENTA', primary_keys: ['ID_VENTA'], lookback: '2d', null_watermark: 'fail', chunks: 1, deletes: 'ignore', max_delete_fraction: 0.1, verify: 'never' }
      : { name: 'ventas_cabecera', load_mode: 'incremental', partition_column: 'fecha_venta', primary_keys: ['id_venta'], lookback: '2d', null_watermark: 'fail', chunks: 1, deletes: 'ignore', max_delete_fraction: 0.1, verify: 'never' }]);
  });

  it('local: defaults to a PostgreSQL on 127.0.0.1 and staging beside the config', async () => {
    const path = await writeConfig(renderConfigTemplate('demo', 'local'));
    const { config, dir } = await loadConfig(path, {});
    expect(config.source).toEqual({
      type: 'postgres', schema: 'public',
      connection: { host: '127.0.0.1', port: 5432, database: 'postgres', user: 'postgres', password: '' },
    });
    expect(config.destination.local).toEqual({ path: `${dir}/.datapipe/staging`, warehouse: `${dir}/.datapipe/warehouse.duckdb` });
  });

  it.each(CLOUDS)('%s: passes the exported JSON Schema as written (what an editor checks)', (cloud) => {
    expect(schemaErrors(configJsonSchema(), parse(renderConfigTemplate('migracion-ventas', cloud)))).toEqual([]);
  });

  it('refuses a name that is not a project name', () => {
    expect(() => renderConfigTemplate('Ventas 2024', 'gcp')).toThrow(new TerminalError(
      '"Ventas 2024" is not a valid project name — use lowercase letters and digits, words joined by - or _ (e.g. migracion-ventas)',
    ));
  });
});
