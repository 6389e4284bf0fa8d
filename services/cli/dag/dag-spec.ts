/**
 * Everything one generated DAG says, resolved from config.yaml with every default applied: the
 * plain data dag-render.ts writes out and the tests compare. No I/O here.
 */
import type { Config, Platform, TableSpec } from '../../../shared/config/config-schema.js';
import { TerminalError } from '../../../shared/errors.js';
import { DEFAULT_PLATFORM, DEFAULT_RESOURCES, PLATFORM_PROFILES, type PlatformProfile, type PodResources } from './platform-profiles.js';
import type { SecretVariable } from './secret-variables.js';

/** What `daily` and `hourly` mean (README, "Airflow"): 02:00, after the night's batch jobs; minute 0. */
export const NAMED_SCHEDULES: Readonly<Record<string, string>> = { daily: '0 2 * * *', hourly: '0 * * * *' };

/** Rendered into each pod's arguments; Airflow fills it per DAG run and the entrypoints normalise it (run-id.ts). */
export const RUN_ID_TEMPLATE = '{{ run_id }}';

const DEFAULTS = {
  timezone: 'UTC', startDate: '2024-01-01', retries: 3, retryDelayMinutes: 5, maxRetryDelayMinutes: 60, tag: 'latest', repository: 'datapipe',
} as const;

/** Kubernetes pod placement: the platform's profile with the config's overrides applied. */
export type PodPlacement = Omit<PlatformProfile, 'title' | 'labels'> & {
  platform: Platform;
  platformTitle: string;
  labels: Record<string, string>;
};

export interface DagSpec {
  dagId: string;
  /** `dag_<cloud>_<table>.py`. */
  fileName: string;
  /** The config as the workspace sees it (relative, `/`-separated): header comment and `--config`. */
  configPath: string;
  table: string;
  project: string;
  cloud: Config['destination']['cloud'];
  sourceType: Config['source']['type'];
  tags: string[];
  cron: string;
  timezone: string;
  startDate: { year: number; month: number; day: number };
  retries: number;
  retryDelayMinutes: number;
  maxRetryDelayMinutes: number;
  dagrunTimeoutHours?: number;
  chunks: number;
  maxParallelChunks: number;
  images: { extractor: string; loader: string; pullPolicy: 'Always' | 'IfNotPresent' | 'Never' };
  pod: PodPlacement;
  secretName: string;
  secretVariables: SecretVariable[];
  resources: { extractor: PodResources; loader: PodResources };
  podNames: { extract: string; load: string };
  /** One argument list per extractor pod (one per chunk). */
  extractArguments: string[][];
  loadArguments: string[];
  /** `verify: daily|weekly` (docs/verify.md): a verify task after the load, gated to the first run of each period. */
  verify: { period: 'daily' | 'weekly'; podName: string; arguments: string[] } | null;
}

export interface DagSpecInput {
  config: Config;
  table: TableSpec;
  /** See DagSpec.configPath. */
  configPath: string;
  secretVariables: SecretVariable[];
}

