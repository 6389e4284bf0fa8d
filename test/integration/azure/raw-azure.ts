/**
 * The emulator seen without AzureBlobStore: a separate plain SDK client, so the tests check what the
 * container really holds (committed blobs, their properties and block lists) rather than what the
 * store under test says it holds.
 */
import { createHash } from 'node:crypto';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { Azurite } from '../../support/azurite.js';

export interface RawProperties {
  etag: string;
  contentLength: number;
  /** The Content-MD5 the blob declares, base64; undefined when it has none. */
  contentMD5: string | undefined;
}

/** A raw client for one container of `server`. */
export function rawContainer(server: Azurite, container: string): ContainerClient {
  return BlobServiceClient.fromConnectionString(server.connectionString(), { retryOptions: { maxTries: 1 } }).getContainerClient(container);
}

/** Every committed blob name, sorted. */
export async function rawNames(raw: ContainerClient): Promise<string[]> {
  const names: string[] = [];
  for await (const item of raw.listBlobsFlat()) names.push(item.name);
  return names.sort();
}

/** A committed blob's bytes; null when absent. */
export async function rawBody(raw: ContainerClient, key: string): Promise<Buffer | null> {
  const blob = raw.getBlockBlobClient(key);
  if (!(await blob.exists())) return null;
  return blob.downloadToBuffer();
}

/** A committed blob's properties; null when absent. */
export async function rawProperties(raw: ContainerClient, key: string): Promise<RawProperties | null> {
  const blob = raw.getBlockBlobClient(key);
  if (!(await blob.exists())) return null;
  const properties = await blob.getProperties();
  return {
    etag: properties.etag!,
    contentLength: properties.contentLength!,
    contentMD5: properties.contentMD5 ? Buffer.from(properties.contentMD5).toString('base64') : undefined,
  };
}

/** The sizes of a blob's committed and uncommitted blocks. */
export async function rawBlocks(raw: ContainerClient, key: string): Promise<{ committed: number[]; uncommitted: number[] }> {
  const list = await raw.getBlockBlobClient(key).getBlockList('all');
  return {
    committed: (list.committedBlocks ?? []).map((b) => b.size),
    uncommitted: (list.uncommittedBlocks ?? []).map((b) => b.size),
  };
}

export function md5Base64(data: Buffer | string): string {
  return createHash('md5').update(data).digest('base64');
}
