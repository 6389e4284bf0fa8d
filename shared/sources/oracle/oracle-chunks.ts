/**
 * `--chunk i/n` as ROWID ranges: the table's extents (DBA_EXTENTS) cut into n runs of about equal
 * block counts, each boundary the first row slot of a block. Chunk i reads
 * `boundary[i-1] <= ROWID < boundary[i]`, the first and last chunk open-ended, so the chunks cover
 * the whole ROWID space exactly once whatever the boundaries are: extents only make the slices even.
 * The boundaries are computed once per run and recorded with its SCN (oracle-snapshot.ts), so an
 * extent allocated while the chunks start cannot move them. The database sorts them
 * (SORT_ROWIDS_SQL), so the ranges follow Oracle's own ROWID order.
 *
 * Why DBA_EXTENTS: USER_EXTENTS "does not display the OWNER, FILE_ID, BLOCK_ID, or RELATIVE_FNO
 * columns" (Database Reference, USER_EXTENTS), so block addresses need DBA_EXTENTS — SELECT on it,
 * SELECT_CATALOG_ROLE or SELECT ANY DICTIONARY. DBMS_PARALLEL_EXECUTE.CREATE_CHUNKS_BY_ROWID would
 * need no such grant, but every one of its subprograms commits task rows into the source database
 * (PL/SQL Packages and Types Reference), and DataPipe never writes to the source. Without the grant
 * the chunks fall back to ORA_HASH buckets of the ROWID (oracle-sql.ts hashChunkPredicate).
 *
 * Extended ROWID text (Concepts, "Rowid Format"): OOOOOO data object number, FFF relative file
 * number, BBBBBB block, RRR row, in base 64 (A–Z, a–z, 0–9, +, /) — `AAAPecAAFAAAABSAAA` is object
 * AAAPec, file AAF, block AAAABS, row AAA. A bigfile tablespace has one file, relative number 1024,
 * and its ROWIDs hold a 9-character block number where FFFBBBBBB stand (OOOOOOLLLLLLLLLRRR).
 */
import type { OracleBinds } from './oracle-client.js';

/**
 * The table's extents (binds :owner, :table_name), in ROWID order: data object, then file and
 * block. Partitions and subpartitions are segments of their own, each with its DATA_OBJECT_ID
 * (ALL_OBJECTS, matched on SUBOBJECT_NAME; DECODE treats two NULLs as equal). An index-organized
 * or clustered table has no TABLE segment under its name, so it returns no rows.
 */
export const EXTENTS_SQL = 'SELECT o.DATA_OBJECT_ID, e.RELATIVE_FNO, e.BLOCK_ID, e.BLOCKS FROM DBA_EXTENTS e'
  + ' JOIN ALL_OBJECTS o ON o.OWNER = e.OWNER AND o.OBJECT_NAME = e.SEGMENT_NAME AND o.OBJECT_TYPE = e.SEGMENT_TYPE'
  + ' AND DECODE(o.SUBOBJECT_NAME, e.PARTITION_NAME, 1, 0) = 1'
  + " WHERE e.OWNER = :owner AND e.SEGMENT_NAME = :table_name AND e.SEGMENT_TYPE IN ('TABLE', 'TABLE PARTITION', 'TABLE SUBPARTITION')"
  + ' ORDER BY o.DATA_OBJECT_ID, e.RELATIVE_FNO, e.BLOCK_ID';

/**
 * How the table is organized (binds :owner, :table_name): IOT_TYPE is `IOT` for an index-organized
 * table, NULL for a heap table (and a clustered or external one); a view has no ALL_TABLES row
 * (Database Reference, ALL_TABLES).
 */
export const TABLE_ORGANIZATION_SQL = 'SELECT IOT_TYPE FROM ALL_TABLES WHERE OWNER = :owner AND TABLE_NAME = :table_name';

