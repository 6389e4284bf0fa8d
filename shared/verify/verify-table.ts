/**
 * One table's verification (docs/verify.md): the profiles of both sides compared statistic by
 * statistic (level 1), then the row hashes bucket by bucket down to the differing keys (level 2),
 * whose rows are fetched from both sides and told apart: missing from the warehouse, deleted at the
 * source, changed since the last load (not a difference), or different values, column by column.
 */
import type { Column, TableModel } from '../model/column.js';
import { displayValue, parseRowText } from './canonical-text.js';
import { keyColumns } from './canonical-sql.js';
import { compareHashes, type CompareOptions, type KeyDifference } from './compare.js';
import { chunked, keyRowsSql, profileSql, profileStats, type WatermarkFilter } from './verify-sql.js';
import { textOf, type VerifySide } from './verify-side.js';

export type DeletesPolicy = 'ignore' | 'detect' | 'propagate';

export interface VerifyOptions {
  /** 1: profiles only; 2: profiles and row hashes. */
  level: 1 | 2;
  /** Differing rows shown (and returned) at most. */
  show: number;
  /** Rows gone from the source count as differences unless deletes are ignored. */
  deletes: DeletesPolicy;
  compare?: CompareOptions;
  /** Differing keys whose rows are fetched to tell them apart (the rest are counted unexplained). */
  maxExplained?: number;
}

export interface ProfileDifference {
  column: string;
  stat: string;
  source: string | null;
  target: string | null;
}

export type RowDifferenceKind = 'missing' | 'deleted' | 'values';

export interface RowDifference {
  kind: RowDifferenceKind;
  /** The key, column by column, as shown to a person. */
  key: Record<string, string>;
  /** The columns that differ (all of them for a row on one side only). */
  columns: { column: string; source: string; target: string }[];
}

export interface TableVerification {
  table: string;
  level: 1 | 2;
  /** The committed watermark rows were compared up to, or null (every row). */
  watermark: string | null;
  sourceRows: number;
  targetRows: number;
  columns: number;
  profile: ProfileDifference[];
  /** Rows that differ: missing from the warehouse, different values, and (unless ignored) deleted at the source. */
  differences: number;
  /** Warehouse rows whose key is gone from the source. */
  deletedAtSource: number;
  /** The table's `deletes` setting: under `ignore` those rows are not differences. */
  deletes: DeletesPolicy;
  /** Keys whose source row moved past the watermark since the last load: not differences. */
  changedSinceLoad: number;
  /** At most `show` differing rows. */
  shown: RowDifference[];
  /** Not every differing bucket or key could be looked into: `differences` is a lower bound. */
  partial: boolean;
  equal: boolean;
  passes: number;
  seconds: number;
}

export interface SideFilter {
  source: WatermarkFilter | null;
  target: WatermarkFilter | null;
}

export async function verifyTable(source: VerifySide, target: VerifySide, filters: SideFilter, watermark: string | null, options: VerifyOptions): Promise<TableVerification> {
  const started = performance.now();
  const model = source.table.model;
  const [ours, theirs] = await Promise.all([profile(source, filters.source), profile(target, filters.target)]);
  const profileDiffs = compareProfiles(model, ours, theirs);
  const base = {
    table: model.name, level: options.level, watermark, columns: model.columns.length, deletes: options.deletes,
    sourceRows: Number(ours.row_count ?? 0), targetRows: Number(theirs.row_count ?? 0), profile: profileDiffs,
  };
  if (options.level === 1) {
    const equal = profileDiffs.length === 0;
    return { ...base, differences: profileDiffs.length, deletedAtSource: 0, changedSinceLoad: 0, shown: [], partial: false, equal, passes: 0, seconds: elapsed(started) };
  }
  const hashes = await compareHashes(source, target, 'rows', filters, options.compare);
  const explainable = hashes.keys.slice(0, options.maxExplained ?? 5_000);
  const explained = await explain(source, target, explainable, filters.source, options.deletes);
  const unexplained = hashes.keys.length - explainable.length;
  const differences = explained.differences.length + unexplained;
  // Rows changed since the load, and deletes kept on purpose, move the profile too: the row-level
  // comparison is the authority once it has found keys. A profile difference with no differing
  // key at all is one nonetheless.
  const equal = differences === 0 && (profileDiffs.length === 0 || hashes.keys.length > 0);
  return {
    ...base, differences, deletedAtSource: explained.deleted, changedSinceLoad: explained.changed,
    shown: explained.differences.slice(0, options.show), partial: hashes.partial || unexplained > 0,
    equal, passes: hashes.passes, seconds: elapsed(started),
  };
}

