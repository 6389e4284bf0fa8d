/**
 * Classifies what @azure/storage-blob 12.32.0 and @azure/identity 4.13.1 throw (docs/style.md §7), and
 * decides what is worth another attempt: a `RestError` with the HTTP `statusCode` and the
 * service's error code (`details.errorCode`, from `x-ms-error-code`), a `RestError` whose `code`
 * is a socket error (ECONNRESET, ENOTFOUND…) when no answer came, an `AbortError` when a timeout
 * or a failed upload called the request off, and identity errors raised while getting a token.
 * https://learn.microsoft.com/rest/api/storageservices/blob-service-error-codes
 *
 * The error kept as `cause` is a scrubbed copy, and every message is passed through `redacted`:
 * a SAS query (`sig=`), an account key or a bearer token must never reach a log.
 */
import { DataPipeError, PreconditionFailedError, TerminalError, TransientError } from '../../errors.js';
import { errorCodes, TRANSIENT_SOCKET_CODES } from '../../retry.js';

/** What was being done, and to what, for the one line the user reads. */
export interface AzureErrorContext {
  /** A verb phrase: `uploading`, `writing`, `reading`, `listing`, `deleting`. */
  operation: string;
  container: string;
  /** `destination.azure.account_url`'s Blob endpoint, named when the account itself is wrong. */
  accountUrl: string;
  /** `abfss://…/key`, or `abfss://…/prefix*` for a listing. */
  target: string;
  /** Set on the last attempt of several: the message then says how many were made. */
  attempts?: number | undefined;
}

/** Bytes read that do not hash to the MD5 the blob declares (thrown by the store, classified here). */
export class ContentMismatch extends Error {
  override readonly name = 'ContentMismatch';
}

/** The HTTP status of an SDK error, when an answer came. */
export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 100 && status < 600 ? status : undefined;
}

/** The service's error code (`ContainerNotFound`, `ServerBusy`…), when an answer came. */
export function serviceCodeOf(error: unknown): string | undefined {
  const { details, code } = (error ?? {}) as { details?: { errorCode?: unknown }; code?: unknown };
  if (typeof details?.errorCode === 'string') return details.errorCode;
  return statusOf(error) !== undefined && typeof code === 'string' ? code : undefined;
}

