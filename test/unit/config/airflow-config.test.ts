import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError } from '../../../shared/config/config-error.js';
import { configJsonSchema } from '../../../shared/config/json-schema.js';
import { loadConfig } from '../../../shared/config/load-config.js';
import { blockConfig, writeConfig } from './config-files.js';
import { schemaErrors } from './json-schema-check.js';

/** blockConfig with `extra` (top-level YAML) inserted before `tables:` — line 12 onwards. */
function withBlocks(extra: string): string {
  return blockConfig('  - { name: T, load_mode: full }').replace('tables:\n', `${extra}\ntables:\n`);
}

async function issues(text: string, env: Record<string, string> = { PGPASSWORD: 'x' }): Promise<string[]> {
  const path = await writeConfig(text);
  const error = await loadConfig(path, env).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).issues.map((line) => line.replace(`${path}:`, 'config.yaml:'));
}

describe('images: and airflow: in config.yaml', () => {
  it('are optional: absent, nothing is added to the loaded config (the generator resolves defaults per cloud)', async () => {
    const { config } = await loadConfig(await writeConfig(withBlocks('')), { PGPASSWORD: 'x' });
    expect(config.images).toBeUndefined();
    expect(config.airflow).toBeUndefined();
  });

  it('load every setting, numbers and flags also from ${VAR} text, the time zone in its canonical spelling', async () => {
    const { config } = await loadConfig(await writeConfig(withBlocks([
      'images: { registry: "registry.example.com:5000/data/datapipe", tag: "${IMAGE_TAG}", pull_policy: IfNotPresent }',
      'airflow:',
      '  platform: mwaa-eks',
      '  timezone: america/bogota',
      '  start_date: "2025-02-28"',
      '  namespace: etl',
      '  service_account: datapipe-runner',
      '  kubernetes_conn_id: eks_prod',
      '  in_cluster: "${IN_CLUSTER:-false}"',
      '  config_file: /usr/local/airflow/dags/kube_config.yaml',
      '  cluster_context: aws',
      '  secret_name: ventas-creds',
      '  retries: "4"',
      '  retry_delay_minutes: 1',
      '  max_retry_delay_minutes: 20',
      '  dagrun_timeout_hours: 8',
      '  max_parallel_chunks: 3',
      '  resources: { extractor: { requests: { cpu: 500m, memory: 1.5Gi }, limits: { cpu: "2", memory: 3Gi } }, loader: { limits: { memory: 768Mi } } }',
    ].join('\n'))), { PGPASSWORD: 'x', IMAGE_TAG: 'v2.0.1' });
    expect(config.images).toEqual({ registry: 'registry.example.com:5000/data/datapipe', tag: 'v2.0.1', pull_policy: 'IfNotPresent' });
    expect(config.airflow).toEqual({
      platform: 'mwaa-eks', timezone: 'America/Bogota', start_date: '2025-02-28', namespace: 'etl', service_account: 'datapipe-runner',
      kubernetes_conn_id: 'eks_prod', in_cluster: false, config_file: '/usr/local/airflow/dags/kube_config.yaml', cluster_context: 'aws',
      secret_name: 'ventas-creds', retries: 4, retry_delay_minutes: 1, max_retry_delay_minutes: 20, dagrun_timeout_hours: 8, max_parallel_chunks: 3,
      resources: { extractor: { requests: { cpu: '500m', memory: '1.5Gi' }, limits: { cpu: '2', memory: '3Gi' } }, loader: { limits: { memory: '768Mi' } } },
    });
  });

  it('reject what Kubernetes, Docker or Airflow would reject, one line each with the fix', async () => {
    expect(await issues(withBlocks([
      'images: { registry: "https://Registry.example.com", tag: ":v1", pull_policy: always }',
      'airflow:',
      '  platform: gke',
      '  timezone: "+05:00"',
      '  start_date: "2023-02-29"',
      '  namespace: Data_Team',
      '  secret_name: "creds/{{ x }}"',
      '  config_file: "/kube/{{ var.value.x }}"',
      '  retries: 50',
      '  resources: { extractor: { requests: { cpu: 1 core, memory: 2GB } }, scheduler: {} }',
    ].join('\n')))).toEqual([
      'config.yaml:21: airflow.resources.scheduler: unknown key "scheduler" — remove it (allowed here: extractor, loader)',
      'config.yaml:12: images.registry: is not an image registry — write host[:port]/path in lowercase, e.g. us-docker.pkg.dev/acme/datapipe',
      'config.yaml:12: images.tag: is not an image tag — use letters, digits, _, . and - (e.g. the `git describe` make build tags with)',
      'config.yaml:12: images.pull_policy: "always" is not allowed here (did you mean "Always"?) — write Always, IfNotPresent or Never',
      'config.yaml:14: airflow.platform: "gke" is not allowed here — write composer, mwaa-eks, aks or kubernetes',
      'config.yaml:15: airflow.timezone: is not an IANA time zone — write e.g. UTC, America/Bogota or Europe/Madrid',
      'config.yaml:16: airflow.start_date: is not a date — write YYYY-MM-DD, e.g. 2024-01-01',
      'config.yaml:17: airflow.namespace: is not a Kubernetes namespace — lowercase letters, digits and -, at most 63',
      'config.yaml:18: airflow.secret_name: is not a Kubernetes Secret name — lowercase letters, digits, - and .',
      'config.yaml:19: airflow.config_file: is not a usable path — remove control characters and braces',
      'config.yaml:20: airflow.retries: must be a whole number from 0 to 20 — write e.g. 3',
      'config.yaml:21: airflow.resources.extractor.requests.cpu: is not a CPU quantity — write cores (1, 0.5) or millicores (500m)',
      'config.yaml:21: airflow.resources.extractor.requests.memory: is not a memory quantity — write e.g. 512Mi or 2Gi',
    ]);
  });

  it('the exported JSON Schema accepts both blocks as written, ${…} references included', () => {
    const config = parse(withBlocks([
      'images: { registry: "${REGISTRY}", tag: "${TAG:-latest}" }',
      'airflow: { platform: aks, timezone: Europe/Madrid, retries: "${RETRIES:-3}", resources: { loader: { requests: { cpu: 250m } } } }',
    ].join('\n')));
    expect(schemaErrors(configJsonSchema(), config)).toEqual([]);
  });
});
