/**
 * The slice of @aws-sdk/client-s3 S3Store uses (docs/style.md §4) and the one place a real client is
 * made. Credentials come only from the SDK's default provider chain — environment variables, a
 * shared profile, EKS web identity (IRSA) or Pod Identity, an ECS task role, an EC2 instance role —
 * so nothing here takes a key. https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html
 */
import { Readable } from 'node:stream';
import type {
  AbortMultipartUploadCommandInput, CompleteMultipartUploadCommandInput, CompleteMultipartUploadCommandOutput,
  CreateMultipartUploadCommandInput, CreateMultipartUploadCommandOutput, DeleteObjectCommandInput,
  DeleteObjectsCommandInput, DeleteObjectsCommandOutput, GetObjectCommandInput, GetObjectCommandOutput,
  HeadObjectCommandInput, HeadObjectCommandOutput, ListObjectsV2CommandInput, ListObjectsV2CommandOutput,
  PutObjectCommandInput, PutObjectCommandOutput, UploadPartCommandInput, UploadPartCommandOutput,
} from '@aws-sdk/client-s3';
import type { RetryPolicy } from '../../retry.js';
import type { Logger } from '../../log.js';
import { s3RetryStrategy } from './s3-retry.js';

/** A GetObject answer with its body as a Node stream (the SDK's checksum-validating stream). */
export type S3GetOutput = Pick<GetObjectCommandOutput, 'ETag' | 'ContentLength' | 'ChecksumCRC32'> & { Body: Readable };

/** The S3 operations DataPipe calls, one method per SDK command. */
export interface S3Api {
  putObject(input: PutObjectCommandInput): Promise<Pick<PutObjectCommandOutput, 'ETag' | 'ChecksumCRC32'>>;
  getObject(input: GetObjectCommandInput): Promise<S3GetOutput>;
  headObject(input: HeadObjectCommandInput): Promise<Pick<HeadObjectCommandOutput, 'ETag' | 'ContentLength' | 'ChecksumCRC32' | 'ChecksumType'>>;
  listObjectsV2(input: ListObjectsV2CommandInput): Promise<Pick<ListObjectsV2CommandOutput, 'Contents' | 'NextContinuationToken' | 'IsTruncated'>>;
  deleteObject(input: DeleteObjectCommandInput): Promise<unknown>;
  deleteObjects(input: DeleteObjectsCommandInput): Promise<Pick<DeleteObjectsCommandOutput, 'Errors'>>;
  createMultipartUpload(input: CreateMultipartUploadCommandInput): Promise<Pick<CreateMultipartUploadCommandOutput, 'UploadId'>>;
  uploadPart(input: UploadPartCommandInput): Promise<Pick<UploadPartCommandOutput, 'ETag' | 'ChecksumCRC32'>>;
  completeMultipartUpload(input: CompleteMultipartUploadCommandInput): Promise<Pick<CompleteMultipartUploadCommandOutput, 'ETag' | 'ChecksumCRC32' | 'ChecksumType'>>;
  abortMultipartUpload(input: AbortMultipartUploadCommandInput): Promise<unknown>;
}

export interface S3ClientOptions {
  /** destination.aws.region: where requests are signed for and sent. */
  region: string;
  /** An S3-compatible endpoint or emulator (destination.aws.endpoint); else AWS's regional endpoint. */
  endpoint?: string;
  /** Bucket in the path (`http://host/bucket/key`) instead of the host name; emulators need it. */
  forcePathStyle?: boolean;
  retry: RetryPolicy;
  /** Receives a warning per retried request. */
  log: Logger;
}

/** How long a connection may take to open, and a socket may stay silent, before the attempt fails (and is retried). */
const CONNECT_TIMEOUT_MS = 10_000;
const SOCKET_IDLE_TIMEOUT_MS = 60_000;

/**
 * An S3Api over a real S3Client. The SDK is imported on first use, so commands that never touch S3
 * (local runs, `datapipe validate`) do not pay its load time.
 *
 * Settings chosen on purpose:
 * - `retryStrategy`: DataPipe's policy, run by the SDK's own retry loop (s3-retry.ts) — the only
 *   retry layer for S3 requests.
 * - `followRegionRedirects` stays off: a bucket in another region than destination.aws.region is
 *   reported (exit 2, naming its region), not silently followed, since Redshift's COPY reads it
 *   from that same configured region.
 * - Checksums keep the SDK's defaults (`WHEN_SUPPORTED`: CRC32 on writes, validated on reads);
 *   S3Store declares its own CRC32 on every write anyway (s3-upload.ts). moto handles both; an
 *   S3-compatible server that rejects `x-amz-checksum-*` headers cannot be used for staging.
 */
export async function createS3Client(options: S3ClientOptions): Promise<S3Api> {
  // The pinned SDK (the last release for Node 20) warns on every process start that later
  // releases will need Node 22: a multi-line notice on stderr that tells a user nothing to do.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sdk = await import('@aws-sdk/client-s3');
  const client = new sdk.S3Client({
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    forcePathStyle: options.forcePathStyle ?? false,
    followRegionRedirects: false,
    maxAttempts: options.retry.attempts,
    retryStrategy: s3RetryStrategy(options.retry, options.log),
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, socketTimeout: SOCKET_IDLE_TIMEOUT_MS },
  });
  return {
    putObject: (input) => client.send(new sdk.PutObjectCommand(input)),
    getObject: async (input) => {
      const output = await client.send(new sdk.GetObjectCommand(input));
      if (!(output.Body instanceof Readable)) throw new Error('GetObject answered without a Node.js stream body');
      return { ...output, Body: output.Body };
    },
    headObject: (input) => client.send(new sdk.HeadObjectCommand(input)),
    listObjectsV2: (input) => client.send(new sdk.ListObjectsV2Command(input)),
    deleteObject: (input) => client.send(new sdk.DeleteObjectCommand(input)),
    deleteObjects: (input) => client.send(new sdk.DeleteObjectsCommand(input)),
    createMultipartUpload: (input) => client.send(new sdk.CreateMultipartUploadCommand(input)),
    uploadPart: (input) => client.send(new sdk.UploadPartCommand(input)),
    completeMultipartUpload: (input) => client.send(new sdk.CompleteMultipartUploadCommand(input)),
    abortMultipartUpload: (input) => client.send(new sdk.AbortMultipartUploadCommand(input)),
  };
}
