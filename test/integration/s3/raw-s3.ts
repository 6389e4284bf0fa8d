/**
 * The emulator seen without S3Store: a plain SDK client with no retries, so the tests check what
 * the bucket really holds rather than what the store under test says it holds.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import {
  GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { MOTO_CREDENTIALS } from '../../support/moto-server.js';

const clients = new Map<string, S3Client>();

function raw(endpoint: string): S3Client {
  let client = clients.get(endpoint);
  if (!client) {
    client = new S3Client({
      region: 'us-east-1', endpoint, forcePathStyle: true, maxAttempts: 1,
      credentials: { accessKeyId: MOTO_CREDENTIALS.AWS_ACCESS_KEY_ID, secretAccessKey: MOTO_CREDENTIALS.AWS_SECRET_ACCESS_KEY },
    });
    clients.set(endpoint, client);
  }
  return client;
}

const status = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/** Every key in the bucket, sorted. */
export async function rawKeys(endpoint: string, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await raw(endpoint).send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

/** An object's bytes; null when absent. */
export async function rawBody(endpoint: string, bucket: string, key: string): Promise<Buffer | null> {
  try {
    const answer = await raw(endpoint).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await answer.Body!.transformToByteArray());
  } catch (error) {
    if (status(error) === 404) return null;
    throw error;
  }
}

export interface RawHead {
  /** Without quotes, as S3Store hands it out. */
  etag: string;
  size: number;
  crc32: string | undefined;
  checksumType: string | undefined;
}

/** An object's ETag, size and stored CRC32; null when absent. */
export async function rawHead(endpoint: string, bucket: string, key: string): Promise<RawHead | null> {
  try {
    const head = await raw(endpoint).send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
    return { etag: head.ETag!.replace(/"/g, ''), size: head.ContentLength!, crc32: head.ChecksumCRC32, checksumType: head.ChecksumType };
  } catch (error) {
    if (status(error) === 404) return null;
    throw error;
  }
}

/** Writes an object around the store. */
export async function rawPut(endpoint: string, bucket: string, key: string, body: string | Buffer): Promise<void> {
  await raw(endpoint).send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** The multipart uploads started and neither completed nor aborted, as `key` per upload. */
export async function rawPendingUploads(endpoint: string, bucket: string): Promise<string[]> {
  const answer = await raw(endpoint).send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return (answer.Uploads ?? []).map((u) => u.Key!).sort();
}

export function md5Hex(body: string | Buffer): string {
  return createHash('md5').update(body).digest('hex');
}

/** The base64 CRC32 S3 reports for a body written whole (or as a FULL_OBJECT multipart upload). */
export function crc32Base64(body: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(body));
  return out.toString('base64');
}
