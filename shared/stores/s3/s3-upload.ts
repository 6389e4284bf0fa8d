/**
 * Streaming one object to S3 with bounded memory and a checksum verified end to end.
 *
 * A body that fits in one part is one PutObject; a larger one is a multipart upload, invisible
 * under its key until CompleteMultipartUpload succeeds. Every request declares a CRC32 of its
 * bytes: each part's own, and at completion the whole object's as a FULL_OBJECT checksum, so S3
 * checks both what each request carried and what it assembled, and refuses a mismatch with
 * nothing published. The client then compares the CRC32 S3 reports for the stored object with its
 * own and deletes an object that differs: the check that still holds where a server does not
 * verify declared checksums (moto 5.2.5 computes a multipart object's CRC32 from the bytes it
 * stored, and echoes a single request's). A FULL_OBJECT CRC32 is also what GetObject returns, so
 * reads are checked by the SDK against the same value. https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 *
 * Why CRC32, not CRC32C, CRC64NVME or MD5: Node's zlib.crc32 is native, about 2 GB/s — 0.06 s of
 * CPU per 128 MiB, computed twice (per part and running) — where the SDK's CRC32C and CRC64NVME
 * are JavaScript (0.25–0.28 s) and MD5 is 0.18 s and cannot be combined across parts.
 *
 * Not @aws-sdk/lib-storage's Upload: when one part fails its other workers keep reading and
 * sending the rest of the body before the upload is aborted, it has no way to declare a
 * FULL_OBJECT checksum computed from the stream, and it holds parts by concatenation copies.
 */
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { TerminalError, TransientError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { S3Api } from './s3-client.js';
import { classifyS3Error, codeOf, describeS3Error, scrubbed, statusOf, type S3ErrorContext } from './s3-errors.js';

/** How a body is cut and sent. */
export interface UploadTuning {
  /** Bytes per part, at least 5 MiB (S3's minimum for all parts but the last). */
  partBytes: number;
  /** Parts in flight at once. Memory held: (concurrency + 2) × partBytes at most. */
  concurrency: number;
}

/** Where an upload goes, for requests and for the one line of any error. */
export type UploadContext = S3ErrorContext & { key: string };

/** What was published. */
export interface UploadedObject {
  bytes: number;
  parts: number;
  etag: string;
  /** Base64 CRC32 of the whole object, as S3 reports it. */
  crc32: string;
}

/**
 * The request fields declaring a CRC32. With the checksum given, the SDK sends it as is instead of
 * computing its own; the algorithm header (`x-amz-sdk-checksum-algorithm`) is what moto, like the
 * SDK's own requests, names the checksum by — without it moto ignores the value.
 */
export function crc32Fields(checksum: string) {
  return { ChecksumAlgorithm: 'CRC32', ChecksumCRC32: checksum } as const;
}

const base64Crc = (value: number) => Buffer.from([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]).toString('base64');

/**
 * Streams `body` to `bucket/key`. Resolves once the object is published and its CRC32 confirmed.
 * Rejects with the body's own error when the body fails, else with a classified S3 error; either
 * way only after any multipart upload it started has been aborted, so nothing of it stays behind.
 */
export async function uploadObject(
  api: S3Api, context: UploadContext, body: Readable, tuning: UploadTuning, log: Logger,
): Promise<UploadedObject> {
  const { bucket, key } = context;
  // Part buffers come back here once sent, so an upload reuses the same few instead of leaving
  // garbage for the collector: memory stays at what is in flight, not what was sent.
  const spare: Buffer[] = [];
  const parts = partsOf(body, tuning.partBytes, spare);
  // The body's own failure is passed on as it is: it is not S3's.
  const first = await parts.next();
  if (first.done) throw new Error('unreachable: partsOf yields at least one part');
  if (first.value.last) {
    const data = first.value.data;
    const sent = base64Crc(crc32(data));
    const answer = await api.putObject({ Bucket: bucket, Key: key, Body: data, ...crc32Fields(sent) }).catch((error: unknown) => {
      throw classifyS3Error(error, context);
    });
    await confirm(api, context, sent, answer.ChecksumCRC32);
    return { bytes: data.length, parts: 1, etag: unquoted(answer.ETag), crc32: sent };
  }

  const { UploadId } = await api.createMultipartUpload({ Bucket: bucket, Key: key, ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' })
    .catch((error: unknown) => {
      throw classifyS3Error(error, context);
    });
  if (!UploadId) throw new TransientError(`uploading ${context.target}: S3 started a multipart upload without an upload id`);
  const sent = await sendParts(api, context, UploadId, first.value, parts, spare, tuning, log);

  let reported: string | undefined;
  let etag: string | undefined;
  try {
    const answer = await api.completeMultipartUpload({
      Bucket: bucket, Key: key, UploadId, ChecksumCRC32: sent.crc32, ChecksumType: 'FULL_OBJECT', MultipartUpload: { Parts: sent.parts },
    });
    reported = answer.ChecksumCRC32;
    etag = answer.ETag;
  } catch (error) {
    // An earlier attempt may have completed it and lost the answer: the object is then there, with our CRC32.
    if (codeOf(error) !== 'NoSuchUpload') {
      await abort(api, context, UploadId, log);
      throw classifyS3Error(error, context);
    }
  }
  await confirm(api, context, sent.crc32, reported);
  return { bytes: sent.bytes, parts: sent.parts.length, etag: unquoted(etag), crc32: sent.crc32 };
}

/** A part as CompleteMultipartUpload lists it. */
interface SentPart {
  PartNumber: number;
  ETag: string;
  ChecksumCRC32: string;
}

/**
 * Sends `first` and the rest of `parts`, `tuning.concurrency` at a time, reading the next part only
 * once a request slot is free. On the first failure (a part S3 refused after retries, or the body
 * failing) it stops reading, lets the requests in flight settle, aborts the upload and rejects.
 */
async function sendParts(
  api: S3Api, context: UploadContext, uploadId: string, first: Part, parts: AsyncGenerator<Part>, spare: Buffer[], tuning: UploadTuning, log: Logger,
): Promise<{ parts: SentPart[]; crc32: string; bytes: number }> {
  const sent: SentPart[] = [];
  const inFlight = new Set<Promise<void>>();
  const failed: { s3?: { error: unknown }; body?: { error: unknown } } = {};
  let whole = 0;
  let bytes = 0;
  try {
    for (let part: Part | undefined = first, number = 1; part !== undefined; number++) {
      const { data, last } = part;
      whole = crc32(data, whole);
      bytes += data.length;
      const checksum = base64Crc(crc32(data));
      const partNumber = number;
      const sending: Promise<void> = api.uploadPart({
        Bucket: context.bucket, Key: context.key, UploadId: uploadId, PartNumber: partNumber, Body: data, ...crc32Fields(checksum),
      })
        .then(({ ETag }) => {
          if (!ETag) throw new Error(`S3 answered part ${partNumber} without an ETag`);
          sent.push({ PartNumber: partNumber, ETag, ChecksumCRC32: checksum });
          if (data.length === tuning.partBytes) spare.push(data);
        })
        .catch((error: unknown) => {
          failed.s3 ??= { error };
        })
        .finally(() => inFlight.delete(sending));
      inFlight.add(sending);
      if (last) break;
      while (inFlight.size >= tuning.concurrency && !failed.s3) await Promise.race(inFlight);
      if (failed.s3) break;
      try {
        part = (await parts.next()).value ?? undefined;
      } catch (error) {
        failed.body = { error };
        break;
      }
    }
    await Promise.all(inFlight);
  } finally {
    // Stops reading the body (destroying it) when a part failed before the body was read to the end.
    await parts.return(undefined);
  }
  const failure = failed.body ?? failed.s3;
  if (failure) {
    await abort(api, context, uploadId, log);
    throw failed.body ? failure.error : classifyS3Error(failure.error, context);
  }
  sent.sort((a, b) => a.PartNumber - b.PartNumber);
  return { parts: sent, crc32: base64Crc(whole), bytes };
}

/** One part of a body: `last` is known once the body has ended (or more bytes followed). */
interface Part {
  data: Buffer;
  last: boolean;
}

/**
 * Cuts a stream into parts of exactly `size` bytes (the last one shorter, possibly empty when it is
 * also the first). Each part is filled in place in its own buffer, taken from `spare` when one is
 * there; a full part is held back until the next byte or the end arrives, which tells whether it
 * is the last.
 */
export async function* partsOf(body: Readable, size: number, spare: Buffer[] = []): AsyncGenerator<Part, void, undefined> {
  const buffer = () => spare.pop() ?? Buffer.allocUnsafe(size);
  let filling = buffer();
  let filled = 0;
  let full: Buffer | undefined;
  for await (const chunk of body) {
    let data: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    while (data.length > 0) {
      if (full) {
        yield { data: full, last: false };
        full = undefined;
      }
      const n = Math.min(size - filled, data.length);
      data.copy(filling, filled, 0, n);
      filled += n;
      data = data.subarray(n);
      if (filled === size) {
        full = filling;
        filling = buffer();
        filled = 0;
      }
    }
  }
  if (full) yield { data: full, last: true };
  else yield { data: filling.subarray(0, filled), last: true };
}

/**
 * Checks the CRC32 S3 reports for the stored object (from the write's answer, else from a HEAD
 * with checksums enabled) against the one computed from the bytes sent; deletes a mismatch.
 */
async function confirm(api: S3Api, context: UploadContext, sent: string, reported: string | undefined): Promise<void> {
  const { bucket, key, target } = context;
  let stored = reported;
  if (stored === undefined) {
    const head = await api.headObject({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }).catch((error: unknown) => {
      // Only after a NoSuchUpload: someone (a lifecycle rule, another process) aborted the upload.
      if (statusOf(error) === 404) throw new TransientError(`uploading ${target}: S3 no longer knows the multipart upload, and no object was published — re-running is safe`, { cause: scrubbed(error) });
      throw classifyS3Error(error, context);
    });
    stored = head.ChecksumType === undefined || head.ChecksumType === 'FULL_OBJECT' ? head.ChecksumCRC32 : undefined;
  }
  if (stored === undefined) {
    throw new TerminalError(`${target}: S3 reports no CRC32 for the object, so its bytes cannot be verified — the endpoint must support S3's x-amz-checksum-crc32 (destination.aws.endpoint)`);
  }
  if (stored === sent) return;
  const outcome = await api.deleteObject({ Bucket: bucket, Key: key }).then(
    () => 'it was deleted — re-run to upload it again',
    () => `deleting it failed too — remove it (aws s3 rm ${target}) and re-run`,
  );
  throw new TransientError(`${target}: the object S3 stored does not match the bytes sent (CRC32 ${stored}, sent ${sent}); ${outcome}`);
}

/** Aborts a multipart upload so its parts do not linger (and cost); a failure is logged, not thrown. */
async function abort(api: S3Api, context: UploadContext, uploadId: string, log: Logger): Promise<void> {
  try {
    await api.abortMultipartUpload({ Bucket: context.bucket, Key: context.key, UploadId: uploadId });
  } catch (error) {
    log.warn(
      { uri: context.target, upload_id: uploadId, err: describeS3Error(error) },
      `could not abort the multipart upload of ${context.target}; its parts stay until a lifecycle rule (AbortIncompleteMultipartUpload) removes them`,
    );
  }
}

/** An ETag without the quotes S3 wraps it in: the version string S3Store hands out. */
export function unquoted(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}
