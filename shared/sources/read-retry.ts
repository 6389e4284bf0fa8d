/**
 * How a source's reads and catalog calls are retried: through the one loop of shared/retry.ts
 * (exponential backoff with full jitter, DATABASE_RETRY), on what the adapter's `*-errors.ts`
 * classified as transient — a lost or refused connection, a stalled one, a database short of a
 * resource.
 *
 * A read is retried only until its first batch has left the source. Until then nothing has been
 * written anywhere, and a new attempt re-runs the same SQL with the same bounds (and, for a
 * chunked Oracle run, the same SCN) on a new connection. Once a batch has been handed over, the
 * part writer holds rows of that attempt: starting over inside the run would repeat them, so the
 * read fails with the TransientError (exit 1), the extractor publishes no manifest, and a retry of
 * the whole run (Airflow's, or the operator's) re-reads from the start.
 */
import { DATABASE_RETRY, withRetry, type RetryOptions } from '../retry.js';
import type { Logger } from '../log.js';

/** What a source lets a caller (tests, mostly) change about its retries; the policy defaults to DATABASE_RETRY. */
export type SourceRetry = Partial<Pick<RetryOptions, 'policy' | 'sleep' | 'random' | 'signal'>>;

/** The RetryOptions of a source step: DATABASE_RETRY unless `retry` says otherwise. */
export function sourceRetryOptions(what: string, log: Logger, retry: SourceRetry = {}): RetryOptions {
  return { policy: DATABASE_RETRY, ...retry, what, log };
}

/**
 * Streams what `open()` yields; while no item has been handed over, a failure worth retrying
 * (see the module comment) opens the read again through withRetry. Each attempt's iterator must
 * clean up after itself when it throws (close its cursor, drop its connection); one abandoned by
 * the consumer is closed through `return()`.
 */
export async function* retryBeforeFirstBatch<T>(open: () => AsyncIterator<T>, options: RetryOptions): AsyncGenerator<T> {
  let iterator: AsyncIterator<T> | undefined;
  const first = await withRetry(async () => {
    iterator = open();
    return iterator.next();
  }, options);
  if (first.done) return;
  const rest = iterator!;
  try {
    yield first.value;
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await rest.return?.();
  }
}
