/**
 * BigQuery failures → DataPipe errors. A failure reaches us either as a REST error (the client's
 * ApiError: HTTP status plus `errors[].reason`), as a finished job's `status.errorResult`, or as
 * a socket error; `failureOf` reads all three the same way. The reasons are BigQuery's
 * (https://cloud.google.com/bigquery/docs/error-messages).
 */
import { ContractError, DataPipeError, TerminalError, TransientError } from '../../errors.js';
import { TRANSIENT_SOCKET_CODES } from '../../retry.js';
import type { PartitionGranularity } from './bigquery-schema.js';

/** What went wrong, whichever way it arrived. */
export interface BigQueryFailure {
  /** HTTP status of a REST error. */
  status?: number;
  /** BigQuery's reason: `notFound`, `accessDenied`, `backendError`, … */
  reason?: string;
  message: string;
  /** Node's error code for socket failures (`ECONNRESET`). */
  errno?: string;
}

/** A job that finished with `status.errorResult`. */
export class JobFailedError extends Error {
  constructor(readonly failure: BigQueryFailure, readonly jobId: string) {
    super(failure.message);
  }
}

/** The job kind decides what an `invalid` failure means: bad data in a load, our bug in a query. */
export type FailureOrigin = 'load' | 'query' | 'api';

/** Where a failure happened, for the message and its fix. */
export interface FailureContext {
  /** What was being done: "loading ventas run 42 into BigQuery empresa:raw". */
  doing: string;
  origin: FailureOrigin;
  /** `project:dataset` and the location, for the fixes the messages name. */
  dataset: string;
  location: string;
  /** How the target is partitioned, when known: named when a job touches too many partitions. */
  partitioning?: TargetPartitioning;
}

/** The target table's time partitioning, as BigQuery reports it. */
export interface TargetPartitioning {
  table: string;
  granularity: PartitionGranularity;
  /** Absent for a table partitioned by ingestion time. */
  field?: string;
}

/**
 * BigQuery's partition limits: a table holds at most 10,000 partitions, and one job modifies at most
 * 4,000 — the commit, MERGE or replace, is one job (https://cloud.google.com/bigquery/quotas#partitioned_tables).
 */
export const PARTITION_LIMITS = { perTable: 10_000, perJob: 4_000 } as const;

/** Reasons BigQuery documents as worth retrying with backoff. */
const RETRY_REASONS = new Set([
  'backendError', 'internalError', 'rateLimitExceeded', 'userRateLimitExceeded', 'jobRateLimitExceeded',
  'jobBackendError', 'jobInternalError', 'tableUnavailable',
]);

/**
 * Messages that mean "another statement got there first", retried as a fresh job: concurrent
 * transactions on one table cancel each other, and a table takes 2 running plus 20 queued mutating
 * DML statements (https://cloud.google.com/bigquery/docs/transactions#transaction_concurrency,
 * https://cloud.google.com/bigquery/quotas#data-manipulation-language-statements). BigQuery reports
 * them as `invalidQuery`, so they are recognised by their text.
 */
const CONCURRENCY = [
  /could not serialize access to table .* due to concurrent update/i,
  /transaction is aborted due to concurrent update/i,
  /too many dml statements outstanding/i,
];


/** google-auth-library's text when Application Default Credentials find nothing (GoogleAuthExceptionMessages.NO_ADC_FOUND). */
const NO_ADC = 'Could not load the default credentials';

/**
 * Load job failures that are the setup's fault, not the data's: BigQuery reports some of them as
 * `invalid` like a broken AVRO file, so they are told apart by their text.
 */
const LOCATIONS_DIFFER = /Cannot read and write in different locations: source: ([^,]+), destination: ([^\s.;]+)/i;
const BILLING_DISABLED = /Billing has not been enabled/i;
/** A GCS object BigQuery may not read: "Access Denied: File gs://…" or "…Permission denied while globbing file pattern…". */
const STORAGE_DENIED = /^Access Denied: (?:File gs:\/\/|BigQuery BigQuery: Permission denied while globbing)|storage\.objects\.(?:get|list)/i;
/** A listed part that is not in the bucket, as a load job reports an exact URI that matches nothing. */
const FILE_MISSING = /^Not found: URI gs:\/\/|matched no files/i;

