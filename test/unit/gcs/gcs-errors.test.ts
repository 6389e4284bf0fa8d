import { Writable } from 'node:stream';
import { ApiError } from '@google-cloud/storage';
import { describe, expect, it } from 'vitest';
import { PreconditionFailedError, TerminalError, TransientError } from '../../../shared/errors.js';
import { createLogger } from '../../../shared/log.js';
import { classifyGcsError, detailOf, statusOf } from '../../../shared/stores/gcs/gcs-errors.js';

const at = { operation: 'reading', bucket: 'empresa-staging', target: 'gs://empresa-staging/erp/ventas/_state.json' };
/** What the SDK throws for a JSON API error response (nodejs-common's ApiError). */
const apiError = (code: number, message: string) => Object.assign(new ApiError(message), { code, errors: [{ reason: 'x', message }] });
/** What a failed resumable-upload start throws: a GaxiosError, with the parsed body in response.data. */
const gaxiosError = (status: number, message: string) => Object.assign(new Error(`Request failed with status code ${status}`), {
  name: 'GaxiosError', status, response: { status, data: { error: { code: status, message } } }, config: { headers: { Authorization: 'Bearer ya29.secret-token' } },
});
const socketError = (code: string) => Object.assign(new Error(`request to https://storage.googleapis.com/storage/v1/b failed, reason: ${code}`), { name: 'FetchError', code });

