/**
 * `datapipe status` for a person: a short block per table (README "At a terminal" shows one), and
 * the one line a stuck run exits 3 with.
 */
import { formatDuration } from '../../../shared/config/stale-after.js';
import type { Cloud } from '../../../shared/config/config-schema.js';
import type { CommittedRunStatus, Lag, StagedRun } from '../../../shared/pipeline/table-status.js';
import { formatCount } from '../terminal/numbers.js';

/** One table's status; also the shape of `--json` (`tables[]`). */
export interface TableReport {
  table: string;
  config: string;
  cloud: Cloud;
  mode: 'incremental' | 'full';
  partitionColumn: string | null;
  staleAfterMs: number;
  committed: CommittedRunStatus | null;
  staged: StagedRun[];
  lag: Lag | null;
  /** Why there is no lag: a full table, or --offline. */
  lagNote: string | null;
}

const LABEL = 12;

export function renderStatus(reports: readonly TableReport[], now: Date): string {
  return reports.map((r) => tableBlock(r, now).join('\n')).join('\n\n').concat('\n');
}

function tableBlock(r: TableReport, now: Date): string[] {
  const how = r.mode === 'incremental' && r.partitionColumn ? `incremental on ${r.partitionColumn}` : 'full';
  const lines = [`${r.table}  (${r.config} · ${r.cloud} · ${how} · stale after ${formatDuration(r.staleAfterMs)})`];
  lines.push(row('committed', committedText(r.committed, now)));
  if (r.committed?.stateBehind) {
    lines.push(row('', `_state.json still names run ${r.committed.stateBehind} (its loader stopped after the merge); the next loader rolls it forward`));
  }
  const staged = r.staged.length === 0 ? ['none'] : r.staged.map((s) => stagedText(s, now, r.staleAfterMs));
  staged.forEach((text, i) => lines.push(row(i === 0 ? 'not loaded' : '', text)));
  lines.push(row('lag', r.lag ? `source newest ${r.lag.newest ?? '-'} · ${r.lag.behind}` : r.lagNote ?? '-'));
  return lines;
}

function row(label: string, text: string): string {
  return `  ${label.padEnd(LABEL)}${text}`;
}

function committedText(c: CommittedRunStatus | null, now: Date): string {
  if (!c) return 'nothing yet (no load has committed)';
  const when = c.committedAt ? `at ${c.committedAt} (${ago(c.committedAt, now)})` : 'merged, time not recorded yet';
  return `watermark ${c.watermark ?? '-'} · run ${c.runId} ${when} · ${formatCount(c.rows)} rows`;
}

function stagedText(s: StagedRun, now: Date, staleAfterMs: number): string {
  switch (s.state) {
    case 'waiting':
      return `${s.runId} extracted ${s.publishedAt} (${ago(s.publishedAt!, now)}), waiting for its loader${s.stuck ? ` — STUCK: longer than stale_after ${formatDuration(staleAfterMs)}` : ''}`;
    case 'superseded':
      return `${s.runId} extracted ${s.publishedAt}, superseded — a later run is loaded instead`;
    case 'extracting':
      return `${s.runId} claimed ${s.claimedAt} (${ago(s.claimedAt, now)}), no manifest — extracting, or its extractor stopped`;
  }
}

function ago(iso: string, now: Date): string {
  return `${formatDuration(now.getTime() - Date.parse(iso))} ago`;
}

/** The exit-3 line: the first stuck run, what to do, and how many more there are. */
export function stuckMessage(stuck: readonly { report: TableReport; run: StagedRun }[], now: Date): string {
  const [{ report, run }] = stuck as [{ report: TableReport; run: StagedRun }];
  const more = stuck.length > 1 ? ` (and ${stuck.length - 1} more stuck run${stuck.length > 2 ? 's' : ''})` : '';
  return `${report.table}: run ${run.runId} was extracted ${ago(run.publishedAt!, now)} and is still not loaded (stale_after ${formatDuration(report.staleAfterMs)}) — ` +
    `run its loader (loader --table ${report.table} --run-id ${run.runId} --config ${report.config}) and check why the last one did not finish${more}`;
}
