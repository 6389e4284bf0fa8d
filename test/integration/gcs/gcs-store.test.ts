import { PassThrough, Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PreconditionFailedError, TerminalError } from '../../../shared/errors.js';
import { createLogger } from '../../../shared/log.js';
import { openGcsStore, type GcsStore } from '../../../shared/stores/gcs/gcs-store.js';
import { skipWithoutFakeGcsServer, startFakeGcsServer, type FakeGcsServer } from '../../support/fake-gcs-server.js';
import { FaultProxy } from './fault-proxy.js';
import { patternedBytes, rawBody, rawMetadata, rawNames, readAll, sha256 } from './raw-gcs.js';

const KIB = 1024;
const CHUNK = 256 * KIB;
const FAST_RETRY = { maxRetries: 2, maxRetryDelaySeconds: 1, totalTimeoutSeconds: 10 };

describe.skipIf(skipWithoutFakeGcsServer('gcs integration'))('GcsStore against fake-gcs-server', () => {
  let server: FakeGcsServer;
  let bucket: string;
  let store: GcsStore;
  let buckets = 0;

  beforeAll(async () => {
    server = await startFakeGcsServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(async () => {
    bucket = `staging-${++buckets}`;
    await server.createBucket(bucket);
    store = openGcsStore({ projectId: 'datapipe-test', bucket, apiEndpoint: server.endpoint, uploadChunkBytes: CHUNK, retry: FAST_RETRY });
  });

  describe('writing and reading', () => {
    it('puts and gets small objects, overwriting, exactly as the bucket holds them', async () => {
      await store.put('erp/ventas/_state.json', '{"a":1}');
      expect(await store.get('erp/ventas/_state.json')).toEqual(Buffer.from('{"a":1}'));
      await store.put('erp/ventas/_state.json', Buffer.from([0, 255, 10]));
      expect(await store.get('erp/ventas/_state.json')).toEqual(Buffer.from([0, 255, 10]));
      expect(await rawBody(server.endpoint, bucket, 'erp/ventas/_state.json')).toEqual(Buffer.from([0, 255, 10]));
      expect(await rawNames(server.endpoint, bucket)).toEqual(['erp/ventas/_state.json']);
    });

    it('returns null for a missing object', async () => {
      expect(await store.get('erp/ventas/_state.json')).toBeNull();
      expect(await store.getVersioned('nothing/here')).toBeNull();
    });

    it('addresses objects as gs://<bucket>/<key>', () => {
      expect(store.uri('erp/ventas/run=r1/part-0000-000000.avro')).toBe(`gs://${bucket}/erp/ventas/run=r1/part-0000-000000.avro`);
    });

    it('streams a multi-MiB upload and reads back the same bytes, as a stream and as the bucket stores them', async () => {
      const body = patternedBytes(5 * 1024 * KIB + 17);
      const pieces = Array.from({ length: Math.ceil(body.length / 100_000) }, (_, i) => body.subarray(i * 100_000, (i + 1) * 100_000));
      await store.upload('t/run=r1/part-0000-000000.avro', Readable.from(pieces));
      const back = await readAll(await store.openRead('t/run=r1/part-0000-000000.avro'));
      expect(back.length).toBe(body.length);
      expect(sha256(back)).toBe(sha256(body));
      expect((await rawMetadata(server.endpoint, bucket, 't/run=r1/part-0000-000000.avro'))?.size).toBe(String(body.length));
      expect(sha256((await rawBody(server.endpoint, bucket, 't/run=r1/part-0000-000000.avro'))!)).toBe(sha256(body));
    });

    it('logs each upload and write at debug level with its size', async () => {
      const lines: string[] = [];
      const destination = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
      const logged = openGcsStore({
        projectId: 'datapipe-test', bucket, apiEndpoint: server.endpoint, retry: FAST_RETRY,
        log: createLogger({ level: 'debug', pretty: false, destination }),
      });
      await logged.upload('t/run=r1/part-0000-000000.avro', Readable.from([patternedBytes(300 * KIB)]));
      await logged.put('t/run=r1/_manifest.json', '{"rows":1}');
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records.map(({ level, msg, uri, bytes }) => ({ level, msg, uri, bytes }))).toEqual([
        { level: 20, msg: 'uploaded', uri: `gs://${bucket}/t/run=r1/part-0000-000000.avro`, bytes: 300 * KIB },
        { level: 20, msg: 'written', uri: `gs://${bucket}/t/run=r1/_manifest.json`, bytes: 10 },
      ]);
      expect(records[0]!.generation).toBe((await rawMetadata(server.endpoint, bucket, 't/run=r1/part-0000-000000.avro'))!.generation);
    });

    it('uploads an empty body as an empty object', async () => {
      await store.upload('t/empty.avro', Readable.from([]));
      expect(await store.get('t/empty.avro')).toEqual(Buffer.alloc(0));
    });

    it('leaves nothing under the key when the upload source fails, and passes the source error on', async () => {
      let sent = 0;
      const failing = new Readable({
        read() {
          if (sent++ < 3) this.push(patternedBytes(200 * KIB));
          else this.destroy(new Error('source connection reset'));
        },
      });
      await expect(store.upload('t/run=r1/part.avro', failing)).rejects.toThrow(new Error('source connection reset'));
      expect(await store.get('t/run=r1/part.avro')).toBeNull();
      expect(await rawNames(server.endpoint, bucket)).toEqual([]);
    });

    it('keeps the previous object when a replacing upload fails', async () => {
      await store.put('t/part.avro', 'old');
      const failing = new Readable({
        read() {
          this.destroy(new Error('boom'));
        },
      });
      await expect(store.upload('t/part.avro', failing)).rejects.toThrow(new Error('boom'));
      expect(await store.get('t/part.avro')).toEqual(Buffer.from('old'));
    });

    it('rejects opening a missing object for reading, naming it', async () => {
      await expect(store.openRead('t/run=r1/missing.avro')).rejects.toThrow(new TerminalError(
        `gs://${bucket}/t/run=r1/missing.avro does not exist — it was deleted, or never written by the run that lists it`,
      ));
    });
  });

  describe('listing', () => {
    beforeEach(async () => {
      for (const key of ['t/_state.json', 't/run=A/part-0000-000001.avro', 't/run=A/_manifest.json', 't/run=B/x', 't2/run=C/y', 'u/run=D']) {
        await store.put(key, key);
      }
    });

    it('lists keys under a prefix that ends mid-name, sorted', async () => {
      expect(await store.list('t/run=')).toEqual(['t/run=A/_manifest.json', 't/run=A/part-0000-000001.avro', 't/run=B/x']);
      expect(await store.list('t/run=A')).toEqual(['t/run=A/_manifest.json', 't/run=A/part-0000-000001.avro']);
      expect(await store.list('t/_')).toEqual(['t/_state.json']);
    });

    it('lists a folder prefix, a bare prefix and everything', async () => {
      expect(await store.list('t/')).toEqual(['t/_state.json', 't/run=A/_manifest.json', 't/run=A/part-0000-000001.avro', 't/run=B/x']);
      expect(await store.list('t')).toEqual(['t/_state.json', 't/run=A/_manifest.json', 't/run=A/part-0000-000001.avro', 't/run=B/x', 't2/run=C/y']);
      expect(await store.list('')).toEqual(['t/_state.json', 't/run=A/_manifest.json', 't/run=A/part-0000-000001.avro', 't/run=B/x', 't2/run=C/y', 'u/run=D']);
    });

    it('lists nothing under a prefix that does not exist', async () => {
      expect(await store.list('nope/')).toEqual([]);
      expect(await store.list('t/run=Z')).toEqual([]);
    });

    it('follows page tokens to the last page', async () => {
      const proxy = await FaultProxy.start(server.endpoint);
      try {
        const paged = openGcsStore({ projectId: 'datapipe-test', bucket, apiEndpoint: proxy.endpoint, listPageSize: 2, retry: FAST_RETRY });
        expect(await paged.list('')).toEqual(['t/_state.json', 't/run=A/_manifest.json', 't/run=A/part-0000-000001.avro', 't/run=B/x', 't2/run=C/y', 'u/run=D']);
        const pages = proxy.requests.filter((r) => r.method === 'GET' && r.path === `/storage/v1/b/${bucket}/o`);
        expect(pages.map((r) => [r.query.get('maxResults'), r.query.get('pageToken')])).toEqual([
          ['2', null], ['2', 't/run=A/part-0000-000001.avro'], ['2', 't2/run=C/y'],
        ]);
      } finally {
        await proxy.close();
      }
    });

    it('deletes keys, missing ones included', async () => {
      await store.delete(['t/run=A/_manifest.json', 't/run=A/part-0000-000001.avro', 't/run=A/never-written', 'nope/at/all']);
      expect(await store.list('t/run=')).toEqual(['t/run=B/x']);
      await store.delete([]);
      await store.delete(['t/run=A/_manifest.json']);
      expect(await rawNames(server.endpoint, bucket)).toEqual(['t/_state.json', 't/run=B/x', 't2/run=C/y', 'u/run=D']);
    });
  });

  describe('conditional writes', () => {
    const KEY = 'erp/ventas/_state.json';
    const generationOf = async (key: string) => (await rawMetadata(server.endpoint, bucket, key))!.generation;

    it('reads an object with its generation as the version', async () => {
      await store.put(KEY, 'v1');
      expect(await store.getVersioned(KEY)).toEqual({ body: Buffer.from('v1'), version: await generationOf(KEY) });
    });

    it('creates an absent object once; a second create fails', async () => {
      await store.putIfVersion(KEY, 'first', null);
      expect(await store.get(KEY)).toEqual(Buffer.from('first'));
      await expect(store.putIfVersion(KEY, 'second', null)).rejects.toThrow(new PreconditionFailedError(
        `gs://${bucket}/${KEY} changed since it was read (expected it absent) — another writer got there first`,
      ));
      expect(await store.get(KEY)).toEqual(Buffer.from('first'));
    });

    it('updates from the right generation and refuses a stale or malformed one', async () => {
      await store.putIfVersion(KEY, 'first', null);
      const first = (await store.getVersioned(KEY))!.version;
      await store.putIfVersion(KEY, 'second', first);
      const second = await store.getVersioned(KEY);
      expect(second).toEqual({ body: Buffer.from('second'), version: await generationOf(KEY) });
      expect(second!.version).not.toBe(first);
      await expect(store.putIfVersion(KEY, 'third', first)).rejects.toThrow(new PreconditionFailedError(
        `gs://${bucket}/${KEY} changed since it was read (expected generation ${first}) — another writer got there first`,
      ));
      await expect(store.putIfVersion(KEY, 'third', 'not-a-version')).rejects.toThrow(new PreconditionFailedError(
        `gs://${bucket}/${KEY} changed since it was read (expected generation not-a-version, which is not a GCS generation)`,
      ));
      expect(await store.get(KEY)).toEqual(Buffer.from('second'));
    });

    it('refuses an update of an object that does not exist', async () => {
      await expect(store.putIfVersion(KEY, 'x', '1234567890')).rejects.toThrow(new PreconditionFailedError(
        `gs://${bucket}/${KEY} changed since it was read (expected generation 1234567890) — another writer got there first`,
      ));
      expect(await store.get(KEY)).toBeNull();
    });

    it('lets exactly one of many concurrent creators win', async () => {
      const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => store.putIfVersion(KEY, `writer ${i}`, null)));
      const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
      expect(won).toHaveLength(1);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(PreconditionFailedError);
      }
      expect(await store.get(KEY)).toEqual(Buffer.from(`writer ${won[0]}`));
    });

    it('lets exactly one of two writers swap from the same generation (compare-and-swap)', async () => {
      await store.putIfVersion(KEY, 'base', null);
      const other = openGcsStore({ projectId: 'datapipe-test', bucket, apiEndpoint: server.endpoint, retry: FAST_RETRY });
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
        `gs://${bucket}/${KEY} changed since it was read (expected generation ${mine!.version}) — another writer got there first`,
      ));
      expect(await store.get(KEY)).toEqual(Buffer.from(winner));
    });
  });

  describe('a bucket that does not exist', () => {
    it('fails every operation with one line naming the bucket and the fix', async () => {
      const missing = openGcsStore({ projectId: 'datapipe-test', bucket: 'no-such-bucket', apiEndpoint: server.endpoint, retry: FAST_RETRY });
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
      const proxy = await FaultProxy.start(server.endpoint);
      try {
        const chunked = openGcsStore({ projectId: 'datapipe-test', bucket, apiEndpoint: proxy.endpoint, uploadChunkBytes: CHUNK, retry: FAST_RETRY });
        const body = patternedBytes(3 * 1024 * KIB + 5);
        const source = new PassThrough();
        const done = chunked.upload('t/run=r1/part.avro', source);
        source.write(body.subarray(0, 2 * CHUNK + 10));
        // Two full chunks are on the server (a third waits for more bytes), yet nothing is visible.
        for (let i = 0; i < 400 && proxy.requests.filter((r) => r.method === 'PUT' && r.status === 308).length < 2; i++) {
          await new Promise((ok) => setTimeout(ok, 25));
        }
        expect(proxy.requests.filter((r) => r.method === 'PUT' && r.status === 308)).toHaveLength(2);
        expect(await rawNames(server.endpoint, bucket)).toEqual([]);
        source.end(body.subarray(2 * CHUNK + 10));
        await done;

        const starts = proxy.requests.filter((r) => r.method === 'POST');
        expect(starts.map((r) => [r.path, r.query.get('uploadType'), r.query.get('name')])).toEqual([[`/upload/storage/v1/b/${bucket}/o`, 'resumable', 't/run=r1/part.avro']]);
        const puts = proxy.requests.filter((r) => r.method === 'PUT');
        expect(puts.map((r) => r.status)).toEqual([...Array<number>(12).fill(308), 200]);
        expect(puts.map((r) => r.headers['content-range'])).toEqual([
          ...Array.from({ length: 12 }, (_, i) => `bytes ${i * CHUNK}-${(i + 1) * CHUNK - 1}/*`),
          `bytes ${12 * CHUNK}-${body.length - 1}/${body.length}`,
        ]);
        expect(sha256((await rawBody(server.endpoint, bucket, 't/run=r1/part.avro'))!)).toBe(sha256(body));
      } finally {
        await proxy.close();
      }
    });
  });
});
