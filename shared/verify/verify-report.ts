/**
 * What `datapipe verify` prints: a short table (per table: rows on each side, columns, differences,
 * time, verdict), then per differing table its profile differences and at most `--show` rows, side
 * by side, column by column; or the same as one JSON document with `--json`.
 */
import type { RowDifference, TableVerification } from './verify-table.js';

const KIND_TEXT: Record<RowDifference['kind'], string> = {
  values: 'values differ',
  missing: 'in the source, missing from the warehouse',
  deleted: 'deleted at the source, still in the warehouse',
};

export function formatReport(results: readonly TableVerification[]): string {
  const header = ['table', 'source rows', 'warehouse rows', 'columns', 'differences', 'time', 'result'];
  const rows = results.map((r) => [
    r.table, String(r.sourceRows), String(r.targetRows), String(r.columns),
    `${r.partial ? '≥ ' : ''}${r.differences}`, `${r.seconds.toFixed(1)} s`, verdict(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const out = [line(header), ...rows.map(line)];
  for (const r of results.filter((x) => !x.equal || x.deletedAtSource > 0 || x.changedSinceLoad > 0)) out.push('', ...details(r));
  return `${out.join('\n')}\n`;
}

function verdict(r: TableVerification): string {
  if (r.equal) return r.level === 1 ? 'equal (profile)' : 'equal';
  return r.level === 1 ? 'DIFFERENT (profile)' : 'DIFFERENT';
}

function details(r: TableVerification): string[] {
  const scope = r.watermark ? `rows up to the committed watermark ${r.watermark}` : 'every row';
  const out = [`${r.table} (${scope}):`];
  if (r.changedSinceLoad > 0) out.push(`  ${r.changedSinceLoad} rows changed at the source since the last load (not differences: the next load takes them)`);
  if (r.deletedAtSource > 0) out.push(`  ${r.deletedAtSource} rows deleted at the source are still in the warehouse${r.deletes === 'ignore' ? ' (kept: deletes: ignore)' : ''}`);
  if (r.profile.length > 0 && (r.level === 1 || r.differences === 0)) {
    for (const p of r.profile) out.push(`  profile ${p.column === '*' ? 'row count' : `${p.column} ${p.stat}`}: source ${p.source ?? 'NULL'} ≠ warehouse ${p.target ?? 'NULL'}`);
  }
  for (const d of r.shown) {
    const key = Object.entries(d.key).map(([k, v]) => `${k}=${v}`).join(', ');
    out.push(`  ${key}: ${KIND_TEXT[d.kind]}`);
    for (const c of d.columns) out.push(`    ${c.column}: source ${c.source} | warehouse ${c.target}`);
  }
  const more = r.differences - r.shown.length;
  if (more > 0) out.push(`  … ${r.partial ? 'at least ' : ''}${more} more (--show N lists more)`);
  return out;
}

/** The JSON document of `--json`: every table's verification, and whether all are equal. */
export function jsonReport(results: readonly TableVerification[]): string {
  return `${JSON.stringify({ equal: results.every((r) => r.equal), tables: results }, null, 2)}\n`;
}
