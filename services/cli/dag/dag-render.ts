/**
 * A DagSpec written into services/cli/templates/dag.py.tmpl. The template is the DAG file as a
 * reader sees it; `<<name>>` marks a value and `<<#flag>>…<</flag>>` / `<<^flag>>…<</flag>>` a
 * block kept when the flag is true / false. Every value is Python source built by
 * python-literal.ts, substituted in one pass (a value is never scanned again), so the output is a
 * pure function of the spec: the same config writes the same bytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { templatesDir } from '../../../shared/config/init-template.js';
import type { DagSpec } from './dag-spec.js';
import type { PodResources } from './platform-profiles.js';
import { PythonCode, pythonCall, pythonLiteral, pythonString, type PythonValue } from './python-literal.js';
import { setupNotes } from './setup-notes.js';

/** The DAG template's text, read from the installed package. */
export function dagTemplate(): string {
  return readFileSync(join(templatesDir(), 'dag.py.tmpl'), 'utf8');
}

/** The Python source of `spec`'s DAG. */
export function renderDag(spec: DagSpec, template: string = dagTemplate()): string {
  const chunked = spec.chunks > 1;
  const notes = setupNotes(spec);
  const flags: Record<string, boolean> = { chunked, dagrun_timeout: spec.dagrunTimeoutHours !== undefined, setup_notes: notes.length > 0, verify: spec.verify !== null };
  const values: Record<string, string> = {
    config_path: comment(spec.configPath),
    table: comment(spec.table),
    secret_name_text: comment(spec.secretName),
    docstring: comment(`DataPipe: ${spec.table} from ${spec.sourceType} into ${spec.cloud} (project ${spec.project}), extract >> load${spec.verify ? ` >> verify (${spec.verify.period})` : ''}.`),
    secret_name: pythonString(spec.secretName),
    env_vars: pythonLiteral(spec.secretVariables.map((v) => new PythonCode(
      v.optional ? `secret_env(${pythonString(v.name)}, optional=True)` : `secret_env(${pythonString(v.name)})`))),
    platform: comment(`${spec.pod.platform} — ${spec.pod.platformTitle}`),
    setup_notes: notes.map((line) => `# ${comment(line)}`).join('\n'),
    pod_settings: pythonLiteral(podSettings(spec)),
    dag_id: pythonString(spec.dagId),
    description: pythonString(`${spec.table} from ${spec.configPath} into ${spec.cloud}`),
    cron: pythonString(spec.cron),
    timezone: pythonString(spec.timezone),
    start_year: String(spec.startDate.year),
    start_month: String(spec.startDate.month),
    start_day: String(spec.startDate.day),
    dagrun_timeout_hours: String(spec.dagrunTimeoutHours ?? 0),
    default_args: pythonLiteral({
      owner: 'datapipe',
      retries: spec.retries,
      retry_delay: new PythonCode(`timedelta(minutes=${spec.retryDelayMinutes})`),
      retry_exponential_backoff: true,
      max_retry_delay: new PythonCode(`timedelta(minutes=${spec.maxRetryDelayMinutes})`),
    }, 4, 'default_args='.length),
    tags: pythonLiteral(spec.tags, 4, 'tags='.length),
    chunks: String(spec.chunks),
    extract_name: pythonString(spec.podNames.extract),
    load_name: pythonString(spec.podNames.load),
    extractor_image: pythonString(spec.images.extractor),
    loader_image: pythonString(spec.images.loader),
    extractor_resources: resources(spec.resources.extractor),
    loader_resources: resources(spec.resources.loader),
    max_parallel_chunks: String(spec.maxParallelChunks),
    extract_arguments: chunked ? chunkArguments(spec.extractArguments) : argumentList(spec.extractArguments[0]!),
    load_arguments: argumentList(spec.loadArguments),
    verify_period: pythonString(spec.verify?.period ?? 'never'),
    verify_period_text: comment(spec.verify?.period ?? 'never'),
    verify_unit: spec.verify?.period === 'weekly' ? 'week (Monday)' : 'day',
    verify_name: pythonString(spec.verify?.podName ?? ''),
    verify_arguments: argumentList(spec.verify?.arguments ?? []),
  };
  return fillTemplate(template, values, flags);
}

