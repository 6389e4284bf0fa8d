import { AggregateAuthenticationError, AuthenticationError, CredentialUnavailableError } from '@azure/identity';
import { RestError } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { PreconditionFailedError, TerminalError, TransientError } from '../../../shared/errors.js';
import { classifyAzureError, ContentMismatch, redacted, scrubbed } from '../../../shared/stores/azure/azure-errors.js';

const CONTEXT = {
  operation: 'reading', container: 'staging', accountUrl: 'https://acme.blob.core.windows.net',
  target: 'abfss://staging@acme.dfs.core.windows.net/erp/ventas/_state.json',
};
const AT = `reading ${CONTEXT.target}`;
const ROLE_FIX = 'assign the identity the Storage Blob Data Contributor role on the container (az role assignment create --role "Storage Blob Data Contributor" --assignee <principal> --scope <container resource id>); new assignments take a few minutes';

/** A service error as @azure/storage-blob 12.32.0 raises it: status, `code` and `details.errorCode` from x-ms-error-code. */
function serviceError(statusCode: number, errorCode: string, message: string): RestError {
  const error = new RestError(`${message}\nRequestId:6f1c0a3e-0000-0000-0000-000000000000\nTime:2026-01-01T00:00:00.0000000Z`, { statusCode, code: errorCode });
  error.details = { errorCode };
  return error;
}

/** A request that never got an answer, as the pipeline's Node HTTP client raises it. */
function socketError(code: string): RestError {
  return new RestError(`connect ${code} 10.0.0.1:443`, { code });
}

