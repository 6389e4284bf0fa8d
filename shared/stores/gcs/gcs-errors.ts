/**
 * Classifies what @google-cloud/storage 7.19.0 throws (docs/style.md §7). The same failure arrives in
 * several shapes: an `ApiError` with a numeric `code` (JSON API calls), a `GaxiosError` with
 * `status` (starting a resumable upload), a plain `{ code, message, errors }` object (a resumable
 * upload's final response), an `Error('Retry limit exceeded - …')` with no status at all (a
 * resumable upload out of retries), and Node socket errors with a string `code`.
 *
 * The error kept as `cause` is a scrubbed copy: the SDK's errors carry the request configuration,
 * and with it the `Authorization: Bearer …` header, which must never reach a debug log.
 */
import { DataPipeError, PreconditionFailedError, TerminalError, TransientError } from '../../errors.js';

/** What was being done, and to what, for the one line the user reads. */
export interface GcsErrorContext {
  /** A verb phrase: `uploading`, `writing`, `reading`, `listing`, `deleting`. */
  operation: string;
  bucket: string;
  /** `gs://bucket/key`, or `gs://bucket/prefix*` for a listing. */
  target: string;
}

/** The HTTP status an SDK error carries, whatever its shape. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, status, response } = error as { code?: unknown; status?: unknown; response?: { status?: unknown } };
  for (const value of [code, status, response?.status]) {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 100 && value < 600) return value;
    if (typeof value === 'string' && /^[1-5]\d\d$/.test(value)) return Number(value);
  }
  return undefined;
}

/** The socket error codes and `errors[].reason`s an error carries, upper-cased. */
export function networkCodesOf(error: unknown): string[] {
  if (typeof error !== 'object' || error === null) return [];
  const { code, errno, errors } = error as { code?: unknown; errno?: unknown; errors?: unknown };
  const codes = [code, errno].filter((c): c is string => typeof c === 'string');
  if (Array.isArray(errors)) {
    for (const item of errors) {
      const reason = (item as { reason?: unknown } | null)?.reason;
      if (typeof reason === 'string') codes.push(reason);
    }
  }
  return codes.map((c) => c.toUpperCase());
}

/**
 * The server's one-line explanation in an SDK error: the JSON API's `error.message` where the SDK
 * kept the response body (in `response.data`, or as the message itself for downloads), else the
 * first line of the message, capped.
 */
