import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TerminalError, TransientError } from '../../../shared/errors.js';
import { openAzureStore, type AzureBlobStore } from '../../../shared/stores/azure/azure-store.js';
import type { RetryPolicy } from '../../../shared/retry.js';
import { AZURITE_ACCOUNT, skipWithoutAzurite } from '../../support/azurite.js';
import { FaultProxy, type Fault, type ProxiedRequest } from '../../support/fault-proxy.js';
import { patternedBytes, readAll, sha256 } from '../gcs/raw-gcs.js';
import { useAzuriteContainer } from './azurite-container.js';
import { md5Base64, rawBlocks, rawBody, rawContainer, rawNames } from './raw-azure.js';

const BLOCK = 256 * 1024;
/** Three tries, waits of at most 20 ms and 40 ms: the policy's shape, quickly. */
const RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 20, maxDelayMs: 40 };

const isBlock = (r: ProxiedRequest) => r.method === 'PUT' && r.query.get('comp') === 'block';
const isCommit = (r: ProxiedRequest) => r.method === 'PUT' && r.query.get('comp') === 'blocklist';
const isPutBlob = (r: ProxiedRequest) => r.method === 'PUT' && r.query.get('comp') === null;
const isList = (r: ProxiedRequest) => r.method === 'GET' && r.query.get('comp') === 'list';
/** The block's position in its upload, from its id (`<upload id>-<6 digits>`, base64). */
const blockNumber = (r: ProxiedRequest) => Number(Buffer.from(r.query.get('blockid') ?? '', 'base64').toString().split('-')[1]);
const isRead = (r: ProxiedRequest) => r.method === 'GET' && r.query.get('comp') === null && r.query.get('restype') === null;

