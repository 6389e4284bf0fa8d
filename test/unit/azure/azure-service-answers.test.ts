/**
 * Answers the real Azure gives that Azurite 3.35 does not, played by a FAKE Blob endpoint (the
 * fault proxy answering every request itself; nothing reaches a real service) to the real
 * @azure/storage-blob client inside AzureBlobStore. Each answer cites the documentation behind it.
 */
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PreconditionFailedError, TransientError } from '../../../shared/errors.js';
import { openAzureStore, type AzureBlobStore } from '../../../shared/stores/azure/azure-store.js';
import { azuriteConnectionString } from '../../support/azurite.js';
import { FaultProxy, type Fault, type ProxiedRequest } from '../../support/fault-proxy.js';

const ETAG = '"0x8DC0FFEE0000001"';
const KEY = 'erp/ventas/_state.json';
const URI = `abfss://staging@devstoreaccount1.dfs.core.windows.net/${KEY}`;
const RETRY = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
const isPutBlob = (r: ProxiedRequest) => r.method === 'PUT' && r.query.get('comp') === null;

/** An error answer as the Blob service words it (x-ms-error-code and the XML body). */
function azureError(status: number, code: string, message: string): Fault {
  return {
    respond: status,
    headers: { 'content-type': 'application/xml', 'x-ms-error-code': code, 'x-ms-request-id': '00000000-0000-0000-0000-000000000000' },
    body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:00000000-0000-0000-0000-000000000000</Message></Error>`,
  };
}
const created: Fault = { respond: 201, headers: { etag: ETAG, 'last-modified': 'Thu, 01 Jan 2026 00:00:00 GMT' }, body: '' };

describe('AzureBlobStore against answers only the real Azure gives (fake Blob endpoint)', () => {
  let fake: FaultProxy;
  let store: AzureBlobStore;

  beforeEach(async () => {
    // Nothing is forwarded: every request must match one of the test's answers.
    fake = await FaultProxy.start('http://127.0.0.1:9');
    store = openAzureStore({
      accountUrl: 'http://127.0.0.1:10000/devstoreaccount1', container: 'staging',
      connectionString: azuriteConnectionString(fake.endpoint), blockBytes: 4, retry: RETRY,
    });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('a create-only write answered 412 ConditionNotMet (not Azurite\'s 409 BlobAlreadyExists) is the same lost race, not retried', async () => {
    // If-None-Match: * fails the operation when the blob exists; reports of Azure answering 412
    // (not 409) exist, so both count. https://learn.microsoft.com/rest/api/storageservices/specifying-conditional-headers-for-blob-service-operations
    fake.inject(isPutBlob, azureError(412, 'ConditionNotMet', 'The condition specified using HTTP conditional header(s) is not met.'));
    await expect(store.putIfVersion(KEY, 'x', null)).rejects.toThrow(new PreconditionFailedError(
      `${URI} changed since it was read (expected it absent) — another writer got there first`,
    ));
    expect(fake.requests.map((r) => [r.status, r.headers['if-none-match'], r.headers['if-match']])).toEqual([[412, '*', undefined]]);
  });

  it('an update of a blob that no longer exists answered 412 ConditionNotMet: the stale-ETag refusal', async () => {
    // Azure answers 412 to If-Match on a missing blob, `*` included; Azurite created the blob for
    // `If-Match: *` until 3.36 (Azure/Azurite#2621). The store never sends `*` (see the contract suite).
    fake.inject(isPutBlob, azureError(412, 'ConditionNotMet', 'The condition specified using HTTP conditional header(s) is not met.'));
    await expect(store.putIfVersion(KEY, 'x', ETAG)).rejects.toThrow(new PreconditionFailedError(
      `${URI} changed since it was read (expected ETag ${ETAG}) — another writer got there first`,
    ));
    expect(fake.requests.map((r) => [r.status, r.headers['if-match']])).toEqual([[412, ETAG]]);
  });

  it('a write answered 400 Md5Mismatch (Azurite 3.35 says InvalidOperation): resent, then reported as an altered body', async () => {
    // https://learn.microsoft.com/rest/api/storageservices/blob-service-error-codes (Md5Mismatch, 400)
    fake.inject(isPutBlob, azureError(400, 'Md5Mismatch', 'The MD5 value specified in the request did not match with the MD5 value calculated by the server.'));
    const error = (await store.put(KEY, '{"a":1}').catch((e: unknown) => e)) as TransientError;
    expect(error).toEqual(new TransientError(
      `${URI}: Azure refused the request because the body arrived altered (HTTP 400 Md5Mismatch: MD5 mismatch); nothing was written, still failing after 3 attempts — re-run to send it again`,
    ));
    expect(error.exitCode).toBe(1);
    expect(fake.requests.map((r) => r.status)).toEqual([400, 400, 400]);
  });

  it('a block answered 400 Md5Mismatch once is resent from memory, then the list is committed', async () => {
    let blocks = 0;
    fake.inject((r) => r.query.get('comp') === 'block' && ++blocks === 2, azureError(400, 'Md5Mismatch', 'The MD5 value specified in the request did not match with the MD5 value calculated by the server.'), 1);
    fake.inject((r) => r.query.get('comp') === 'block', created);
    fake.inject((r) => r.query.get('comp') === 'blocklist', created);
    await store.upload('t/part.avro', Readable.from([Buffer.from('abcdefgh')]));
    const staged = fake.requests.filter((r) => r.query.get('comp') === 'block');
    expect(staged.map((r) => r.status).sort()).toEqual([201, 201, 400]);
    expect(new Set(staged.map((r) => r.query.get('blockid'))).size).toBe(2);
    expect(fake.requests.filter((r) => r.query.get('comp') === 'blocklist').map((r) => r.status)).toEqual([201]);
  });

  it('a flat listing of a hierarchical-namespace account (ADLS Gen2) leaves out its directory entries', async () => {
    // With a hierarchical namespace, List Blobs also returns each directory, marked by
    // hdi_isfolder=true metadata (and ResourceType, API 2020-10-02+). https://learn.microsoft.com/rest/api/storageservices/list-blobs
    const entry = (name: string, length: number, directory: boolean) => `<Blob><Name>${name}</Name><Properties>` +
      `<Last-Modified>Thu, 01 Jan 2026 00:00:00 GMT</Last-Modified><Etag>${ETAG}</Etag><Content-Length>${length}</Content-Length>` +
      `<BlobType>BlockBlob</BlobType><ResourceType>${directory ? 'directory' : 'file'}</ResourceType></Properties>` +
      `<Metadata>${directory ? '<hdi_isfolder>true</hdi_isfolder>' : ''}</Metadata></Blob>`;
    fake.inject((r) => r.query.get('comp') === 'list', {
      respond: 200,
      headers: { 'content-type': 'application/xml' },
      body: '<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="http://127.0.0.1/devstoreaccount1/" ContainerName="staging">' +
        '<Prefix>t/</Prefix><MaxResults>5000</MaxResults><Blobs>' +
        entry('t/run=A', 0, true) + entry('t/run=A/_manifest.json', 10, false) + entry('t/run=A/part.avro', 100, false) + entry('t/run=B', 0, true) + entry('t/run=B/empty.avro', 0, false) +
        '</Blobs><NextMarker /></EnumerationResults>',
    });
    expect(await store.list('t/')).toEqual(['t/run=A/_manifest.json', 't/run=A/part.avro', 't/run=B/empty.avro']);
    expect(fake.requests.map((r) => [r.query.get('prefix'), r.query.get('include')])).toEqual([['t/', 'metadata']]);
  });
});
