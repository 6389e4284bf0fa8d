import { describe, expect, it } from 'vitest';
import { cronOf, dagSpec, tableSlug } from '../../../services/cli/dag/dag-spec.js';
import { secretVariables } from '../../../services/cli/dag/secret-variables.js';
import { TerminalError } from '../../../shared/errors.js';
import { fixtureSpecs, loadFixture } from './dag-fixtures.js';

const RESOURCES = {
  extractor: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } },
  loader: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
};

describe('dagSpec — what one DAG says, defaults resolved', () => {
  it('gcp: Cloud Composer placement, the registry and tag, the schedule in its time zone, every variable as a secret key', async () => {
    const [cabecera] = await fixtureSpecs('gcp');
    const args = ['--table', 'VENTAS_CABECERA', '--cloud', 'gcp', '--config', 'gcp/config.yaml', '--run-id', '{{ run_id }}'];
    expect(cabecera).toEqual({
      dagId: 'dag_gcp_ventas_cabecera',
      fileName: 'dag_gcp_ventas_cabecera.py',
      configPath: 'gcp/config.yaml',
      table: 'VENTAS_CABECERA',
      project: 'migracion-ventas',
      cloud: 'gcp',
      sourceType: 'oracle',
      tags: ['datapipe', 'migracion-ventas', 'gcp', 'production'],
      cron: '0 2 * * *',
      timezone: 'America/Bogota',
      startDate: { year: 2024, month: 1, day: 1 },
      retries: 3,
      retryDelayMinutes: 5,
      maxRetryDelayMinutes: 60,
      chunks: 1,
      maxParallelChunks: 1,
      images: {
        extractor: 'us-docker.pkg.dev/empresa/datapipe/extractor:v1.4.0',
        loader: 'us-docker.pkg.dev/empresa/datapipe/loader:v1.4.0',
        pullPolicy: 'IfNotPresent',
      },
      pod: {
        platform: 'composer',
        platformTitle: 'Cloud Composer (pods in composer-user-workloads)',
        namespace: 'composer-user-workloads',
        kubernetesConnId: 'kubernetes_default',
        inCluster: false,
        configFile: '/home/airflow/composer_kube_config',
        labels: { 'app.kubernetes.io/part-of': 'datapipe', 'datapipe/project': 'migracion-ventas', 'datapipe/table': 'ventas_cabecera' },
      },
      secretName: 'datapipe-migracion-ventas',
      secretVariables: [
        { name: 'ORACLE_HOST_PROD', optional: false },
        { name: 'ORACLE_PASSWORD', optional: false },
        { name: 'ORACLE_PORT', optional: true },
        { name: 'ORACLE_USER', optional: false },
      ],
      resources: RESOURCES,
      podNames: { extract: 'datapipe-extract-ventas-cabecera', load: 'datapipe-load-ventas-cabecera' },
      extractArguments: [args],
      loadArguments: args,
      verify: {
        period: 'weekly', podName: 'datapipe-verify-ventas-cabecera',
        arguments: ['verify', '--table', 'VENTAS_CABECERA', '--cloud', 'gcp', '--config', 'gcp/config.yaml'],
      },
    });
  });

  it('chunks fan out one argument list per chunk, i/n counted from 1', async () => {
    const [, detalle] = await fixtureSpecs('gcp');
    const common = ['--table', 'VENTAS_DETALLE', '--cloud', 'gcp', '--config', 'gcp/config.yaml', '--run-id', '{{ run_id }}'];
    expect(detalle!.chunks).toBe(4);
    expect(detalle!.maxParallelChunks).toBe(4);
    expect(detalle!.extractArguments).toEqual(['1/4', '2/4', '3/4', '4/4'].map((chunk) => [...common, '--chunk', chunk]));
    expect(detalle!.loadArguments).toEqual(common);
  });

  it('aws: MWAA on EKS through its kubeconfig, default images on latest (pulled Always), airflow: overrides applied', async () => {
    const [orders] = await fixtureSpecs('aws');
    expect(orders).toMatchObject({
      dagId: 'dag_aws_orders_hist',
      fileName: 'dag_aws_orders_hist.py',
      table: 'ORDERS$HIST',
      tags: ['datapipe', 'erp_orders', 'aws'],
      cron: '0 * * * *',
      timezone: 'UTC',
      retries: 5,
      retryDelayMinutes: 2,
      maxRetryDelayMinutes: 30,
      dagrunTimeoutHours: 6,
      chunks: 3,
      maxParallelChunks: 2,
      images: { extractor: 'datapipe/extractor:latest', loader: 'datapipe/loader:latest', pullPolicy: 'Always' },
      secretName: 'datapipe-erp-orders',
      secretVariables: [
        { name: 'AWS_REGION', optional: true },
        { name: 'PGHOST', optional: false },
        { name: 'PGPASSWORD', optional: false },
        { name: 'PGPORT', optional: true },
        { name: 'PGUSER', optional: false },
        { name: 'REDSHIFT_SECRET_ARN', optional: false },
      ],
      podNames: { extract: 'datapipe-extract-orders-hist', load: 'datapipe-load-orders-hist' },
    });
    expect(orders!.pod).toEqual({
      platform: 'mwaa-eks',
      platformTitle: 'Amazon MWAA launching pods on EKS',
      namespace: 'datapipe',
      inCluster: false,
      configFile: '/usr/local/airflow/dags/kube_config.yaml',
      clusterContext: 'aws',
      serviceAccount: 'datapipe',
      labels: { 'app.kubernetes.io/part-of': 'datapipe', 'datapipe/project': 'erp_orders', 'datapipe/table': 'orders_hist' },
    });
    // A key given under airflow.resources replaces that key only.
    expect(orders!.resources).toEqual({ ...RESOURCES, extractor: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '4Gi' } } });
  });

  it('azure: AKS with the Workload ID label; namespace, service account and start date from the config', async () => {
    const [asientos] = await fixtureSpecs('azure');
    expect(asientos).toMatchObject({
      dagId: 'dag_azure_asientos', cron: '0 2 * * *', startDate: { year: 2025, month: 6, day: 1 },
      secretVariables: [
        { name: 'DATABRICKS_TOKEN', optional: false },
        { name: 'ORACLE_PASSWORD', optional: false },
        { name: 'ORACLE_TNS', optional: false },
        { name: 'ORACLE_USER', optional: false },
      ],
    });
    expect(asientos!.pod).toEqual({
      platform: 'aks',
      platformTitle: 'Azure Kubernetes Service (Workload ID)',
      namespace: 'data',
      inCluster: true,
      serviceAccount: 'etl-runner',
      labels: {
        'app.kubernetes.io/part-of': 'datapipe', 'datapipe/project': 'finanzas', 'datapipe/table': 'asientos',
        'azure.workload.identity/use': 'true',
      },
    });
    expect(asientos!.dagrunTimeoutHours).toBeUndefined();
  });

  it('local: plain Kubernetes in-cluster, no secret variable, the cron single-spaced, the pull policy as configured', async () => {
    const [clientes] = await fixtureSpecs('local');
    expect(clientes).toMatchObject({
      dagId: 'dag_local_clientes', cron: '*/30 6-20 * * 1-5', secretVariables: [], secretName: 'datapipe-demo',
      images: { extractor: 'datapipe/extractor:2eaab51', loader: 'datapipe/loader:2eaab51', pullPolicy: 'Always' },
    });
    expect(clientes!.pod).toEqual({
      platform: 'kubernetes', platformTitle: 'Kubernetes, Airflow in the same cluster', namespace: 'datapipe', inCluster: true,
      labels: { 'app.kubernetes.io/part-of': 'datapipe', 'datapipe/project': 'demo', 'datapipe/table': 'clientes' },
    });
  });

  it('refuses a config path a pod argument cannot carry (Jinja reads braces, Kubernetes expands $(VAR))', async () => {
    const { loaded } = await loadFixture('local');
    const input = { config: loaded.config, table: loaded.config.tables[0]!, secretVariables: [] };
    for (const configPath of ['{{ var }}/config.yaml', '$(HOME)/config.yaml', 'a\nb/config.yaml']) {
      expect(() => dagSpec({ ...input, configPath })).toThrow(new TerminalError(
        `${configPath}: a config path passed to the pods cannot hold braces, $ or control characters — rename its folder`,
      ));
    }
  });
});

