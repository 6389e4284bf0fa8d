import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../support/cli.js';
import { FIXTURE_ENV, FIXTURES, fixtureWorkspace } from '../../unit/dag/dag-fixtures.js';
import { airflowPython, checkDags, type AirflowFacts, type AirflowMajor } from './airflow-env.js';

/**
 * Every DAG `datapipe generate dag` writes for the fixture configs, parsed by real Apache Airflow
 * 2.10 and 3.1 (pip, one virtualenv each): no import error, no warning from the DAG files, and
 * the tasks, images, arguments, secret references and timetable Airflow reads are the configured
 * ones — down to the pod each task would submit, with `{{ run_id }}` rendered. And what each task
 * makes of a finished pod (check_dags.py, "Retry decisions"): exit 0 succeeds, exit 1 and a killed
 * container (137) are retried, exit 2 and 3 fail at once (AirflowFailException: no retry).
 */
const RUN_ID = 'scheduled__2026-01-01T02:00:00+00:00';

const venvs = { 2: airflowPython(2), 3: airflowPython(3) } as const;
for (const [major, venv] of Object.entries(venvs)) {
  if ('reason' in venv) console.warn(`[airflow] skipping the Airflow ${major} DAG import tests: ${venv.reason}`);
}

/** A container env entry reading `key` from the Kubernetes Secret `secret`. */
function fromSecret(secret: string, key: string, optional = false) {
  return { name: key, valueFrom: { secretKeyRef: { key, name: secret, optional } } };
}

interface PodCase {
  image: string;
  args: string[];
  resources: { limits: Record<string, string>; requests: Record<string, string> };
}

interface Placement {
  namespace: string;
  labels: Record<string, string>;
  serviceAccount: string | null;
  pullPolicy: string;
  env: ReturnType<typeof fromSecret>[];
  configFile: string | null;
  clusterContext: string | null;
  inCluster: boolean;
}

interface TaskCase {
  name: string;
  pods: PodCase[];
  mapped: boolean;
  upstream: string[];
  downstream: string[];
}

/** The task's verdict on a pod whose container exited 2 or 3: failed, without retries. */
function noRetry(code: 2 | 3): { outcome: string; message: string } {
  const why = code === 2 ? 'a usage or configuration error' : 'a broken data contract';
  return {
    outcome: 'fail without retry',
    message: `DataPipe exited ${code} (${why}): not retried, since retrying cannot help; the \`datapipe:\` line at the end of the pod log says why. Fix that, then clear this task.`,
  };
}

/** What the operator's cleanup() makes of the task's pod finishing with each exit code. */
function retryDecisions(podName: string) {
  const retried = { outcome: 'retry', exception: 'AirflowException', message: `Pod ${podName}-x returned a failure.` };
  return { 0: { outcome: 'success' }, 1: retried, 2: noRetry(2), 3: noRetry(3), 137: retried };
}

const EXTRACTOR = { limits: { memory: '2Gi' }, requests: { cpu: '1', memory: '1Gi' } };
const LOADER = { limits: { memory: '1Gi' }, requests: { cpu: '250m', memory: '512Mi' } };

function task(place: Placement, retry: { retries: number; delay: number; max: number; parallel: number | null }, t: TaskCase) {
  return {
    operator_class: 'DataPipePodOperator',
    mapped: t.mapped,
    upstream: t.upstream,
    downstream: t.downstream,
    retries: retry.retries,
    retry_delay_seconds: retry.delay,
    retry_exponential_backoff: true,
    max_retry_delay_seconds: retry.max,
    max_active_tis_per_dag: t.mapped ? retry.parallel : null,
    pods: t.pods.map((pod) => ({
      map_index_label: t.mapped ? `chunk ${pod.args[pod.args.length - 1]}` : null,
      operator: {
        name: t.name, kubernetes_conn_id: 'kubernetes_default', in_cluster: place.inCluster, config_file: place.configFile,
        cluster_context: place.clusterContext, on_finish_action: 'delete_pod', get_logs: true, startup_timeout_seconds: 600,
      },
      pod: {
        namespace: place.namespace, labels: place.labels, service_account_name: place.serviceAccount,
        image: pod.image, image_pull_policy: place.pullPolicy, args: pod.args, command: [], env: place.env, resources: pod.resources,
      },
      retry_decisions: retryDecisions(t.name),
    })),
  };
}

