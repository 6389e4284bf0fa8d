/**
 * The queries `datapipe verify` runs on each side (docs/verify.md): one profile per table, bucket
 * aggregates of row hashes at a given depth, the hashes of the rows in chosen buckets, and the
 * canonical values of chosen keys. Written once over a VerifyDialect; every value is bound.
 */
import type { Column, TableModel } from '../model/column.js';
import { decimalText, floatText, keyColumns, nullableText, rowText, valueText } from './canonical-sql.js';
import type { VerifyDialect } from './verify-dialect.js';

/** The largest list one `IN (…)` binds; longer lists are split over several queries. */
export const MAX_LIST = 500;

/** Decimals whose sum stays within 38 digits for up to 10^10 rows get a profile sum. */
export const MAX_SUMMED_PRECISION = 28;

/** One side's table, as the queries read it. */
export interface VerifyTable {
  dialect: VerifyDialect;
  model: TableModel;
  /** The FROM item: the quoted, qualified table (at the side's snapshot). */
  from: string;
  /** A column's quoted reference on this side (source and target spell names differently). */
  column(column: Column): string;
}

/** Rows up to the committed watermark of the partition column (docs/verify.md, "Which rows"). */
export interface WatermarkFilter {
  column: Column;
  /** Canonical text of the watermark (canonicalWatermark): digits, or `YYYY-MM-DD[ HH:MM:SS[.f]]`. */
  value: string;
  /** Rows whose partition value is NULL are loaded every run (`null_watermark: include`): compare them too. */
  includeNulls: boolean;
}

/** What a hash comparison covers: every column (level 2) or only the key (the delete check). */
export type HashScope = 'rows' | 'keys';

export type Params = Record<string, string>;

export interface BoundSql {
  sql: string;
  params: Params;
}

/** `WHERE …` for the filter, or nothing. int64 compares as a number, the rest as canonical text. */
export function whereClause(t: VerifyTable, filter: WatermarkFilter | null, params: Params): string {
  if (!filter) return '';
  params.watermark = filter.value;
  const { dialect: d } = t;
  const ref = t.column(filter.column);
  const bound = filter.column.type.kind === 'int64'
    ? `${ref} <= ${d.int64Param('watermark')}`
    : `${valueText(d, filter.column, ref)} <= ${d.param('watermark')}`;
  return filter.includeNulls ? ` WHERE (${ref} IS NULL OR ${bound})` : ` WHERE ${bound}`;
}

/** Column aliases of the profile: `p<i>_<stat>`. */
export type ProfileStat = 'n' | 'min' | 'max' | 'sum' | 'nan' | 'true' | 'length';

/** The statistics profiled for a column, by kind (docs/verify.md, "Level 1"). */
export function profileStats(column: Column): ProfileStat[] {
  switch (column.type.kind) {
    case 'int64': return ['n', 'min', 'max', 'sum'];
    case 'decimal': return column.type.precision <= MAX_SUMMED_PRECISION ? ['n', 'min', 'max', 'sum'] : ['n', 'min', 'max'];
    case 'float32':
    case 'float64': return ['n', 'min', 'max', 'nan'];
    case 'boolean': return ['n', 'true'];
    case 'date':
    case 'datetime':
    case 'timestamp': return ['n', 'min', 'max'];
    case 'bytes':
    case 'string':
    case 'json':
    case 'interval': return ['n', 'length'];
  }
}

/** One query: the row count and, per column, the statistics of profileStats, all as canonical text. */
export function profileSql(t: VerifyTable, filter: WatermarkFilter | null): BoundSql {
  const { dialect: d } = t;
  const params: Params = {};
  const items = [`${d.integerText('COUNT(*)')} AS ${d.quote('row_count')}`];
  t.model.columns.forEach((column, i) => {
    const ref = t.column(column);
    for (const stat of profileStats(column)) {
      items.push(`${profileItem(d, column, ref, stat)} AS ${d.quote(`p${i}_${stat}`)}`);
    }
  });
  return { sql: `SELECT ${items.join(',\n  ')}\nFROM ${t.from}${whereClause(t, filter, params)}`, params };
}

function profileItem(d: VerifyDialect, column: Column, ref: string, stat: ProfileStat): string {
  const kind = column.type.kind;
  switch (stat) {
    case 'n': return d.integerText(`COUNT(${ref})`);
    case 'true': return d.integerText(d.exactSum(`CASE WHEN ${ref} THEN 1 ELSE 0 END`));
    case 'nan': return d.integerText(d.exactSum(`CASE WHEN ${d.isNan(d.toDouble(ref))} THEN 1 ELSE 0 END`));
    case 'length': {
      const length = kind === 'bytes' ? d.byteLength(ref) : d.charLength(d.text(ref, column));
      return d.integerText(d.exactSum(`CASE WHEN ${ref} IS NULL THEN NULL ELSE ${length} END`));
    }
    case 'sum':
      return kind === 'decimal'
        ? orNull(`SUM(${ref})`, decimalText(d, column, d.decimalSum(ref, column.type.kind === 'decimal' ? column.type.precision : 38)))
        : d.integerText(d.exactSum(ref));
    case 'min':
    case 'max': {
      const fn = stat === 'min' ? 'MIN' : 'MAX';
      if (kind === 'float32' || kind === 'float64') {
        // NaN sorts differently in every engine and -0.0 ties with 0.0: min/max of the other values, zero unsigned.
        const x = d.toDouble(ref);
        const value = `${fn}(CASE WHEN ${d.isNan(x)} THEN NULL WHEN ${x} = 0 THEN 0 ELSE ${x} END)`;
        return orNull(value, floatText(d, value));
      }
      return orNull(`${fn}(${ref})`, valueText(d, column, `${fn}(${ref})`));
    }
  }
}

