/**
 * The emulator seen without GcsStore: plain JSON API requests, so the tests check what the bucket
 * really holds rather than what the store under test says it holds.
 */

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

export { patternedBytes, readAll, sha256 } from '../../support/test-bytes.js';