/** Keyword arguments both tasks share: placement, environment, pulls, pod lifecycle. */
function podSettings(spec: DagSpec): Record<string, PythonValue> {
  const pod = spec.pod;
  const settings: Record<string, PythonValue> = { namespace: pod.namespace };
  if (pod.kubernetesConnId !== undefined) settings.kubernetes_conn_id = pod.kubernetesConnId;
  settings.in_cluster = pod.inCluster;
  if (pod.configFile !== undefined) settings.config_file = pod.configFile;
  if (pod.clusterContext !== undefined) settings.cluster_context = pod.clusterContext;
  if (pod.serviceAccount !== undefined) settings.service_account_name = pod.serviceAccount;
  Object.assign(settings, {
    labels: pod.labels,
    env_vars: new PythonCode('ENV_VARS'),
    image_pull_policy: spec.images.pullPolicy,
    get_logs: true,
    log_events_on_failure: true,
    // Image pulls on a cold node can take longer than the operator's 120 s default.
    startup_timeout_seconds: 600,
    on_finish_action: 'delete_pod',
  });
  return settings;
}

/** A pod's arguments, one `--flag value` pair per line (arguments sit 8 columns in). */
function argumentList(args: readonly string[]): string {
  const lines: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const pair = args[i]!.startsWith('--') && i + 1 < args.length && !args[i + 1]!.startsWith('--');
    lines.push(`${' '.repeat(12)}${(pair ? [args[i]!, args[++i]!] : [args[i]!]).map(pythonString).join(', ')},`);
  }
  return `[\n${lines.join('\n')}\n${' '.repeat(8)}]`;
}

/** One chunk's arguments per line, so the fan-out reads as a table. */
function chunkArguments(lists: readonly string[][]): string {
  const lines = lists.map((list) => `${' '.repeat(12)}${pythonLiteral(list, 12, 0, Number.POSITIVE_INFINITY)},`);
  return `[\n${lines.join('\n')}\n${' '.repeat(8)}]`;
}

/** `k8s.V1ResourceRequirements(…)` as a keyword argument 8 columns in: one line when it fits. */
function resources(given: PodResources): string {
  const inline = pythonCall('k8s.V1ResourceRequirements', { requests: given.requests, limits: given.limits }).code;
  if (8 + 'container_resources='.length + inline.length + 1 <= 100) return inline;
  const pad = ' '.repeat(12);
  return `k8s.V1ResourceRequirements(\n${pad}requests=${pythonLiteral(given.requests, 12)},\n${pad}limits=${pythonLiteral(given.limits, 12)},\n${' '.repeat(8)})`;
}

/** Text for a `#` comment or a docstring: one line, no quote that could end the docstring. */
function comment(text: string): string {
  return text.replace(/\p{Cc}/gu, ' ').replace(/"""/g, '\'\'\'').replace(/\\/g, '/');
}

/** Applies `<<#flag>>` / `<<^flag>>` blocks (tag lines dropped whole), then `<<name>>` values in one pass. */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>, flags: Readonly<Record<string, boolean>>): string {
  const blocks = template.replace(/^<<([#^])(\w+)>>\n([\s\S]*?)^<<\/\2>>\n/gm, (_, kind: string, flag: string, body: string) => {
    if (!(flag in flags)) throw new Error(`dag template: unknown block <<${kind}${flag}>>`);
    return flags[flag] === (kind === '#') ? body : '';
  });
  return blocks.replace(/<<(\w+)>>/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`dag template: no value for <<${name}>>`);
    return value;
  });
}
