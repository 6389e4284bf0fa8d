import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { PreconditionFailedError } from '../../../shared/errors.js';
import type { ObjectStore, VersionedObject } from '../../../shared/stores/object-store.js';

const CHUNK_BYTES = 64 * 1024;

/**
 * An ObjectStore held in a Map, for tests that need real AVRO parts without a folder or bucket.
 * Uploads become visible only once the body has been read to its end, as the seam requires.
 */
export class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, Buffer>();

  uri(key: string): string {
    return `memory://${key}`;
  }

  async upload(key: string, body: Readable): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    this.objects.set(key, Buffer.concat(chunks));
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    this.objects.set(key, Buffer.from(body));
  }

  async get(key: string): Promise<Buffer | null> {
    return this.objects.get(key) ?? null;
  }

  async openRead(key: string): Promise<Readable> {
    const body = this.objects.get(key);
    if (!body) throw new Error(`no object ${key}`);
    // 64 KiB chunks, as fs read streams deliver them: readers see blocks split across reads.
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < body.length; offset += CHUNK_BYTES) chunks.push(body.subarray(offset, offset + CHUNK_BYTES));
    return Readable.from(chunks);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.objects.delete(key);
  }

  async getVersioned(key: string): Promise<VersionedObject | null> {
    const body = this.objects.get(key);
    return body ? { body, version: versionOf(body) } : null;
  }

  async putIfVersion(key: string, body: Buffer | string, expected: string | null): Promise<void> {
    const current = this.objects.get(key);
    const version = current ? versionOf(current) : null;
    if (version !== expected) throw new PreconditionFailedError(`${key} is at version ${version}, expected ${expected}`);
    this.objects.set(key, Buffer.from(body));
  }
}

function versionOf(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex');
}
