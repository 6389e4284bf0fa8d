/**
 * `images:` and `airflow:` — what `datapipe generate dag` writes into the DAGs: which images the
 * pods run, on which Kubernetes platform, and when (docs/architecture.md). Every key is optional:
 * the platform's defaults depend on the destination cloud, so they are resolved where the DAG is
 * built (services/cli/dag/platform-profiles.ts), not here.
 *
 * Values end up inside generated Python and Kubernetes objects, so each is held to the grammar its
 * target accepts (DNS names, image references, resource quantities): nothing else can reach a DAG.
 */
import { z } from 'zod';
import { flag, wholeNumber } from './schema-primitives.js';

/** The Kubernetes platforms a DAG can target; see platform-profiles.ts for what each sets. */
export const PLATFORMS = ['composer', 'mwaa-eks', 'aks', 'kubernetes'] as const;
/** An `airflow.platform` value. */
export type Platform = (typeof PLATFORMS)[number];

/** A Kubernetes DNS-1123 label (namespaces): lowercase alphanumerics and `-`, at most 63. */
const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A DNS-1123 subdomain (Secret and ServiceAccount names): labels joined by `.`, at most 253. */
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** An image repository prefix: `host[:port]/path` in the lowercase form registries accept. */
const REGISTRY = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/;
/** A Docker tag: 1–128 of letters, digits, `_`, `.`, `-`, not starting with `.` or `-`. */
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** CPU: whole or decimal cores, or millicores (`500m`). */
const CPU = /^(\d+(\.\d+)?|\d+m)$/;
/** Memory: bytes with an optional decimal or binary suffix (`512Mi`, `2Gi`, `1G`). */
const MEMORY = /^\d+(\.\d+)?(k|M|G|T|Ki|Mi|Gi|Ti)?$/;
/** Text a generated DAG carries as an argument or path: no control characters and no `{`/`}`, which Jinja would read. */
const PLAIN_TEXT = /^[^\p{Cc}{}]+$/u;

function matching(pattern: RegExp, message: string, description: string): z.ZodString {
  return z.string().regex(pattern, { error: message }).describe(description);
}

const cpu = (description: string) => matching(CPU, 'is not a CPU quantity — write cores (1, 0.5) or millicores (500m)', description);
const memory = (description: string) => matching(MEMORY, 'is not a memory quantity — write e.g. 512Mi or 2Gi', description);

const quantities = (what: string) => z
  .object({ cpu: cpu(`CPU ${what}`).optional(), memory: memory(`Memory ${what}`).optional() })
  .strict();

const podResources = (pod: string, defaults: string) => z
  .object({
    requests: quantities('requested (what the scheduler reserves)').describe(`Requests of the ${pod} pod`).optional(),
    limits: quantities('limit (the pod is throttled / OOM-killed past it)').describe(`Limits of the ${pod} pod`).optional(),
  })
  .strict()
  .describe(`Kubernetes resources of the ${pod} pod; a key given here replaces that key of the default (${defaults})`);

/** `images:` — the extractor and loader images the generated DAGs run. */
export const imagesSchema = z
  .object({
    registry: matching(REGISTRY, 'is not an image registry — write host[:port]/path in lowercase, e.g. us-docker.pkg.dev/acme/datapipe',
      'Registry path the images are pushed to (make push REGISTRY=…): the DAGs run <registry>/extractor and <registry>/loader; datapipe/extractor and datapipe/loader when absent').optional(),
    tag: matching(IMAGE_TAG, 'is not an image tag — use letters, digits, _, . and - (e.g. the `git describe` make build tags with)',
      'Image tag the DAGs run (default latest; prefer the immutable tag make build prints)').optional(),
    pull_policy: z.enum(['Always', 'IfNotPresent', 'Never'])
      .describe('Kubernetes imagePullPolicy (default: Always for the tag latest, IfNotPresent for any other tag)').optional(),
  })
  .strict()
  .describe('Images referenced by generated DAGs');