/** The MD5 the service computed differs from the one sent: Azure says Md5Mismatch, Azurite 3.35 InvalidOperation. */
export function isBodyAltered(error: unknown): boolean {
  if (statusOf(error) !== 400) return false;
  const code = serviceCodeOf(error);
  return code === 'Md5Mismatch' || code === 'Crc64Mismatch' || (code === 'InvalidOperation' && /contentMD5 doesn't match/i.test(messageOf(error)));
}

/** Secrets that can appear in SDK messages: SAS signatures, account keys, bearer tokens, request signatures. */
export function redacted(text: string): string {
  return text
    .replace(/([?&;]sig=)[^&\s'";]+/gi, '$1[redacted]')
    .replace(/(AccountKey=|SharedAccessSignature=)[^;\s'"]+/gi, '$1[redacted]')
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1[redacted]')
    .replace(/(signature found in the HTTP request ')[^']*/gi, '$1[redacted]');
}

/** The container named in the config does not exist. */
export function containerMissingError(container: string, accountUrl: string, cause?: unknown): TerminalError {
  return new TerminalError(
    `Azure container ${container} does not exist in ${accountUrl} — create it (az storage container create --name ${container} --account-name <account> --auth-mode login) or fix destination.azure.container`,
    cause === undefined ? undefined : { cause: scrubbed(cause) },
  );
}

const ROLE_FIX = 'assign the identity the Storage Blob Data Contributor role on the container (az role assignment create --role "Storage Blob Data Contributor" --assignee <principal> --scope <container resource id>); new assignments take a few minutes';
const CREDENTIALS_FIX = 'run az login locally; in AKS, enable workload identity for the pod (its service account annotated with azure.workload.identity/client-id, AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE set) or give the node a managed identity; for Azurite, set AZURE_STORAGE_CONNECTION_STRING';

/** A DataPipe error for anything the clients threw; our own errors pass through. */
export function classifyAzureError(error: unknown, context: AzureErrorContext): DataPipeError {
  if (error instanceof DataPipeError) return error;
  const { operation, container, accountUrl, target, attempts } = context;
  const options = { cause: scrubbed(error) };
  const at = `${operation} ${target}`;
  const detail = detailOf(error);
  const retried = attempts !== undefined && attempts > 1 ? `, still failing after ${attempts} attempts` : '';
  const name = (error as { name?: unknown } | null)?.name;

  if (name === 'CredentialUnavailableError' || name === 'AggregateAuthenticationError') {
    return new TerminalError(`no Azure credentials for ${accountUrl}: DefaultAzureCredential found none — ${CREDENTIALS_FIX}`, options);
  }
  if (name === 'AuthenticationError') {
    const status = statusOf(error);
    if (status !== undefined && status >= 500) return new TransientError(`${at}: Microsoft Entra ID answered HTTP ${status} while issuing a token${retried} — a temporary error; re-running is safe`, options);
    const { error: reason, errorDescription } = (error as { errorResponse?: { error?: string; errorDescription?: string } }).errorResponse ?? {};
    const why = reason ? redacted(`${reason}: ${(errorDescription ?? '').split('\n')[0]}`).slice(0, 200) : detail;
    return new TerminalError(`${at}: Microsoft Entra ID refused to issue a token (${why}) — check the identity's client and tenant ids and its federated credential; ${CREDENTIALS_FIX}`, options);
  }
  if (error instanceof ContentMismatch) {
    return new TransientError(
      `${target}: the bytes received do not match the blob's Content-MD5${retried} — re-run to read it again; if it keeps failing, the stored blob is damaged: re-run the extractor for this run`,
      options,
    );
  }
  if (name === 'AbortError') {
    return new TransientError(`${at}: Azure did not answer in time${retried} — re-running is safe`, options);
  }

  const status = statusOf(error);
  const code = serviceCodeOf(error);
  const answered = `HTTP ${status}${code ? ` ${code}` : ''}`;
  if (status !== undefined) {
    if (code === 'ContainerNotFound') return containerMissingError(container, accountUrl, error);
    if (isBodyAltered(error)) {
      return new TransientError(`${target}: Azure refused the request because the body arrived altered (${answered}: MD5 mismatch); nothing was written${retried} — re-run to send it again`, options);
    }
    if (status === 404 && code === 'BlobNotFound') return new TerminalError(`${target} does not exist — it was deleted, or never written by the run that lists it`, options);
    if ((status === 409 && code === 'BlobAlreadyExists') || (status === 412 && code === 'ConditionNotMet')) {
      return new PreconditionFailedError(`${at}: the blob changed since it was read (${answered}) — another writer got there first`, options);
    }
    if (status === 403 && code === 'AuthorizationPermissionMismatch') {
      return new TerminalError(`${at}: the identity may not do this (HTTP 403 AuthorizationPermissionMismatch) — ${ROLE_FIX}`, options);
    }
    if (status === 403 && code === 'KeyBasedAuthenticationNotPermitted') {
      return new TerminalError(`${at}: the account does not accept keys or SAS (HTTP 403 KeyBasedAuthenticationNotPermitted) — unset AZURE_STORAGE_CONNECTION_STRING to sign in with DefaultAzureCredential`, options);
    }
    // Azurite 3.35 reports a bad signature as AuthorizationFailure with Azure's AuthenticationFailed message.
    if (status === 403 && (code === 'AuthenticationFailed' || (code === 'AuthorizationFailure' && /^Server failed to authenticate/.test(detail)))) {
      return new TerminalError(`${at}: Azure could not authenticate the request (HTTP 403 AuthenticationFailed) — check that AZURE_STORAGE_CONNECTION_STRING's key or SAS belongs to this account and has not expired, and that the machine's clock is right`, options);
    }
    if (status === 403 && code === 'AuthorizationFailure') {
      return new TerminalError(`${at}: Azure refused the request (HTTP 403 AuthorizationFailure) — the account's firewall or network rules do not admit this machine, or the SAS lacks a permission; ${ROLE_FIX}`, options);
    }
    if (status === 401 || status === 403) {
      return new TerminalError(`${at}: Azure denied access (${answered} ${detail}) — ${ROLE_FIX}`, options);
    }
    if (status === 400 && code === 'InvalidResourceName') {
      return new TerminalError(`${at}: Azure refused the name (HTTP 400 InvalidResourceName) — a container name is 3–63 lowercase letters, digits and hyphens: fix destination.azure.container`, options);
    }
    if (isRetryableStatus(status)) {
      return new TransientError(`${at}: Azure answered ${answered} (${detail})${retried} — a temporary error; re-running is safe`, options);
    }
    return new TerminalError(`${at}: Azure refused the request (${answered} ${detail})`, options);
  }

  const socket = errorCodes(error);
  if (socket.includes('ENOTFOUND')) {
    return new TerminalError(`${at}: the host of ${accountUrl} does not resolve (ENOTFOUND) — check the account name in destination.azure.account_url`, options);
  }
  const dropped = socket.find((c) => TRANSIENT_SOCKET_CODES.has(c) || c === 'REQUEST_SEND_ERROR' || c === 'PARSE_ERROR');
  if (dropped) return new TransientError(`${at}: cannot reach Azure Storage at ${accountUrl} (${dropped})${retried} — check the network; re-running is safe`, options);
  return new TransientError(`${at} failed: ${detail}${retried}`, options);
}

/**
 * Throttling and server errors: 503 ServerBusy, 500 OperationTimedOut / InternalError, 502, 504,
 * 408 and 429 (proxies). 501 Not Implemented never changes. Everything else 4xx is final.
 * https://learn.microsoft.com/azure/storage/blobs/scalability-targets#partitioning
 */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501);
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** The first line of the message (Azure appends RequestId and Time lines), redacted and capped. */
function detailOf(error: unknown): string {
  const line = redacted(messageOf(error)).split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/**
 * A copy of an SDK error with its message, name, code, status, service code and stack, redacted,
 * and nothing else (no request with its headers and URL) — safe to keep as a `cause`.
 */
export function scrubbed(error: unknown): Error {
  if (typeof error !== 'object' || error === null) return new Error(redacted(String(error)));
  const source = error as { name?: unknown; stack?: unknown; code?: unknown };
  const copy = new Error(redacted(messageOf(error)).slice(0, 2000));
  if (typeof source.name === 'string') copy.name = source.name;
  if (typeof source.stack === 'string') copy.stack = redacted(source.stack);
  const status = statusOf(error);
  const serviceCode = serviceCodeOf(error);
  Object.assign(copy, {
    ...(typeof source.code === 'string' || typeof source.code === 'number' ? { code: source.code } : {}),
    ...(status !== undefined ? { statusCode: status } : {}),
    ...(serviceCode !== undefined ? { errorCode: serviceCode } : {}),
  });
  return copy;
}
