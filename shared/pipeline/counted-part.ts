/**
 * Staging progress for a terminal's live line: the bytes of the run's parts as the warehouse reads
 * them (for warehouses that load through the client, `LoadRequest.openPart`), and the rows that
 * share of the manifests' bytes stands for.
 */
import { pipeline, Transform, type Readable } from 'node:stream';
import type { RunObserver } from './run-observer.js';

/** Returns a wrapper for each part's stream that reports the run's bytes read so far; errors pass through unchanged. */
export function countedPart(observer: RunObserver, totalRows: number, totalBytes: number): (part: Readable) => Readable {
  let read = 0;
  return (part) => {
    // Counted as the reader pulls (a 'data' listener would start the flow before the reader is ready).
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        read += chunk.length;
        observer.advance(totalBytes > 0 ? Math.min(totalRows, Math.round((totalRows * read) / totalBytes)) : 0, read);
        done(null, chunk);
      },
    });
    // pipeline destroys the counter with the part's own error (a ContractError for a damaged part).
    pipeline(part, counter, () => undefined);
    return counter;
  };
}