/** `airflow:` — how generated DAGs schedule and place the pods. */
export const airflowSchema = z
  .object({
    platform: z.enum(PLATFORMS)
      .describe('Where the pods run: composer (Cloud Composer), mwaa-eks (MWAA launching pods on EKS), aks, kubernetes (Airflow inside the cluster). Default by destination.cloud: gcp composer, aws mwaa-eks, azure aks, local kubernetes').optional(),
    timezone: z.string()
      .refine(isTimeZone, { error: 'is not an IANA time zone — write e.g. UTC, America/Bogota or Europe/Madrid' })
      // One spelling for Python's zone database, which is case-sensitive: `utc` → `UTC`.
      .transform((zone) => new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone)
      .describe('Time zone the schedule is read in (default UTC)').optional(),
    start_date: z.string()
      .refine(isCalendarDate, { error: 'is not a date — write YYYY-MM-DD, e.g. 2024-01-01' })
      .describe('First data interval the DAG may schedule, YYYY-MM-DD in the timezone (default 2024-01-01; catchup is off)').optional(),
    namespace: matching(DNS_LABEL, 'is not a Kubernetes namespace — lowercase letters, digits and -, at most 63', 'Namespace of the pods (default from the platform)').optional(),
    service_account: matching(DNS_SUBDOMAIN, 'is not a Kubernetes service account name — lowercase letters, digits, - and .',
      'Kubernetes service account of the pods, bound to the cloud identity (Workload Identity, IRSA); default from the platform').optional(),
    kubernetes_conn_id: matching(/^[A-Za-z0-9_.-]{1,250}$/, 'is not a connection id — use letters, digits, _, . and -', 'Airflow connection to the cluster (default from the platform)').optional(),
    in_cluster: flag('Use the in-cluster Kubernetes configuration (default from the platform)').optional(),
    config_file: matching(PLAIN_TEXT, 'is not a usable path — remove control characters and braces', 'kubeconfig file on the Airflow workers (default from the platform)').optional(),
    cluster_context: matching(PLAIN_TEXT, 'is not a usable context name — remove control characters and braces', 'Context in the kubeconfig (default from the platform)').optional(),
    secret_name: matching(DNS_SUBDOMAIN, 'is not a Kubernetes Secret name — lowercase letters, digits, - and .',
      'Kubernetes Secret holding one key per ${VAR} the config references (default datapipe-<project.name>)').optional(),
    retries: wholeNumber({ min: 0, max: 20, example: 3, description: 'Retries of each task (default 3)' }).optional(),
    retry_delay_minutes: wholeNumber({ min: 1, max: 1440, example: 5, description: 'First retry delay in minutes, doubled per retry (default 5)' }).optional(),
    max_retry_delay_minutes: wholeNumber({ min: 1, max: 1440, example: 60, description: 'Longest retry delay in minutes (default 60)' }).optional(),
    dagrun_timeout_hours: wholeNumber({ min: 1, max: 720, example: 12, description: 'Fail a run still going after this many hours; none when absent' }).optional(),
    max_parallel_chunks: wholeNumber({ min: 1, max: 1024, example: 8, description: 'Chunk pods of one table running at once (default: all of a table\'s chunks)' }).optional(),
    resources: z
      .object({
        extractor: podResources('extractor', 'requests cpu 1, memory 1Gi; limits memory 2Gi').optional(),
        loader: podResources('loader', 'requests cpu 250m, memory 512Mi; limits memory 1Gi').optional(),
      })
      .strict()
      .describe('Pod resources per role').optional(),
  })
  .strict()
  .describe('Generated Airflow DAGs: platform, schedule time zone, retries, pod placement and resources');

/** A validated `images:` block. */
export type ImagesConfig = z.output<typeof imagesSchema>;
/** A validated `airflow:` block (defaults are resolved by the DAG generator). */
export type AirflowConfig = z.output<typeof airflowSchema>;

/** An IANA zone name the runtime knows (`Etc/UTC`, `America/Bogota`); offsets like `+05:00` are refused. */
function isTimeZone(text: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(text)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: text });
    return true;
  } catch {
    return false;
  }
}

/** `YYYY-MM-DD` naming a real day (2023-02-29 is refused). */
function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return year >= 1970 && date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