/** One EXTENTS_SQL row (outFormat OBJECT; NUMBER columns arrive as text). */
export interface ExtentRow {
  DATA_OBJECT_ID: string | number;
  RELATIVE_FNO: string | number;
  BLOCK_ID: string | number;
  BLOCKS: string | number;
}

/** A block address: where a ROWID range starts. */
export interface BlockAddress {
  object: number;
  file: number;
  block: number;
}

interface Extent extends BlockAddress {
  blocks: number;
}

/** The relative file number of a bigfile tablespace's only file. */
export const BIGFILE_RELATIVE_FNO = 1024;

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** `value` in `width` base-64 digits, most significant first. */
function base64Digits(value: number, width: number): string {
  let text = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    text = BASE64[rest % 64]! + text;
    rest = Math.floor(rest / 64);
  }
  return text;
}

/** The extended ROWID text of a row slot; a bigfile file (1024) gets the 9-digit block form. */
export function rowidText(address: BlockAddress, row = 0): string {
  const { object, file, block } = address;
  const check = (value: number, limit: number, what: string): void => {
    if (!Number.isInteger(value) || value < 0 || value >= limit) throw new Error(`${what} ${value} is outside an extended ROWID (0..${limit - 1})`);
  };
  check(object, 2 ** 32, 'data object number');
  check(row, 2 ** 16, 'row number');
  if (file === BIGFILE_RELATIVE_FNO) {
    check(block, 2 ** 32, 'bigfile block number');
    return `${base64Digits(object, 6)}${base64Digits(block, 9)}${base64Digits(row, 3)}`;
  }
  check(file, BIGFILE_RELATIVE_FNO, 'relative file number');
  check(block, 2 ** 22, 'block number');
  return `${base64Digits(object, 6)}${base64Digits(file, 3)}${base64Digits(block, 6)}${base64Digits(row, 3)}`;
}

function toInteger(value: string | number, what: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) throw new Error(`DBA_EXTENTS ${what} ${String(value)} is not a block count or address`);
  return number;
}

/**
 * The n − 1 block addresses that cut the extents into n runs of about equal block counts:
 * boundary k is the block at offset floor(k · total / n) of the extents laid end to end. Fewer
 * blocks than chunks repeat a boundary (an empty chunk, still correct); no extents at all → null.
 */
export function boundaryBlocks(rows: readonly ExtentRow[], count: number): BlockAddress[] | null {
  const extents: Extent[] = rows.map((row) => ({
    object: toInteger(row.DATA_OBJECT_ID, 'DATA_OBJECT_ID'), file: toInteger(row.RELATIVE_FNO, 'RELATIVE_FNO'),
    block: toInteger(row.BLOCK_ID, 'BLOCK_ID'), blocks: toInteger(row.BLOCKS, 'BLOCKS'),
  })).filter((e) => e.blocks > 0);
  const total = extents.reduce((sum, e) => sum + e.blocks, 0);
  if (total === 0) return null;
  const boundaries: BlockAddress[] = [];
  let index = 0;
  let before = 0; // blocks in the extents before extents[index]
  for (let k = 1; k < count; k++) {
    // BigInt keeps k · total exact however large the table.
    const offset = Number((BigInt(k) * BigInt(total)) / BigInt(count));
    while (before + extents[index]!.blocks <= offset) before += extents[index++]!.blocks;
    const extent = extents[index]!;
    boundaries.push({ object: extent.object, file: extent.file, block: extent.block + (offset - before) });
  }
  return boundaries;
}

/** Sorts ROWID texts in Oracle's ROWID order (binds :b0, :b1, …); the result column is B. */
export function sortRowidsSql(rowids: readonly string[]): { sql: string; binds: OracleBinds } {
  const selects = rowids.map((_, i) => `SELECT CHARTOROWID(:b${i}) AS R FROM DUAL`);
  return {
    sql: `SELECT ROWIDTOCHAR(R) AS B FROM (${selects.join(' UNION ALL ')}) ORDER BY R`,
    binds: Object.fromEntries(rowids.map((rowid, i) => [`b${i}`, rowid])),
  };
}