export function detailOf(error: unknown): string {
  const message = messageOf(error);
  const line = apiErrorOf((error as { response?: { data?: unknown } } | null)?.response?.data)?.message
    ?? apiErrorOf(parseJson(message))?.message
    ?? message.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** `{ error: { code, message } }`, the JSON API's error body, if `body` is one. */
function apiErrorOf(body: unknown): { code?: number; message?: string } | undefined {
  const error = (body as { error?: unknown } | null | undefined)?.error;
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return { ...(typeof code === 'number' ? { code } : {}), ...(typeof message === 'string' && message !== '' ? { message } : {}) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Google's own message when Application Default Credentials are absent (google-auth-library). */
const NO_ADC = /Could not load the default credentials/;
/** The SDK's codes for a stored or received object whose hash differs from the bytes sent. */
const MISMATCH_CODES = new Set(['FILE_NO_UPLOAD', 'FILE_NO_UPLOAD_DELETE', 'CONTENT_DOWNLOAD_MISMATCH']);
/** GCS's 400 when a declared MD5/CRC32C does not match the body it received (server-side check). */
const DECLARED_HASH_MISMATCH = /\b(MD5|CRC32C)\b.*\b(doesn't|does not|did not) match\b/i;
/** A resumable upload that ran out of retries reports only this, without a status. */
const RETRIES_EXHAUSTED = /^Retry (total time )?limit exceeded/;

/** The bucket named in the config does not exist (a 404 on the bucket itself). */
export function bucketMissingError(bucket: string, cause?: unknown): TerminalError {
  return new TerminalError(
    `GCS bucket ${bucket} does not exist — create it in the dataset's location (gcloud storage buckets create gs://${bucket} --location=<location>) or fix destination.gcp.bucket`,
    cause === undefined ? undefined : { cause: scrubbed(cause) },
  );
}

/**
 * A DataPipe error for anything the client threw; our own errors pass through. A 404 here means
 * the bucket: callers handle a missing object (get → null) before asking.
 */
export function classifyGcsError(error: unknown, context: GcsErrorContext): DataPipeError {
  if (error instanceof DataPipeError) return error;
  const { operation, bucket, target } = context;
  const options = { cause: scrubbed(error) };
  const detail = detailOf(error);
  const at = `${operation} ${target}`;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;

  if (NO_ADC.test(detail)) {
    return new TerminalError(
      `no Google Cloud credentials for gs://${bucket}: Application Default Credentials were not found — run gcloud auth application-default login locally; in the cluster, run the pod as a Kubernetes service account bound to a Google service account through Workload Identity`,
      options,
    );
  }
  if (code === 'MD5_NOT_AVAILABLE') {
    return new TerminalError(`${target}: GCS reports no MD5 for the object (composite objects have none), so its bytes cannot be verified — write it again as a single object`, options);
  }
  if (typeof code === 'string' && MISMATCH_CODES.has(code)) {
    const outcome = code === 'FILE_NO_UPLOAD' ? 'it was deleted — re-run to upload it again'
      : code === 'FILE_NO_UPLOAD_DELETE' ? `deleting it failed too — remove it (gcloud storage rm ${target}) and re-run`
        : 're-run to read it again';
    const what = code === 'CONTENT_DOWNLOAD_MISMATCH' ? 'the bytes received do not match the object\'s MD5' : 'the object GCS stored does not match the bytes sent (MD5)';
    return new TransientError(`${target}: ${what}; ${outcome}`, options);
  }

  const status = statusOf(error);
  switch (status) {
    case undefined:
      break;
    case 400:
      if (DECLARED_HASH_MISMATCH.test(detail)) {
        return new TransientError(`${target}: GCS refused the write because the body arrived altered (${detail}); nothing was written — re-run to send it again`, options);
      }
      return new TerminalError(`${at}: GCS refused the request (HTTP 400 ${detail})`, options);
    case 401:
      return new TerminalError(
        `${at}: GCS rejected the credentials (HTTP 401) — refresh Application Default Credentials: gcloud auth application-default login locally; in the cluster, check the pod's Workload Identity binding`,
        options,
      );
    case 403:
      return new TerminalError(
        `${at}: GCS denied access (HTTP 403 ${detail}) — grant the identity roles/storage.objectAdmin on the bucket: gcloud storage buckets add-iam-policy-binding gs://${bucket} --member=<principal> --role=roles/storage.objectAdmin`,
        options,
      );
    case 404:
      return bucketMissingError(bucket, error);
    case 412:
      return new PreconditionFailedError(`${at}: the object changed since it was read (HTTP 412) — another writer got there first`, options);
    default:
      if (status === 408 || status === 429 || status >= 500) {
        return new TransientError(`${at}: GCS answered HTTP ${status} ${detail}, still failing after retries — a temporary error; re-running is safe`, options);
      }
      return new TerminalError(`${at}: GCS refused the request (HTTP ${status} ${detail})`, options);
  }

  const network = networkCodesOf(error).find((c) => /^E[A-Z_]+$/.test(c) || c.includes('CONNECTION'));
  if (network) {
    return new TransientError(`${at}: cannot reach GCS (${network}), still failing after retries — check the network (or STORAGE_EMULATOR_HOST); re-running is safe`, options);
  }
  const exhausted = RETRIES_EXHAUSTED.exec(detail);
  if (exhausted) {
    // "Retry limit exceeded - <the last response's body>": name its status and message when it has them.
    const last = apiErrorOf(parseJson(messageOf(error).slice(exhausted[0].length).replace(/^\s*-\s*/, '')));
    const answer = last?.code ? `GCS answered HTTP ${last.code}${last.message ? ` ${last.message}` : ''}` : detail;
    return new TransientError(`${at}: ${answer}, still failing after retries — a temporary error; re-running is safe`, options);
  }
  return new TransientError(`${at} failed: ${detail}`, options);
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/**
 * A copy of an SDK error with its message, name, code, status and stack, and nothing else — safe to
 * keep as a `cause` that debug logs serialise.
 */
export function scrubbed(error: unknown): Error {
  if (!(error instanceof Error) && (typeof error !== 'object' || error === null)) return new Error(String(error));
  const source = error as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown };
  const copy = new Error(typeof source.message === 'string' ? source.message.slice(0, 2000) : String(error));
  if (typeof source.name === 'string') copy.name = source.name;
  if (typeof source.stack === 'string') copy.stack = source.stack;
  const status = statusOf(error);
  Object.assign(copy, {
    ...(source.code !== undefined && typeof source.code !== 'object' ? { code: source.code } : {}),
    ...(status !== undefined ? { status } : {}),
  });
  return copy;
}