describe('classifyAzureError', () => {
  it('a missing container is terminal, naming the container, the account and destination.azure.container', () => {
    expect(classifyAzureError(serviceError(404, 'ContainerNotFound', 'The specified container does not exist.'), CONTEXT)).toEqual(new TerminalError(
      'Azure container staging does not exist in https://acme.blob.core.windows.net — create it (az storage container create --name staging --account-name <account> --auth-mode login) or fix destination.azure.container',
    ));
  });

  it('403s are terminal and say which fix applies: the RBAC role, the key or SAS, the firewall, Entra ID instead of keys', () => {
    expect(classifyAzureError(serviceError(403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.'), CONTEXT))
      .toEqual(new TerminalError(`${AT}: the identity may not do this (HTTP 403 AuthorizationPermissionMismatch) — ${ROLE_FIX}`));
    const authentication = new TerminalError(
      `${AT}: Azure could not authenticate the request (HTTP 403 AuthenticationFailed) — check that AZURE_STORAGE_CONNECTION_STRING's key or SAS belongs to this account and has not expired, and that the machine's clock is right`,
    );
    // Azure's code for a bad signature…
    expect(classifyAzureError(serviceError(403, 'AuthenticationFailed', 'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.'), CONTEXT)).toEqual(authentication);
    // …and Azurite 3.35's (AuthorizationFailure with the same message).
    expect(classifyAzureError(serviceError(403, 'AuthorizationFailure', 'Server failed to authenticate the request. Make sure the value of the Authorization header is formed correctly including the signature.'), CONTEXT)).toEqual(authentication);
    expect(classifyAzureError(serviceError(403, 'AuthorizationFailure', 'This request is not authorized to perform this operation.'), CONTEXT)).toEqual(new TerminalError(
      `${AT}: Azure refused the request (HTTP 403 AuthorizationFailure) — the account's firewall or network rules do not admit this machine, or the SAS lacks a permission; ${ROLE_FIX}`,
    ));
    expect(classifyAzureError(serviceError(403, 'KeyBasedAuthenticationNotPermitted', 'Key based authentication is not permitted on this storage account.'), CONTEXT)).toEqual(new TerminalError(
      `${AT}: the account does not accept keys or SAS (HTTP 403 KeyBasedAuthenticationNotPermitted) — unset AZURE_STORAGE_CONNECTION_STRING to sign in with DefaultAzureCredential`,
    ));
    expect(classifyAzureError(serviceError(401, 'InvalidAuthenticationInfo', 'Server failed to authenticate the request. Please refer to the information in the www-authenticate header.'), CONTEXT)).toEqual(new TerminalError(
      `${AT}: Azure denied access (HTTP 401 InvalidAuthenticationInfo Server failed to authenticate the request. Please refer to the information in the www-authenticate header.) — ${ROLE_FIX}`,
    ));
  });

  it('no credentials at all (DefaultAzureCredential found none) is terminal and says how to provide them', () => {
    const expected = new TerminalError(
      'no Azure credentials for https://acme.blob.core.windows.net: DefaultAzureCredential found none — run az login locally; in AKS, enable workload identity for the pod (its service account annotated with azure.workload.identity/client-id, AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE set) or give the node a managed identity; for Azurite, set AZURE_STORAGE_CONNECTION_STRING',
    );
    expect(classifyAzureError(new CredentialUnavailableError('EnvironmentCredential is unavailable.'), CONTEXT)).toEqual(expected);
    expect(classifyAzureError(new AggregateAuthenticationError([new CredentialUnavailableError('Azure CLI could not be found.')], 'ChainedTokenCredential authentication failed.'), CONTEXT)).toEqual(expected);
    expect(classifyAzureError(new CredentialUnavailableError('x'), CONTEXT).exitCode).toBe(2);
  });

  it('a token Entra ID refuses is terminal; one it fails to issue (5xx) is transient', () => {
    const refused = classifyAzureError(new AuthenticationError(400, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' }), CONTEXT);
    expect(refused).toEqual(new TerminalError(
      `${AT}: Microsoft Entra ID refused to issue a token (invalid_client: AADSTS7000215: Invalid client secret provided.) — check the identity's client and tenant ids and its federated credential; run az login locally; in AKS, enable workload identity for the pod (its service account annotated with azure.workload.identity/client-id, AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE set) or give the node a managed identity; for Azurite, set AZURE_STORAGE_CONNECTION_STRING`,
    ));
    expect(classifyAzureError(new AuthenticationError(503, { error: 'temporarily_unavailable', error_description: 'busy' }), { ...CONTEXT, attempts: 5 })).toEqual(new TransientError(
      `${AT}: Microsoft Entra ID answered HTTP 503 while issuing a token, still failing after 5 attempts — a temporary error; re-running is safe`,
    ));
  });

  it('throttling and server errors are transient; the last attempt says how many were made', () => {
    expect(classifyAzureError(serviceError(503, 'ServerBusy', 'The server is busy.'), { ...CONTEXT, attempts: 5 })).toEqual(new TransientError(
      `${AT}: Azure answered HTTP 503 ServerBusy (The server is busy.), still failing after 5 attempts — a temporary error; re-running is safe`,
    ));
    expect(classifyAzureError(serviceError(500, 'OperationTimedOut', 'Operation could not be completed within the specified time.'), CONTEXT)).toEqual(new TransientError(
      `${AT}: Azure answered HTTP 500 OperationTimedOut (Operation could not be completed within the specified time.) — a temporary error; re-running is safe`,
    ));
    for (const status of [408, 429, 500, 502, 503, 504]) expect(classifyAzureError(serviceError(status, 'X', 'x'), CONTEXT)).toBeInstanceOf(TransientError);
    expect(classifyAzureError(serviceError(501, 'NotImplemented', 'x'), CONTEXT)).toBeInstanceOf(TerminalError);
  });

  it('a body the service found altered is transient, with Azure\'s Md5Mismatch and Azurite 3.35\'s InvalidOperation alike', () => {
    const target = CONTEXT.target;
    expect(classifyAzureError(serviceError(400, 'Md5Mismatch', 'The MD5 value specified in the request did not match with the MD5 value calculated by the server.'), { ...CONTEXT, operation: 'writing' })).toEqual(new TransientError(
      `${target}: Azure refused the request because the body arrived altered (HTTP 400 Md5Mismatch: MD5 mismatch); nothing was written — re-run to send it again`,
    ));
    expect(classifyAzureError(serviceError(400, 'InvalidOperation', 'Provided contentMD5 doesn\'t match.'), CONTEXT)).toBeInstanceOf(TransientError);
    expect(classifyAzureError(serviceError(400, 'InvalidOperation', 'Some other invalid operation.'), CONTEXT)).toBeInstanceOf(TerminalError);
    expect(classifyAzureError(new ContentMismatch(), CONTEXT)).toEqual(new TransientError(
      `${target}: the bytes received do not match the blob's Content-MD5 — re-run to read it again; if it keeps failing, the stored blob is damaged: re-run the extractor for this run`,
    ));
  });

  it('lost races are PreconditionFailedErrors; other 4xx are terminal', () => {
    expect(classifyAzureError(serviceError(409, 'BlobAlreadyExists', 'The specified blob already exists.'), CONTEXT)).toEqual(new PreconditionFailedError(
      `${AT}: the blob changed since it was read (HTTP 409 BlobAlreadyExists) — another writer got there first`,
    ));
    expect(classifyAzureError(serviceError(412, 'ConditionNotMet', 'The condition specified using HTTP conditional header(s) is not met.'), CONTEXT)).toBeInstanceOf(PreconditionFailedError);
    expect(classifyAzureError(serviceError(409, 'LeaseIdMissing', 'There is currently a lease on the blob and no lease ID was specified in the request.'), CONTEXT)).toEqual(new TerminalError(
      `${AT}: Azure refused the request (HTTP 409 LeaseIdMissing There is currently a lease on the blob and no lease ID was specified in the request.)`,
    ));
    expect(classifyAzureError(serviceError(400, 'InvalidResourceName', 'The specifed resource name contains invalid characters.'), CONTEXT)).toEqual(new TerminalError(
      `${AT}: Azure refused the name (HTTP 400 InvalidResourceName) — a container name is 3–63 lowercase letters, digits and hyphens: fix destination.azure.container`,
    ));
  });

  it('a host that does not resolve is a wrong account (exit 2); dropped or refused connections and timeouts are transient', () => {
    const wrong = classifyAzureError(new RestError('getaddrinfo ENOTFOUND acme.blob.core.windows.net', { code: 'ENOTFOUND' }), CONTEXT);
    expect(wrong).toEqual(new TerminalError(`${AT}: the host of https://acme.blob.core.windows.net does not resolve (ENOTFOUND) — check the account name in destination.azure.account_url`));
    expect(wrong.exitCode).toBe(2);
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EAI_AGAIN', 'REQUEST_SEND_ERROR']) {
      expect(classifyAzureError(socketError(code), { ...CONTEXT, attempts: 5 })).toEqual(new TransientError(
        `${AT}: cannot reach Azure Storage at https://acme.blob.core.windows.net (${code}), still failing after 5 attempts — check the network; re-running is safe`,
      ));
    }
    const aborted = Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
    expect(classifyAzureError(aborted, CONTEXT)).toEqual(new TransientError(`${AT}: Azure did not answer in time — re-running is safe`));
  });

  it('passes DataPipe errors through and calls anything else transient', () => {
    const own = new TerminalError('mine');
    expect(classifyAzureError(own, CONTEXT)).toBe(own);
    expect(classifyAzureError(new Error('something odd\nsecond line'), CONTEXT)).toEqual(new TransientError(`${AT} failed: something odd`));
  });
});

describe('secrets in errors', () => {
  it('redacts SAS signatures, account keys, bearer tokens and request signatures', () => {
    expect(redacted('GET https://acme.blob.core.windows.net/c/b?sv=2025-11-05&se=2026&sig=abc%2Bdef%3D&sp=r failed')).toBe(
      'GET https://acme.blob.core.windows.net/c/b?sv=2025-11-05&se=2026&sig=[redacted]&sp=r failed',
    );
    expect(redacted('DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=c2VjcmV0a2V5Cg==;EndpointSuffix=core.windows.net')).toBe(
      'DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=[redacted];EndpointSuffix=core.windows.net',
    );
    expect(redacted('BlobEndpoint=https://acme.blob.core.windows.net;SharedAccessSignature=sv=2025&sig=xyz')).toBe('BlobEndpoint=https://acme.blob.core.windows.net;SharedAccessSignature=[redacted]');
    expect(redacted('authorization: Bearer eyJ0eXAiOiJKV1Qi.eyJhdWQiOi.sig-part_x')).toBe('authorization: Bearer [redacted]');
    expect(redacted("The MAC signature found in the HTTP request 'q1w2e3r4t5==' is not the same as any computed signature.")).toBe(
      "The MAC signature found in the HTTP request '[redacted]' is not the same as any computed signature.",
    );
  });

  it('keeps a scrubbed cause: no request (headers, URL with its SAS), redacted message and stack', () => {
    const error = serviceError(403, 'AuthenticationFailed', "Signature did not match. The MAC signature found in the HTTP request 'q1w2e3r4t5==' is not the same");
    Object.defineProperty(error, 'request', { value: { url: 'https://acme.blob.core.windows.net/c/b?sig=SECRETSIG', headers: { authorization: 'SharedKey acme:SECRETMAC' } }, enumerable: true });
    const classified = classifyAzureError(error, CONTEXT);
    const cause = classified.cause as Error & Record<string, unknown>;
    expect(cause).toBeInstanceOf(Error);
    expect(Object.keys(cause).sort()).toEqual(['code', 'errorCode', 'name', 'statusCode']);
    expect([cause.code, cause.errorCode, cause.statusCode]).toEqual(['AuthenticationFailed', 'AuthenticationFailed', 403]);
    const logged = JSON.stringify({ message: classified.message, cause: { ...cause, message: cause.message, stack: cause.stack } });
    for (const secret of ['SECRETSIG', 'SECRETMAC', 'q1w2e3r4t5']) expect(logged).not.toContain(secret);
    expect(scrubbed('plain text sig=abc').message).toBe('plain text sig=abc');
  });
});