/** An answer as the Blob service words it: the error code in x-ms-error-code and in the XML body. */
function azureAnswer(status: number, code: string, message: string): Fault {
  return {
    respond: status,
    headers: { 'content-type': 'application/xml', 'x-ms-error-code': code },
    body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:00000000-0000-0000-0000-000000000000\nTime:2026-01-01T00:00:00.0000000Z</Message></Error>`,
  };
}
const SERVER_BUSY = azureAnswer(503, 'ServerBusy', 'The server is busy.');

describe.skipIf(skipWithoutAzurite('azure integration'))('AzureBlobStore through a fault-injecting proxy in front of Azurite', () => {
  const azure = useAzuriteContainer('faults');
  let proxy: FaultProxy;
  const via = (origin: string, retry = RETRY): AzureBlobStore => openAzureStore({
    accountUrl: azure.server.accountUrl, container: azure.container, connectionString: azure.server.connectionString(origin), blockBytes: BLOCK, retry,
  });
  const raw = () => rawContainer(azure.server, azure.container);
  const uri = (key: string) => `abfss://${azure.container}@${AZURITE_ACCOUNT}.dfs.core.windows.net/${key}`;

  beforeEach(async () => {
    proxy = await FaultProxy.start(azure.server.origin);
  });
  afterEach(async () => {
    await proxy.close();
  });

  describe('retries what may pass', () => {
    it('a block answered 503 ServerBusy once: resent from memory, the blob is exactly the body', async () => {
      const body = patternedBytes(3 * BLOCK + 100);
      proxy.inject(isBlock, SERVER_BUSY, 1);
      await via(proxy.endpoint).upload('t/run=r1/part.avro', Readable.from([body]));
      const blocks = proxy.requests.filter(isBlock);
      expect(blocks.map((r) => r.status).sort()).toEqual([201, 201, 201, 201, 503]);
      const refused = blocks.find((r) => r.status === 503)!;
      expect(blocks.filter((r) => r.query.get('blockid') === refused.query.get('blockid')).map((r) => r.status)).toEqual([503, 201]);
      expect(proxy.requests.filter(isCommit).map((r) => r.status)).toEqual([201]);
      expect(sha256((await rawBody(raw(), 't/run=r1/part.avro'))!)).toBe(sha256(body));
    });

    it('a connection reset mid-upload (a block sent, no answer): resent, the blob is exactly the body', async () => {
      const body = patternedBytes(4 * BLOCK);
      let blocks = 0;
      proxy.inject((r) => isBlock(r) && ++blocks === 3, { drop: true }, 1);
      await via(proxy.endpoint).upload('t/run=r1/part.avro', Readable.from([body]));
      expect(proxy.requests.filter(isBlock).map((r) => r.status).sort()).toEqual([0, 201, 201, 201, 201]);
      expect(await rawBlocks(raw(), 't/run=r1/part.avro')).toEqual({ committed: [BLOCK, BLOCK, BLOCK, BLOCK], uncommitted: [] });
      expect(sha256((await rawBody(raw(), 't/run=r1/part.avro'))!)).toBe(sha256(body));
    });

    it('the commit dropped once: committed on the retry, with the same block list', async () => {
      const body = patternedBytes(2 * BLOCK + 1);
      proxy.inject(isCommit, { drop: true }, 1);
      await via(proxy.endpoint).upload('t/run=r1/part.avro', Readable.from([body]));
      expect(proxy.requests.filter(isCommit).map((r) => r.status)).toEqual([0, 201]);
      expect(sha256((await rawBody(raw(), 't/run=r1/part.avro'))!)).toBe(sha256(body));
    });

    it('a listing answered 500 OperationTimedOut once', async () => {
      await via(azure.server.origin).put('t/a', 'a');
      proxy.inject(isList, azureAnswer(500, 'OperationTimedOut', 'Operation could not be completed within the specified time.'), 1);
      expect(await via(proxy.endpoint).list('t/')).toEqual(['t/a']);
      expect(proxy.requests.filter(isList).map((r) => r.status)).toEqual([500, 200]);
    });

    it('a conditional create answered 503 once: resent with the same If-None-Match: *', async () => {
      proxy.inject(isPutBlob, SERVER_BUSY, 1);
      await via(proxy.endpoint).putIfVersion('t/_state.json', '{"watermark":1}', null);
      expect(proxy.requests.filter(isPutBlob).map((r) => [r.status, r.headers['if-none-match']])).toEqual([[503, '*'], [201, '*']]);
      expect(await rawBody(raw(), 't/_state.json')).toEqual(Buffer.from('{"watermark":1}'));
    });

    it('a block altered on the way: the service refuses its MD5, the block is resent, the blob is exactly the body', async () => {
      const body = Buffer.concat([patternedBytes(BLOCK), Buffer.from('rows… CORRUPT-ME …rows'), patternedBytes(BLOCK)]);
      proxy.inject((r) => isBlock(r) && blockNumber(r) === 1, { corrupt: { find: 'CORRUPT-ME', replace: 'CORRUPT-YE' } }, 1);
      await via(proxy.endpoint).upload('t/run=r1/part.avro', Readable.from([body]));
      expect(proxy.requests.filter((r) => isBlock(r) && blockNumber(r) === 1).map((r) => r.status)).toEqual([400, 201]);
      expect(proxy.requests.filter(isBlock).map((r) => r.status).sort()).toEqual([201, 201, 201, 400]);
      expect(sha256((await rawBody(raw(), 't/run=r1/part.avro'))!)).toBe(sha256(body));
    });
  });

  describe('reports what does not pass, in one line', () => {
    it('a read still answered 503 after the policy: TransientError (exit 1), three attempts', async () => {
      await via(azure.server.origin).put('t/x.json', 'x');
      proxy.inject(isRead, SERVER_BUSY);
      const error = (await via(proxy.endpoint).get('t/x.json').catch((e: unknown) => e)) as TransientError;
      expect(error).toEqual(new TransientError(
        `reading ${uri('t/x.json')}: Azure answered HTTP 503 ServerBusy (The server is busy.), still failing after 3 attempts — a temporary error; re-running is safe`,
      ));
      expect(error.exitCode).toBe(1);
      expect(proxy.requests.filter(isRead).map((r) => r.status)).toEqual([503, 503, 503]);
    });

    it('an upload whose blocks keep being dropped: TransientError (exit 1), the other blocks called off, nothing committed', async () => {
      proxy.inject(isBlock, { drop: true });
      const error = (await via(proxy.endpoint).upload('t/part.avro', Readable.from([patternedBytes(6 * BLOCK)])).catch((e: unknown) => e)) as TransientError;
      expect(error).toEqual(new TransientError(
        `uploading ${uri('t/part.avro')}: cannot reach Azure Storage at ${azure.server.accountUrl} (ECONNRESET), still failing after 3 attempts — check the network; re-running is safe`,
      ));
      expect(error.exitCode).toBe(1);
      expect(proxy.requests.filter(isCommit)).toEqual([]);
      // Settled before rejecting: nothing is retried afterwards. A request the client had already
      // written when the upload was called off may still reach the proxy a moment later on a busy
      // machine (seen once in CI), so the count is taken once the proxy has been quiet for 200 ms.
      const seen = await quietCount(() => proxy.requests.length, 200);
      await new Promise((ok) => setTimeout(ok, 500));
      expect(proxy.requests.length).toBe(seen);
      expect(await rawNames(raw())).toEqual([]);
    });

    it('an endpoint nobody listens on: TransientError (exit 1)', async () => {
      const dead = await FaultProxy.start(azure.server.origin);
      const endpoint = dead.endpoint;
      await dead.close();
      await expect(via(endpoint).list('t/')).rejects.toThrow(new TransientError(
        `listing ${uri('t/')}*: cannot reach Azure Storage at ${azure.server.accountUrl} (ECONNREFUSED), still failing after 3 attempts — check the network; re-running is safe`,
      ));
    });

    it('a denied write (403 AuthorizationPermissionMismatch): TerminalError naming the role, not retried', async () => {
      proxy.inject(() => true, azureAnswer(403, 'AuthorizationPermissionMismatch', 'This request is not authorized to perform this operation using this permission.'));
      const fix = 'assign the identity the Storage Blob Data Contributor role on the container (az role assignment create --role "Storage Blob Data Contributor" --assignee <principal> --scope <container resource id>); new assignments take a few minutes';
      await expect(via(proxy.endpoint).upload('t/part.avro', Readable.from([patternedBytes(BLOCK)]))).rejects.toThrow(new TerminalError(
        `uploading ${uri('t/part.avro')}: the identity may not do this (HTTP 403 AuthorizationPermissionMismatch) — ${fix}`,
      ));
      await expect(via(proxy.endpoint).put('t/_manifest.json', 'x')).rejects.toThrow(new TerminalError(
        `writing ${uri('t/_manifest.json')}: the identity may not do this (HTTP 403 AuthorizationPermissionMismatch) — ${fix}`,
      ));
      // The upload's one block and the write were each tried once.
      expect(proxy.requests.map((r) => [r.method, r.query.get('comp'), r.status])).toEqual([['PUT', 'block', 403], ['PUT', null, 403]]);
    });

    it('a small write altered on the way every time: nothing written, the previous blob stays, TransientError', async () => {
      await via(azure.server.origin).put('t/_state.json', 'previous');
      proxy.inject(isPutBlob, { corrupt: { find: 'CORRUPT-ME', replace: 'CORRUPT-YE' } });
      const error = (await via(proxy.endpoint).put('t/_state.json', 'next CORRUPT-ME').catch((e: unknown) => e)) as TransientError;
      expect(error).toBeInstanceOf(TransientError);
      expect(error.message).toBe(
        `${uri('t/_state.json')}: Azure refused the request because the body arrived altered (HTTP 400 InvalidOperation: MD5 mismatch); nothing was written, still failing after 3 attempts — re-run to send it again`,
      );
      expect(proxy.requests.map((r) => [r.status, r.headers['content-md5']])).toEqual(Array(3).fill([400, md5Base64('next CORRUPT-ME')]));
      expect(await rawBody(raw(), 't/_state.json')).toEqual(Buffer.from('previous'));
    });
  });

  describe('integrity of reads', () => {
    it('a read altered on the way once: the MD5 differs, it is read again and the right bytes come back', async () => {
      await via(azure.server.origin).put('t/_manifest.json', '{"files":"CORRUPT-ME"}');
      proxy.inject(isRead, { corruptAnswer: { find: 'CORRUPT-ME', replace: 'CORRUPT-YE' } }, 1);
      expect(await via(proxy.endpoint).get('t/_manifest.json')).toEqual(Buffer.from('{"files":"CORRUPT-ME"}'));
      expect(proxy.requests.filter(isRead).map((r) => r.status)).toEqual([200, 200]);
    });

    it('a streamed read altered on the way: the stream fails at its end with TransientError', async () => {
      await via(azure.server.origin).put('t/part.avro', '…CORRUPT-ME…');
      proxy.inject(isRead, { corruptAnswer: { find: 'CORRUPT-ME', replace: 'CORRUPT-YE' } });
      await expect(readAll(await via(proxy.endpoint).openRead('t/part.avro'))).rejects.toThrow(new TransientError(
        `${uri('t/part.avro')}: the bytes received do not match the blob's Content-MD5 — re-run to read it again; if it keeps failing, the stored blob is damaged: re-run the extractor for this run`,
      ));
    });
  });
});

/** The value of `count` once it has not changed for `quietMs` (at most 2 s of waiting). */
async function quietCount(count: () => number, quietMs: number): Promise<number> {
  const deadline = Date.now() + 2_000;
  let last = count();
  let since = Date.now();
  while (Date.now() - since < quietMs && Date.now() < deadline) {
    await new Promise((ok) => setTimeout(ok, 25));
    if (count() !== last) {
      last = count();
      since = Date.now();
    }
  }
  return last;
}
