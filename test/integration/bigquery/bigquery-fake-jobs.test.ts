/**
 * How the BigQuery warehouse waits for its jobs, driving the REAL @google-cloud/bigquery client
 * against a FAKE BigQuery REST API (test/support/bigquery-recorder.ts), configured as in production:
 * the client's own resends are off (the warehouse is the one retry layer, bigquery-client.ts), so a
 * planned 503 or dropped connection reaches the warehouse's retries at once.
 *
 * The rule under test: a job id changes only after the job under it finished failed. A failed
 * status read, a lost insert response or a job that never finishes must not start a second job
 * beside the first — for the commit, a second transaction racing it.
 */
import { describe, expect, it } from 'vitest';
import { TransientError } from '../../../shared/errors.js';
import { loadJobId } from '../../../shared/warehouses/bigquery/bigquery-names.js';
import { UNAVAILABLE, type RecordedRequest } from '../../support/bigquery-recorder.js';
import { COMMIT, DATASET, NOW, request, RUN, STAGE, useFake } from './fake-setup.js';

/** jobs.get of the commit job, whatever its id. */
const commitStatusRead = (r: RecordedRequest) => r.method === 'GET' && /^\/projects\/proj-test\/jobs\/datapipe_commit_/.test(r.path);

describe('BigQuery jobs against a FAKE BigQuery REST API (real client, SDK resends off)', () => {
  const t = useFake();

  /** The ids of the commit jobs inserted, one entry per jobs.insert (a 409 included). */
  function commitInserts(): string[] {
    return t.fake.jobInserts().filter((j) => COMMIT.test(j.configuration.query?.query ?? '')).map((j) => j.jobReference.jobId);
  }

  function callsFor(jobId: string): string[] {
    return t.fake.calls().filter((c) => c.endsWith(`/${jobId}`));
  }

  it('retries a failed status read of the commit against the same job: one commit job, never a second transaction', async () => {
    t.answerCounts(4, 4);
    t.fake.answer(COMMIT, { runningPolls: 2 });
    t.fake.failRequests(commitStatusRead, UNAVAILABLE);
    expect(await (await t.open()).load(request())).toEqual({ staged: 4, deduplicated: 4, targetRows: 4 });

    const [commitId, ...others] = commitInserts();
    expect(others).toEqual([]);
    // The 503, then RUNNING, then DONE: all three reads of the one job.
    expect(callsFor(commitId!)).toEqual(Array(3).fill(`GET /projects/proj-test/jobs/${commitId}`));
    expect(t.sleeps.filter((ms) => ms >= 1000)).toEqual([1000]);
  });

  it('retries a failed status read of a load job in place: no second jobs.insert, not even one answered 409', async () => {
    t.answerCounts(4, 4);
    t.fake.plan((job) => job.configuration.load !== undefined, { runningPolls: 2, outputRows: 4 });
    const loadId = loadJobId(DATASET, 'orders', RUN, 0, 0);
    t.fake.failRequests((r) => r.method === 'GET' && r.path === `/projects/proj-test/jobs/${loadId}`, UNAVAILABLE);
    expect(await (await t.open()).load(request())).toEqual({ staged: 4, deduplicated: 4, targetRows: 4 });

    expect(t.fake.jobInserts().filter((j) => j.configuration.load).map((j) => j.jobReference.jobId)).toEqual([loadId]);
    expect(callsFor(loadId)).toEqual(Array(3).fill(`GET /projects/proj-test/jobs/${loadId}`));
  });

  it('gives up on status reads that keep failing with a transient error naming the job, and inserts no other', async () => {
    t.answerCounts(4, 4);
    t.fake.answer(COMMIT, { runningPolls: 2 });
    t.fake.failRequests(commitStatusRead, UNAVAILABLE, 3);
    const error = await (await t.open()).load(request()).catch((e: unknown) => e);

    const [commitId, ...others] = commitInserts();
    expect(others).toEqual([]);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).exitCode).toBe(1);
    expect((error as Error).message).toBe(
      `loading orders run r1 into BigQuery proj-test:raw: could not read the status of BigQuery job ${commitId} after 3 tries (The service is currently unavailable.);` +
        ` it may still be running — look at it with \`bq show --job=true proj-test:us-central1.${commitId}\``,
    );
    expect(t.sleeps.filter((ms) => ms >= 1000)).toEqual([1000, 2000]);
    expect(t.fake.calls().at(-1)).toBe(`DELETE /projects/proj-test/datasets/raw/tables/${STAGE}`);
  });

  it('stops waiting for a job that never finishes once its deadline passes, naming it (exit 1)', async () => {
    t.answerCounts(4, 4);
    t.fake.answer(COMMIT, { runningPolls: 1_000 });
    let clock = NOW.getTime();
    const warehouse = await t.open({
      jobDeadlines: { loadMs: 7 * 3_600_000, queryMs: 60_000 },
      now: () => new Date(clock),
      sleep: async (ms) => { t.sleeps.push(ms); clock += ms; },
    });
    const error = await warehouse.load(request()).catch((e: unknown) => e);

    const [commitId, ...others] = commitInserts();
    expect(others).toEqual([]);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toBe(
      `loading orders run r1 into BigQuery proj-test:raw: BigQuery job ${commitId} is still RUNNING after 60 s; stopped waiting for it` +
        ` — look at it with \`bq show --job=true proj-test:us-central1.${commitId}\` (and \`bq cancel\` it if it is stuck)`,
    );
    // Polled until a read found it RUNNING past the minute: every wait was a poll, each at most 5 s.
    const waited = t.sleeps.reduce((sum, ms) => sum + ms, 0);
    expect(waited).toBeGreaterThanOrEqual(60_000);
    expect(waited - (t.sleeps.at(-1) ?? 0)).toBeLessThan(60_000);
    expect(Math.max(...t.sleeps)).toBe(5_000);
  });

  it('gives a load job its own deadline', async () => {
    t.fake.plan((job) => job.configuration.load !== undefined, { runningPolls: 1_000 });
    let clock = NOW.getTime();
    const warehouse = await t.open({
      jobDeadlines: { loadMs: 30_000, queryMs: 60_000 },
      now: () => new Date(clock),
      sleep: async (ms) => { clock += ms; },
    });
    const error = await warehouse.load(request()).catch((e: unknown) => e);
    const loadId = loadJobId(DATASET, 'orders', RUN, 0, 0);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toBe(
      `loading orders run r1 into BigQuery proj-test:raw: BigQuery job ${loadId} is still RUNNING after 30 s; stopped waiting for it` +
        ` — look at it with \`bq show --job=true proj-test:us-central1.${loadId}\` (and \`bq cancel\` it if it is stuck)`,
    );
    expect(t.fake.jobInserts().map((j) => j.jobReference.jobId)).toEqual([loadId]);
  });

  it('re-sends an insert whose response was lost under the same id and attaches on 409: one commit job', async () => {
    t.answerCounts(4, 4);
    t.fake.answer(COMMIT, { dropResponse: true, runningPolls: 1 });
    expect(await (await t.open()).load(request())).toEqual({ staged: 4, deduplicated: 4, targetRows: 4 });

    const inserts = commitInserts();
    expect(inserts).toHaveLength(2);
    expect(inserts[1]).toBe(inserts[0]);
    expect([...t.fake.jobs.keys()].filter((id) => id.startsWith('datapipe_commit_'))).toEqual([inserts[0]]);
  });

  it.each([
    ['while it was polled', 1],
    ['at once, in the insert response', 0],
  ])('a commit that failed with a retryable reason %s is retried once, under a new id', async (_when, runningPolls) => {
    t.answerCounts(4, 4);
    t.fake.answer(COMMIT, { runningPolls, error: { reason: 'backendError', message: 'Error encountered during execution. Retrying may solve the problem.' } });
    expect(await (await t.open()).load(request())).toEqual({ staged: 4, deduplicated: 4, targetRows: 4 });

    const inserts = commitInserts();
    expect(inserts).toHaveLength(2);
    expect(new Set(inserts).size).toBe(2);
  });
});
