/**
 * Names the BigQuery warehouse builds: quoted table paths, the stage table of a run, job ids and
 * job labels. Every identifier is validated before it is quoted, so nothing needs escaping and
 * nothing can be injected; values never appear here (they travel as query parameters).
 */
import { createHash } from 'node:crypto';
import { TerminalError } from '../../errors.js';

/** Where the tables live: `destination.gcp.project_id` and `dataset`. */
export interface DatasetRef {
  projectId: string;
  datasetId: string;
}

/** Target and column names are already `[a-z_][a-z0-9_]*` (model/column.ts targetName). */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * 6–30 lowercase letters, digits and hyphens, starting with a letter; a domain-scoped project
 * prefixes `example.com:` (https://cloud.google.com/resource-manager/docs/creating-managing-projects).
 */
const PROJECT_ID = /^(?:[a-z][a-z0-9.-]*[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
/** Dataset names: letters, digits and underscores (config-schema checks the same). */
const DATASET_ID = /^[A-Za-z0-9_]{1,1024}$/;

/** `` `name` `` after checking the name is a plain identifier. */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new TerminalError(`"${name}" is not a valid table or column name for BigQuery: use letters, digits and _, starting with a letter or _`);
  }
  return `\`${name}\``;
}

/** Checks the project and dataset ids once, where the warehouse is opened. */
export function checkDatasetRef(dataset: DatasetRef): DatasetRef {
  if (!PROJECT_ID.test(dataset.projectId)) {
    throw new TerminalError('destination.gcp.project_id is not a Google Cloud project ID — write the ID (6–30 lowercase letters, digits and -), not the project name or number');
  }
  if (!DATASET_ID.test(dataset.datasetId)) {
    throw new TerminalError('destination.gcp.dataset is not a BigQuery dataset name — use letters, digits and _');
  }
  return dataset;
}

/**
 * `` `project`.`dataset`.`table` ``: each part quoted on its own, which also covers domain-scoped
 * projects (`` `example.com:proj` ``) and hyphenated ids.
 */
export function tableRef(dataset: DatasetRef, table: string): string {
  return `\`${dataset.projectId}\`.\`${dataset.datasetId}\`.${quoteIdentifier(table)}`;
}

/** `project:dataset.table`, the way BigQuery's own messages and `bq` name a table. */
export function tableLabel(dataset: DatasetRef, table: string): string {
  return `${dataset.projectId}:${dataset.datasetId}.${table}`;
}

/** 16 hex digits of SHA-256 over the parts, NUL-separated (no two part lists collide by joining). */
function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);
}

/**
 * The stage table of one run: `<table>__stage_<16 hex digits of the run id's hash>`. Fixed per
 * (table, run), so a retried load reuses, and truncates, the same stage.
 */
export function stageTableName(table: string, runId: string): string {
  quoteIdentifier(table);
  return `${table}__stage_${digest(runId)}`;
}

/** Job ids allow letters, digits, `_` and `-`, up to 1,024 characters. Tables are cut to 64 for reading. */
function jobStem(kind: string, dataset: DatasetRef, table: string, runId: string): string {
  return `datapipe_${kind}_${table.slice(0, 64)}_${digest(dataset.projectId, dataset.datasetId, table, runId)}`;
}

/**
 * The id of load job `batch` of a run, try `attempt`: the same for every process loading that run,
 * so a retry finds the job an earlier attempt started (jobs.insert answers 409) instead of loading
 * twice. `attempt` moves on only past jobs that already finished (bigquery-job-runner.ts).
 */
export function loadJobId(dataset: DatasetRef, table: string, runId: string, batch: number, attempt: number): string {
  return `${jobStem('load', dataset, table, runId)}_b${batch}_a${attempt}`;
}

/**
 * A query job id: readable stem plus a fresh suffix per attempt. A query is retried as a new job;
 * the transaction it runs commits entirely or not at all, so a retry cannot apply it twice.
 */
export function queryJobId(kind: string, dataset: DatasetRef, table: string, runId: string, suffix: string): string {
  return `${jobStem(kind, dataset, table, runId)}_${suffix}`;
}

/**
 * A label value: lowercase letters, digits, `_` and `-`, at most 63 characters
 * (https://cloud.google.com/bigquery/docs/labels-intro#requirements).
 */
export function labelValue(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_-]/g, '_').slice(0, 63);
}