async function profile(side: VerifySide, filter: WatermarkFilter | null): Promise<Record<string, string | null>> {
  const { sql, params } = profileSql(side.table, filter);
  const [row = {}] = await side.query(sql, params, 'profile');
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, textOf(v)]));
}

/** Statistic by statistic, in column order; the row count first. */
export function compareProfiles(model: TableModel, ours: Record<string, string | null>, theirs: Record<string, string | null>): ProfileDifference[] {
  const out: ProfileDifference[] = [];
  if (ours.row_count !== theirs.row_count) out.push({ column: '*', stat: 'rows', source: ours.row_count ?? null, target: theirs.row_count ?? null });
  model.columns.forEach((column, i) => {
    for (const stat of profileStats(column)) {
      const name = `p${i}_${stat}`;
      const [a = null, b = null] = [ours[name], theirs[name]];
      if (a !== b) out.push({ column: column.name, stat, source: showStat(column, stat, a), target: showStat(column, stat, b) });
    }
  });
  return out;
}

function showStat(column: Column, stat: string, value: string | null): string | null {
  if (value === null || value === '~') return value === '~' ? 'NULL' : null;
  return stat === 'min' || stat === 'max' ? displayValue(column, parseRowText(value, [column])[0] ?? null) : value;
}

interface Explained {
  differences: RowDifference[];
  deleted: number;
  changed: number;
}

/** Fetches the differing keys' rows from both sides, whatever their watermark, and classifies each. */
async function explain(source: VerifySide, target: VerifySide, keys: KeyDifference[], filter: WatermarkFilter | null, deletes: DeletesPolicy): Promise<Explained> {
  const model = source.table.model;
  const [ours, theirs] = await Promise.all([rowsByKey(source, keys), rowsByKey(target, keys)]);
  const partitionIndex = filter ? model.columns.indexOf(filter.column) : -1;
  const out: Explained = { differences: [], deleted: 0, changed: 0 };
  for (const { key } of keys) {
    const a = ours.get(key);
    const b = theirs.get(key);
    if (a && filter && pastWatermark(filter, a[partitionIndex] ?? null)) {
      out.changed += 1;
      continue;
    }
    if (!a && b) {
      out.deleted += 1;
      if (deletes !== 'ignore') out.differences.push(difference(model, key, 'deleted', a, b));
    } else if (a && !b) {
      out.differences.push(difference(model, key, 'missing', a, b));
    } else if (a && b && a.some((value, i) => value !== b[i])) {
      out.differences.push(difference(model, key, 'values', a, b));
    }
  }
  return out;
}

async function rowsByKey(side: VerifySide, keys: KeyDifference[]): Promise<Map<string, (string | null)[]>> {
  const model = side.table.model;
  const out = new Map<string, (string | null)[]>();
  for (const chunk of chunked(keys.map((k) => k.key))) {
    const { sql, params } = keyRowsSql(side.table, chunk);
    for (const row of await side.query(sql, params, 'key rows')) {
      out.set(textOf(row.kt) ?? '', model.columns.map((_, i) => textOf(row[`v${i}`])));
    }
  }
  return out;
}

/** Whether a source row's partition value lies past the watermark (or is NULL and not compared). */
function pastWatermark(filter: WatermarkFilter, text: string | null): boolean {
  if (text === null || text === '~') return !filter.includeNulls;
  const value = parseRowText(text, [filter.column])[0] ?? '';
  return filter.column.type.kind === 'int64' ? BigInt(value) > BigInt(filter.value) : value > filter.value;
}

function difference(model: TableModel, key: string, kind: RowDifferenceKind, a: (string | null)[] | undefined, b: (string | null)[] | undefined): RowDifference {
  const keyCols = keyColumns(model);
  const keyValues = parseRowText(key, keyCols);
  const shownKey = Object.fromEntries(keyCols.map((c, i) => [c.name, displayValue(c, keyValues[i] ?? null)]));
  const columns: RowDifference['columns'] = [];
  model.columns.forEach((column, i) => {
    const x = a?.[i];
    const y = b?.[i];
    if (a && b && x === y) return;
    // A row on one side only: its key is shown already, and its NULLs say nothing.
    if ((!a || !b) && (model.primaryKeys.includes(column.name) || (x ?? y) === '~')) return;
    columns.push({ column: column.name, source: a ? cell(column, x ?? null) : '(no row)', target: b ? cell(column, y ?? null) : '(no row)' });
  });
  return { kind, key: shownKey, columns };
}

function cell(column: Column, text: string | null): string {
  return displayValue(column, text === null ? null : parseRowText(text, [column])[0] ?? null);
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started) / 1000;
}
