import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { PreconditionFailedError } from '../../shared/errors.js';
import type { ObjectStore, VersionedObject } from '../../shared/stores/object-store.js';

/**
 * An in-memory ObjectStore for unit tests. `upload` publishes an object only after its stream
 * ended cleanly (the seam's "never half-visible" promise), so a destroyed upload leaves nothing.
 * `readDelayMs` slows the consumer to exercise backpressure; `stallUploads` never reads at all;
 * `failUploadAfterBytes` fails mid-stream; `refuseUploads` fails at once without reading.
 */
export class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, Buffer>();
  /** Keys whose upload started, in order (published or not). */
  readonly started: string[] = [];
  /** Bytes pulled from upload streams so far, including unpublished ones. */
  bytesRead = 0;

  constructor(private readonly options: { readDelayMs?: number; stallUploads?: boolean; failUploadAfterBytes?: number; refuseUploads?: boolean; readChunkBytes?: number } = {}) {}

  uri(key: string): string {
    return `memory://${key}`;
  }

  async upload(key: string, body: Readable): Promise<void> {
    this.started.push(key);
    // A store that fails at once (bad credentials, missing bucket) and never reads the body.
    if (this.options.refuseUploads) throw new Error(`access denied writing ${key}`);
    if (this.options.stallUploads) {
      // Never consume: the writer must stop at its buffers and wait; destroying the body ends this.
      await new Promise<void>((_resolve, reject) => {
        body.once('close', () => reject(new Error(`upload of ${key} destroyed`)));
        body.once('error', reject);
      });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      chunks.push(buffer);
      size += buffer.length;
      this.bytesRead += buffer.length;
      if (this.options.failUploadAfterBytes !== undefined && size > this.options.failUploadAfterBytes) {
        throw new Error(`simulated network failure uploading ${key}`);
      }
      if (this.options.readDelayMs) await new Promise((r) => setTimeout(r, this.options.readDelayMs));
    }
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
    // Small chunks by default, so readers are exercised across chunk boundaries.
    const size = this.options.readChunkBytes ?? 1000;
    const chunks: Buffer[] = [];
    for (let i = 0; i < body.length; i += size) chunks.push(body.subarray(i, i + size));
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
    return body ? { body, version: createHash('sha256').update(body).digest('hex') } : null;
  }

  async putIfVersion(key: string, body: Buffer | string, expected: string | null): Promise<void> {
    const current = await this.getVersioned(key);
    if ((current?.version ?? null) !== expected) throw new PreconditionFailedError(`${key} changed`);
    await this.put(key, body);
  }
}
