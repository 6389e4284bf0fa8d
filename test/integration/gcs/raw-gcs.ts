/**
 * The emulator seen without GcsStore: plain JSON API requests, so the tests check what the bucket
 * really holds rather than what the store under test says it holds.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

export interface RawObject {
  name: string;
  generation: string;
  size: string;
  crc32c: string;
  md5Hash: string;
}

/** Every object name in the bucket, as the server lists it. */
export async function rawNames(endpoint: string, bucket: string): Promise<string[]> {
  const response = await fetch(`${endpoint}/storage/v1/b/${bucket}/o`);
  if (!response.ok) throw new Error(`listing ${bucket}: HTTP ${response.status}`);
  const page = (await response.json()) as { items?: { name: string }[] };
  return (page.items ?? []).map((item) => item.name).sort();
}

/** An object's metadata; null when absent. */
export async function rawMetadata(endpoint: string, bucket: string, key: string): Promise<RawObject | null> {
  const response = await fetch(`${endpoint}/storage/v1/b/${bucket}/o/${encodeURIComponent(key)}`);
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`metadata of ${key}: HTTP ${response.status}`);
  return (await response.json()) as RawObject;
}

/** An object's bytes; null when absent. */
export async function rawBody(endpoint: string, bucket: string, key: string): Promise<Buffer | null> {
  const response = await fetch(`${endpoint}/download/storage/v1/b/${bucket}/o/${encodeURIComponent(key)}?alt=media`);
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`reading ${key}: HTTP ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `size` bytes that differ everywhere (a counter hashed block by block), the same on every call. */
export function patternedBytes(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let offset = 0, block = 0; offset < size; offset += 32, block++) {
    createHash('sha256').update(`block ${block}`).digest().copy(out, offset);
  }
  return out;
}
