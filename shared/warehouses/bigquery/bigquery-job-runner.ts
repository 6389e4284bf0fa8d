/**
 * Runs BigQuery jobs to completion, with retries — the only retry layer of the BigQuery path: the
 * SDK's own request retries are switched off (bigquery-client.ts), so a failed request reaches
 * this loop at once and is retried with the one policy of shared/retry.ts, jitter included. The rule throughout: a job id changes only once
 * the job under it is known to be finished. A failed insert, a failed status read or a failed
 * results read is retried against the same id, so one call never has two jobs running side by side
 * (two commit transactions racing each other, two loads into one stage).
 *
 * Load jobs have deterministic ids (bigquery-names.ts loadJobId): when jobs.insert answers 409,
 * a job of that id exists — inserted by this very call (the SDK retried an insert whose response
 * was lost; the job carries this call's `datapipe_attempt` label) or by an earlier attempt of the
 * load. Ours, or still running: attach and wait for it, rather than load the same files twice.
 * Finished and not ours: its stage may have been merged and
 * dropped since, so move on to the next id (`_a1`, `_a2`, …) and load again; WRITE_TRUNCATE makes
 * that harmless. A job id can never be reused, even after the job failed, hence the counter.
 *
 * Query jobs get a fresh id per call, and a new one after a job that failed with a retryable
 * reason; a 409 on a retried insert means our own earlier insert got through, so we attach. The
 * commit script is one transaction, so running it again after a failure (or even twice) cannot
 * apply it twice: the MERGE re-merges the same rows, the loads record skips a run already recorded.
 */