/** The one line a user sees when no credentials are found. */
export const NO_CREDENTIALS_MESSAGE = 'GCP credentials: none found — run `gcloud auth application-default login` locally, or use Workload Identity in the cluster; no key files';

/** Reads a REST error, a finished job's error or a socket error as one shape. */
export function failureOf(error: unknown): BigQueryFailure {
  if (error instanceof JobFailedError) return error.failure;
  if (typeof error !== 'object' || error === null) return { message: String(error) };
  const e = error as { code?: unknown; errors?: unknown; message?: unknown };
  const first = Array.isArray(e.errors) ? (e.errors[0] as { reason?: unknown; message?: unknown } | undefined) : undefined;
  const message = typeof first?.message === 'string' && first.message !== '' ? first.message : String(e.message ?? error);
  return {
    ...(typeof e.code === 'number' ? { status: e.code } : {}),
    ...(typeof first?.reason === 'string' ? { reason: first.reason } : {}),
    ...(typeof e.code === 'string' ? { errno: e.code } : {}),
    message: firstLine(message),
  };
}

/** A job's `status` as a failure: errorResult, plus the first other error when it adds detail. */
export function jobFailure(status: { errorResult?: { reason?: string; message?: string }; errors?: { message?: string }[] }): BigQueryFailure {
  const result = status.errorResult ?? {};
  const main = result.message ?? 'the job failed without a message';
  const detail = (status.errors ?? []).map((e) => e.message).find((m) => m !== undefined && m !== main);
  return { ...(result.reason ? { reason: result.reason } : {}), message: firstLine(detail ? `${main}; ${detail}` : main) };
}

/** True for failures a retry of the same step can get past. */
export function isRetryable(failure: BigQueryFailure): boolean {
  if (CONCURRENCY.some((pattern) => pattern.test(failure.message))) return true;
  if (failure.reason !== undefined && RETRY_REASONS.has(failure.reason)) return true;
  if (failure.status !== undefined && (failure.status >= 500 || failure.status === 429 || failure.status === 408)) return true;
  return failure.errno !== undefined && TRANSIENT_SOCKET_CODES.has(failure.errno);
}

/**
 * The DataPipe error for a BigQuery failure: one line saying what was being done, BigQuery's
 * reason, and the fix where there is one. Our own errors pass through; anything unrecognised is
 * transient (errors.ts: the safe default).
 */