/** `text` of an aggregate that is NULL over no values (the canonical NULL `~`). */
function orNull(aggregate: string, text: string): string {
  return `CASE WHEN ${aggregate} IS NULL THEN '~' ELSE ${text} END`;
}

/** The key's canonical text (`keys`) and the hashed text of the scope, per row. */
function canonicalRows(t: VerifyTable, scope: HashScope, filter: WatermarkFilter | null, params: Params): string {
  const { dialect: d } = t;
  const key = rowText(d, keyColumns(t.model), (c) => t.column(c));
  const row = scope === 'keys' ? key : rowText(d, t.model.columns, (c) => t.column(c));
  return `SELECT ${key} AS ${d.quote('kt')}, ${row} AS ${d.quote('rt')} FROM ${t.from}${whereClause(t, filter, params)}`;
}

/** The key hash `k` (whose hex prefix is the bucket) and the row hash `h`, per row. */
function hashedRows(t: VerifyTable, scope: HashScope, filter: WatermarkFilter | null, params: Params): string {
  const { dialect: d } = t;
  return `SELECT ${d.quote('kt')}, ${d.md5(d.quote('kt'))} AS ${d.quote('k')}, ${d.md5(d.quote('rt'))} AS ${d.quote('h')}\n`
    + `  FROM (${canonicalRows(t, scope, filter, params)}) ${d.quote('c')}`;
}

/** `prefix(k) IN (…)`, binding each prefix. */
function inPrefixes(d: VerifyDialect, prefixes: readonly string[], depth: number, params: Params): string {
  const names = prefixes.map((prefix, i) => {
    params[`b${i}`] = prefix;
    return d.param(`b${i}`);
  });
  return `${d.substr(d.quote('k'), 1, depth)} IN (${names.join(', ')})`;
}

/**
 * Per bucket (the first `depth` hex digits of the key hash): row count and the exact sum of the
 * row hashes' last 60 bits. Equal counts and sums: equal rows, but for a 2^-60 chance per bucket.
 * `within` restricts the query to buckets of a shallower depth that already differed.
 */
export function bucketsSql(t: VerifyTable, scope: HashScope, filter: WatermarkFilter | null, depth: number, within?: { depth: number; prefixes: readonly string[] }): BoundSql {
  const { dialect: d } = t;
  const params: Params = {};
  const bucket = d.substr(d.quote('k'), 1, depth);
  const where = within ? ` WHERE ${inPrefixes(d, within.prefixes, within.depth, params)}` : '';
  const sql = `SELECT ${bucket} AS ${d.quote('b')}, ${d.integerText('COUNT(*)')} AS ${d.quote('n')}, `
    + `${d.integerText(d.exactSum(d.hexToInt(d.substr(d.quote('h'), 18, 15))))} AS ${d.quote('s')}\n`
    + `FROM (${hashedRows(t, scope, filter, params)}) ${d.quote('x')}${where}\nGROUP BY ${bucket}`;
  return { sql, params };
}

/** Each row's key text and row hash, in the given buckets. */
export function bucketRowsSql(t: VerifyTable, scope: HashScope, filter: WatermarkFilter | null, depth: number, prefixes: readonly string[]): BoundSql {
  const { dialect: d } = t;
  const params: Params = {};
  const sql = `SELECT ${d.quote('kt')}, ${d.quote('h')}\nFROM (${hashedRows(t, scope, filter, params)}) ${d.quote('x')}\n`
    + `WHERE ${inPrefixes(d, prefixes, depth, params)}`;
  return { sql, params };
}

/** `<key text> IN (…)`, binding each key's canonical text. */
export function keyIn(t: VerifyTable, keys: readonly string[], params: Params): string {
  const { dialect: d } = t;
  const names = keys.map((key, i) => {
    params[`k${i}`] = key;
    return d.param(`k${i}`);
  });
  return `${rowText(d, keyColumns(t.model), (c) => t.column(c))} IN (${names.join(', ')})`;
}

/** The canonical text of every column (`v<i>`) of the rows with these keys, whatever their watermark. */
export function keyRowsSql(t: VerifyTable, keys: readonly string[]): BoundSql {
  const { dialect: d } = t;
  const params: Params = {};
  const key = rowText(d, keyColumns(t.model), (c) => t.column(c));
  const values = t.model.columns.map((c, i) => `${nullableText(d, c, t.column(c))} AS ${d.quote(`v${i}`)}`);
  const sql = `SELECT ${key} AS ${d.quote('kt')}, ${values.join(', ')}\nFROM ${t.from}\nWHERE ${keyIn(t, keys, params)}`;
  return { sql, params };
}

/** Deletes the rows with these keys (the warehouse side of `deletes: propagate`). */
export function deleteKeysSql(t: VerifyTable, keys: readonly string[], offset: number): BoundSql {
  const { dialect: d } = t;
  const params: Params = {};
  const names = keys.map((key, i) => {
    params[`k${offset + i}`] = key;
    return d.param(`k${offset + i}`);
  });
  const key = rowText(d, keyColumns(t.model), (c) => t.column(c));
  return { sql: `DELETE FROM ${t.from} WHERE ${key} IN (${names.join(', ')})`, params };
}

/** Splits a list into pieces of at most `size`. */
export function chunked<T>(items: readonly T[], size = MAX_LIST): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
