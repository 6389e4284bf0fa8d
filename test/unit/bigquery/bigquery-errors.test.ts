import { describe, expect, it } from 'vitest';
import { ContractError, TerminalError, TransientError } from '../../../shared/errors.js';
import {
  classifyBigQueryError, failureOf, isRetryable, jobFailure, JobFailedError, NO_CREDENTIALS_MESSAGE, type FailureContext,
} from '../../../shared/warehouses/bigquery/bigquery-errors.js';

const CTX: FailureContext = { doing: 'loading t run r1 into BigQuery proj-1:raw', origin: 'query', dataset: 'proj-1:raw', location: 'us-central1' };

/** The shape of @google-cloud/common's ApiError: HTTP status in `code`, ErrorProtos in `errors`. */
function apiError(code: number, reason: string, message: string): Error {
  return Object.assign(new Error(message), { code, errors: [{ reason, message }] });
}

function jobError(reason: string, message: string): JobFailedError {
  return new JobFailedError(jobFailure({ state: 'DONE', errorResult: { reason, message } } as never), 'job-1');
}

describe('isRetryable', () => {
  it.each([
    ['Could not serialize access to table proj-1:raw.t due to concurrent update', 'invalidQuery'],
    ['Transaction is aborted due to concurrent update against table proj-1:raw.t. Transaction ID: 61e3 at [24:9]', 'invalidQuery'],
    ['Resources exceeded during query execution: Too many DML statements outstanding against table proj-1:raw.t, limit is 20.', 'resourcesExceeded'],
    ['Exceeded rate limits: too many table update operations for this table.', 'rateLimitExceeded'],
    ['Error encountered during execution. Retrying may solve the problem.', 'backendError'],
    ['An internal error occurred and the request could not be completed.', 'internalError'],
    ['The job encountered an error during execution. Retrying the job may solve the problem.', 'jobBackendError'],
  ])('retries "%s" (%s)', (message, reason) => {
    expect(isRetryable(failureOf(jobError(reason, message)))).toBe(true);
  });

  it('retries HTTP 5xx, 429 and socket failures, not 400s', () => {
    expect(isRetryable(failureOf(apiError(503, 'backendError', 'unavailable')))).toBe(true);
    expect(isRetryable({ status: 502, message: 'Bad Gateway' })).toBe(true);
    expect(isRetryable({ status: 429, message: 'Too Many Requests' })).toBe(true);
    expect(isRetryable(failureOf(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })))).toBe(true);
    expect(isRetryable(failureOf(apiError(400, 'invalidQuery', 'Syntax error: Unexpected end of script at [3:1]')))).toBe(false);
  });
});

