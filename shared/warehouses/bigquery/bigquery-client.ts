/**
 * The slice of @google-cloud/bigquery the warehouse calls (docs/style.md §4), and the one place that
 * constructs the SDK's client. Tests hand in the real client pointed at a local fake
 * (test/support/bigquery-recorder.ts); nothing else in DataPipe imports the SDK.
 */
import { BigQuery, type BigQueryOptions } from '@google-cloud/bigquery';
import type { BigQueryField, PartitionGranularity } from './bigquery-schema.js';

/** A BigQuery ErrorProto. */
export interface ErrorProto {
  reason?: string;
  message?: string;
  location?: string;
}

/** The parts of a Job resource the warehouse reads. */
export interface JobResource {
  id?: string;
  configuration?: { labels?: Record<string, string> };
  status?: { state?: 'PENDING' | 'RUNNING' | 'DONE'; errorResult?: ErrorProto; errors?: ErrorProto[] };
  statistics?: { load?: { outputRows?: string } };
}

/** The parts of a Table resource the warehouse reads or writes. */
export interface TableResource {
  schema?: { fields?: ExistingField[] };
  description?: string;
  expirationTime?: string;
  timePartitioning?: { type: PartitionGranularity; field?: string };
  clustering?: { fields: string[] };
}

/** A field of an existing table, as tables.get reports it (legacy type names: INTEGER, FLOAT, BOOLEAN). */
export interface ExistingField {
  name: string;
  type: string;
  mode?: string;
  precision?: string;
  scale?: string;
  maxLength?: string;
}

/** What tables.insert takes. */
export interface TableInsert {
  schema: { fields: BigQueryField[] };
  description?: string;
  /** Milliseconds since the epoch, as a decimal string. */
  expirationTime?: string;
  timePartitioning?: { type: PartitionGranularity; field: string };
  clustering?: { fields: string[] };
}

/** A named query parameter in the REST shape; a NULL has no `value` (QueryParameterValue.value is optional). */
export interface QueryParameter {
  name: string;
  parameterType: { type: 'STRING' | 'INT64' };
  parameterValue: { value?: string };
}

/** What jobs.insert takes: the SDK wraps jobId and location into the jobReference. */
export interface JobInsert {
  jobId: string;
  location: string;
  configuration: {
    labels: Record<string, string>;
    load?: {
      sourceUris: string[];
      sourceFormat: 'AVRO';
      useAvroLogicalTypes: boolean;
      decimalTargetTypes: ('NUMERIC' | 'BIGNUMERIC' | 'STRING')[];
      destinationTable: { projectId: string; datasetId: string; tableId: string };
      schema: { fields: BigQueryField[] };
      createDisposition: 'CREATE_NEVER';
      writeDisposition: 'WRITE_TRUNCATE' | 'WRITE_APPEND';
    };
    query?: {
      query: string;
      useLegacySql: false;
      parameterMode?: 'NAMED';
      queryParameters?: QueryParameter[];
    };
  };
}

/** A job: its status and, for queries, its rows. */
export interface BigQueryJobHandle {
  getMetadata(): Promise<[JobResource, ...unknown[]]>;
  getQueryResults(options?: { autoPaginate?: boolean }): Promise<[Record<string, unknown>[], ...unknown[]]>;
}

/** A table: read, patch the expiry, delete. */
export interface BigQueryTableHandle {
  getMetadata(): Promise<[TableResource, ...unknown[]]>;
  setMetadata(metadata: { expirationTime: string }): Promise<unknown>;
  delete(): Promise<unknown>;
}

/** The dataset the tables live in. */
export interface BigQueryDatasetHandle {
  getMetadata(): Promise<[{ location?: string }, ...unknown[]]>;
  table(id: string): BigQueryTableHandle;
  createTable(id: string, metadata: TableInsert): Promise<unknown>;
}

/** The BigQuery client, as far as the warehouse uses it. */
export interface BigQueryClient {
  dataset(id: string): BigQueryDatasetHandle;
  createJob(options: JobInsert): Promise<[BigQueryJobHandle, ...unknown[]]>;
  job(id: string, options: { location: string }): BigQueryJobHandle;
}

/** How createBigQueryClient reaches BigQuery. */
export interface BigQueryClientOptions {
  projectId: string;
  location: string;
  /**
   * A base URL instead of https://bigquery.googleapis.com (an emulator, a test fake). The SDK also
   * reads BIGQUERY_EMULATOR_HOST itself; this option wins over it.
   */
  apiEndpoint?: string;
  /**
   * `adc`: Application Default Credentials (gcloud locally, Workload Identity in a cluster).
   * `none`: no credentials at all, for local emulators. Default: `none` for an `http://`
   * endpoint (emulators speak plain HTTP), else `adc`.
   */
  credentials?: 'adc' | 'none';
  /**
   * Whether the SDK itself resends a request that failed with 408, 429, 5xx or a dropped
   * connection (3 times, about 2, 4 and 8 s apart). Default false: the warehouse retries every job
   * and table call itself (bigquery-job-runner.ts, bigquery-tables.ts), with the one policy of
   * shared/retry.ts; two nested layers would multiply the attempts (up to 24 requests a step).
   */
  autoRetry?: boolean;
}

/**
 * An AuthClient that adds no headers. GoogleAuth uses a client handed in as `authClient` as its
 * credential and, per request, only asks it for headers (google-auth-library googleauth.js,
 * authorizeRequest), so no ADC lookup or metadata-server probe happens. The SDK has no switch for
 * this: it never marks a custom endpoint as needing no auth (@google-cloud/bigquery bigquery.js).
 */
const NO_CREDENTIALS = { getRequestHeaders: async () => new Headers() };

/** The endpoint BIGQUERY_EMULATOR_HOST names, if set (the SDK's own convention). */
export function emulatorEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const host = env.BIGQUERY_EMULATOR_HOST?.trim();
  return host ? host : undefined;
}

/** The real client. Every job gets the location explicitly as well (bigquery-job-config.ts). */
export function createBigQueryClient(options: BigQueryClientOptions): BigQueryClient {
  const endpoint = options.apiEndpoint ?? emulatorEndpoint();
  const credentials = options.credentials ?? (endpoint?.startsWith('http://') ? 'none' : 'adc');
  const sdkOptions: BigQueryOptions = {
    projectId: options.projectId,
    location: options.location,
    ...(endpoint ? { apiEndpoint: endpoint } : {}),
    retryOptions: { autoRetry: options.autoRetry ?? false },
    ...(credentials === 'none' ? { authClient: NO_CREDENTIALS as unknown as NonNullable<BigQueryOptions['authClient']> } : {}),
  };
  return new BigQuery(sdkOptions);
}