/** The gate before a verify task (`verify: daily|weekly`): which data intervals it lets through. */
function gate(decisions: { sunday_to_monday: boolean; monday_to_tuesday: boolean; within_one_day: boolean; manual: boolean }) {
  return {
    operator_class: 'ShortCircuitOperator', mapped: false, upstream: ['load'], downstream: ['verify'],
    retries: 3, retry_delay_seconds: 300, retry_exponential_backoff: true, max_retry_delay_seconds: 3600, max_active_tis_per_dag: null,
    pods: [], decisions,
  };
}

function dag(facts: { file: string; description: string; cron: string; timezone: string; start: string; timeout: number | null; tags: string[] }, tasks: Record<string, unknown>) {
  return {
    file: facts.file, description: facts.description,
    timetable: { class: 'CronDataIntervalTimetable', cron: facts.cron, timezone: facts.timezone, summary: facts.cron },
    start_date: facts.start, catchup: false, max_active_runs: 1, dagrun_timeout_seconds: facts.timeout, tags: facts.tags,
    owner: 'datapipe', tasks,
  };
}

function args(table: string, cloud: string, chunk?: string): string[] {
  return ['--table', table, '--cloud', cloud, '--config', `${cloud}/config.yaml`, '--run-id', RUN_ID, ...(chunk ? ['--chunk', chunk] : [])];
}

const DEFAULT_RETRY = { retries: 3, delay: 300, max: 3600, parallel: null };

const GCP: Omit<Placement, 'labels'> = {
  namespace: 'composer-user-workloads', serviceAccount: null, pullPolicy: 'IfNotPresent', configFile: '/home/airflow/composer_kube_config',
  clusterContext: null, inCluster: false,
  env: [
    fromSecret('datapipe-migracion-ventas', 'ORACLE_HOST_PROD'), fromSecret('datapipe-migracion-ventas', 'ORACLE_PASSWORD'),
    fromSecret('datapipe-migracion-ventas', 'ORACLE_PORT', true), fromSecret('datapipe-migracion-ventas', 'ORACLE_USER'),
  ],
};
const gcpLabels = (table: string) => ({ 'app.kubernetes.io/part-of': 'datapipe', 'datapipe/project': 'migracion-ventas', 'datapipe/table': table });
const GCP_IMAGES = { extractor: 'us-docker.pkg.dev/empresa/datapipe/extractor:v1.4.0', loader: 'us-docker.pkg.dev/empresa/datapipe/loader:v1.4.0' };
const GCP_DAG = { cron: '0 2 * * *', timezone: 'America/Bogota', start: '2024-01-01T05:00:00+00:00', timeout: null, tags: ['datapipe', 'gcp', 'migracion-ventas', 'production'] };

const AWS: Placement = {
  namespace: 'datapipe', serviceAccount: 'datapipe', pullPolicy: 'Always', configFile: '/usr/local/airflow/dags/kube_config.yaml',
  clusterContext: 'aws', inCluster: false,
  labels: { 'app.kubernetes.io/part-of': 'datapipe', 'datapipe/project': 'erp_orders', 'datapipe/table': 'orders_hist' },
  env: ['AWS_REGION', 'PGHOST', 'PGPASSWORD', 'PGPORT', 'PGUSER', 'REDSHIFT_SECRET_ARN']
    .map((key) => fromSecret('datapipe-erp-orders', key, key === 'AWS_REGION' || key === 'PGPORT')),
};
const AWS_RETRY = { retries: 5, delay: 120, max: 1800, parallel: 2 };

const AZURE: Placement = {
  namespace: 'data', serviceAccount: 'etl-runner', pullPolicy: 'Always', configFile: null, clusterContext: null, inCluster: true,
  labels: { 'app.kubernetes.io/part-of': 'datapipe', 'azure.workload.identity/use': 'true', 'datapipe/project': 'finanzas', 'datapipe/table': 'asientos' },
  env: ['DATABRICKS_TOKEN', 'ORACLE_PASSWORD', 'ORACLE_TNS', 'ORACLE_USER'].map((key) => fromSecret('datapipe-finanzas', key)),
};

const LOCAL: Placement = {
  namespace: 'datapipe', serviceAccount: null, pullPolicy: 'Always', configFile: null, clusterContext: null, inCluster: true,
  labels: { 'app.kubernetes.io/part-of': 'datapipe', 'datapipe/project': 'demo', 'datapipe/table': 'clientes' },
  env: [],
};

