/**
 * The jobs.insert payloads, as pure functions of the request, so unit tests hold them exactly.
 */
import type { TableModel } from '../../model/column.js';
import type { JobInsert, QueryParameter } from './bigquery-client.js';
import { labelValue, type DatasetRef } from './bigquery-names.js';
import { stageSchema } from './bigquery-schema.js';

/** A load job takes at most 10,000 source URIs (https://cloud.google.com/bigquery/quotas#load_jobs). */
export const MAX_URIS_PER_LOAD_JOB = 10_000;

/**
 * The manifest's exact part list, cut into load jobs: the first truncates the stage, the rest
 * append. A wildcard (`run=R/part-*.avro`) would be one job, but would also load any stray part an
 * earlier failed extractor attempt left under the prefix.
 */
export function uriBatches(uris: readonly string[], size = MAX_URIS_PER_LOAD_JOB): string[][] {
  const batches: string[][] = [];
  for (let i = 0; i < uris.length; i += size) batches.push(uris.slice(i, i + size));
  return batches;
}

/** Labels every DataPipe job carries, for finding and costing them in INFORMATION_SCHEMA.JOBS. */
export function jobLabels(table: string, runId: string): Record<string, string> {
  return { datapipe_table: labelValue(table), datapipe_run: labelValue(runId) };
}

/** What one load job of a run needs. */
export interface LoadJobArgs {
  jobId: string;
  location: string;
  dataset: DatasetRef;
  stage: string;
  model: TableModel;
  runId: string;
  uris: string[];
  /** The first batch truncates the stage (a retry starts clean); later batches append. */
  first: boolean;
  /** Marks the jobs one load call inserted, to tell them from earlier attempts' (bigquery-job-runner.ts). */
  attemptLabel: string;
}

/**
 * An AVRO load into the stage. `useAvroLogicalTypes` is off by default and without it dates,
 * timestamps and local-timestamp-micros load as INTEGER; `decimalTargetTypes` defaults to NUMERIC
 * only (https://cloud.google.com/bigquery/docs/loading-data-cloud-storage-avro#logical_types).
 * The schema is given, so the stage has our types rather than inferred ones; every column is
 * NULLABLE so a NULL key reaches the stage check. WRITE_TRUNCATE makes a re-run of the job
 * replace, never add to, what an earlier attempt loaded; the disposition applies atomically at
 * job completion. CREATE_NEVER: the warehouse has created the stage, with an expiry, just before;
 * a stage dropped meanwhile (a concurrent attempt of the run merged and dropped it) fails the job
 * with notFound, a transient error whose retry creates it again, rather than being recreated here
 * as a table that never expires.
 */
export function loadJobConfig(args: LoadJobArgs): JobInsert {
  return {
    jobId: args.jobId,
    location: args.location,
    configuration: {
      labels: { ...jobLabels(args.model.name, args.runId), datapipe_attempt: labelValue(args.attemptLabel) },
      load: {
        sourceUris: args.uris,
        sourceFormat: 'AVRO',
        useAvroLogicalTypes: true,
        decimalTargetTypes: ['NUMERIC', 'BIGNUMERIC', 'STRING'],
        destinationTable: { projectId: args.dataset.projectId, datasetId: args.dataset.datasetId, tableId: args.stage },
        schema: { fields: stageSchema(args.model) },
        createDisposition: 'CREATE_NEVER',
        writeDisposition: args.first ? 'WRITE_TRUNCATE' : 'WRITE_APPEND',
      },
    },
  };
}

/** A GoogleSQL query job, values bound as named parameters. */
export function queryJobConfig(args: { jobId: string; location: string; query: string; params: QueryParameter[]; labels: Record<string, string> }): JobInsert {
  return {
    jobId: args.jobId,
    location: args.location,
    configuration: {
      labels: args.labels,
      query: {
        query: args.query,
        useLegacySql: false,
        ...(args.params.length > 0 ? { parameterMode: 'NAMED' as const, queryParameters: args.params } : {}),
      },
    },
  };
}

/** A STRING parameter; NULL when `value` is null. */
export function stringParam(name: string, value: string | null): QueryParameter {
  return { name, parameterType: { type: 'STRING' }, parameterValue: value === null ? {} : { value } };
}

/** INT64 values travel as decimal strings in the REST API. */
export function int64Param(name: string, value: number | bigint): QueryParameter {
  return { name, parameterType: { type: 'INT64' }, parameterValue: { value: String(value) } };
}

/**
 * The REST form of the protocol's named parameters: integers as INT64, text and NULL as STRING
 * (the nullable ones, `watermark` and `base_run_id`, are text).
 */
export function queryParams(params: Record<string, string | number | null>): QueryParameter[] {
  return Object.entries(params).map(([name, value]) => (typeof value === 'number' ? int64Param(name, value) : stringParam(name, value)));
}
