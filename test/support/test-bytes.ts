/** Bodies for the object-store tests, and the ways they compare what came back. */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

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
