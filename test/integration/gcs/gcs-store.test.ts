import { PassThrough, Readable, Writable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { PreconditionFailedError, TerminalError } from '../../../shared/errors.js';
import { createLogger } from '../../../shared/log.js';
import { openGcsStore, type GcsStore } from '../../../shared/stores/gcs/gcs-store.js';
import { skipWithoutFakeGcsServer } from '../../support/fake-gcs-server.js';
import { describeObjectStoreContract, putListedKeys } from '../../support/object-store-contract.js';
import { useFakeGcsBucket } from './fake-gcs-bucket.js';
import { FaultProxy } from '../../support/fault-proxy.js';
import { patternedBytes, rawBody, rawMetadata, rawNames, readAll, sha256 } from './raw-gcs.js';

const KIB = 1024;
const CHUNK = 256 * KIB;
const FAST_RETRY = { maxRetries: 2, maxRetryDelaySeconds: 1, totalTimeoutSeconds: 10 };

describe.skipIf(skipWithoutFakeGcsServer('gcs integration'))('GcsStore against fake-gcs-server', () => {
  const gcs = useFakeGcsBucket('staging');
  let store: GcsStore;

  beforeEach(() => {
    store = openGcsStore({ projectId: 'datapipe-test', bucket: gcs.bucket, apiEndpoint: gcs.server.endpoint, uploadChunkBytes: CHUNK, retry: FAST_RETRY });
  });

  const stale = (key: string, expected: string) =>
    `gs://${gcs.bucket}/${key} changed since it was read (expected generation ${expected}) — another writer got there first`;
  describeObjectStoreContract({
    get store() {
      return store;
    },
    backendKeys: () => rawNames(gcs.server.endpoint, gcs.bucket),
    backendBody: (key) => rawBody(gcs.server.endpoint, gcs.bucket, key),
    versionOf: async (key) => (await rawMetadata(gcs.server.endpoint, gcs.bucket, key))!.generation,
    unusedVersion: '1234567890',
    refusals: {
      exists: (key) => `gs://${gcs.bucket}/${key} changed since it was read (expected it absent) — another writer got there first`,
      stale,
      malformed: (key, expected) => `gs://${gcs.bucket}/${key} changed since it was read (expected generation ${expected}, which is not a GCS generation)`,
      absent: stale,
    },
  });

  describe('writing and reading', () => {
    it('addresses objects as gs://<bucket>/<key>', () => {
      expect(store.uri('erp/ventas/run=r1/part-0000-000000.avro')).toBe(`gs://${gcs.bucket}/erp/ventas/run=r1/part-0000-000000.avro`);
    });

    it('streams a multi-MiB upload and reads back the same bytes, as a stream and as the bucket stores them', async () => {
      const body = patternedBytes(5 * 1024 * KIB + 17);
      const pieces = Array.from({ length: Math.ceil(body.length / 100_000) }, (_, i) => body.subarray(i * 100_000, (i + 1) * 100_000));
      await store.upload('t/run=r1/part-0000-000000.avro', Readable.from(pieces));
      const back = await readAll(await store.openRead('t/run=r1/part-0000-000000.avro'));
      expect(back.length).toBe(body.length);
      expect(sha256(back)).toBe(sha256(body));
      expect((await rawMetadata(gcs.server.endpoint, gcs.bucket, 't/run=r1/part-0000-000000.avro'))?.size).toBe(String(body.length));
      expect(sha256((await rawBody(gcs.server.endpoint, gcs.bucket, 't/run=r1/part-0000-000000.avro'))!)).toBe(sha256(body));
    });

    it('logs each upload and write at debug level with its size', async () => {
      const lines: string[] = [];
      const destination = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
      const logged = openGcsStore({
        projectId: 'datapipe-test', bucket: gcs.bucket, apiEndpoint: gcs.server.endpoint, retry: FAST_RETRY,
        log: createLogger({ level: 'debug', pretty: false, destination }),
      });
      await logged.upload('t/run=r1/part-0000-000000.avro', Readable.from([patternedBytes(300 * KIB)]));
      await logged.put('t/run=r1/_manifest.json', '{"rows":1}');
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records.map(({ level, msg, uri, bytes }) => ({ level, msg, uri, bytes }))).toEqual([
        { level: 20, msg: 'uploaded', uri: `gs://${gcs.bucket}/t/run=r1/part-0000-000000.avro`, bytes: 300 * KIB },
        { level: 20, msg: 'written', uri: `gs://${gcs.bucket}/t/run=r1/_manifest.json`, bytes: 10 },
      ]);
      expect(records[0]!.generation).toBe((await rawMetadata(gcs.server.endpoint, gcs.bucket, 't/run=r1/part-0000-000000.avro'))!.generation);
    });

    it('uploads an empty body as an empty object', async () => {
      await store.upload('t/empty.avro', Readable.from([]));
      expect(await store.get('t/empty.avro')).toEqual(Buffer.alloc(0));
    });

    it('rejects opening a missing object for reading, naming it', async () => {
      await expect(store.openRead('t/run=r1/missing.avro')).rejects.toThrow(new TerminalError(
        `gs://${gcs.bucket}/t/run=r1/missing.avro does not exist — it was deleted, or never written by the run that lists it`,
      ));
    });
  });

  describe('listing', () => {
    it('follows page tokens to the last page', async () => {
      await putListedKeys(store);
      const proxy = await FaultProxy.start(gcs.server.endpoint);
      try {
        const paged = openGcsStore({ projectId: 'datapipe-test', bucket: gcs.bucket, apiEndpoint: proxy.endpoint, listPageSize: 2, retry: FAST_RETRY });
        expect(await paged.list('')).toEqual(['t/_state.json', 't/run=A/_manifest.json', 't/run=A/part-0000-000001.avro', 't/run=B/x', 't2/run=C/y', 'u/run=D']);
        const pages = proxy.requests.filter((r) => r.method === 'GET' && r.path === `/storage/v1/b/${gcs.bucket}/o`);
        expect(pages.map((r) => [r.query.get('maxResults'), r.query.get('pageToken')])).toEqual([
          ['2', null], ['2', 't/run=A/part-0000-000001.avro'], ['2', 't2/run=C/y'],
        ]);
      } finally {
        await proxy.close();
      }
    });
  });

  describe('conditional writes', () => {
    const KEY = 'erp/ventas/_state.json';

    it('lets exactly one of two writers swap from the same generation (compare-and-swap)', async () => {
      await store.putIfVersion(KEY, 'base', null);
      const other = openGcsStore({ projectId: 'datapipe-test', bucket: gcs.bucket, apiEndpoint: gcs.server.endpoint, retry: FAST_RETRY });
      const [mine, theirs] = await Promise.all([store.getVersioned(KEY), other.getVersioned(KEY)]);
      expect(mine!.version).toBe(theirs!.version);
      const outcomes = await Promise.allSettled([
        store.putIfVersion(KEY, 'from A', mine!.version),
        other.putIfVersion(KEY, 'from B', theirs!.version),
      ]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const winner = outcomes[0]!.status === 'fulfilled' ? 'from A' : 'from B';
      const loser = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(loser.reason).toEqual(new PreconditionFailedError(
        `gs://${gcs.bucket}/${KEY} changed since it was read (expected generation ${mine!.version}) — another writer got there first`,
      ));
      expect(await store.get(KEY)).toEqual(Buffer.from(winner));
    });
  });

  describe('a bucket that does not exist', () => {
    it('fails every operation with one line naming the bucket and the fix', async () => {
      const missing = openGcsStore({ projectId: 'datapipe-test', bucket: 'no-such-bucket', apiEndpoint: gcs.server.endpoint, retry: FAST_RETRY });
      const error = new TerminalError(
        'GCS bucket no-such-bucket does not exist — create it in the dataset\'s location (gcloud storage buckets create gs://no-such-bucket --location=<location>) or fix destination.gcp.bucket',
      );
      await expect(missing.get('t/_state.json')).rejects.toThrow(error);
      await expect(missing.getVersioned('t/_state.json')).rejects.toThrow(error);
      await expect(missing.openRead('t/part.avro')).rejects.toThrow(error);
      await expect(missing.list('t/')).rejects.toThrow(error);
      await expect(missing.put('t/x', 'x')).rejects.toThrow(error);
      await expect(missing.putIfVersion('t/_state.json', 'x', null)).rejects.toThrow(error);
      await expect(missing.upload('t/part.avro', Readable.from([Buffer.from('x')]))).rejects.toThrow(error);
      await expect(missing.delete(['t/a', 't/b'])).rejects.toThrow(error);
      await expect(missing.get('t/_state.json')).rejects.toBeInstanceOf(TerminalError);
    });
  });

  describe('resumable uploads', () => {
    it('sends a multi-MiB body as a resumable session in 256 KiB requests and publishes it only when complete', async () => {
      const proxy = await FaultProxy.start(gcs.server.endpoint);
      try {
        const chunked = openGcsStore({ projectId: 'datapipe-test', bucket: gcs.bucket, apiEndpoint: proxy.endpoint, uploadChunkBytes: CHUNK, retry: FAST_RETRY });
        const body = patternedBytes(3 * 1024 * KIB + 5);
        const source = new PassThrough();
        const done = chunked.upload('t/run=r1/part.avro', source);
        source.write(body.subarray(0, 2 * CHUNK + 10));
        // Two full chunks are on the server (a third waits for more bytes), yet nothing is visible.
        for (let i = 0; i < 400 && proxy.requests.filter((r) => r.method === 'PUT' && r.status === 308).length < 2; i++) {
          await new Promise((ok) => setTimeout(ok, 25));
        }
        expect(proxy.requests.filter((r) => r.method === 'PUT' && r.status === 308)).toHaveLength(2);
        expect(await rawNames(gcs.server.endpoint, gcs.bucket)).toEqual([]);
        source.end(body.subarray(2 * CHUNK + 10));
        await done;

        const starts = proxy.requests.filter((r) => r.method === 'POST');
        expect(starts.map((r) => [r.path, r.query.get('uploadType'), r.query.get('name')])).toEqual([[`/upload/storage/v1/b/${gcs.bucket}/o`, 'resumable', 't/run=r1/part.avro']]);
        const puts = proxy.requests.filter((r) => r.method === 'PUT');
        expect(puts.map((r) => r.status)).toEqual([...Array<number>(12).fill(308), 200]);
        expect(puts.map((r) => r.headers['content-range'])).toEqual([
          ...Array.from({ length: 12 }, (_, i) => `bytes ${i * CHUNK}-${(i + 1) * CHUNK - 1}/*`),
          `bytes ${12 * CHUNK}-${body.length - 1}/${body.length}`,
        ]);
        expect(sha256((await rawBody(gcs.server.endpoint, gcs.bucket, 't/run=r1/part.avro'))!)).toBe(sha256(body));
      } finally {
        await proxy.close();
      }
    });
  });
});