import { randomUUID } from 'node:crypto';
import { DataPipeError, TerminalError, TransientError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { BigQueryClient, BigQueryJobHandle, JobInsert, JobResource } from './bigquery-client.js';
import { classifyBigQueryError, failureOf, isRetryable, jobFailure, JobFailedError, type FailureContext } from './bigquery-errors.js';
import { labelValue } from './bigquery-names.js';
import { backoffMs, WAREHOUSE_RETRY, type RetryPolicy } from '../../retry.js';

/** Six tries over about a minute: long enough for a conflicting transaction or a backend blip. */
export const DEFAULT_RETRY: RetryPolicy = WAREHOUSE_RETRY;

/** How long to wait for one job to finish before giving up on it (exit 1, naming the job). */
export interface JobDeadlines {
  loadMs: number;
  queryMs: number;
}

const HOUR_MS = 3_600_000;

/**
 * BigQuery fails a load job that runs over 6 hours, and a query after 6 hours of running plus up
 * to 7 hours queued behind other DML on the table
 * (https://cloud.google.com/bigquery/quotas#load_jobs, #query_jobs, #data-manipulation-language-statements).
 * One hour more than that each, so BigQuery's own verdict normally arrives first; the deadline is
 * only for a job that never reports DONE.
 */
export const DEFAULT_JOB_DEADLINES: JobDeadlines = { loadMs: 7 * HOUR_MS, queryMs: 14 * HOUR_MS };

/** Ids `_a0` … `_a99` of one load job; past that something is looping, not recovering. */
const MAX_LOAD_JOB_IDS = 100;
const MAX_POLL_MS = 5_000;

/** The client, where jobs run, and the knobs tests turn. */
export interface JobRunnerOptions {
  client: BigQueryClient;
  /** The project jobs run in, for the `bq show` command a stuck job's message names. */
  projectId: string;
  location: string;
  log: Logger;
  retry?: RetryPolicy;
  deadlines?: JobDeadlines;
  /** First wait between job status polls; it grows by half each poll up to 5 s. */
  pollIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** The jitter's random draw (shared/retry.ts backoffMs); tests pin it. */
  random?: () => number;
  /** Milliseconds since the epoch, for the deadlines. */
  now?: () => number;
}

/** Inserts jobs, waits for them, retries them (see the file comment). */
export class JobRunner {
  private readonly retry: RetryPolicy;
  private readonly deadlines: JobDeadlines;
  private readonly pollIntervalMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: JobRunnerOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.deadlines = options.deadlines ?? DEFAULT_JOB_DEADLINES;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  /**
   * Runs one load job to completion; returns the rows it wrote (statistics.load.outputRows).
   * `config` writes `attemptLabel` into the job's labels (`datapipe_attempt`): fresh for each call,
   * it tells the jobs this call inserted from any earlier one's, even in the same process.
   */
  async load(jobIdFor: (attempt: number) => string, config: (jobId: string, attemptLabel: string) => JobInsert, ctx: FailureContext): Promise<number> {
    const attemptLabel = randomUUID();
    let attempt = 0;
    return this.withRetries(ctx, async () => {
      for (;;) {
        if (attempt >= MAX_LOAD_JOB_IDS) {
          throw new TerminalError(`${ctx.doing}: ${MAX_LOAD_JOB_IDS} load jobs already exist for this run — extract a new run instead`);
        }
        const jobId = jobIdFor(attempt);
        const done = await this.nextIdAfterFailure(async () => {
          const job = await this.insertOrAttach(config(jobId, attemptLabel), { attachFinished: false, attemptLabel });
          return job && (await this.wait(job, jobId, this.deadlines.loadMs, ctx));
        }, () => attempt++);
        if (!done) {
          attempt++;
          continue;
        }
        return Number(done.statistics?.load?.outputRows ?? '0');
      }
    });
  }

  /** Runs one query job to completion; returns its rows when `results` is set. */
  async query(jobIdFor: () => string, config: (jobId: string) => JobInsert, ctx: FailureContext, results: boolean): Promise<Record<string, unknown>[]> {
    let jobId = jobIdFor();
    return this.withRetries(ctx, async () => {
      const job = await this.nextIdAfterFailure(async () => {
        const attached = await this.insertOrAttach(config(jobId), { attachFinished: true, attemptLabel: '' });
        if (!attached) throw new Error(`job ${jobId} could not be attached`);
        await this.wait(attached, jobId, this.deadlines.queryMs, ctx);
        return attached;
      }, () => { jobId = jobIdFor(); });
      if (!results) return [];
      const [rows] = await job.getQueryResults({ autoPaginate: true });
      return rows;
    });
  }

  /** Runs `step` (insert and wait); when its job finished failed, `advance` moves to the next job id first. */
  private async nextIdAfterFailure<T>(step: () => Promise<T>, advance: () => void): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (error instanceof JobFailedError) advance();
      throw error;
    }
  }

  private async insertOrAttach(insert: JobInsert, how: { attachFinished: boolean; attemptLabel: string }): Promise<BigQueryJobHandle | null> {
    const { client, location, log } = this.options;
    try {
      const [job] = await client.createJob(insert);
      return job;
    } catch (error) {
      const finished = rejectedJob(error);
      if (finished?.status?.errorResult) throw new JobFailedError(jobFailure(finished.status), insert.jobId);
      if (finished) return client.job(insert.jobId, { location });
      if (failureOf(error).status !== 409) throw error;
    }
    const job = client.job(insert.jobId, { location });
    const [existing] = await job.getMetadata();
    const ours = how.attemptLabel !== '' && existing.configuration?.labels?.datapipe_attempt === labelValue(how.attemptLabel);
    const state = existing.status?.state ?? 'PENDING';
    if (how.attachFinished || ours || state !== 'DONE') {
      log.info({ job_id: insert.jobId, state, ours }, 'job exists: waiting for it');
      return job;
    }
    log.info({ job_id: insert.jobId }, 'job exists and finished in an earlier attempt: starting the next one');
    return null;
  }

  /**
   * Polls until DONE; a job that finished with an error throws JobFailedError. A status read that
   * fails transiently is retried here, against the same job, with the step's backoff: the job may
   * well be running, and leaving would start another. Past `deadlineMs`, or when the reads keep
   * failing, it gives up with a TransientError naming the job, which may still be running.
   */
  private async wait(job: BigQueryJobHandle, jobId: string, deadlineMs: number, ctx: FailureContext): Promise<JobResource> {
    const started = this.now();
    let interval = this.pollIntervalMs;
    let failedReads = 0;
    for (;;) {
      let metadata: JobResource;
      try {
        [metadata] = await job.getMetadata();
        failedReads = 0;
      } catch (error) {
        const failure = failureOf(error);
        if (!isRetryable(failure)) throw error;
        failedReads++;
        if (failedReads >= this.retry.attempts) {
          throw new TransientError(
            `${ctx.doing}: could not read the status of BigQuery job ${jobId} after ${failedReads} tries (${failure.message}); ` +
              `it may still be running — ${this.lookAt(jobId)}`,
            { cause: error },
          );
        }
        const delay = this.backoff(failedReads);
        this.options.log.warn({ job_id: jobId, attempt: failedReads, delay_ms: delay, error: failure.message }, 'job status read failed: retrying');
        await this.sleep(delay);
        continue;
      }
      const status = metadata.status ?? {};
      if (status.state === 'DONE') {
        if (status.errorResult) throw new JobFailedError(jobFailure(status), jobId);
        return metadata;
      }
      if (this.now() - started >= deadlineMs) {
        throw new TransientError(
          `${ctx.doing}: BigQuery job ${jobId} is still ${status.state ?? 'PENDING'} after ${duration(deadlineMs)}; stopped waiting for it — ` +
            `${this.lookAt(jobId)} (and \`bq cancel\` it if it is stuck)`,
        );
      }
      await this.sleep(interval);
      interval = Math.min(MAX_POLL_MS, Math.round(interval * 1.5));
    }
  }

  /** The bq command that shows a job, by its fully qualified id (https://cloud.google.com/bigquery/docs/managing-jobs#view-job). */
  private lookAt(jobId: string): string {
    return `look at it with \`bq show --job=true ${this.options.projectId}:${this.options.location}.${jobId}\``;
  }

  /** The wait before try `attempt + 1`: the one policy's exponential backoff with full jitter. */
  private backoff(attempt: number): number {
    return backoffMs(this.retry, attempt - 1, this.options.random);
  }

  /** Retries what BigQuery calls retryable with exponential backoff; classifies everything else. */
  private async withRetries<T>(ctx: FailureContext, step: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await step();
      } catch (error) {
        if (error instanceof DataPipeError) throw error;
        const failure = failureOf(error);
        if (!isRetryable(failure)) throw classifyBigQueryError(error, ctx);
        if (attempt >= this.retry.attempts) {
          throw new TransientError(`${ctx.doing}: ${failure.message} (still failing after ${attempt} tries)`, { cause: error });
        }
        const delay = this.backoff(attempt);
        this.options.log.warn({ attempt, delay_ms: delay, reason: failure.reason, error: failure.message }, `${ctx.doing}: retrying`);
        await this.sleep(delay);
      }
    }
  }
}

/**
 * The job resource behind a createJob rejection, when there is one: the SDK turns an insert whose
 * response already carries `status.errors` (a job that finished at once) into an ApiError holding
 * the resource as `response` (@google-cloud/bigquery bigquery.js createJob).
 */
function rejectedJob(error: unknown): JobResource | null {
  const response = (error as { response?: unknown } | null)?.response as JobResource | undefined;
  return response?.status?.state === 'DONE' ? response : null;
}

/** `7 h`, `90 min`, `45 s`. */
function duration(ms: number): string {
  if (ms >= 2 * HOUR_MS) return `${Math.round((ms / HOUR_MS) * 10) / 10} h`;
  if (ms >= 120_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 1000)} s`;
}
