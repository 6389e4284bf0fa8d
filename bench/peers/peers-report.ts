/**
 * The peers benchmark's one table: for each size, job and tool, the median of the interleaved
 * rounds (seconds and the rows/s they give), the ratio to the reference COPY of the same rows in the
 * same rounds, and the largest peak RSS of the rounds; tools that could not run, with the reason.
 */
import type { Job } from './peer-tools.js';

export interface RoundResult {
  tableRows: number;
  job: Job;
  tool: string;
  /** The rows the job moves: the table, or the changed rows for `incremental`. */
  rows: number;
  /** What the tool said it moved, when that differs from `rows`. */
  rowsReported: number;
  seconds: number;
  peakRssMb: number;
}

export interface ReportRow {
  tableRows: number;
  job: Job;
  tool: string;
  /** Set when the tool did not run (skipped or failed) for this job. */
  skipped?: string;
  seconds?: number;
  rowsPerSecond?: number;
  timesCopy?: number;
  peakRssMb?: number;
  /** Rounds whose reported rows differed from the job's. */
  rowMismatches?: string[];
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Whether a round moved the job's rows. An incremental read may also take the one row stamped at
 * the previous watermark (inclusive bounds, as DataPipe's are: it is merged again, never skipped);
 * fewer rows, or more than that one, are reported next to the time.
 */
function rowsAgree(round: RoundResult): boolean {
  const extra = round.rowsReported - round.rows;
  return extra === 0 || (round.job === 'incremental' && extra === 1);
}

/** One row per (size, job, tool) in the order given; `reference` is the tool the × COPY column divides by. */
export function summarize(
  results: RoundResult[], cells: { tableRows: number; job: Job; tool: string; skipped?: string }[], reference: string,
): ReportRow[] {
  const of = (tableRows: number, job: Job, tool: string) =>
    results.filter((r) => r.tableRows === tableRows && r.job === job && r.tool === tool);
  return cells.map(({ tableRows, job, tool, skipped }) => {
    const rounds = of(tableRows, job, tool);
    if (skipped || rounds.length === 0) return { tableRows, job, tool, skipped: skipped ?? 'no round completed' };
    const seconds = median(rounds.map((r) => r.seconds));
    const rows = rounds[0]!.rows;
    const copy = of(tableRows, job, reference);
    const mismatches = rounds.filter((r) => !rowsAgree(r)).map((r) => `${r.rowsReported} of ${r.rows}`);
    return {
      tableRows, job, tool, seconds, rowsPerSecond: rows / seconds,
      timesCopy: copy.length > 0 ? median(copy.map((r) => r.seconds)) / seconds : undefined,
      peakRssMb: Math.max(...rounds.map((r) => r.peakRssMb)),
      ...(mismatches.length > 0 ? { rowMismatches: mismatches } : {}),
    };
  });
}

const JOB_TITLES: Record<Job, string> = {
  extract: 'extract to compressed files',
  full: 'full load into DuckDB',
  incremental: 'incremental (changed rows)',
};

const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

/** A Markdown table, ready for the README. */
export function formatReport(rows: ReportRow[], changedRows: number): string {
  const lines = [
    '| rows | job | tool | seconds | rows/s | × COPY | peak RSS |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const job = row.job === 'incremental' ? `incremental (${thousands(Math.min(changedRows, row.tableRows))} changed)` : JOB_TITLES[row.job];
    const head = `| ${thousands(row.tableRows)} | ${job} | ${row.tool} |`;
    if (row.skipped) {
      lines.push(`${head} skipped: ${row.skipped.replaceAll('|', '\\|').slice(0, 400)} | | | |`);
      continue;
    }
    const note = row.rowMismatches ? ` (rows reported: ${row.rowMismatches.join(', ')})` : '';
    lines.push(`${head} ${row.seconds!.toFixed(2)}${note} | ${thousands(row.rowsPerSecond!)} | ${row.timesCopy === undefined ? '—' : `${row.timesCopy.toFixed(2)}×`} | ${row.peakRssMb} MB |`);
  }
  return lines.join('\n');
}
