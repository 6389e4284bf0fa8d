import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TerminalError, TransientError } from '../../../shared/errors.js';
import { openGcsStore, type GcsStore } from '../../../shared/stores/gcs/gcs-store.js';
import { skipWithoutFakeGcsServer } from '../../support/fake-gcs-server.js';
import { useFakeGcsBucket } from './fake-gcs-bucket.js';
import { FaultProxy, type ProxiedRequest } from '../../support/fault-proxy.js';
import { patternedBytes, rawBody, rawNames, readAll, sha256 } from './raw-gcs.js';

const CHUNK = 256 * 1024;
/** One retry after a 1 s wait (the shortest the client's upload paths accept). */
const ONE_RETRY = { maxRetries: 1, maxRetryDelaySeconds: 1, totalTimeoutSeconds: 10 };

const isList = (r: ProxiedRequest) => r.method === 'GET' && /^\/storage\/v1\/b\/[^/]+\/o$/.test(r.path);
const isMediaRead = (r: ProxiedRequest) => r.method === 'GET' && r.query.get('alt') === 'media';
const isSmallWrite = (r: ProxiedRequest) => r.method === 'POST' && r.query.get('uploadType') === 'multipart';
const isChunk = (r: ProxiedRequest) => r.method === 'PUT' && !/^bytes \*\//.test(r.headers['content-range'] ?? 'bytes */');
const md5 = (text: string) => createHash('md5').update(text).digest('base64');
/** Milliseconds between consecutive requests: the backoff the client waited. */
const gaps = (requests: ProxiedRequest[]) => requests.slice(1).map((r, i) => r.at - requests[i]!.at);