describe('schedules, names and variables', () => {
  it('daily is 02:00, hourly minute 0, a cron expression is kept single-spaced', () => {
    expect(cronOf('daily')).toBe('0 2 * * *');
    expect(cronOf('hourly')).toBe('0 * * * *');
    expect(cronOf(' 15  3 * *   1 ')).toBe('15 3 * * 1');
  });

  it('table names lowercase, with $ and # mapped to _', () => {
    expect(tableSlug('VENTAS_CABECERA')).toBe('ventas_cabecera');
    expect(tableSlug('COST$CENTER#2')).toBe('cost_center_2');
  });

  it('secretVariables: every reference in the file, optional only when every use has a default; $${ is no reference', () => {
    const yaml = [
      'a: "${B_VAR}"',
      'b: ["${A_VAR:-x}", "${C_VAR:-}"]',
      'c: { d: "${A_VAR}", e: "literal $${NOT_A_VAR} and ${C_VAR:-y}" }',
      '"${KEY_VAR}": keys are not interpolated',
      '# ${COMMENT_VAR} is a comment',
    ].join('\n');
    expect(secretVariables(yaml)).toEqual([
      { name: 'A_VAR', optional: false },
      { name: 'B_VAR', optional: false },
      { name: 'C_VAR', optional: true },
    ]);
  });
});
