import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ContractError } from '../../../shared/errors.js';
import { verifiedPart } from '../../../shared/pipeline/verified-part.js';

const KEY = 'erp/ventas/run=r1/part-0000-000000.avro';
const BYTES = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 31 + 7) % 256));
const SHA = createHash('sha256').update(BYTES).digest('hex');

/** The buffer as a stream of `size`-byte chunks. */
function chunked(bytes: Buffer, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return Readable.from(chunks);
}

/** Everything the stream delivered, and how it ended. */
async function drain(stream: Readable): Promise<{ bytes: Buffer; error: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { bytes: Buffer.concat(chunks), error: null };
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error };
  }
}

describe('verifiedPart', () => {
  it('passes intact bytes through unchanged, whatever the chunking', async () => {
    for (const size of [1 << 16, 4096, 7]) {
      const { bytes, error } = await drain(verifiedPart(chunked(BYTES, size), KEY, { bytes: BYTES.length, sha256: SHA }));
      expect(error).toBeNull();
      expect(bytes.equals(BYTES)).toBe(true);
    }
  });

  it('passes an empty part that the manifest lists as empty', async () => {
    const empty = createHash('sha256').update(Buffer.alloc(0)).digest('hex');
    expect(empty).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const { bytes, error } = await drain(verifiedPart(Readable.from([]), KEY, { bytes: 0, sha256: empty }));
    expect(error).toBeNull();
    expect(bytes.length).toBe(0);
  });

  it('fails a truncated part at its end instead of ending cleanly', async () => {
    const truncated = BYTES.subarray(0, BYTES.length - 1);
    const shortSha = createHash('sha256').update(truncated).digest('hex');
    const { bytes, error } = await drain(verifiedPart(chunked(truncated, 4096), KEY, { bytes: BYTES.length, sha256: SHA }));
    // Whatever was delivered before the failure is the part's own bytes, never anything else.
    expect(bytes.equals(truncated.subarray(0, bytes.length))).toBe(true);
    expect(error).toEqual(new ContractError(
      `${KEY}: 99999 bytes with sha256 ${shortSha.slice(0, 12)}…, but the manifest lists 100000 bytes with ${SHA.slice(0, 12)}… — the staged file was changed or truncated; re-run the extractor for this run`,
    ));
    expect(error).toBeInstanceOf(ContractError);
  });

  it('fails an altered part of the right length', async () => {
    const altered = Buffer.from(BYTES);
    altered[54_321] = (altered[54_321]! + 1) % 256;
    const alteredSha = createHash('sha256').update(altered).digest('hex');
    const { error } = await drain(verifiedPart(chunked(altered, 4096), KEY, { bytes: BYTES.length, sha256: SHA }));
    expect(error).toEqual(new ContractError(
      `${KEY}: 100000 bytes with sha256 ${alteredSha.slice(0, 12)}…, but the manifest lists 100000 bytes with ${SHA.slice(0, 12)}… — the staged file was changed or truncated; re-run the extractor for this run`,
    ));
  });

  it('fails a part longer than the manifest says', async () => {
    const longer = Buffer.concat([BYTES, Buffer.from([0])]);
    const { error } = await drain(verifiedPart(chunked(longer, 4096), KEY, { bytes: BYTES.length, sha256: SHA }));
    expect(error).toBeInstanceOf(ContractError);
    expect((error as Error).message.startsWith(`${KEY}: 100001 bytes with sha256 `)).toBe(true);
  });

  it('fails with the source stream\'s own error when reading breaks', async () => {
    const broken = new Readable({
      read() {
        this.push(BYTES.subarray(0, 10));
        this.destroy(new Error('connection reset'));
      },
    });
    const { error } = await drain(verifiedPart(broken, KEY, { bytes: BYTES.length, sha256: SHA }));
    expect(error).toEqual(new Error('connection reset'));
  });
});