export function classifyBigQueryError(error: unknown, ctx: FailureContext): DataPipeError {
  if (error instanceof DataPipeError) return error;
  const failure = failureOf(error);
  const { message, reason, status } = failure;
  const line = `${ctx.doing}: ${message}`;
  const options = { cause: error };
  const project = projectOf(ctx);
  if (message.includes(NO_ADC)) return new TerminalError(NO_CREDENTIALS_MESSAGE, options);
  if (isRetryable(failure)) return new TransientError(line, options);
  // A name that does not resolve is this machine's DNS or egress, or a wrong endpoint: not a blip (shared/retry.ts).
  if (failure.errno === 'ENOTFOUND') {
    return new TerminalError(`${line} — the BigQuery API host does not resolve: check this machine's DNS and network egress, or BIGQUERY_EMULATOR_HOST`, options);
  }
  if (status === 401) {
    return new TerminalError(`${ctx.doing}: GCP credentials were rejected (${message}) — run \`gcloud auth application-default login\` again, or check the pod's Workload Identity binding`, options);
  }
  if (reason === 'billingNotEnabled' || BILLING_DISABLED.test(message)) {
    return new TerminalError(
      `${line} — link project ${project} to a billing account (gcloud billing projects link ${project} --billing-account=ACCOUNT_ID); the BigQuery sandbox runs no DML, and every load merges with DML`,
      options,
    );
  }
  const locations = LOCATIONS_DIFFER.exec(message);
  if (locations) {
    const datasetLocation = locations[2] ?? ctx.location;
    return new TerminalError(
      `${line} — create the staging bucket in the dataset's location (${datasetLocation}), or point destination.gcp.bucket at one there`,
      options,
    );
  }
  if (STORAGE_DENIED.test(message)) {
    return new TerminalError(
      `${line} — grant the loader's identity roles/storage.objectAdmin on the staging bucket: load jobs read the parts with the loader's credentials`,
      options,
    );
  }
  if (reason === 'accessDenied' || (status === 403 && reason !== 'quotaExceeded')) {
    return new TerminalError(
      `${line} — grant the loader's identity roles/bigquery.dataEditor on dataset ${ctx.dataset} and roles/bigquery.jobUser on project ${project}`,
      options,
    );
  }
  if (FILE_MISSING.test(message)) return missingPart(line, options);
  if (reason === 'notFound' || status === 404) return notFound(failure, ctx, options);
  if (/too many partitions/i.test(message)) return tooManyPartitions(line, ctx.partitioning, options);
  if (reason === 'quotaExceeded') return new TransientError(`${line} — a BigQuery quota is exhausted; retry later or raise it`, options);
  // What is left of a failed load is the data's fault: an AVRO file BigQuery cannot parse, a
  // value out of range, a file schema that does not fit the stage.
  if (ctx.origin === 'load' && (reason === 'invalid' || reason === 'invalidQuery')) return new ContractError(line, options);
  if (reason === 'invalid' || reason === 'invalidQuery' || reason === 'notImplemented') {
    return new TerminalError(line, options);
  }
  return new TransientError(line, options);
}

/** `project` of a `project:dataset` label; a domain-scoped project (`example.com:proj`) keeps its colon. */
function projectOf(ctx: FailureContext): string {
  const cut = ctx.dataset.lastIndexOf(':');
  return cut < 0 ? ctx.dataset : ctx.dataset.slice(0, cut);
}

function missingPart(line: string, options: { cause: unknown }): ContractError {
  return new ContractError(`${line} — a staged file the manifests list is missing; re-run the extractor for this run`, options);
}

/**
 * The limits, how the table is partitioned, and the only fix: a coarser granularity, which needs
 * a new table. Nothing counts the stage's partitions before the commit: the failed transaction
 * changes nothing, and by then the extraction and the load have run either way.
 */
function tooManyPartitions(line: string, partitioning: TargetPartitioning | undefined, options: { cause: unknown }): TerminalError {
  const limits = `BigQuery lets one job modify ${PARTITION_LIMITS.perJob.toLocaleString('en-US')} partitions and a table hold ${PARTITION_LIMITS.perTable.toLocaleString('en-US')}`;
  const layout = partitioning
    ? `, and ${partitioning.table} is partitioned by ${partitioning.granularity}${partitioning.field ? ` on ${partitioning.field}` : ''}`
    : '';
  return new TerminalError(
    `${line} — ${limits}${layout}: set destination.gcp.partition_granularity to MONTH or YEAR and recreate the table (an existing table keeps its partitioning)`,
    options,
  );
}

function notFound(failure: BigQueryFailure, ctx: FailureContext, options: { cause: unknown }): DataPipeError {
  const { message } = failure;
  if (/^Not found: Dataset /i.test(message)) {
    return new TerminalError(
      `BigQuery dataset ${ctx.dataset} does not exist (or the loader cannot see it) — create it: bq mk --location=${ctx.location} --dataset ${ctx.dataset}`,
      options,
    );
  }
  if (message.includes('gs://')) return missingPart(`${ctx.doing}: ${message}`, options);
  // A table or job that vanished mid-load: a stage dropped by a concurrent attempt of the run, or by
  // hand, fails its load job (createDisposition CREATE_NEVER); the next attempt creates it again.
  return new TransientError(`${ctx.doing}: ${message}`, options);
}

function firstLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? text;
}