describe.skipIf(skipWithoutFakeGcsServer('gcs integration'))('GcsStore through a fault-injecting proxy in front of fake-gcs-server', () => {
  const gcs = useFakeGcsBucket('faults');
  let proxy: FaultProxy;
  const storeVia = (endpoint: string, retry = ONE_RETRY): GcsStore =>
    openGcsStore({ projectId: 'datapipe-test', bucket: gcs.bucket, apiEndpoint: endpoint, uploadChunkBytes: CHUNK, retry });

  beforeEach(async () => {
    proxy = await FaultProxy.start(gcs.server.endpoint, { answerStatusQueries: true });
  });
  afterEach(async () => {
    await proxy.close();
  });

  describe('retries what may pass', () => {
    it('a listing answered 503 once', async () => {
      await storeVia(gcs.server.endpoint).put('t/a', 'a');
      proxy.inject(isList, { respond: 503 }, 1);
      expect(await storeVia(proxy.endpoint).list('t/')).toEqual(['t/a']);
      expect(proxy.requests.filter(isList).map((r) => r.status)).toEqual([503, 200]);
      // min(2^1 s + jitter, maxRetryDelay = 1 s): the wait is the cap.
      const [wait] = gaps(proxy.requests.filter(isList));
      expect(wait).toBeGreaterThanOrEqual(990);
      expect(wait).toBeLessThan(1500);
    });

    it('a read throttled with 429 once', async () => {
      await storeVia(gcs.server.endpoint).put('t/a.json', '{"a":1}');
      proxy.inject(isMediaRead, { respond: 429 }, 1);
      expect(await storeVia(proxy.endpoint).get('t/a.json')).toEqual(Buffer.from('{"a":1}'));
      expect(proxy.requests.filter(isMediaRead).map((r) => r.status)).toEqual([429, 200]);
    });

    it('a listing whose connection was dropped once', async () => {
      await storeVia(gcs.server.endpoint).put('t/a', 'a');
      proxy.inject(isList, { drop: true }, 1);
      expect(await storeVia(proxy.endpoint).list('t/')).toEqual(['t/a']);
      expect(proxy.requests.filter(isList).map((r) => r.status)).toEqual([0, 200]);
    });

    it('a small write answered 503 once', async () => {
      proxy.inject(isSmallWrite, { respond: 503 }, 1);
      await storeVia(proxy.endpoint).put('t/_manifest.json', '{"rows":3}');
      expect(await rawBody(gcs.server.endpoint, gcs.bucket, 't/_manifest.json')).toEqual(Buffer.from('{"rows":3}'));
      expect(proxy.requests.filter(isSmallWrite).map((r) => r.status)).toEqual([503, 200]);
    });

    it('a conditional write answered 503 once: the generation precondition makes the retry safe', async () => {
      proxy.inject(isSmallWrite, { respond: 503 }, 1);
      await storeVia(proxy.endpoint).putIfVersion('t/_state.json', '{"watermark":1}', null);
      expect(await rawBody(gcs.server.endpoint, gcs.bucket, 't/_state.json')).toEqual(Buffer.from('{"watermark":1}'));
      expect(proxy.requests.filter(isSmallWrite).map((r) => [r.status, r.query.get('ifGenerationMatch')])).toEqual([[503, '0'], [200, '0']]);
    });

    it('a resumable chunk answered 503: asks the server what it holds, resends from memory, stores the same bytes', async () => {
      const body = patternedBytes(3 * CHUNK + 100);
      proxy.inject((r) => isChunk(r) && r.headers['content-range'] === `bytes ${CHUNK}-${2 * CHUNK - 1}/*`, { respond: 503 }, 1);
      await storeVia(proxy.endpoint).upload('t/run=r1/part.avro', Readable.from([body]));
      expect(proxy.requests.filter((r) => r.method === 'PUT').map((r) => [r.headers['content-range'], r.status])).toEqual([
        [`bytes 0-${CHUNK - 1}/*`, 308],
        [`bytes ${CHUNK}-${2 * CHUNK - 1}/*`, 503],
        ['bytes */*', 308],
        [`bytes ${CHUNK}-${2 * CHUNK - 1}/*`, 308],
        [`bytes ${2 * CHUNK}-${3 * CHUNK - 1}/*`, 308],
        [`bytes ${3 * CHUNK}-${body.length - 1}/${body.length}`, 200],
      ]);
      expect(sha256((await rawBody(gcs.server.endpoint, gcs.bucket, 't/run=r1/part.avro'))!)).toBe(sha256(body));
    });
  });

  describe('reports what does not pass, in one line', () => {
    it('a read still failing after the retries: TransientError (exit 1), maxRetries + 1 attempts', async () => {
      await storeVia(gcs.server.endpoint).put('t/x.json', 'x');
      proxy.inject(isMediaRead, { respond: 503 });
      const error = await storeVia(proxy.endpoint, { ...ONE_RETRY, maxRetries: 2 }).get('t/x.json').catch((e: unknown) => e);
      expect(error).toEqual(new TransientError(
        `reading gs://${gcs.bucket}/t/x.json: GCS answered HTTP 503 injected 503, still failing after retries — a temporary error; re-running is safe`,
      ));
      expect((error as TransientError).exitCode).toBe(1);
      expect(proxy.requests.filter(isMediaRead).map((r) => r.status)).toEqual([503, 503, 503]);
      for (const wait of gaps(proxy.requests.filter(isMediaRead))) expect(wait).toBeGreaterThanOrEqual(990);
    });

    it('a resumable upload whose chunks keep failing: TransientError naming the last answer', async () => {
      proxy.inject(isChunk, { respond: 503 });
      await expect(storeVia(proxy.endpoint).upload('t/part.avro', Readable.from([patternedBytes(CHUNK + 1)]))).rejects.toThrow(new TransientError(
        `uploading gs://${gcs.bucket}/t/part.avro: GCS answered HTTP 503 injected 503, still failing after retries — a temporary error; re-running is safe`,
      ));
      expect(proxy.requests.filter(isChunk).map((r) => r.status)).toEqual([503, 503]);
      expect(await rawNames(gcs.server.endpoint, gcs.bucket)).toEqual([]);
    });

    it('an endpoint nobody listens on: TransientError (exit 1)', async () => {
      const dead = await FaultProxy.start(gcs.server.endpoint);
      const endpoint = dead.endpoint;
      await dead.close();
      await expect(storeVia(endpoint).list('t/')).rejects.toThrow(new TransientError(
        `listing gs://${gcs.bucket}/t/*: cannot reach GCS (ECONNREFUSED), still failing after retries — check the network (or STORAGE_EMULATOR_HOST); re-running is safe`,
      ));
    });

    it('rejected credentials (401): TerminalError with the ADC fix, not retried', async () => {
      proxy.inject(() => true, { respond: 401, message: 'Invalid Credentials' });
      await expect(storeVia(proxy.endpoint).get('t/_state.json')).rejects.toThrow(new TerminalError(
        `reading gs://${gcs.bucket}/t/_state.json: GCS rejected the credentials (HTTP 401) — refresh Application Default Credentials: gcloud auth application-default login locally; in the cluster, check the pod's Workload Identity binding`,
      ));
      expect(proxy.requests.map((r) => r.status)).toEqual([401]);
    });

    it('a denied write (403): TerminalError naming the role to grant, for resumable and small writes alike', async () => {
      const message = 'datapipe@proj.iam.gserviceaccount.com does not have storage.objects.create access to the Google Cloud Storage object.';
      proxy.inject((r) => r.method === 'POST', { respond: 403, message });
      const fix = `— grant the identity roles/storage.objectAdmin on the bucket: gcloud storage buckets add-iam-policy-binding gs://${gcs.bucket} --member=<principal> --role=roles/storage.objectAdmin`;
      await expect(storeVia(proxy.endpoint).upload('t/part.avro', Readable.from([Buffer.from('x')]))).rejects.toThrow(new TerminalError(
        `uploading gs://${gcs.bucket}/t/part.avro: GCS denied access (HTTP 403 ${message}) ${fix}`,
      ));
      await expect(storeVia(proxy.endpoint).put('t/_manifest.json', 'x')).rejects.toThrow(new TerminalError(
        `writing gs://${gcs.bucket}/t/_manifest.json: GCS denied access (HTTP 403 ${message}) ${fix}`,
      ));
      expect(proxy.requests.map((r) => r.status)).toEqual([403, 403]);
    });
  });

  describe('integrity', () => {
    it('an upload altered on the way: the client sees the MD5 differ, deletes the object, TransientError', async () => {
      proxy.inject(isChunk, { corrupt: { find: 'CORRUPT-ME', replace: 'CORRUPT-YE' } });
      await expect(storeVia(proxy.endpoint).upload('t/part.avro', Readable.from([Buffer.from('rows… CORRUPT-ME …rows')]))).rejects.toThrow(new TransientError(
        `gs://${gcs.bucket}/t/part.avro: the object GCS stored does not match the bytes sent (MD5); it was deleted — re-run to upload it again`,
      ));
      expect(proxy.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 200', 'PUT 200', 'DELETE 200']);
      expect(await rawNames(gcs.server.endpoint, gcs.bucket)).toEqual([]);
    });

    it('a small write altered on the way: GCS checks the declared MD5 and writes nothing; the old object stays', async () => {
      const direct = storeVia(gcs.server.endpoint);
      await direct.put('t/_state.json', 'previous');
      const { version } = (await direct.getVersioned('t/_state.json'))!;
      proxy.inject(isSmallWrite, { corrupt: { find: 'CORRUPT-ME', replace: 'CORRUPT-YE' } });
      const refused = new TransientError(
        `gs://${gcs.bucket}/t/_state.json: GCS refused the write because the body arrived altered (provided MD5 hash "${md5('next CORRUPT-ME')}" doesn't match calculated MD5 hash "${md5('next CORRUPT-YE')}"); nothing was written — re-run to send it again`,
      );
      await expect(storeVia(proxy.endpoint).putIfVersion('t/_state.json', 'next CORRUPT-ME', version)).rejects.toThrow(refused);
      await expect(storeVia(proxy.endpoint).put('t/_state.json', 'next CORRUPT-ME')).rejects.toThrow(refused);
      expect(await direct.getVersioned('t/_state.json')).toEqual({ body: Buffer.from('previous'), version });
      expect(proxy.requests.map((r) => r.status)).toEqual([400, 400]);
    });

    it('a read altered on the way: the client sees the MD5 differ, TransientError', async () => {
      await storeVia(gcs.server.endpoint).put('t/_manifest.json', '{"files":"CORRUPT-ME"}');
      proxy.inject(isMediaRead, { corruptAnswer: { find: 'CORRUPT-ME', replace: 'CORRUPT-YE' } });
      const error = new TransientError(`gs://${gcs.bucket}/t/_manifest.json: the bytes received do not match the object's MD5; re-run to read it again`);
      await expect(storeVia(proxy.endpoint).get('t/_manifest.json')).rejects.toThrow(error);
      await expect(readAll(await storeVia(proxy.endpoint).openRead('t/_manifest.json'))).rejects.toThrow(error);
    });
  });
});
