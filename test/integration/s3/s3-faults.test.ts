import { Readable, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PreconditionFailedError, TerminalError, TransientError } from '../../../shared/errors.js';
import { createLogger } from '../../../shared/log.js';
import { openS3Store, type OpenS3StoreOptions, type S3Store } from '../../../shared/stores/s3/s3-store.js';
import { FaultProxy, type Fault, type ProxiedRequest } from '../../support/fault-proxy.js';
import { skipWithoutMotoServer } from '../../support/moto-server.js';
import { patternedBytes, readAll, sha256 } from '../../support/test-bytes.js';
import { useMotoBucket } from './moto-bucket.js';
import { crc32Base64, rawBody, rawKeys, rawPendingUploads, rawPut } from './raw-s3.js';

const MIB = 1024 * 1024;
const PART = 5 * MIB;
/** Three tries; waits drawn from [0, 100 ms) then [0, 200 ms) (full jitter). */
const RETRY = { attempts: 3, baseDelayMs: 100, maxDelayMs: 400 };

const isPut = (r: ProxiedRequest) => r.method === 'PUT' && !r.query.has('uploadId');
const isList = (r: ProxiedRequest) => r.method === 'GET' && r.query.get('list-type') === '2';
const isGet = (r: ProxiedRequest) => r.method === 'GET' && !r.query.has('list-type');
const isPart = (n: number) => (r: ProxiedRequest) => r.method === 'PUT' && r.query.get('partNumber') === String(n);
const isComplete = (r: ProxiedRequest) => r.method === 'POST' && r.query.has('uploadId');