describe('classifyBigQueryError', () => {
  it('reports a host that does not resolve as a setup error (exit 2), never retried', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND bigquery.googleapis.com'), { code: 'ENOTFOUND' });
    expect(isRetryable(failureOf(dns))).toBe(false);
    const error = classifyBigQueryError(dns, CTX);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.message).toBe('loading t run r1 into BigQuery proj-1:raw: getaddrinfo ENOTFOUND bigquery.googleapis.com — the BigQuery API host does not resolve: check this machine\'s DNS and network egress, or BIGQUERY_EMULATOR_HOST');
  });

  it('names the dataset and the bq command when the dataset is missing', () => {
    const error = classifyBigQueryError(apiError(404, 'notFound', 'Not found: Dataset proj-1:raw'), { ...CTX, origin: 'api' });
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.message).toBe('BigQuery dataset proj-1:raw does not exist (or the loader cannot see it) — create it: bq mk --location=us-central1 --dataset proj-1:raw');
  });

  it('names the BigQuery roles when access to the dataset or project is denied', () => {
    const denied = classifyBigQueryError(apiError(403, 'accessDenied', 'Access Denied: Table proj-1:raw.t: Permission bigquery.tables.updateData denied on table proj-1:raw.t'), CTX);
    expect(denied).toBeInstanceOf(TerminalError);
    expect(denied.message).toBe(
      'loading t run r1 into BigQuery proj-1:raw: Access Denied: Table proj-1:raw.t: Permission bigquery.tables.updateData denied on table proj-1:raw.t' +
        ' — grant the loader\'s identity roles/bigquery.dataEditor on dataset proj-1:raw and roles/bigquery.jobUser on project proj-1',
    );
    const domainScoped = classifyBigQueryError(apiError(403, 'accessDenied', 'Access Denied: Project example.com:proj-1'), { ...CTX, dataset: 'example.com:proj-1:raw' });
    expect(domainScoped.message.endsWith('roles/bigquery.jobUser on project example.com:proj-1')).toBe(true);
  });

  // BigQuery's texts when the loader's identity may not read the staged parts; some arrive as
  // `invalid`, so the text decides, whatever the reason.
  it.each([
    ['accessDenied', 'Access Denied: File gs://stage-bucket/p/t/run=r1/part-0-0.avro: Access Denied'],
    ['invalid', 'Access Denied: File gs://stage-bucket/p/t/run=r1/part-0-0.avro: Access Denied'],
    ['accessDenied', 'Access Denied: BigQuery BigQuery: Permission denied while globbing file pattern. Caller does not have storage.objects.get access to the Google Cloud Storage object. Permission \'storage.objects.get\' denied on resource (or it may not exist). Please make sure gs://stage-bucket/p/t/run=r1/part-0-0.avro is accessible via appropriate IAM roles, e.g. Storage Object Viewer or Storage Object Creator.'],
  ])('a load job that may not read the bucket (%s) is a permission problem, exit 2, naming the storage role', (reason, message) => {
    const error = classifyBigQueryError(jobError(reason, message), { ...CTX, origin: 'load' });
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`loading t run r1 into BigQuery proj-1:raw: ${message} — grant the loader's identity roles/storage.objectAdmin on the staging bucket: load jobs read the parts with the loader's credentials`);
  });

  it('a bucket in another location than the dataset is a config problem, exit 2, with the fix', () => {
    const message = 'Cannot read and write in different locations: source: US, destination: europe-west1';
    const error = classifyBigQueryError(jobError('invalid', message), { ...CTX, origin: 'load', location: 'europe-west1' });
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.message).toBe(
      `loading t run r1 into BigQuery proj-1:raw: ${message} — create the staging bucket in the dataset's location (europe-west1), or point destination.gcp.bucket at one there`,
    );
  });

  it.each([
    ['the API', apiError(403, 'billingNotEnabled', 'Billing has not been enabled for this project. Enable billing at https://console.cloud.google.com/billing. DML queries are not allowed in the free tier. Set up a billing account to remove this restriction.')],
    ['a finished job', jobError('billingNotEnabled', 'Billing has not been enabled for this project. Enable billing at https://console.cloud.google.com/billing. DML queries are not allowed in the free tier. Set up a billing account to remove this restriction.')],
  ])('a project without billing is a config problem, exit 2, not a permission one (from %s)', (_from, failure) => {
    const error = classifyBigQueryError(failure, CTX);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.message).toBe(
      'loading t run r1 into BigQuery proj-1:raw: Billing has not been enabled for this project. Enable billing at https://console.cloud.google.com/billing. DML queries are not allowed in the free tier. Set up a billing account to remove this restriction.' +
        ' — link project proj-1 to a billing account (gcloud billing projects link proj-1 --billing-account=ACCOUNT_ID); the BigQuery sandbox runs no DML, and every load merges with DML',
    );
  });

  it('says how to get credentials when Application Default Credentials find none', () => {
    const adc = new Error('Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.');
    const error = classifyBigQueryError(adc, CTX);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.message).toBe(NO_CREDENTIALS_MESSAGE);
    expect(NO_CREDENTIALS_MESSAGE).toBe('GCP credentials: none found — run `gcloud auth application-default login` locally, or use Workload Identity in the cluster; no key files');
    expect(error.cause).toBe(adc);
  });

  // Real data problems stay exit 3: the file, not the setup, is wrong.
  it.each([
    ['invalid', 'Error while reading data, error message: Provided schema is not compatible with the file'],
    ['invalid', 'Error while reading data, error message: The Apache Avro library failed to parse the header with the following error: Invalid data file. Magic does not match'],
    ['invalid', 'Error while reading data, error message: The Apache Avro library failed to read data with the following error: Value out of range for Avro int: 1669750013865241 File: bigstore/stage-bucket/p/t/run=r1/part-0-0.avro'],
    ['invalidQuery', 'Field month has incompatible types. Configured schema: datetime; Avro file: string.'],
    ['invalid', 'Provided Schema does not match Table proj-1:raw.t__stage_1. Cannot add fields (field: extra)'],
  ])('treats invalid data in a load job as a broken contract, exit 3, with BigQuery\'s message (%s: %s)', (reason, message) => {
    const error = classifyBigQueryError(jobError(reason, message), { ...CTX, origin: 'load' });
    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toBe(`loading t run r1 into BigQuery proj-1:raw: ${message}`);
  });

  it('treats an invalid query as terminal (our SQL or the table is wrong), concurrency as transient', () => {
    expect(classifyBigQueryError(jobError('invalidQuery', 'Unrecognized name: monto at [4:9]'), CTX)).toBeInstanceOf(TerminalError);
    const conflict = classifyBigQueryError(jobError('invalidQuery', 'Transaction is aborted due to concurrent update against table proj-1:raw.t'), CTX);
    expect(conflict).toBeInstanceOf(TransientError);
    expect(conflict.message).toBe('loading t run r1 into BigQuery proj-1:raw: Transaction is aborted due to concurrent update against table proj-1:raw.t');
  });

  it('names the partition limits, the table\'s granularity and the fix when a job touches too many partitions', () => {
    const message = 'Too many partitions produced by query, allowed 4000, query produces at least 7305 partitions';
    const partitioning = { table: 'proj-1:raw.t', granularity: 'DAY' as const, field: 'updated_at' };
    const error = classifyBigQueryError(jobError('invalidQuery', message), { ...CTX, partitioning });
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.message).toBe(
      `loading t run r1 into BigQuery proj-1:raw: ${message} — BigQuery lets one job modify 4,000 partitions and a table hold 10,000, and proj-1:raw.t is partitioned by DAY on updated_at:` +
        ' set destination.gcp.partition_granularity to MONTH or YEAR and recreate the table (an existing table keeps its partitioning)',
    );
    expect(classifyBigQueryError(jobError('invalidQuery', message), CTX).message).toBe(
      `loading t run r1 into BigQuery proj-1:raw: ${message} — BigQuery lets one job modify 4,000 partitions and a table hold 10,000:` +
        ' set destination.gcp.partition_granularity to MONTH or YEAR and recreate the table (an existing table keeps its partitioning)',
    );
  });

  it.each([
    ['notFound', 'Not found: URI gs://b/t/run=r1/part-0-1.avro'],
    ['invalid', 'Error while reading data, error message: Failed to expand table t__stage_1 with file pattern gs://b/t/run=r1/part-0-1.avro: matched no files. File: gs://b/t/run=r1/part-0-1.avro'],
  ])('treats a missing staged file as an incomplete run, exit 3 (%s)', (reason, message) => {
    const error = classifyBigQueryError(jobError(reason, message), { ...CTX, origin: 'load' });
    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toBe(`loading t run r1 into BigQuery proj-1:raw: ${message} — a staged file the manifests list is missing; re-run the extractor for this run`);
  });

  it('treats a stage that vanished under its load job as transient: the next attempt creates it again', () => {
    const error = classifyBigQueryError(jobError('notFound', 'Not found: Table proj-1:raw.t__stage_1'), { ...CTX, origin: 'load' });
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe('loading t run r1 into BigQuery proj-1:raw: Not found: Table proj-1:raw.t__stage_1');
    expect(classifyBigQueryError(apiError(404, 'notFound', 'Not found: Table proj-1:raw.t__stage_1'), CTX)).toBeInstanceOf(TransientError);
  });

  it('rejected credentials, quotas and unknown failures', () => {
    const rejected = classifyBigQueryError(apiError(401, 'authError', 'Request had invalid authentication credentials.'), CTX);
    expect(rejected).toBeInstanceOf(TerminalError);
    expect(rejected.message).toBe('loading t run r1 into BigQuery proj-1:raw: GCP credentials were rejected (Request had invalid authentication credentials.) — run `gcloud auth application-default login` again, or check the pod\'s Workload Identity binding');
    expect(classifyBigQueryError(apiError(403, 'quotaExceeded', 'Quota exceeded: Your table exceeded quota for imports or query appends per table'), CTX)).toBeInstanceOf(TransientError);
    expect(classifyBigQueryError(new Error('something else'), CTX)).toBeInstanceOf(TransientError);
  });

  it('keeps only the first line of a multi-line message and passes DataPipe errors through', () => {
    expect(failureOf(apiError(400, 'invalid', '\n  first line\nsecond')).message).toBe('first line');
    const own = new ContractError('x');
    expect(classifyBigQueryError(own, CTX)).toBe(own);
  });

  it('adds a job\'s first detail error to its errorResult', () => {
    expect(jobFailure({ errorResult: { reason: 'invalid', message: 'Error while reading data' }, errors: [{ message: 'Error while reading data' }, { message: 'gs://b/x.avro: bad block' }] }))
      .toEqual({ reason: 'invalid', message: 'Error while reading data; gs://b/x.avro: bad block' });
  });
});
