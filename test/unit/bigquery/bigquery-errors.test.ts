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
  it('names the dataset and the bq command when the dataset is missing', () => {
    const error = classifyBigQueryError(apiError(404, 'notFound', 'Not found: Dataset proj-1:raw'), { ...CTX, origin: 'api' });
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.message).toBe('BigQuery dataset proj-1:raw does not exist (or the loader cannot see it) — create it: bq mk --location=us-central1 --dataset proj-1:raw');
  });

  it('names the roles when access is denied, and the storage role when a gs:// file was refused', () => {
    const denied = classifyBigQueryError(apiError(403, 'accessDenied', 'Access Denied: Table proj-1:raw.t: Permission bigquery.tables.updateData denied on table proj-1:raw.t'), CTX);
    expect(denied).toBeInstanceOf(TerminalError);
    expect(denied.message).toBe(
      'loading t run r1 into BigQuery proj-1:raw: Access Denied: Table proj-1:raw.t: Permission bigquery.tables.updateData denied on table proj-1:raw.t' +
        ' — grant the loader\'s identity roles/bigquery.dataEditor on dataset proj-1:raw and roles/bigquery.jobUser on project proj-1',
    );
    const file = classifyBigQueryError(jobError('accessDenied', 'Access Denied: File gs://b/t/run=r1/part-0-0.avro: Access Denied'), { ...CTX, origin: 'load' });
    expect(file.message.endsWith('roles/bigquery.jobUser on project proj-1 and roles/storage.objectViewer on the staging bucket')).toBe(true);
  });

  it('says how to get credentials when Application Default Credentials find none', () => {
    const adc = new Error('Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.');
    const error = classifyBigQueryError(adc, CTX);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.message).toBe(NO_CREDENTIALS_MESSAGE);
    expect(NO_CREDENTIALS_MESSAGE).toBe('GCP credentials: none found — run `gcloud auth application-default login` locally, or use Workload Identity in the cluster; no key files');
    expect(error.cause).toBe(adc);
  });

  it('treats invalid data in a load job as a broken contract, with BigQuery\'s message', () => {
    const error = classifyBigQueryError(jobError('invalid', 'Error while reading data, error message: Provided schema is not compatible with the file'), { ...CTX, origin: 'load' });
    expect(error).toBeInstanceOf(ContractError);
    expect(error.message).toBe('loading t run r1 into BigQuery proj-1:raw: Error while reading data, error message: Provided schema is not compatible with the file');
  });

  it('treats an invalid query as terminal (our SQL or the table is wrong), concurrency as transient', () => {
    expect(classifyBigQueryError(jobError('invalidQuery', 'Unrecognized name: monto at [4:9]'), CTX)).toBeInstanceOf(TerminalError);
    const conflict = classifyBigQueryError(jobError('invalidQuery', 'Transaction is aborted due to concurrent update against table proj-1:raw.t'), CTX);
    expect(conflict).toBeInstanceOf(TransientError);
    expect(conflict.message).toBe('loading t run r1 into BigQuery proj-1:raw: Transaction is aborted due to concurrent update against table proj-1:raw.t');
  });

  it('points at the granularity when a job touches too many partitions', () => {
    const error = classifyBigQueryError(jobError('invalid', 'Too many partitions produced by query, allowed 4000, query produces at least 7305 partitions'), CTX);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.message).toBe(
      'loading t run r1 into BigQuery proj-1:raw: Too many partitions produced by query, allowed 4000, query produces at least 7305 partitions' +
        ' — set destination.gcp.partition_granularity to MONTH or YEAR and recreate the table (an existing table keeps its partitioning)',
    );
  });

  it('treats a missing staged file as an incomplete run, a vanished table as transient', () => {
    const file = classifyBigQueryError(jobError('notFound', 'Not found: URI gs://b/t/run=r1/part-0-1.avro'), { ...CTX, origin: 'load' });
    expect(file).toBeInstanceOf(ContractError);
    expect(file.message).toBe('loading t run r1 into BigQuery proj-1:raw: Not found: URI gs://b/t/run=r1/part-0-1.avro — a staged file the manifests list is missing; re-run the extractor for this run');
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
