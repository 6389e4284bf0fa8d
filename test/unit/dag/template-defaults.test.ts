import { describe, expect, it } from 'vitest';
import { dagSpec, type DagSpec } from '../../../services/cli/dag/dag-spec.js';
import { CLOUDS } from '../../../shared/config/config-schema.js';
import { renderConfigTemplate } from '../../../shared/config/init-template.js';
import { loadConfig } from '../../../shared/config/load-config.js';
import { writeConfig } from '../config/config-files.js';

/** Values for the variables the templates reference without a default. */
const ENV = {
  ORACLE_HOST_PROD: 'h', ORACLE_USER: 'u', ORACLE_PASSWORD: 'p', GCP_PROJECT_ID: 'acme', GCS_STAGING_BUCKET: 'b', S3_STAGING_BUCKET: 'b',
  REDSHIFT_WORKGROUP: 'wg', REDSHIFT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:x', REDSHIFT_COPY_ROLE_ARN: 'arn:aws:iam::1:role/r',
  AZURE_STORAGE_ACCOUNT: 'acme', DATABRICKS_HOST: 'adb-1.2.azuredatabricks.net', DATABRICKS_HTTP_PATH: '/sql/1.0/warehouses/a', DATABRICKS_TOKEN: 't',
};

/** The template with its commented `airflow:` block switched on. */
function withAirflowBlock(template: string): string {
  const lines = template.split('\n');
  const start = lines.findIndex((line) => line.startsWith('# airflow:'));
  let end = start;
  while (lines[end + 1]?.startsWith('#   ')) end += 1;
  return lines.map((line, i) => (i >= start && i <= end ? line.slice(2) : line)).join('\n');
}

async function spec(text: string): Promise<DagSpec> {
  const { config } = await loadConfig(await writeConfig(text), ENV);
  return dagSpec({ config, table: config.tables[0]!, configPath: 'ventas/config.yaml', secretVariables: [] });
}

describe('the airflow: block commented in each config template', () => {
  it.each(CLOUDS)('%s: switched on as written, it changes nothing but the example Secret name', async (cloud) => {
    const template = renderConfigTemplate('ventas', cloud);
    const defaults = await spec(template);
    const written = await spec(withAirflowBlock(template));
    expect(written.secretName).toBe('datapipe-creds');
    expect({ ...written, secretName: defaults.secretName }).toEqual(defaults);
  });
});
