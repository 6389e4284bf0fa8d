/**
 * Runs BigQuery jobs to completion, with retries.
 *
 * Load jobs have deterministic ids (bigquery-names.ts loadJobId): when jobs.insert answers 409,
 * a job of that id exists — inserted by this very call (the SDK retried an insert whose response
 * was lost; the job carries this call's `datapipe_attempt` label) or by an earlier attempt of the
 * load. Ours, or still running: attach and wait for it, rather than load the same files twice.
 * Finished and not ours: its stage may have been merged and
 * dropped since, so move on to the next id (`_a1`, `_a2`, …) and load again; WRITE_TRUNCATE makes
 * that harmless. A job id can never be reused, even after the job failed, hence the counter.
 *
 * Query jobs get a fresh id per attempt. The commit script is one transaction, so running it again
 * after a failure (or even twice) cannot apply it twice: the MERGE re-merges the same rows, the
 * loads record skips a run already recorded.
 */
import { randomUUID } from 'node:crypto';
import { DataPipeError, TerminalError, TransientError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { BigQueryClient, BigQueryJobHandle, JobInsert, JobResource } from './bigquery-client.js';
import { classifyBigQueryError, failureOf, isRetryable, jobFailure, JobFailedError, type FailureContext } from './bigquery-errors.js';
import { labelValue } from './bigquery-names.js';

/** How often, and how patiently, a failing step is retried. */
export interface RetryPolicy {
  /** Tries per step, the first included. */
  attempts: number;
  /** Backoff before the second try, doubling after each failure up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Six tries over about a minute: long enough for a conflicting transaction or a backend blip. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 2_000, maxDelayMs: 60_000 };

/** Ids `_a0` … `_a99` of one load job; past that something is looping, not recovering. */
const MAX_LOAD_JOB_IDS = 100;
const MAX_POLL_MS = 5_000;

/** The client, where jobs run, and the knobs tests turn. */
export interface JobRunnerOptions {
  client: BigQueryClient;
  location: string;
  log: Logger;
  retry?: RetryPolicy;
  /** First wait between job status polls; it grows by half each poll up to 5 s. */
  pollIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Inserts jobs, waits for them, retries them (see the file comment). */
export class JobRunner {
  private readonly retry: RetryPolicy;
  private readonly pollIntervalMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: JobRunnerOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /**
   * Runs one load job to completion; returns the rows it wrote (statistics.load.outputRows).
   * `config` writes `attemptLabel` into the job's labels (`datapipe_attempt`): fresh for each call,
   * it tells the jobs this call inserted from any earlier one's, even in the same process.
   */
  async load(jobIdFor: (attempt: number) => string, config: (jobId: string, attemptLabel: string) => JobInsert, ctx: FailureContext): Promise<number> {
    const attemptLabel = randomUUID();
    // The id moves on only past a job known to be finished: a retry after a lost response or a
    // failed status read tries the same id again, so two jobs of one call never run side by side.
    let attempt = 0;
    return this.withRetries(ctx, async () => {
      for (;;) {
        if (attempt >= MAX_LOAD_JOB_IDS) {
          throw new TerminalError(`${ctx.doing}: ${MAX_LOAD_JOB_IDS} load jobs already exist for this run — extract a new run instead`);
        }
        const jobId = jobIdFor(attempt);
        const job = await this.insertOrAttach(config(jobId, attemptLabel), { attachFinished: false, attemptLabel });
        if (!job) {
          attempt++;
          continue;
        }
        try {
          const done = await this.wait(job, jobId);
          return Number(done.statistics?.load?.outputRows ?? '0');
        } catch (error) {
          if (error instanceof JobFailedError) attempt++;
          throw error;
        }
      }
    });
  }

  /** Runs one query job to completion; returns its rows when `results` is set. */
  async query(jobIdFor: () => string, config: (jobId: string) => JobInsert, ctx: FailureContext, results: boolean): Promise<Record<string, unknown>[]> {
    return this.withRetries(ctx, async () => {
      const jobId = jobIdFor();
      // A fresh id is ours whatever state it is in: a 409 here means our own insert got through.
      const job = await this.insertOrAttach(config(jobId), { attachFinished: true, attemptLabel: '' });
      if (!job) throw new Error(`job ${jobId} could not be attached`);
      await this.wait(job, jobId);
      if (!results) return [];
      const [rows] = await job.getQueryResults({ autoPaginate: true });
      return rows;
    });
  }

  private async insertOrAttach(insert: JobInsert, how: { attachFinished: boolean; attemptLabel: string }): Promise<BigQueryJobHandle | null> {
    const { client, location, log } = this.options;
    try {
      const [job] = await client.createJob(insert);
      return job;
    } catch (error) {
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

  /** Polls until DONE; a job that finished with an error throws JobFailedError. */
  private async wait(job: BigQueryJobHandle, jobId: string): Promise<JobResource> {
    let interval = this.pollIntervalMs;
    for (;;) {
      const [metadata] = await job.getMetadata();
      const status = metadata.status ?? {};
      if (status.state === 'DONE') {
        if (status.errorResult) throw new JobFailedError(jobFailure(status), jobId);
        return metadata;
      }
      await this.sleep(interval);
      interval = Math.min(MAX_POLL_MS, Math.round(interval * 1.5));
    }
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
        const delay = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
        this.options.log.warn({ attempt, delay_ms: delay, reason: failure.reason, error: failure.message }, `${ctx.doing}: retrying`);
        await this.sleep(delay);
      }
    }
  }
}