/** What Airflow must read from each generated DAG. */
const EXPECTED = {
  dag_aws_orders_hist: dag(
    { file: 'dag_aws_orders_hist.py', description: 'ORDERS$HIST from aws/config.yaml into aws', cron: '0 * * * *', timezone: 'UTC', start: '2024-01-01T00:00:00+00:00', timeout: 21_600, tags: ['aws', 'datapipe', 'erp_orders'] },
    {
      extract: task(AWS, AWS_RETRY, {
        name: 'datapipe-extract-orders-hist', mapped: true, upstream: [], downstream: ['load'],
        pods: ['1/3', '2/3', '3/3'].map((chunk) => ({ image: 'datapipe/extractor:latest', args: args('ORDERS$HIST', 'aws', chunk), resources: { ...EXTRACTOR, limits: { memory: '4Gi' } } })),
      }),
      load: task(AWS, AWS_RETRY, {
        name: 'datapipe-load-orders-hist', mapped: false, upstream: ['extract'], downstream: [],
        pods: [{ image: 'datapipe/loader:latest', args: args('ORDERS$HIST', 'aws'), resources: LOADER }],
      }),
    },
  ),
  dag_azure_asientos: dag(
    { file: 'dag_azure_asientos.py', description: 'ASIENTOS from azure/config.yaml into azure', cron: '0 2 * * *', timezone: 'UTC', start: '2025-06-01T00:00:00+00:00', timeout: null, tags: ['azure', 'datapipe', 'finanzas'] },
    {
      extract: task(AZURE, DEFAULT_RETRY, {
        name: 'datapipe-extract-asientos', mapped: false, upstream: [], downstream: ['load'],
        pods: [{ image: 'datapipe/extractor:latest', args: args('ASIENTOS', 'azure'), resources: EXTRACTOR }],
      }),
      load: task(AZURE, DEFAULT_RETRY, {
        name: 'datapipe-load-asientos', mapped: false, upstream: ['extract'], downstream: ['verify_due'],
        pods: [{ image: 'datapipe/loader:latest', args: args('ASIENTOS', 'azure'), resources: LOADER }],
      }),
      // verify: daily — every run whose interval crosses midnight (UTC here): each run of a daily schedule.
      verify_due: gate({ sunday_to_monday: true, monday_to_tuesday: true, within_one_day: false, manual: true }),
      verify: task(AZURE, DEFAULT_RETRY, {
        name: 'datapipe-verify-asientos', mapped: false, upstream: ['verify_due'], downstream: [],
        pods: [{ image: 'datapipe/loader:latest', args: ['verify', '--table', 'ASIENTOS', '--cloud', 'azure', '--config', 'azure/config.yaml'], resources: LOADER }],
      }),
    },
  ),
  dag_gcp_ventas_cabecera: dag(
    { file: 'dag_gcp_ventas_cabecera.py', description: 'VENTAS_CABECERA from gcp/config.yaml into gcp', ...GCP_DAG },
    {
      extract: task({ ...GCP, labels: gcpLabels('ventas_cabecera') }, DEFAULT_RETRY, {
        name: 'datapipe-extract-ventas-cabecera', mapped: false, upstream: [], downstream: ['load'],
        pods: [{ image: GCP_IMAGES.extractor, args: args('VENTAS_CABECERA', 'gcp'), resources: EXTRACTOR }],
      }),
      load: task({ ...GCP, labels: gcpLabels('ventas_cabecera') }, DEFAULT_RETRY, {
        name: 'datapipe-load-ventas-cabecera', mapped: false, upstream: ['extract'], downstream: ['verify_due'],
        pods: [{ image: GCP_IMAGES.loader, args: args('VENTAS_CABECERA', 'gcp'), resources: LOADER }],
      }),
      // verify: weekly — the run whose interval crosses into a Monday in America/Bogota, once a week.
      verify_due: gate({ sunday_to_monday: true, monday_to_tuesday: false, within_one_day: false, manual: true }),
      verify: task({ ...GCP, labels: gcpLabels('ventas_cabecera') }, DEFAULT_RETRY, {
        name: 'datapipe-verify-ventas-cabecera', mapped: false, upstream: ['verify_due'], downstream: [],
        pods: [{ image: GCP_IMAGES.loader, args: ['verify', '--table', 'VENTAS_CABECERA', '--cloud', 'gcp', '--config', 'gcp/config.yaml'], resources: LOADER }],
      }),
    },
  ),
  dag_gcp_ventas_detalle: dag(
    { file: 'dag_gcp_ventas_detalle.py', description: 'VENTAS_DETALLE from gcp/config.yaml into gcp', ...GCP_DAG },
    {
      extract: task({ ...GCP, labels: gcpLabels('ventas_detalle') }, { ...DEFAULT_RETRY, parallel: 4 }, {
        name: 'datapipe-extract-ventas-detalle', mapped: true, upstream: [], downstream: ['load'],
        pods: ['1/4', '2/4', '3/4', '4/4'].map((chunk) => ({ image: GCP_IMAGES.extractor, args: args('VENTAS_DETALLE', 'gcp', chunk), resources: EXTRACTOR })),
      }),
      load: task({ ...GCP, labels: gcpLabels('ventas_detalle') }, DEFAULT_RETRY, {
        name: 'datapipe-load-ventas-detalle', mapped: false, upstream: ['extract'], downstream: [],
        pods: [{ image: GCP_IMAGES.loader, args: args('VENTAS_DETALLE', 'gcp'), resources: LOADER }],
      }),
    },
  ),
  dag_local_clientes: dag(
    { file: 'dag_local_clientes.py', description: 'clientes from local/config.yaml into local', cron: '*/30 6-20 * * 1-5', timezone: 'UTC', start: '2024-01-01T00:00:00+00:00', timeout: null, tags: ['datapipe', 'demo', 'local'] },
    {
      extract: task(LOCAL, DEFAULT_RETRY, {
        name: 'datapipe-extract-clientes', mapped: false, upstream: [], downstream: ['load'],
        pods: [{ image: 'datapipe/extractor:2eaab51', args: args('clientes', 'local'), resources: EXTRACTOR }],
      }),
      load: task(LOCAL, DEFAULT_RETRY, {
        name: 'datapipe-load-clientes', mapped: false, upstream: ['extract'], downstream: [],
        pods: [{ image: 'datapipe/loader:2eaab51', args: args('clientes', 'local'), resources: LOADER }],
      }),
    },
  ),
};

