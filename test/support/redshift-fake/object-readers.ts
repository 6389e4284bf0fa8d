/**
 * Where the fake's COPY reads `s3://bucket/key` objects from: an injected reader, so tests can
 * stage files in a local folder (unit tests) or in an S3 emulator such as moto (integration).
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** Reads staged objects; `null` when the object does not exist. */
export interface ObjectReader {
  read(bucket: string, key: string): Promise<Buffer | null>;
  /** Keys under a prefix, for COPY without MANIFEST (FROM 's3://bucket/prefix' loads every match). */
  list(bucket: string, prefix: string): Promise<string[]>;
}

/** Objects as files: `s3://bucket/a/b.avro` is `<root>/bucket/a/b.avro`. */
export function folderObjectReader(root: string): ObjectReader {
  return {
    async read(bucket, key) {
      try {
        return await readFile(join(root, bucket, ...key.split('/')));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async list(bucket, prefix) {
      const base = join(root, bucket);
      let entries: string[];
      try {
        entries = await readdir(base, { recursive: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      return entries.map((entry) => relative(base, join(base, entry)).split(sep).join('/'))
        .filter((key) => key.startsWith(prefix)).sort();
    },
  };
}

/** The S3 calls the reader makes (structural, so any configured S3Client fits). */
export type S3ReadClient = Pick<S3Client, 'send'>;

/** Objects through @aws-sdk/client-s3, e.g. `new S3Client({ endpoint: motoUrl, forcePathStyle: true, … })`. */
export function s3ObjectReader(client: S3ReadClient): ObjectReader {
  return {
    async read(bucket, key) {
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!response.Body) return Buffer.alloc(0);
        return Buffer.from(await response.Body.transformToByteArray());
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name === 'NoSuchKey' || name === 'NotFound') return null;
        throw error;
      }
    },
    async list(bucket, prefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
  };
}
