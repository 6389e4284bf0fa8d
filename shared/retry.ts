/**
 * The one retry policy of DataPipe (docs/architecture.md, "Errors and retries"): exponential
 * backoff with full jitter, retrying only what the adapter classified as transient.
 *
 * Where an SDK retries by itself (GCS's resumable uploads, the AWS and Azure SDKs' HTTP retries),
 * DataPipe configures that layer deliberately and does not wrap it in a second loop; where it does
 * not (database connects and reads, BigQuery jobs, Redshift statements, Databricks statements), this
 * module is the loop. Each adapter decides what is transient in one place: its `*-errors.ts`
 * turns a driver error into a TransientError or a TerminalError, and `withRetry` retries the
 * former. A PreconditionFailedError (a lost conditional-write race) is never retried here: the
 * protocol must re-read what changed before acting again.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { PreconditionFailedError, TransientError } from './errors.js';
import type { Logger } from './log.js';

/** How patiently a step is retried. */
export interface RetryPolicy {
  /** Tries in all, the first included (1 turns retrying off). */
  attempts: number;
  /** The cap of the first backoff; each further retry doubles it, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Connects and reads of a source database, catalog calls: about half a minute in all. */
export const DATABASE_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 1_000, maxDelayMs: 10_000 };

/** A warehouse step (a job, a statement): six tries over a minute or two. */
export const WAREHOUSE_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 2_000, maxDelayMs: 60_000 };

/** Object-store requests an SDK does not retry itself. */
export const STORE_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 32_000 };

/**
 * The wait before retry `n` (0 for the first retry): a uniformly random whole number of
 * milliseconds from 0 to min(maxDelayMs, baseDelayMs · 2ⁿ) — "full jitter", which spreads many
 * clients retrying at once (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 */
export function backoffMs(policy: RetryPolicy, n: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** n);
  return Math.min(cap, Math.floor(random() * (cap + 1)));
}

/** What a retry loop needs beyond the policy. */
export interface RetryOptions {
  policy: RetryPolicy;
  /** What is being tried, for the warning each retry logs ("connecting to Oracle db:1521/ERP"). */
  what: string;
  log: Logger;
  /** Whether a failure is worth another try; default: a TransientError that is not a lost race. */
  isTransient?: (error: unknown) => boolean;
  /** Stops waiting (and retrying) when aborted, e.g. on SIGTERM. */
  signal?: AbortSignal;
  /** Tests pin these. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** The default classification: transient, and not a lost conditional write. */
export function isRetryable(error: unknown): boolean {
  return error instanceof TransientError && !(error instanceof PreconditionFailedError);
}

/**
 * Runs `attempt(n)` (n = 0, 1, …) until it succeeds, fails with an error that is not transient,
 * or has been tried `policy.attempts` times; the last error is thrown as it is.
 */
export async function withRetry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, what, log, signal } = options;
  const isTransient = options.isTransient ?? isRetryable;
  const sleep = options.sleep ?? ((ms: number, s?: AbortSignal) => delay(ms, undefined, s ? { signal: s } : undefined));
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (n + 1 >= policy.attempts || !isTransient(error) || signal?.aborted) throw error;
      const wait = backoffMs(policy, n, options.random);
      const reason = error instanceof Error ? error.message : String(error);
      log.warn({ err: reason, attempt: n + 1, of: policy.attempts, retry_in_ms: wait }, `${what} failed (${reason}); retrying in ${wait} ms`);
      await sleep(wait, signal);
    }
  }
}

/**
 * Socket-level failures that a new attempt may cure: the peer dropped or refused the connection,
 * the network or a DNS server was briefly unreachable. `ENOTFOUND` is not among them: a name that
 * does not resolve is a wrong host in config.yaml far more often than a DNS hiccup, so every
 * adapter reports it as a configuration error (exit 2) naming the host.
 */
export const TRANSIENT_SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENETDOWN', 'EHOSTDOWN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);

/** The `code` of an error or of any error in its `cause` chain, outermost first. */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

/** Whether the error, or one it wraps, is a transient socket failure. */
export function isTransientSocketError(error: unknown): boolean {
  return errorCodes(error).some((code) => TRANSIENT_SOCKET_CODES.has(code));
}