describe('GCS error classification', () => {
  it('a 404 on the bucket is terminal and names the bucket and how to create it', () => {
    const error = classifyGcsError(apiError(404, 'The specified bucket does not exist.'), at);
    expect(error).toEqual(new TerminalError(
      'GCS bucket empresa-staging does not exist — create it in the dataset\'s location (gcloud storage buckets create gs://empresa-staging --location=<location>) or fix destination.gcp.bucket',
    ));
    expect(error.exitCode).toBe(2);
  });

  it('401 and 403 are terminal and say which identity fix applies', () => {
    expect(classifyGcsError(apiError(401, 'Invalid Credentials'), at)).toEqual(new TerminalError(
      'reading gs://empresa-staging/erp/ventas/_state.json: GCS rejected the credentials (HTTP 401) — refresh Application Default Credentials: gcloud auth application-default login locally; in the cluster, check the pod\'s Workload Identity binding',
    ));
    const denied = 'etl@empresa.iam.gserviceaccount.com does not have storage.objects.get access to the Google Cloud Storage object.';
    const fix = '— grant the identity roles/storage.objectAdmin on the bucket: gcloud storage buckets add-iam-policy-binding gs://empresa-staging --member=<principal> --role=roles/storage.objectAdmin';
    expect(classifyGcsError(apiError(403, denied), at)).toEqual(new TerminalError(`reading gs://empresa-staging/erp/ventas/_state.json: GCS denied access (HTTP 403 ${denied}) ${fix}`));
    // The resumable upload's GaxiosError: the server's words come from response.data, not the generic message.
    expect(classifyGcsError(gaxiosError(403, denied), at)).toEqual(new TerminalError(`reading gs://empresa-staging/erp/ventas/_state.json: GCS denied access (HTTP 403 ${denied}) ${fix}`));
  });

  it('missing Application Default Credentials are terminal, with the local and the cluster fix', () => {
    const adc = new Error('Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.');
    expect(classifyGcsError(adc, at)).toEqual(new TerminalError(
      'no Google Cloud credentials for gs://empresa-staging: Application Default Credentials were not found — run gcloud auth application-default login locally; in the cluster, run the pod as a Kubernetes service account bound to a Google service account through Workload Identity',
    ));
  });

  it('429 and 5xx that outlasted the retries are transient (exit 1)', () => {
    for (const [status, message] of [[429, 'The rate of change requests to the object is too high.'], [503, 'Service Unavailable'], [500, 'Backend Error']] as const) {
      const error = classifyGcsError(apiError(status, message), at);
      expect(error).toEqual(new TransientError(
        `reading gs://empresa-staging/erp/ventas/_state.json: GCS answered HTTP ${status} ${message}, still failing after retries — a temporary error; re-running is safe`,
      ));
      expect(error.exitCode).toBe(1);
    }
    // A resumable upload's final response arrives as a plain object, not an Error.
    expect(classifyGcsError({ code: 502, message: 'Bad Gateway', errors: [] }, at)).toBeInstanceOf(TransientError);
  });

  it('a download error whose message is the raw JSON body is reduced to the server\'s message', () => {
    const body = JSON.stringify({ error: { code: 503, message: 'Service Unavailable', errors: [] } });
    expect(detailOf(Object.assign(new Error(body), { code: 503 }))).toBe('Service Unavailable');
  });

  it('a resumable upload out of retries names the last answer it got', () => {
    const last = JSON.stringify({ error: { code: 503, message: 'Service Unavailable', errors: [] } });
    expect(classifyGcsError(new Error(`Retry limit exceeded - ${last}`), at)).toEqual(new TransientError(
      'reading gs://empresa-staging/erp/ventas/_state.json: GCS answered HTTP 503 Service Unavailable, still failing after retries — a temporary error; re-running is safe',
    ));
    expect(classifyGcsError(new Error('Retry total time limit exceeded - {}'), at)).toEqual(new TransientError(
      'reading gs://empresa-staging/erp/ventas/_state.json: Retry total time limit exceeded - {}, still failing after retries — a temporary error; re-running is safe',
    ));
  });

  it('socket failures are transient and name the error code', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND']) {
      expect(classifyGcsError(socketError(code), at)).toEqual(new TransientError(
        `reading gs://empresa-staging/erp/ventas/_state.json: cannot reach GCS (${code}), still failing after retries — check the network (or STORAGE_EMULATOR_HOST); re-running is safe`,
      ));
    }
  });

  it('checksum mismatches are transient and say what became of the object', () => {
    const sdk = (code: string) => Object.assign(new Error('The uploaded data did not match the data from the server.'), { code });
    expect(classifyGcsError(sdk('FILE_NO_UPLOAD'), at)).toEqual(new TransientError(
      'gs://empresa-staging/erp/ventas/_state.json: the object GCS stored does not match the bytes sent (MD5); it was deleted — re-run to upload it again',
    ));
    expect(classifyGcsError(sdk('FILE_NO_UPLOAD_DELETE'), at)).toEqual(new TransientError(
      'gs://empresa-staging/erp/ventas/_state.json: the object GCS stored does not match the bytes sent (MD5); deleting it failed too — remove it (gcloud storage rm gs://empresa-staging/erp/ventas/_state.json) and re-run',
    ));
    expect(classifyGcsError(sdk('CONTENT_DOWNLOAD_MISMATCH'), at)).toEqual(new TransientError(
      'gs://empresa-staging/erp/ventas/_state.json: the bytes received do not match the object\'s MD5; re-run to read it again',
    ));
    expect(classifyGcsError(sdk('MD5_NOT_AVAILABLE'), at)).toEqual(new TerminalError(
      'gs://empresa-staging/erp/ventas/_state.json: GCS reports no MD5 for the object (composite objects have none), so its bytes cannot be verified — write it again as a single object',
    ));
    const declared = 'Provided MD5 hash "Gptdiko5ONStbZ8WiJgCBA==" doesn\'t match calculated MD5 hash "PAN3/DYEWPrHcVVxscXVgQ==".';
    expect(classifyGcsError(apiError(400, declared), at)).toEqual(new TransientError(
      `gs://empresa-staging/erp/ventas/_state.json: GCS refused the write because the body arrived altered (${declared}); nothing was written — re-run to send it again`,
    ));
  });

  it('a lost precondition race is a PreconditionFailedError; other 4xx are terminal', () => {
    expect(classifyGcsError(apiError(412, 'At least one of the pre-conditions you specified did not hold.'), at)).toEqual(new PreconditionFailedError(
      'reading gs://empresa-staging/erp/ventas/_state.json: the object changed since it was read (HTTP 412) — another writer got there first',
    ));
    expect(classifyGcsError(apiError(400, 'Invalid argument.'), at)).toEqual(new TerminalError(
      'reading gs://empresa-staging/erp/ventas/_state.json: GCS refused the request (HTTP 400 Invalid argument.)',
    ));
    expect(classifyGcsError(apiError(409, 'Conflict'), at)).toBeInstanceOf(TerminalError);
    expect(classifyGcsError(apiError(501, 'Not Implemented'), at)).toBeInstanceOf(TransientError);
  });

  it('anything else is transient, and DataPipe\'s own errors pass through', () => {
    expect(classifyGcsError(new Error('something odd\nsecond line'), at)).toEqual(new TransientError('reading gs://empresa-staging/erp/ventas/_state.json failed: something odd'));
    const own = new TerminalError('already classified');
    expect(classifyGcsError(own, at)).toBe(own);
  });

  it('reads the status from every shape the SDK uses', () => {
    expect(statusOf(apiError(404, 'x'))).toBe(404);
    expect(statusOf(gaxiosError(403, 'x'))).toBe(403);
    expect(statusOf({ code: '503' })).toBe(503);
    expect(statusOf({ response: { status: 429 } })).toBe(429);
    expect(statusOf(socketError('ECONNRESET'))).toBeUndefined();
    expect(statusOf('text')).toBeUndefined();
  });

  it('keeps a scrubbed cause: the request headers (and their bearer token) never reach a debug log', () => {
    const error = classifyGcsError(gaxiosError(403, 'denied'), at);
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
    createLogger({ level: 'debug', pretty: false, destination }).debug({ err: error }, 'failure detail');
    expect(lines.join('')).toContain('Request failed with status code 403');
    expect(lines.join('')).not.toContain('secret-token');
    expect((error.cause as { status?: number }).status).toBe(403);
  });
});