/** S3's error document, as S3 sends it. https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#RESTErrorResponses */
function s3Error(status: number, code: string, message: string, options: { extra?: string; headers?: Record<string, string> } = {}): Fault {
  return {
    respond: status,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${options.extra ?? ''}<RequestId>4442587FB7D0A2F9</RequestId><HostId>injected</HostId></Error>`,
    headers: { 'content-type': 'application/xml', ...options.headers },
  };
}
const SLOW_DOWN = s3Error(503, 'SlowDown', 'Please reduce your request rate.');

describe.skipIf(skipWithoutMotoServer('s3 integration'))('S3Store through a fault-injecting proxy in front of moto', () => {
  const moto = useMotoBucket('faults');
  let proxy: FaultProxy;
  const storeVia = (endpoint: string, options: Partial<OpenS3StoreOptions> = {}): S3Store =>
    openS3Store({ bucket: moto.bucket, region: 'us-east-1', endpoint, forcePathStyle: true, partBytes: PART, retry: RETRY, ...options });
  const direct = () => storeVia(moto.server.endpoint);

  beforeEach(async () => {
    proxy = await FaultProxy.start(moto.server.endpoint);
  });
  afterEach(async () => {
    await proxy.close();
  });

  describe('retries what may pass', () => {
    it('a write answered 503 SlowDown once, with the wait drawn from the policy and logged', async () => {
      const lines: string[] = [];
      const log = createLogger({ level: 'warn', pretty: false, destination: new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }) });
      proxy.inject(isPut, SLOW_DOWN, 1);
      await storeVia(proxy.endpoint, { log }).put('t/_manifest.json', '{"rows":3}');
      expect(proxy.requests.filter(isPut).map((r) => r.status)).toEqual([503, 200]);
      expect(await rawBody(moto.server.endpoint, moto.bucket, 't/_manifest.json')).toEqual(Buffer.from('{"rows":3}'));
      const [warning, ...more] = lines.map((line) => JSON.parse(line) as { msg: string; attempt: number; of: number; retry_in_ms: number });
      expect(more).toEqual([]);
      expect(warning).toMatchObject({ attempt: 1, of: 3 });
      expect(warning!.retry_in_ms).toBeLessThan(100);
      expect(warning!.msg).toBe(`S3 request failed (HTTP 503 SlowDown (Please reduce your request rate.)); retrying in ${warning!.retry_in_ms} ms`);
    });

    it('a listing answered 500 InternalError once', async () => {
      await direct().put('t/a', 'a');
      proxy.inject(isList, s3Error(500, 'InternalError', 'We encountered an internal error. Please try again.'), 1);
      expect(await storeVia(proxy.endpoint).list('t/')).toEqual(['t/a']);
      expect(proxy.requests.filter(isList).map((r) => r.status)).toEqual([500, 200]);
    });

    it('a read whose connection was dropped once', async () => {
      await direct().put('t/a.json', '{"a":1}');
      proxy.inject(isGet, { drop: true }, 1);
      expect(await storeVia(proxy.endpoint).get('t/a.json')).toEqual(Buffer.from('{"a":1}'));
      expect(proxy.requests.filter(isGet).map((r) => r.status)).toEqual([0, 200]);
    });

    it('a conditional create answered 503 once: the retry carries the same If-None-Match', async () => {
      proxy.inject(isPut, SLOW_DOWN, 1);
      await storeVia(proxy.endpoint).putIfVersion('t/_state.json', '{"watermark":1}', null);
      expect(proxy.requests.filter(isPut).map((r) => [r.status, r.headers['if-none-match']])).toEqual([[503, '*'], [200, '*']]);
      expect(await rawBody(moto.server.endpoint, moto.bucket, 't/_state.json')).toEqual(Buffer.from('{"watermark":1}'));
    });

    it('a part answered 503 SlowDown once: resent from memory, the object has the exact bytes', async () => {
      const body = patternedBytes(2 * PART + 100);
      proxy.inject(isPart(2), SLOW_DOWN, 1);
      await storeVia(proxy.endpoint).upload('t/run=r1/part.avro', Readable.from([body]));
      expect(proxy.requests.filter(isPart(2)).map((r) => r.status)).toEqual([503, 200]);
      expect(sha256((await rawBody(moto.server.endpoint, moto.bucket, 't/run=r1/part.avro'))!)).toBe(sha256(body));
    });

    it('a connection reset while a part is being sent: resent, the object has the exact bytes', async () => {
      const body = patternedBytes(2 * PART + 100);
      proxy.inject(isPart(2), { dropAfterBytes: MIB }, 1);
      await storeVia(proxy.endpoint).upload('t/run=r1/part.avro', Readable.from([body]));
      expect(proxy.requests.filter(isPart(2)).map((r) => r.status)).toEqual([0, 200]);
      expect(sha256((await rawBody(moto.server.endpoint, moto.bucket, 't/run=r1/part.avro'))!)).toBe(sha256(body));
      expect(await rawPendingUploads(moto.server.endpoint, moto.bucket)).toEqual([]);
    });

    it('the completion answered 503 once', async () => {
      const body = patternedBytes(PART + 1);
      proxy.inject(isComplete, SLOW_DOWN, 1);
      await storeVia(proxy.endpoint).upload('t/run=r1/part.avro', Readable.from([body]));
      expect(proxy.requests.filter(isComplete).map((r) => r.status)).toEqual([503, 200]);
      expect(sha256((await rawBody(moto.server.endpoint, moto.bucket, 't/run=r1/part.avro'))!)).toBe(sha256(body));
    });
  });

  describe('reports what does not pass, in one line', () => {
    it('a write still throttled after the policy\'s attempts: TransientError (exit 1)', async () => {
      proxy.inject(isPut, SLOW_DOWN);
      const error = await storeVia(proxy.endpoint).put('t/x.json', 'x').catch((e: unknown) => e);
      expect(error).toEqual(new TransientError(
        `writing s3://${moto.bucket}/t/x.json: S3 answered HTTP 503 SlowDown (Please reduce your request rate.), still failing after 3 attempts — a temporary error; re-running is safe`,
      ));
      expect((error as TransientError).exitCode).toBe(1);
      expect(proxy.requests.filter(isPut).map((r) => r.status)).toEqual([503, 503, 503]);
    });

    it('an upload whose part keeps failing: aborted before rejecting, nothing left, the body not read to the end', async () => {
      proxy.inject(isPart(1), SLOW_DOWN);
      const total = 40 * MIB;
      let pulled = 0;
      const body = new Readable({
        read() {
          if (pulled >= total) return void this.push(null);
          pulled += MIB;
          this.push(Buffer.alloc(MIB, 7));
        },
      });
      const error = await storeVia(proxy.endpoint, { uploadConcurrency: 1 }).upload('t/part.avro', body).catch((e: unknown) => e);
      const seenAtRejection = proxy.requests.map((r) => `${r.method} ${r.query.get('partNumber') ?? ''} ${r.status}`);
      expect(error).toEqual(new TransientError(
        `uploading s3://${moto.bucket}/t/part.avro: S3 answered HTTP 503 SlowDown (Please reduce your request rate.), still failing after 3 attempts — a temporary error; re-running is safe`,
      ));
      expect(seenAtRejection).toEqual(['POST  200', 'PUT 1 503', 'PUT 1 503', 'PUT 1 503', 'DELETE  204']);
      expect(pulled).toBeLessThan(total);
      expect(body.destroyed).toBe(true);
      expect(await rawPendingUploads(moto.server.endpoint, moto.bucket)).toEqual([]);
      expect(await rawKeys(moto.server.endpoint, moto.bucket)).toEqual([]);
    });

    it('a refused request (400) is not retried: TerminalError (exit 2) with S3\'s words', async () => {
      proxy.inject(isPut, s3Error(400, 'InvalidArgument', 'Invalid argument.'));
      await expect(storeVia(proxy.endpoint).put('t/x.json', 'x')).rejects.toThrow(new TerminalError(
        `writing s3://${moto.bucket}/t/x.json: S3 refused the request (HTTP 400 InvalidArgument (Invalid argument.))`,
      ));
      expect(proxy.requests.map((r) => r.status)).toEqual([400]);
    });

    it('an endpoint nobody listens on: TransientError (exit 1) after the policy\'s attempts', async () => {
      const dead = await FaultProxy.start(moto.server.endpoint);
      const endpoint = dead.endpoint;
      await dead.close();
      await expect(storeVia(endpoint).list('t/')).rejects.toThrow(new TransientError(
        `listing s3://${moto.bucket}/t/*: cannot reach S3 (ECONNREFUSED), still failing after 3 attempts — check the network (or destination.aws.endpoint); re-running is safe`,
      ));
    });

    it('denied access (403): TerminalError naming the permission and the principal S3 names, not retried', async () => {
      const principal = 'arn:aws:sts::123456789012:assumed-role/datapipe-extractor/i-0abc';
      proxy.inject(isPut, s3Error(403, 'AccessDenied', `User: ${principal} is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::${moto.bucket}/t/x.json" because no identity-based policy allows the s3:PutObject action`));
      await expect(storeVia(proxy.endpoint).put('t/x.json', 'x')).rejects.toThrow(new TerminalError(
        `writing s3://${moto.bucket}/t/x.json: S3 denied access (HTTP 403 AccessDenied) — allow ${principal} s3:PutObject on arn:aws:s3:::${moto.bucket}/*`,
      ));
      proxy.inject(isGet, s3Error(403, 'AccessDenied', 'Access Denied'));
      await expect(storeVia(proxy.endpoint).get('t/_state.json')).rejects.toThrow(new TerminalError(
        `reading s3://${moto.bucket}/t/_state.json: S3 denied access (HTTP 403 AccessDenied) — allow the identity DataPipe runs as (aws sts get-caller-identity shows it) s3:GetObject on arn:aws:s3:::${moto.bucket}/* and s3:ListBucket on arn:aws:s3:::${moto.bucket} (without s3:ListBucket a key that does not exist also answers 403)`,
      ));
      expect(proxy.requests.map((r) => r.status)).toEqual([403, 403]);
    });

    it('a key DeleteObjects could not delete: TerminalError naming s3:DeleteObject', async () => {
      proxy.inject((r) => r.method === 'POST' && r.query.has('delete'), {
        respond: 200,
        headers: { 'content-type': 'application/xml' },
        body: '<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult><Error><Key>t/b</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>',
      });
      await expect(storeVia(proxy.endpoint).delete(['t/a', 't/b'])).rejects.toThrow(new TerminalError(
        `deleting s3://${moto.bucket}/t/b: S3 denied access (HTTP 403 AccessDenied) — allow the identity DataPipe runs as (aws sts get-caller-identity shows it) s3:DeleteObject on arn:aws:s3:::${moto.bucket}/*`,
      ));
    });

    it('a bucket in another region: TerminalError naming the region S3 tells', async () => {
      proxy.inject(isGet, s3Error(301, 'PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.', {
        extra: `<Endpoint>${moto.bucket}.s3.eu-west-1.amazonaws.com</Endpoint><Bucket>${moto.bucket}</Bucket>`,
        headers: { 'x-amz-bucket-region': 'eu-west-1' },
      }), 1);
      const wrongRegion = new TerminalError(`S3 bucket ${moto.bucket} is in region eu-west-1, not us-east-1 — set destination.aws.region: eu-west-1`);
      await expect(storeVia(proxy.endpoint).get('t/_state.json')).rejects.toThrow(wrongRegion);
      proxy.inject(isPut, s3Error(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed; the region \'us-east-1\' is wrong; expecting \'eu-west-1\'', {
        extra: '<Region>eu-west-1</Region>',
      }), 1);
      await expect(storeVia(proxy.endpoint).put('t/x', 'x')).rejects.toThrow(wrongRegion);
      proxy.inject(isList, s3Error(301, 'PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint.'), 1);
      await expect(storeVia(proxy.endpoint).list('t/')).rejects.toThrow(new TerminalError(
        `S3 bucket ${moto.bucket} is not in region us-east-1 (S3 answered HTTP 301 PermanentRedirect) — set destination.aws.region to the bucket's region (aws s3api get-bucket-location --bucket ${moto.bucket} shows it)`,
      ));
      expect(proxy.requests.map((r) => r.status)).toEqual([301, 400, 301]);
    });

    it('rejected credentials: one line, exit 2, nothing of the signature in the message or the kept cause', async () => {
      proxy.inject(isGet, s3Error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', {
        extra: '<AWSAccessKeyId>AKIAEXAMPLEKEYID0000</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256 20240101T000000Z scope-of-the-signature</StringToSign><SignatureProvided>abcdef0123</SignatureProvided>',
      }));
      const error = await storeVia(proxy.endpoint).get('t/_state.json').catch((e: unknown) => e) as TerminalError;
      expect(error).toEqual(new TerminalError(
        `reading s3://${moto.bucket}/t/_state.json: S3 rejected the credentials (HTTP 403 SignatureDoesNotMatch) — the default provider chain found a wrong or expired key, session or role: check AWS_ACCESS_KEY_ID, AWS_SESSION_TOKEN and AWS_PROFILE, or the IAM role the pod runs as`,
      ));
      expect(error.exitCode).toBe(2);
      const kept = JSON.stringify({ ...(error.cause as object), message: (error.cause as Error).message, stack: (error.cause as Error).stack });
      for (const secret of ['AKIAEXAMPLEKEYID0000', 'scope-of-the-signature', 'abcdef0123']) expect(kept).not.toContain(secret);
    });

    it('a conditional write that lost to a concurrent one (409 ConditionalRequestConflict): PreconditionFailedError', async () => {
      proxy.inject(isPut, s3Error(409, 'ConditionalRequestConflict', 'A conflicting operation occurred. If using PutObject you can retry the request.'));
      await expect(storeVia(proxy.endpoint).putIfVersion('t/_state.json', 'x', null)).rejects.toThrow(new PreconditionFailedError(
        `s3://${moto.bucket}/t/_state.json changed since it was read (expected it absent) — another writer got there first`,
      ));
      expect(proxy.requests.map((r) => r.status)).toEqual([409]);
    });
  });

  describe('integrity', () => {
    it('a part altered on the way: the stored CRC32 differs from the one sent, the object is deleted, TransientError', async () => {
      const body = patternedBytes(PART + 100);
      body.write('CORRUPT-ME', 1000);
      proxy.inject(isPart(1), { corrupt: { find: 'CORRUPT-ME', replace: 'CORRUPT-YE' } });
      const altered = Buffer.from(body);
      altered.write('CORRUPT-YE', 1000);
      await expect(storeVia(proxy.endpoint).upload('t/part.avro', Readable.from([body]))).rejects.toThrow(new TransientError(
        `s3://${moto.bucket}/t/part.avro: the object S3 stored does not match the bytes sent (CRC32 ${crc32Base64(altered)}, sent ${crc32Base64(body)}); it was deleted — re-run to upload it again`,
      ));
      expect(await rawKeys(moto.server.endpoint, moto.bucket)).toEqual([]);
    });

    it('a write S3 refuses as altered (400 BadDigest): TransientError, the previous object stays', async () => {
      await rawPut(moto.server.endpoint, moto.bucket, 't/_state.json', 'previous');
      proxy.inject(isPut, s3Error(400, 'BadDigest', 'The CRC32 you specified did not match the calculated checksum.'));
      await expect(storeVia(proxy.endpoint).put('t/_state.json', 'next')).rejects.toThrow(new TransientError(
        `s3://${moto.bucket}/t/_state.json: S3 refused the write because the body arrived altered (BadDigest); nothing was written — re-run to send it again`,
      ));
      expect(await rawBody(moto.server.endpoint, moto.bucket, 't/_state.json')).toEqual(Buffer.from('previous'));
    });

    it('a read altered on the way: the SDK sees the CRC32 differ, TransientError for get and openRead', async () => {
      await direct().put('t/_manifest.json', '{"files":"CORRUPT-ME"}');
      proxy.inject(isGet, { corruptAnswer: { find: 'CORRUPT-ME', replace: 'CORRUPT-YE' } });
      const error = new TransientError(`s3://${moto.bucket}/t/_manifest.json: the bytes received do not match the object's CRC32; re-run to read it again`);
      await expect(storeVia(proxy.endpoint).get('t/_manifest.json')).rejects.toThrow(error);
      await expect(readAll(await storeVia(proxy.endpoint).openRead('t/_manifest.json'))).rejects.toThrow(error);
    });
  });
});
