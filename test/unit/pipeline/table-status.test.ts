import { describe, expect, it } from 'vitest';
import type { RunEntry, TableState } from '../../../shared/pipeline/manifest.js';
import { committedRun, lagOf, stagedRuns } from '../../../shared/pipeline/table-status.js';

const NOW = new Date('2026-06-10T12:00:00Z');
const HOUR = 3_600_000;

function entry(runId: string, baseRunId: string | null, claimedAt: string, publishedAt: string | null): RunEntry {
  return { version: 1, runId, baseRunId, claimedAt, publishedAt };
}

describe('runs staged but not loaded, as the loader would see them', () => {
  const entries = [
    entry('r1', 'r0', '2026-06-10T01:00:00Z', '2026-06-10T01:05:00Z'), // older, same base: superseded by r2
    entry('r2', 'r0', '2026-06-10T02:00:00Z', '2026-06-10T02:05:00Z'), // the one the loader takes
    entry('old', 'r-1', '2026-06-09T01:00:00Z', '2026-06-09T01:05:00Z'), // claimed before r0 was committed
    entry('r3', 'r0', '2026-06-10T03:00:00Z', null), // extracting, or its extractor stopped
    entry('r0', 'r-1', '2026-06-08T01:00:00Z', '2026-06-08T01:05:00Z'), // the committed run itself
  ];

  it('names the next run waiting, the rest superseded or extracting, newest claim first; the committed run is not listed', () => {
    expect(stagedRuns(entries, 'r0', NOW, 48 * HOUR).map((r) => [r.runId, r.state, r.stuck])).toEqual([
      ['r3', 'extracting', false], ['r2', 'waiting', false], ['r1', 'superseded', false], ['old', 'superseded', false],
    ]);
  });

  it('calls the waiting run stuck once it has waited longer than stale_after, and only that one', () => {
    const stuck = stagedRuns(entries, 'r0', NOW, 9 * HOUR).filter((r) => r.stuck).map((r) => r.runId);
    expect(stuck).toEqual(['r2']);
    expect(stagedRuns(entries, 'r0', NOW, 10 * HOUR).some((r) => r.stuck)).toBe(false);
  });

  it('before the first load the runs without a base wait', () => {
    expect(stagedRuns([entry('first', null, '2026-06-10T01:00:00Z', '2026-06-10T01:01:00Z')], null, NOW, HOUR)).toEqual([
      { runId: 'first', state: 'waiting', claimedAt: '2026-06-10T01:00:00Z', publishedAt: '2026-06-10T01:01:00Z', stuck: true },
    ]);
  });
});

describe('the committed run', () => {
  const state: TableState = { version: 1, table: 'T', watermark: '2026-06-09T00:00:00.000000', runId: 'r1', rows: 10, committedAt: '2026-06-09T02:10:00Z' };

  it('is the warehouse\'s record, with the time _state.json gives it', () => {
    expect(committedRun(state, { runId: 'r1', mode: 'incremental', rowsStaged: 10, rowsLoaded: 9, watermark: '2026-06-09T00:00:00.000000' })).toEqual({
      runId: 'r1', committedAt: '2026-06-09T02:10:00Z', rows: 10, watermark: '2026-06-09T00:00:00.000000', stateBehind: null,
    });
  });

  it('says when _state.json lags behind a merge the warehouse recorded', () => {
    expect(committedRun(state, { runId: 'r2', mode: 'incremental', rowsStaged: 5, rowsLoaded: 5, watermark: '2026-06-10T00:00:00.000000' })).toEqual({
      runId: 'r2', committedAt: null, rows: 5, watermark: '2026-06-10T00:00:00.000000', stateBehind: 'r1',
    });
  });

  it('is nothing before the first load', () => {
    expect(committedRun(null, null)).toBeNull();
  });
});

describe('the lag behind the source', () => {
  it('measures time for date and time watermarks and values for integer ones', () => {
    expect(lagOf('datetime', '2026-06-10T08:00:00.000000', '2026-06-10T11:12:00.000000')).toEqual({ newest: '2026-06-10T11:12:00.000000', behind: '3h 12m behind' });
    expect(lagOf('timestamp', '2026-06-10T08:00:00.000000Z', '2026-06-12T08:00:00.000000Z').behind).toBe('2d behind');
    expect(lagOf('date', '2026-06-01', '2026-06-04').behind).toBe('3d behind');
    expect(lagOf('int64', '1000', '2204').behind).toBe('1,204 behind');
  });

  it('is up to date when the source has nothing newer, and says so when nothing is committed or the table is empty', () => {
    expect(lagOf('datetime', '2026-06-10T08:00:00.000000', '2026-06-10T08:00:00.000000').behind).toBe('up to date');
    expect(lagOf('int64', '5', null).behind).toBe('the source table is empty');
    expect(lagOf('int64', null, '5').behind).toBe('nothing committed yet');
  });
});
