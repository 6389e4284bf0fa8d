import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { ContractError } from '../errors.js';
import type { ObjectStore } from '../stores/object-store.js';

/**
 * Passes a staged part's bytes through while checking them against the manifest: the byte count
 * and sha256 must match, else the stream fails with a ContractError before its end is reached. A
 * truncated or replaced part can therefore never be staged as if it were complete.
 */
export function verifiedPart(stream: Readable, key: string, expected: { bytes: number; sha256: string }): Readable {
  const hash = createHash('sha256');
  let bytes = 0;
  const check = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      const sha256 = hash.digest('hex');
      if (bytes !== expected.bytes || sha256 !== expected.sha256) {
        done(new ContractError(`${key}: ${bytes} bytes with sha256 ${sha256.slice(0, 12)}…, but the manifest lists ${expected.bytes} bytes with ${expected.sha256.slice(0, 12)}… — the staged file was changed or truncated; re-run the extractor for this run`));
        return;
      }
      done();
    },
  });
  stream.on('error', (error) => check.destroy(error));
  return stream.pipe(check);
}

/**
 * Opens a staged part for loading, verified against the manifest as it streams (verifiedPart).
 * A part the manifest lists but the store does not hold is a broken run (exit 3), not a failure
 * worth retrying: it was deleted, or the run was damaged.
 */
export async function openStagedPart(store: ObjectStore, part: { key: string; bytes: number; sha256: string }): Promise<Readable> {
  let stream: Readable;
  try {
    stream = await store.openRead(part.key);
  } catch (error) {
    const listed = await store.list(part.key).catch(() => [part.key]);
    if (!listed.includes(part.key)) {
      throw new ContractError(`${part.key} is listed in the run's manifest but is not in the staging bucket — it was deleted; re-run the extractor for this run`, { cause: error });
    }
    throw error;
  }
  return verifiedPart(stream, part.key, part);
}