/** Resolves one table's DAG. Throws TerminalError when the config path cannot travel in a pod's arguments. */
export function dagSpec({ config, table, configPath, secretVariables }: DagSpecInput): DagSpec {
  // Airflow renders `{{ … }}` in arguments and Kubernetes expands `$(VAR)` in them.
  if (!/^[^\p{Cc}{}$]+$/u.test(configPath)) {
    throw new TerminalError(`${configPath}: a config path passed to the pods cannot hold braces, $ or control characters — rename its folder`);
  }
  const airflow = config.airflow ?? {};
  const cloud = config.destination.cloud;
  const slug = tableSlug(table.name);
  const dagId = `dag_${cloud}_${slug}`;
  const platform = airflow.platform ?? DEFAULT_PLATFORM[cloud];
  const profile = PLATFORM_PROFILES[platform];
  const [year, month, day] = (airflow.start_date ?? DEFAULTS.startDate).split('-').map(Number) as [number, number, number];
  const tag = config.images?.tag ?? DEFAULTS.tag;
  const repository = config.images?.registry ?? DEFAULTS.repository;

  const common = ['--table', table.name, '--cloud', cloud, '--config', configPath, '--run-id', RUN_ID_TEMPLATE];
  const extractArguments = table.chunks > 1
    ? Array.from({ length: table.chunks }, (_, i) => [...common, '--chunk', `${i + 1}/${table.chunks}`])
    : [common];

  return {
    dagId,
    fileName: `${dagId}.py`,
    configPath,
    table: table.name,
    project: config.project.name,
    cloud,
    sourceType: config.source.type,
    tags: ['datapipe', config.project.name, cloud, ...(config.project.environment ? [config.project.environment] : [])]
      .filter((tag, index, all) => all.indexOf(tag) === index),
    cron: cronOf(config.schedule),
    timezone: airflow.timezone ?? DEFAULTS.timezone,
    startDate: { year, month, day },
    retries: airflow.retries ?? DEFAULTS.retries,
    retryDelayMinutes: airflow.retry_delay_minutes ?? DEFAULTS.retryDelayMinutes,
    maxRetryDelayMinutes: Math.max(airflow.max_retry_delay_minutes ?? DEFAULTS.maxRetryDelayMinutes, airflow.retry_delay_minutes ?? DEFAULTS.retryDelayMinutes),
    ...(airflow.dagrun_timeout_hours !== undefined ? { dagrunTimeoutHours: airflow.dagrun_timeout_hours } : {}),
    chunks: table.chunks,
    maxParallelChunks: Math.min(airflow.max_parallel_chunks ?? table.chunks, table.chunks),
    images: {
      extractor: `${repository}/extractor:${tag}`,
      loader: `${repository}/loader:${tag}`,
      // A moving tag must be pulled again; an immutable one need not be.
      pullPolicy: config.images?.pull_policy ?? (tag === 'latest' ? 'Always' : 'IfNotPresent'),
    },
    pod: definedOnly({
      platform,
      platformTitle: profile.title,
      namespace: airflow.namespace ?? profile.namespace,
      kubernetesConnId: airflow.kubernetes_conn_id ?? ('kubernetesConnId' in profile ? profile.kubernetesConnId : undefined),
      inCluster: airflow.in_cluster ?? profile.inCluster,
      configFile: airflow.config_file ?? ('configFile' in profile ? profile.configFile : undefined),
      clusterContext: airflow.cluster_context ?? ('clusterContext' in profile ? profile.clusterContext : undefined),
      serviceAccount: airflow.service_account ?? ('serviceAccount' in profile ? profile.serviceAccount : undefined),
      labels: {
        'app.kubernetes.io/part-of': 'datapipe',
        'datapipe/project': labelValue(config.project.name),
        'datapipe/table': labelValue(slug),
        ...profile.labels,
      },
    }),
    secretName: airflow.secret_name ?? `datapipe-${config.project.name.replace(/_/g, '-')}`,
    secretVariables,
    resources: {
      extractor: mergeResources(DEFAULT_RESOURCES.extractor, airflow.resources?.extractor),
      loader: mergeResources(DEFAULT_RESOURCES.loader, airflow.resources?.loader),
    },
    podNames: { extract: podName('extract', slug), load: podName('load', slug) },
    extractArguments,
    loadArguments: common,
    verify: table.verify === 'never'
      ? null
      : { period: table.verify, podName: podName('verify', slug), arguments: ['verify', '--table', table.name, '--cloud', cloud, '--config', configPath] },
  };
}

/** `daily` / `hourly` / a cron expression → the cron expression, single-spaced. */
export function cronOf(schedule: string): string {
  return NAMED_SCHEDULES[schedule] ?? schedule.trim().split(/\s+/).join(' ');
}

/** The table's name in file names, DAG ids and labels: lowercase, `$` and `#` mapped to `_`. */
export function tableSlug(table: string): string {
  return table.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/** A Kubernetes label value: at most 63 characters, starting and ending alphanumeric. */
function labelValue(text: string): string {
  return text.slice(0, 63).replace(/[^A-Za-z0-9]+$/, '');
}

/** The pod name prefix (the operator appends a random suffix and trims to 63): a DNS-1123 label. */
function podName(role: string, slug: string): string {
  return `datapipe-${role}-${slug.replace(/_/g, '-')}`.replace(/-+/g, '-').slice(0, 50).replace(/-+$/, '');
}

function mergeResources(defaults: PodResources, given: Partial<PodResources> | undefined): PodResources {
  return {
    requests: { ...defaults.requests, ...definedOnly(given?.requests ?? {}) },
    limits: { ...defaults.limits, ...definedOnly(given?.limits ?? {}) },
  };
}

/** `object` without its undefined properties, so the spec compares and renders the same whether a key was absent or unset. */
function definedOnly<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}
