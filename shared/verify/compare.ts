/**
 * Finds the keys whose rows differ between two sides without moving the table (docs/verify.md,
 * "Level 2"): both sides hash every row and aggregate the hashes per bucket — the first hex digits
 * of the key's hash — and only buckets that differ are looked into, each pass splitting them into
 * 256 narrower buckets, until the rows left are few enough to list: then each side lists its
 * rows' keys and hashes in those buckets, and the keys are compared one by one. Equal tables
 * cost one pass; each pass after that reads only the buckets that still differ.
 */
import { bucketRowsSql, bucketsSql, chunked, type BoundSql, type HashScope, type WatermarkFilter } from './verify-sql.js';
import { textOf, type VerifySide } from './verify-side.js';

/** A key whose row is on one side only, or on both with different values. */
export interface KeyDifference {
  /** The key's canonical text. */
  key: string;
  on: 'source' | 'target' | 'both';
}

export interface HashComparison {
  /** Differing keys in key-text order. */
  keys: KeyDifference[];
  /** Bucket passes run (1 when the sides are equal). */
  passes: number;
  /** Rows listed by key (both sides together) to find the keys. */
  rowsListed: number;
  /** More buckets differed than `maxBuckets`/`listRows` allowed looking into: `keys` is a subset. */
  partial: boolean;
}

export interface CompareOptions {
  /** Hex digits of the first pass's buckets (2: 256 buckets). */
  firstDepth?: number;
  /** List keys once the differing buckets hold at most this many rows on a side. */
  listRows?: number;
  /** Look into at most this many differing buckets per pass (the rest make the result partial). */
  maxBuckets?: number;
}

/** Each side's filter: the watermark applies to the rows compared, the key-set check reads all keys. */
export interface SideFilters {
  source: WatermarkFilter | null;
  target: WatermarkFilter | null;
}

interface Bucket {
  rows: number;
  sum: string;
}

const MD5_HEX_DIGITS = 32;

export async function compareHashes(source: VerifySide, target: VerifySide, scope: HashScope, filters: SideFilters, options: CompareOptions = {}): Promise<HashComparison> {
  const listRows = options.listRows ?? 20_000;
  const maxBuckets = options.maxBuckets ?? 2_000;
  let depth = options.firstDepth ?? 2;
  let within: { depth: number; prefixes: string[] } | undefined;
  let passes = 0;
  let partial = false;
  for (;;) {
    const [ours, theirs] = await Promise.all([
      buckets(source, (w) => bucketsSql(source.table, scope, filters.source, depth, w), depth, within),
      buckets(target, (w) => bucketsSql(target.table, scope, filters.target, depth, w), depth, within),
    ]);
    passes += 1;
    const differing = differingBuckets(ours, theirs);
    if (differing.length === 0) return { keys: [], passes, rowsListed: 0, partial };
    const rows = (prefix: string) => Math.max(ours.get(prefix)?.rows ?? 0, theirs.get(prefix)?.rows ?? 0);
    const total = differing.reduce((sum, prefix) => sum + rows(prefix), 0);
    if (total <= listRows || depth + 2 > MD5_HEX_DIGITS) {
      const listed = takeWithin(differing, rows, listRows);
      partial ||= listed.length < differing.length;
      const found = await listKeys(source, target, scope, filters, depth, listed);
      return { ...found, passes, partial };
    }
    if (differing.length > maxBuckets) partial = true;
    within = { depth, prefixes: differing.slice(0, maxBuckets) };
    depth += 2;
  }
}

/** The buckets of one side at `depth`, queried per list of at most MAX_LIST parent prefixes. */
async function buckets(side: VerifySide, build: (within?: { depth: number; prefixes: string[] }) => BoundSql, depth: number, within?: { depth: number; prefixes: string[] }): Promise<Map<string, Bucket>> {
  const out = new Map<string, Bucket>();
  const lists = within ? chunked(within.prefixes).map((prefixes) => ({ depth: within.depth, prefixes })) : [undefined];
  for (const list of lists) {
    const { sql, params } = build(list);
    for (const row of await side.query(sql, params, `buckets@${depth}`)) {
      out.set(textOf(row.b) ?? '', { rows: Number(textOf(row.n)), sum: textOf(row.s) ?? '' });
    }
  }
  return out;
}

/** Prefixes whose count or hash sum differ, or that one side lacks, in order. */
export function differingBuckets(a: Map<string, Bucket>, b: Map<string, Bucket>): string[] {
  const out: string[] = [];
  for (const prefix of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(prefix);
    const y = b.get(prefix);
    if (!x || !y || x.rows !== y.rows || x.sum !== y.sum) out.push(prefix);
  }
  return out.sort();
}

/** The first prefixes whose rows add up to at most `budget` (at least one). */
function takeWithin(prefixes: string[], rows: (prefix: string) => number, budget: number): string[] {
  const out: string[] = [];
  let total = 0;
  for (const prefix of prefixes) {
    total += rows(prefix);
    if (out.length > 0 && total > budget) break;
    out.push(prefix);
  }
  return out;
}

async function listKeys(source: VerifySide, target: VerifySide, scope: HashScope, filters: SideFilters, depth: number, prefixes: string[]): Promise<{ keys: KeyDifference[]; rowsListed: number }> {
  const list = async (side: VerifySide, filter: WatermarkFilter | null) => {
    const hashes = new Map<string, string>();
    for (const chunk of chunked(prefixes)) {
      const { sql, params } = bucketRowsSql(side.table, scope, filter, depth, chunk);
      for (const row of await side.query(sql, params, 'rows')) hashes.set(textOf(row.kt) ?? '', textOf(row.h) ?? '');
    }
    return hashes;
  };
  const [ours, theirs] = await Promise.all([list(source, filters.source), list(target, filters.target)]);
  const keys: KeyDifference[] = [];
  for (const [key, hash] of ours) {
    const other = theirs.get(key);
    if (other === undefined) keys.push({ key, on: 'source' });
    else if (other !== hash) keys.push({ key, on: 'both' });
  }
  for (const key of theirs.keys()) if (!ours.has(key)) keys.push({ key, on: 'target' });
  keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { keys, rowsListed: ours.size + theirs.size };
}
