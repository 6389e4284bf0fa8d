import { PassThrough, Readable, Writable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { PreconditionFailedError, TerminalError } from '../../../shared/errors.js';
import { createLogger } from '../../../shared/log.js';
import { openS3Store, type OpenS3StoreOptions, type S3Store } from '../../../shared/stores/s3/s3-store.js';
import { FaultProxy, type ProxiedRequest } from '../../support/fault-proxy.js';
import { skipWithoutMotoServer } from '../../support/moto-server.js';
import { describeObjectStoreContract, LISTED_KEYS, putListedKeys } from '../../support/object-store-contract.js';
import { patternedBytes, readAll, sha256 } from '../../support/test-bytes.js';
import { useMotoBucket } from './moto-bucket.js';
import { crc32Base64, md5Hex, rawBody, rawHead, rawKeys, rawPendingUploads } from './raw-s3.js';

const MIB = 1024 * 1024;
const PART = 5 * MIB;
const FAST_RETRY = { attempts: 3, baseDelayMs: 50, maxDelayMs: 200 };

const isUploadPart = (r: ProxiedRequest) => r.method === 'PUT' && r.query.has('uploadId');
/** `POST uploads 200`: method, query keys (less the SDK's `x-id` label) and status. */
const request = (r: ProxiedRequest) => `${r.method} ${[...r.query.keys()].filter((k) => k !== 'x-id').join('&')} ${r.status}`;

describe.skipIf(skipWithoutMotoServer('s3 integration'))('S3Store against moto', () => {
  const moto = useMotoBucket('staging');
  let store: S3Store;
  const storeVia = (endpoint: string, options: Partial<OpenS3StoreOptions> = {}): S3Store =>
    openS3Store({ bucket: moto.bucket, region: 'us-east-1', endpoint, forcePathStyle: true, partBytes: PART, retry: FAST_RETRY, ...options });

  beforeEach(() => {
    store = storeVia(moto.server.endpoint);
  });

  const stale = (key: string, expected: string) =>
    `s3://${moto.bucket}/${key} changed since it was read (expected ETag ${expected}) — another writer got there first`;
  describeObjectStoreContract({
    get store() {
      return store;
    },
    backendKeys: () => rawKeys(moto.server.endpoint, moto.bucket),
    backendBody: (key) => rawBody(moto.server.endpoint, moto.bucket, key),
    versionOf: async (key, body) => {
      // The ETag S3 reports for an object written in one request is the MD5 of its bytes.
      const { etag } = (await rawHead(moto.server.endpoint, moto.bucket, key))!;
      expect(etag).toBe(md5Hex(body));
      return etag;
    },
    unusedVersion: md5Hex('never written'),
    refusals: {
      exists: (key) => `s3://${moto.bucket}/${key} changed since it was read (expected it absent) — another writer got there first`,
      stale,
      // S3 compares If-Match with the ETag it holds, whatever the text: a malformed version is just stale.
      malformed: stale,
      // If-Match on a key that does not exist: S3 answers 404 NoSuchKey, the store reports a lost race.
      absent: stale,
    },
  });

  describe('writing and reading', () => {
    it('addresses objects as s3://<bucket>/<key>', () => {
      expect(store.uri('erp/ventas/run=r1/part-0000-000000.avro')).toBe(`s3://${moto.bucket}/erp/ventas/run=r1/part-0000-000000.avro`);
    });

    it('declares the CRC32 of every small write, and S3 stores it', async () => {
      const proxy = await FaultProxy.start(moto.server.endpoint);
      try {
        const body = '{"watermark":"2024-01-01T00:00:00.000000"}';
        await storeVia(proxy.endpoint).put('t/_state.json', body);
        const puts = proxy.requests.filter((r) => r.method === 'PUT');
        expect(puts.map((r) => r.headers['x-amz-checksum-crc32'])).toEqual([crc32Base64(Buffer.from(body))]);
        expect((await rawHead(moto.server.endpoint, moto.bucket, 't/_state.json'))!.crc32).toBe(crc32Base64(Buffer.from(body)));
      } finally {
        await proxy.close();
      }
    });

    it('uploads a body smaller than a part in one PutObject', async () => {
      const body = patternedBytes(300 * 1024);
      const proxy = await FaultProxy.start(moto.server.endpoint);
      await storeVia(proxy.endpoint).upload('t/run=r1/part-0000-000000.avro', Readable.from([body])).finally(() => proxy.close());
      const head = (await rawHead(moto.server.endpoint, moto.bucket, 't/run=r1/part-0000-000000.avro'))!;
      // S3 types a single-request object's checksum FULL_OBJECT; moto 5.2.5 leaves the type out.
      expect(head).toEqual({ etag: md5Hex(body), size: body.length, crc32: crc32Base64(body), checksumType: undefined });
      expect(proxy.requests.map(request)).toEqual(['PUT  200']);
    });

    it('uploads an empty body as an empty object', async () => {
      await store.upload('t/empty.avro', Readable.from([]));
      expect(await store.get('t/empty.avro')).toEqual(Buffer.alloc(0));
      expect(await rawBody(moto.server.endpoint, moto.bucket, 't/empty.avro')).toEqual(Buffer.alloc(0));
    });

    it('logs each upload and write at debug level with its size', async () => {
      const lines: string[] = [];
      const destination = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
      const logged = storeVia(moto.server.endpoint, { log: createLogger({ level: 'debug', pretty: false, destination }) });
      await logged.upload('t/run=r1/part-0000-000000.avro', Readable.from([patternedBytes(PART + 1)]));
      await logged.put('t/run=r1/_manifest.json', '{"rows":1}');
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records.map(({ level, msg, uri, bytes, parts }) => ({ level, msg, uri, bytes, parts }))).toEqual([
        { level: 20, msg: 'uploaded', uri: `s3://${moto.bucket}/t/run=r1/part-0000-000000.avro`, bytes: PART + 1, parts: 2 },
        { level: 20, msg: 'written', uri: `s3://${moto.bucket}/t/run=r1/_manifest.json`, bytes: 10, parts: undefined },
      ]);
      expect(records[0]!.etag).toBe((await rawHead(moto.server.endpoint, moto.bucket, 't/run=r1/part-0000-000000.avro'))!.etag);
    });

    it('rejects opening a missing object for reading, naming it', async () => {
      await expect(store.openRead('t/run=r1/missing.avro')).rejects.toThrow(new TerminalError(
        `s3://${moto.bucket}/t/run=r1/missing.avro does not exist — it was deleted, or never written by the run that lists it`,
      ));
    });
  });

  describe('multipart uploads', () => {
    it('streams a body larger than a part as a multipart upload, published only when complete, with exact bytes and a FULL_OBJECT CRC32', async () => {
      const proxy = await FaultProxy.start(moto.server.endpoint);
      try {
        const body = patternedBytes(2 * PART + MIB + 17);
        const source = new PassThrough();
        const done = storeVia(proxy.endpoint).upload('t/run=r1/part.avro', source);
        source.write(body.subarray(0, PART + 10));
        // The first part is on the server (the second waits for more bytes), yet nothing is visible.
        for (let i = 0; i < 400 && !proxy.requests.some((r) => isUploadPart(r) && r.status === 200); i++) await new Promise((ok) => setTimeout(ok, 25));
        expect(proxy.requests.filter((r) => isUploadPart(r) && r.status === 200)).toHaveLength(1);
        expect(await rawKeys(moto.server.endpoint, moto.bucket)).toEqual([]);
        expect(await rawPendingUploads(moto.server.endpoint, moto.bucket)).toEqual(['t/run=r1/part.avro']);
        // Sent in pieces that do not line up with parts.
        for (let at = PART + 10; at < body.length; at += 700_001) source.write(body.subarray(at, Math.min(at + 700_001, body.length)));
        source.end();
        await done;

        expect(proxy.requests.map(request)).toEqual([
          'POST uploads 200', 'PUT partNumber&uploadId 200', 'PUT partNumber&uploadId 200', 'PUT partNumber&uploadId 200',
          'POST uploadId 200', 'HEAD  200',
        ]);
        const parts = proxy.requests.filter(isUploadPart);
        expect(parts.map((r) => [r.query.get('partNumber'), r.headers['x-amz-checksum-crc32']])).toEqual([
          ['1', crc32Base64(body.subarray(0, PART))], ['2', crc32Base64(body.subarray(PART, 2 * PART))], ['3', crc32Base64(body.subarray(2 * PART))],
        ]);
        const complete = proxy.requests.find((r) => r.method === 'POST' && r.query.has('uploadId'))!;
        expect([complete.headers['x-amz-checksum-crc32'], complete.headers['x-amz-checksum-type']]).toEqual([crc32Base64(body), 'FULL_OBJECT']);

        expect(await rawPendingUploads(moto.server.endpoint, moto.bucket)).toEqual([]);
        const head = (await rawHead(moto.server.endpoint, moto.bucket, 't/run=r1/part.avro'))!;
        expect(head).toEqual({ etag: expect.stringMatching(/^[0-9a-f]{32}-3$/), size: body.length, crc32: crc32Base64(body), checksumType: 'FULL_OBJECT' });
        expect(sha256((await rawBody(moto.server.endpoint, moto.bucket, 't/run=r1/part.avro'))!)).toBe(sha256(body));
        const back = await readAll(await store.openRead('t/run=r1/part.avro'));
        expect(back.length).toBe(body.length);
        expect(sha256(back)).toBe(sha256(body));
      } finally {
        await proxy.close();
      }
    });

    it('sends a body of exactly two parts as two parts', async () => {
      const body = patternedBytes(2 * PART);
      await store.upload('t/two.avro', Readable.from([body]));
      expect((await rawHead(moto.server.endpoint, moto.bucket, 't/two.avro'))!.etag).toMatch(/-2$/);
      expect(sha256((await store.get('t/two.avro'))!)).toBe(sha256(body));
    });

    it('aborts the multipart upload before rejecting when the body fails part-way: no object, no pending upload', async () => {
      const proxy = await FaultProxy.start(moto.server.endpoint);
      try {
        let sent = 0;
        const failing = new Readable({
          read() {
            if (sent++ < 11) this.push(patternedBytes(MIB));
            else this.destroy(new Error('source connection reset'));
          },
        });
        const error = await storeVia(proxy.endpoint).upload('t/run=r1/part.avro', failing).catch((e: unknown) => e);
        // Recorded when the upload rejected: the abort had been answered by then.
        const seenAtRejection = proxy.requests.map(request);
        expect(error).toEqual(new Error('source connection reset'));
        expect(seenAtRejection).toEqual(['POST uploads 200', 'PUT partNumber&uploadId 200', 'PUT partNumber&uploadId 200', 'DELETE uploadId 204']);
        expect(await rawPendingUploads(moto.server.endpoint, moto.bucket)).toEqual([]);
        expect(await rawKeys(moto.server.endpoint, moto.bucket)).toEqual([]);
      } finally {
        await proxy.close();
      }
    });
  });

  describe('listing and deleting', () => {
    it('follows continuation tokens to the last page', async () => {
      await putListedKeys(store);
      const proxy = await FaultProxy.start(moto.server.endpoint);
      try {
        expect(await storeVia(proxy.endpoint, { listPageSize: 2 }).list('')).toEqual([...LISTED_KEYS].sort());
        const pages = proxy.requests.filter((r) => r.method === 'GET' && r.query.get('list-type') === '2');
        expect(pages.map((r) => [r.query.get('max-keys'), r.query.has('continuation-token')])).toEqual([['2', false], ['2', true], ['2', true]]);
        expect(await storeVia(proxy.endpoint, { listPageSize: 2 }).list('t/run=')).toEqual(['t/run=A/_manifest.json', 't/run=A/part-0000-000001.avro', 't/run=B/x']);
      } finally {
        await proxy.close();
      }
    });

    it('deletes in DeleteObjects batches of at most the batch size', async () => {
      await putListedKeys(store);
      const proxy = await FaultProxy.start(moto.server.endpoint);
      try {
        await storeVia(proxy.endpoint, { deleteBatchSize: 2 }).delete([...LISTED_KEYS.slice(0, 4), 'never/written']);
        const batches = proxy.requests.filter((r) => r.method === 'POST' && r.query.has('delete'));
        expect(batches.map((r) => r.status)).toEqual([200, 200, 200]);
        expect(await rawKeys(moto.server.endpoint, moto.bucket)).toEqual(['t2/run=C/y', 'u/run=D']);
      } finally {
        await proxy.close();
      }
    });
  });

  describe('conditional writes', () => {
    const KEY = 'erp/ventas/_state.json';

    it('lets exactly one of two writers swap from the same ETag (compare-and-swap)', async () => {
      await store.putIfVersion(KEY, 'base', null);
      const other = storeVia(moto.server.endpoint);
      const [mine, theirs] = await Promise.all([store.getVersioned(KEY), other.getVersioned(KEY)]);
      expect(mine!.version).toBe(md5Hex('base'));
      expect(theirs!.version).toBe(mine!.version);
      const outcomes = await Promise.allSettled([store.putIfVersion(KEY, 'from A', mine!.version), other.putIfVersion(KEY, 'from B', theirs!.version)]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      const winner = outcomes[0]!.status === 'fulfilled' ? 'from A' : 'from B';
      const loser = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(loser.reason).toEqual(new PreconditionFailedError(stale(KEY, mine!.version)));
      expect((loser.reason as PreconditionFailedError).exitCode).toBe(1);
      expect(await rawBody(moto.server.endpoint, moto.bucket, KEY)).toEqual(Buffer.from(winner));
    });

    it('sends If-None-Match: * to create and If-Match with the quoted ETag to replace', async () => {
      const proxy = await FaultProxy.start(moto.server.endpoint);
      try {
        const via = storeVia(proxy.endpoint);
        await via.putIfVersion(KEY, 'v1', null);
        await via.putIfVersion(KEY, 'v2', md5Hex('v1'));
        await via.put(KEY, 'v3');
        expect(proxy.requests.map((r) => [r.headers['if-none-match'], r.headers['if-match']])).toEqual([
          ['*', undefined], [undefined, `"${md5Hex('v1')}"`], [undefined, undefined],
        ]);
      } finally {
        await proxy.close();
      }
    });
  });

  describe('a bucket that does not exist', () => {
    it('fails every operation with one line naming the bucket and destination.aws.bucket (exit 2)', async () => {
      const missing = storeVia(moto.server.endpoint, { bucket: 'no-such-bucket' });
      const error = new TerminalError(
        'S3 bucket no-such-bucket does not exist — create it in us-east-1 (aws s3 mb s3://no-such-bucket --region us-east-1) or fix destination.aws.bucket',
      );
      await expect(missing.get('t/_state.json')).rejects.toThrow(error);
      await expect(missing.getVersioned('t/_state.json')).rejects.toThrow(error);
      await expect(missing.openRead('t/part.avro')).rejects.toThrow(error);
      await expect(missing.list('t/')).rejects.toThrow(error);
      await expect(missing.put('t/x', 'x')).rejects.toThrow(error);
      await expect(missing.putIfVersion('t/_state.json', 'x', null)).rejects.toThrow(error);
      await expect(missing.upload('t/part.avro', Readable.from([Buffer.from('x')]))).rejects.toThrow(error);
      await expect(missing.upload('t/big.avro', Readable.from([patternedBytes(PART + 1)]))).rejects.toThrow(error);
      await expect(missing.delete(['t/a', 't/b'])).rejects.toThrow(error);
      expect(await missing.get('t/_state.json').catch((e: TerminalError) => e.exitCode)).toBe(2);
    });
  });

  describe('credentials', () => {
    it('without any in the default chain: one line on how to provide them (exit 2), no request sent', async () => {
      const saved = { key: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      const proxy = await FaultProxy.start(moto.server.endpoint);
      try {
        const error = await storeVia(proxy.endpoint).get('t/_state.json').catch((e: unknown) => e);
        expect(error).toEqual(new TerminalError(
          `no AWS credentials for s3://${moto.bucket}: the default provider chain found none — locally set AWS_PROFILE (after aws sso login) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; in EKS run the pod as a service account bound to an IAM role (IRSA or EKS Pod Identity); on EC2 or ECS use an instance profile or task role`,
        ));
        expect((error as TerminalError).exitCode).toBe(2);
        expect(proxy.requests).toEqual([]);
      } finally {
        process.env.AWS_ACCESS_KEY_ID = saved.key;
        process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
        await proxy.close();
      }
    });
  });
});