let dagsDir = '';

beforeAll(async () => {
  const root = await fixtureWorkspace();
  for (const fixture of FIXTURES) {
    const outcome = await run('datapipe', ['generate', 'dag', '--all', '--config', `${fixture}/config.yaml`], { cwd: root, env: { ...FIXTURE_ENV } });
    if (outcome.code !== 0) throw new Error(`generate dag failed for ${fixture}: ${outcome.stderr}`);
  }
  dagsDir = join(root, 'dags');
});

describe.each([2, 3] as AirflowMajor[])('generated DAGs in Apache Airflow %i', (major) => {
  const venv = venvs[major];
  let facts: AirflowFacts;

  describe.skipIf('reason' in venv)('DagBag', () => {
    beforeAll(async () => {
      facts = await checkDags((venv as { python: string }).python, dagsDir);
    }, 600_000);

    it('is the pinned Airflow major', () => {
      expect(facts.airflow_version).toBe(major === 2 ? '2.10.5' : '3.1.8');
    });

    it('imports every DAG file without an error or a warning, and without a metadata database', async () => {
      expect((await readdir(dagsDir)).filter((name) => name.endsWith('.py'))).toEqual(Object.keys(EXPECTED).map((id) => `${id}.py`));
      expect(facts.import_errors).toEqual({});
      expect(facts.warnings).toEqual([]);
      expect(Object.keys(facts.dags)).toEqual(Object.keys(EXPECTED));
      expect(facts.airflow_home.filter((name) => name.endsWith('.db'))).toEqual([]);
    });

    it.each(Object.keys(EXPECTED))('%s: timetable, tasks, images, arguments, secrets and resources as configured', (dagId) => {
      expect(facts.dags[dagId]).toEqual(EXPECTED[dagId as keyof typeof EXPECTED]);
    });

    it('reports what a stale DAG gets wrong (the check can fail): schedule_interval warns on 2.x and breaks the import on 3.x', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'datapipe-stale-dag-'));
      await writeFile(join(dir, 'dag_stale.py'), [
        'import pendulum',
        'from airflow import DAG',
        'with DAG(dag_id="stale", schedule_interval="@daily", start_date=pendulum.datetime(2024, 1, 1)):',
        '    pass',
        '',
      ].join('\n'));
      const stale = await checkDags((venv as { python: string }).python, dir);
      if (major === 2) {
        expect(stale.import_errors).toEqual({});
        expect(stale.warnings.some((w) => w.startsWith('dag_stale.py: ') && w.includes('`schedule_interval` is deprecated'))).toBe(true);
      } else {
        expect(Object.keys(stale.import_errors)).toEqual(['dag_stale.py']);
        expect(stale.import_errors['dag_stale.py']).toContain("unexpected keyword argument 'schedule_interval'");
      }
    }, 300_000);
  });
});
