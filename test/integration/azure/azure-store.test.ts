import { lookup } from 'node:dns/promises';
import { Readable, Writable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { PreconditionFailedError, TerminalError, TransientError } from '../../../shared/errors.js';
import { createLogger } from '../../../shared/log.js';
import { openAzureStore, type AzureBlobStore, type OpenAzureStoreOptions } from '../../../shared/stores/azure/azure-store.js';
import { AZURITE_ACCOUNT, skipWithoutAzurite } from '../../support/azurite.js';
import { FaultProxy } from '../../support/fault-proxy.js';
import { describeObjectStoreContract, putListedKeys } from '../../support/object-store-contract.js';
import { patternedBytes, readAll, sha256 } from '../gcs/raw-gcs.js';
import { useAzuriteContainer } from './azurite-container.js';
import { md5Base64, rawBlocks, rawBody, rawContainer, rawNames, rawProperties } from './raw-azure.js';

/**
 * How this machine's resolver answers for a name under .invalid (RFC 6761: never resolves):
 * ENOTFOUND where a DNS server answers; an offline resolver may say EAI_AGAIN instead.
 */
const unresolvable = await lookup('datapipe-test.blob.core.invalid').then(() => 'resolved', (e: NodeJS.ErrnoException) => e.code);
if (unresolvable !== 'ENOTFOUND') console.warn(`[azure integration] SKIPPING the ENOTFOUND case: this machine's resolver answers ${unresolvable} for a .invalid name`);

const KIB = 1024;
const BLOCK = 256 * KIB;
const FAST_RETRY = { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 };

describe.skipIf(skipWithoutAzurite('azure integration'))('AzureBlobStore against Azurite', () => {
  const azure = useAzuriteContainer('staging');
  let store: AzureBlobStore;
  const open = (options: Partial<OpenAzureStoreOptions> = {}): AzureBlobStore => openAzureStore({
    accountUrl: azure.server.accountUrl, container: azure.container, connectionString: azure.server.connectionString(),
    blockBytes: BLOCK, retry: FAST_RETRY, ...options,
  });
  const raw = () => rawContainer(azure.server, azure.container);
  const uri = (key: string) => `abfss://${azure.container}@${AZURITE_ACCOUNT}.dfs.core.windows.net/${key}`;

  beforeEach(() => {
    store = open();
  });

  const stale = (key: string, expected: string) => `${uri(key)} changed since it was read (expected ETag ${expected}) — another writer got there first`;
  describeObjectStoreContract({
    get store() {
      return store;
    },
    backendKeys: () => rawNames(raw()),
    backendBody: (key) => rawBody(raw(), key),
    versionOf: async (key) => (await rawProperties(raw(), key))!.etag,
    unusedVersion: '"0x8DC0FFEE0000000"',
    refusals: {
      exists: (key) => `${uri(key)} changed since it was read (expected it absent) — another writer got there first`,
      stale,
      malformed: (key, expected) => `${uri(key)} changed since it was read (expected ETag ${expected}, which is not an Azure ETag)`,
      absent: stale,
    },
  });

  describe('writing and reading', () => {
    it('addresses blobs as abfss://<container>@<account>.dfs.core.windows.net/<key>, what Databricks reads', () => {
      expect(store.uri('erp/ventas/run=r1/part-0000-000000.avro')).toBe(`abfss://${azure.container}@devstoreaccount1.dfs.core.windows.net/erp/ventas/run=r1/part-0000-000000.avro`);
    });

    it('streams a multi-block upload, each block with its MD5, and reads back exactly the same bytes', async () => {
      const proxy = await FaultProxy.start(azure.server.origin);
      try {
        const body = patternedBytes(5 * 1024 * KIB + 17);
        const pieces = Array.from({ length: Math.ceil(body.length / 100_000) }, (_, i) => body.subarray(i * 100_000, (i + 1) * 100_000));
        await open({ connectionString: azure.server.connectionString(proxy.endpoint) }).upload('t/run=r1/part-0000-000000.avro', Readable.from(pieces));

        const blocks = Array.from({ length: 21 }, (_, i) => body.subarray(i * BLOCK, (i + 1) * BLOCK));
        const puts = proxy.requests.filter((r) => r.query.get('comp') === 'block');
        expect(puts.map((r) => r.status)).toEqual(Array<number>(21).fill(201));
        expect(puts.map((r) => r.headers['content-md5']).sort()).toEqual(blocks.map((b) => md5Base64(b)).sort());
        const commits = proxy.requests.filter((r) => r.query.get('comp') === 'blocklist');
        expect(commits.map((r) => [r.status, r.headers['x-ms-blob-content-md5']])).toEqual([[201, md5Base64(body)]]);

        expect(await rawBlocks(raw(), 't/run=r1/part-0000-000000.avro')).toEqual({ committed: blocks.map((b) => b.length), uncommitted: [] });
        expect(await rawProperties(raw(), 't/run=r1/part-0000-000000.avro')).toMatchObject({ contentLength: body.length, contentMD5: md5Base64(body) });
        expect(sha256((await rawBody(raw(), 't/run=r1/part-0000-000000.avro'))!)).toBe(sha256(body));
        const back = await readAll(await store.openRead('t/run=r1/part-0000-000000.avro'));
        expect(back.length).toBe(body.length);
        expect(sha256(back)).toBe(sha256(body));
      } finally {
        await proxy.close();
      }
    });

    it('sends a body smaller than one block as a single Put Blob, and an empty body as an empty blob', async () => {
      const proxy = await FaultProxy.start(azure.server.origin);
      try {
        const via = open({ connectionString: azure.server.connectionString(proxy.endpoint) });
        await via.upload('t/small.avro', Readable.from([Buffer.from('tiny part')]));
        await via.upload('t/empty.avro', Readable.from([]));
        expect(proxy.requests.map((r) => [r.method, r.query.get('comp'), r.headers['content-md5'], r.status])).toEqual([
          ['PUT', null, md5Base64('tiny part'), 201],
          ['PUT', null, md5Base64(''), 201],
        ]);
      } finally {
        await proxy.close();
      }
      expect(await rawBody(raw(), 't/small.avro')).toEqual(Buffer.from('tiny part'));
      expect(await store.get('t/empty.avro')).toEqual(Buffer.alloc(0));
    });

    it('leaves no committed blob when the body fails after blocks were staged; the staged blocks stay uncommitted', async () => {
      let sent = 0;
      const failing = new Readable({
        read() {
          if (sent++ < 3) this.push(patternedBytes(BLOCK));
          else this.destroy(new Error('source cursor lost'));
        },
      });
      await expect(store.upload('t/run=r1/part.avro', failing)).rejects.toThrow(new Error('source cursor lost'));
      expect(await rawNames(raw())).toEqual([]);
      expect(await rawProperties(raw(), 't/run=r1/part.avro')).toBeNull();
      // Invisible, and discarded by Azure after 7 days or at the next commit to the same name.
      const { committed, uncommitted } = await rawBlocks(raw(), 't/run=r1/part.avro');
      expect(committed).toEqual([]);
      expect(uncommitted.length).toBeLessThanOrEqual(3);
      for (const size of uncommitted) expect(size).toBe(BLOCK);
      // The next upload of the name commits only its own blocks.
      await store.upload('t/run=r1/part.avro', Readable.from([patternedBytes(BLOCK + 5)]));
      expect(await rawBlocks(raw(), 't/run=r1/part.avro')).toEqual({ committed: [BLOCK, 5], uncommitted: [] });
      expect(sha256((await store.get('t/run=r1/part.avro'))!)).toBe(sha256(patternedBytes(BLOCK + 5)));
    });

    it('logs each upload and write at debug level with its size', async () => {
      const lines: string[] = [];
      const destination = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
      const logged = open({ log: createLogger({ level: 'debug', pretty: false, destination }) });
      await logged.upload('t/run=r1/part-0000-000000.avro', Readable.from([patternedBytes(600 * KIB)]));
      await logged.put('t/run=r1/_manifest.json', '{"rows":1}');
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records.map(({ level, msg, uri: at, bytes, blocks }) => ({ level, msg, uri: at, bytes, blocks }))).toEqual([
        { level: 20, msg: 'uploaded', uri: uri('t/run=r1/part-0000-000000.avro'), bytes: 600 * KIB, blocks: 3 },
        { level: 20, msg: 'written', uri: uri('t/run=r1/_manifest.json'), bytes: 10, blocks: undefined },
      ]);
    });

    it('rejects opening a missing blob for reading, naming it', async () => {
      await expect(store.openRead('t/run=r1/missing.avro')).rejects.toThrow(new TerminalError(
        `${uri('t/run=r1/missing.avro')} does not exist — it was deleted, or never written by the run that lists it`,
      ));
    });
  });

  describe('integrity of reads', () => {
    it('detects a blob whose bytes do not match its Content-MD5, on every read path', async () => {
      const blob = raw().getBlockBlobClient('t/_manifest.json');
      await blob.upload('{"rows":3}', 10);
      // Damage as a reader would meet it: the declared MD5 is another body's.
      await blob.setHTTPHeaders({ blobContentMD5: Buffer.from(md5Base64('{"rows":4}'), 'base64') });
      const error = new TransientError(
        `${uri('t/_manifest.json')}: the bytes received do not match the blob's Content-MD5, still failing after 3 attempts — re-run to read it again; if it keeps failing, the stored blob is damaged: re-run the extractor for this run`,
      );
      await expect(store.get('t/_manifest.json')).rejects.toThrow(error);
      await expect(store.getVersioned('t/_manifest.json')).rejects.toThrow(error);
      await expect(readAll(await store.openRead('t/_manifest.json'))).rejects.toThrow(new TransientError(
        `${uri('t/_manifest.json')}: the bytes received do not match the blob's Content-MD5 — re-run to read it again; if it keeps failing, the stored blob is damaged: re-run the extractor for this run`,
      ));
    });
  });

  describe('listing', () => {
    it('follows continuation tokens with a small page size, and returns the keys sorted', async () => {
      await putListedKeys(store);
      const proxy = await FaultProxy.start(azure.server.origin);
      try {
        const paged = open({ connectionString: azure.server.connectionString(proxy.endpoint), listPageSize: 2 });
        expect(await paged.list('')).toEqual(['t/_state.json', 't/run=A/_manifest.json', 't/run=A/part-0000-000001.avro', 't/run=B/x', 't2/run=C/y', 'u/run=D']);
        expect(await paged.list('t/run=')).toEqual(['t/run=A/_manifest.json', 't/run=A/part-0000-000001.avro', 't/run=B/x']);
        const pages = proxy.requests.filter((r) => r.query.get('comp') === 'list');
        expect(pages.map((r) => [r.query.get('prefix'), r.query.get('maxresults'), r.query.get('marker') !== null])).toEqual([
          [null, '2', false], [null, '2', true], [null, '2', true],
          ['t/run=', '2', false], ['t/run=', '2', true],
        ]);
      } finally {
        await proxy.close();
      }
    });
  });

  describe('conditional writes', () => {
    const KEY = 'erp/ventas/_state.json';

    it('lets exactly one of two creators win (If-None-Match: *; the loser gets 409 BlobAlreadyExists)', async () => {
      const other = open();
      const outcomes = await Promise.allSettled([store.putIfVersion(KEY, 'from A', null), other.putIfVersion(KEY, 'from B', null)]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const winner = outcomes[0]!.status === 'fulfilled' ? 'from A' : 'from B';
      expect((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).toEqual(new PreconditionFailedError(
        `${uri(KEY)} changed since it was read (expected it absent) — another writer got there first`,
      ));
      expect(await rawBody(raw(), KEY)).toEqual(Buffer.from(winner));
    });

    it('lets exactly one of two writers swap from the same ETag (If-Match; the loser gets 412 ConditionNotMet)', async () => {
      await store.putIfVersion(KEY, 'base', null);
      const other = open();
      const [mine, theirs] = await Promise.all([store.getVersioned(KEY), other.getVersioned(KEY)]);
      expect(mine!.version).toBe(theirs!.version);
      expect(mine!.version).toMatch(/^"0x[0-9A-F]+"$/);
      const outcomes = await Promise.allSettled([store.putIfVersion(KEY, 'from A', mine!.version), other.putIfVersion(KEY, 'from B', theirs!.version)]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const winner = outcomes[0]!.status === 'fulfilled' ? 'from A' : 'from B';
      expect((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).toEqual(new PreconditionFailedError(stale(KEY, mine!.version)));
      expect(await rawBody(raw(), KEY)).toEqual(Buffer.from(winner));
      expect((await store.getVersioned(KEY))!.version).toBe((await rawProperties(raw(), KEY))!.etag);
    });

    it('refuses If-Match: * as a version before sending anything (Azurite 3.35 would create a missing blob with it)', async () => {
      await expect(store.putIfVersion(KEY, 'x', '*')).rejects.toThrow(new PreconditionFailedError(
        `${uri(KEY)} changed since it was read (expected ETag *, which is not an Azure ETag)`,
      ));
      expect(await rawNames(raw())).toEqual([]);
    });
  });

  describe('configuration and access errors: one line, exit 2, no secret', () => {
    it('a container that does not exist fails every operation naming the container and the key to fix', async () => {
      const missing = open({ container: 'no-such-container' });
      const error = new TerminalError(
        `Azure container no-such-container does not exist in ${azure.server.accountUrl} — create it (az storage container create --name no-such-container --account-name <account> --auth-mode login) or fix destination.azure.container`,
      );
      await expect(missing.get('t/_state.json')).rejects.toThrow(error);
      await expect(missing.getVersioned('t/_state.json')).rejects.toThrow(error);
      await expect(missing.openRead('t/part.avro')).rejects.toThrow(error);
      await expect(missing.list('t/')).rejects.toThrow(error);
      await expect(missing.put('t/x', 'x')).rejects.toThrow(error);
      await expect(missing.putIfVersion('t/_state.json', 'x', null)).rejects.toThrow(error);
      await expect(missing.upload('t/part.avro', Readable.from([Buffer.from('x')]))).rejects.toThrow(error);
      await expect(missing.upload('t/big.avro', Readable.from([patternedBytes(3 * BLOCK)]))).rejects.toThrow(error);
      await expect(missing.delete(['t/a', 't/b'])).rejects.toThrow(error);
      expect(((await missing.get('t/x').catch((e: unknown) => e)) as TerminalError).exitCode).toBe(2);
    });

    it('a wrong account key: exit 2, the key nowhere in the message or its cause (Azurite says AuthorizationFailure where Azure says AuthenticationFailed)', async () => {
      const wrongKey = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==';
      const connectionString = azure.server.connectionString().replace(/AccountKey=[^;]+/, `AccountKey=${wrongKey}`);
      const error = (await open({ connectionString }).get('t/_state.json').catch((e: unknown) => e)) as TerminalError;
      expect(error).toEqual(new TerminalError(
        `reading ${uri('t/_state.json')}: Azure could not authenticate the request (HTTP 403 AuthenticationFailed) — check that AZURE_STORAGE_CONNECTION_STRING's key or SAS belongs to this account and has not expired, and that the machine's clock is right`,
      ));
      expect(error.exitCode).toBe(2);
      expect(JSON.stringify({ message: error.message, cause: String(error.cause), stack: (error.cause as Error).stack })).not.toContain(wrongKey.slice(0, 20));
    });

    it.skipIf(unresolvable !== 'ENOTFOUND')('an account whose host does not resolve: exit 2 naming account_url, not retried as a network blip', async () => {
      const accountUrl = `https://${AZURITE_ACCOUNT}.blob.core.invalid`;
      const connectionString = `DefaultEndpointsProtocol=https;AccountName=${AZURITE_ACCOUNT};AccountKey=${'A'.repeat(86)}==;BlobEndpoint=${accountUrl};`;
      const lines: string[] = [];
      const log = createLogger({ level: 'debug', pretty: false, destination: new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }) });
      const error = (await open({ accountUrl, connectionString, log }).list('t/').catch((e: unknown) => e)) as TerminalError;
      expect(error).toEqual(new TerminalError(
        `listing abfss://${azure.container}@${AZURITE_ACCOUNT}.dfs.core.invalid/t/*: the host of ${accountUrl} does not resolve (ENOTFOUND) — check the account name in destination.azure.account_url`,
      ));
      expect(error.exitCode).toBe(2);
      expect(lines.filter((line) => line.includes('retrying'))).toEqual([]);
    });
  });
});
