/**
 * One consistent state shared by every chunk of a run (docs/run-protocol.md, "Claiming the window":
 * every chunk reads `AS OF SCN` one shared SCN). `Source.snapshot` is taken once, by whichever chunk claims the
 * run's window, and travels in `_window.json` as an opaque token: the SCN, the chunk count and —
 * when the extents are readable — the ROWID boundaries of the chunks (oracle-chunks.ts), else
 * what ORA_HASH buckets (hashKeyOf). Every chunk, and every retry of the run, reads with the same
 * token, so chunks neither overlap nor leave gaps even while the table changes. An unchunked read needs none of this: one Oracle query
 * is read-consistent on its own (statement-level read consistency).
 */
import { z } from 'zod';
import { ContractError, TerminalError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { TableModel } from '../../model/column.js';
import type { ReadPlan } from '../source.js';
import { boundaryBlocks, EXTENTS_SQL, rowidText, sortRowidsSql, TABLE_ORGANIZATION_SQL, type ExtentRow } from './oracle-chunks.js';
import type { OracleBinds } from './oracle-client.js';
import { oracleErrorCode } from './oracle-errors.js';
import { columnOf, CURRENT_SCN_SQL, DATABASE_SCN_SQL, hashKeyExpression, PRIMARY_KEY_SQL, type ReadScope } from './oracle-sql.js';

/** Runs a query and returns its rows as objects keyed by column alias (NUMBER as text). */
export type OracleQuery = <R>(sql: string, binds?: OracleBinds) => Promise<R[]>;

/** The token version this source writes: 2 since ORA_HASH chunks hash the ROWID unless the token names a key. */
const TOKEN_VERSION = 2;

const tokenSchema = z.object({
  oracle: z.union([z.literal(1), z.literal(TOKEN_VERSION)]),
  scn: z.string().regex(/^\d+$/),
  chunks: z.number().int().positive(),
  /** chunks − 1 ROWIDs in Oracle's order; absent when the chunks are ORA_HASH buckets. */
  rowids: z.array(z.string()).optional(),
  /** ORA_HASH buckets of these columns (an index-organized table's primary key, a view's keys); absent: of the ROWID. */
  hash_key: z.array(z.string().min(1)).min(1).optional(),
}).strict();

/** What a snapshot token holds. */
export type OracleSnapshot = z.infer<typeof tokenSchema>;

/** The token text recorded in `_window.json`. */
export function snapshotToken(snapshot: OracleSnapshot): string {
  return JSON.stringify(tokenSchema.parse(snapshot));
}

/** Reads a token back; anything else means the window file was not written by this source. */
export function parseSnapshot(token: string): OracleSnapshot {
  let json: unknown;
  try {
    json = JSON.parse(token);
  } catch {
    json = undefined;
  }
  const parsed = tokenSchema.safeParse(json);
  const data = parsed.success ? parsed.data : undefined;
  if (!data || (data.rowids && (data.rowids.length !== data.chunks - 1 || data.hash_key))) {
    throw new ContractError(`the run's snapshot in _window.json is not an Oracle snapshot (${token.slice(0, 80)}) — start a new run (a new --run-id)`);
  }
  if (data.oracle === 1 && !data.rowids) {
    // Version 1 hashed the configured key (a NULL key fell in no bucket): mixing that with this
    // version's ROWID buckets inside one run would read rows twice or never.
    throw new TerminalError('this run\'s chunks were cut by an earlier DataPipe (ORA_HASH of the key) — start a new run (a new --run-id)');
  }
  return data;
}

/** Errors that mean "not granted" rather than "broken": an unknown function or view, no privilege. */
const NOT_GRANTED = new Set(['ORA-00904', 'ORA-00942', 'ORA-01031', 'ORA-06550', 'PLS-00201']);

/**
 * The current SCN as exact text: DBMS_FLASHBACK (needs EXECUTE on it), else V$DATABASE (needs
 * SELECT on V_$DATABASE or SELECT_CATALOG_ROLE); neither → TerminalError naming both grants.
 */
export async function currentScn(query: OracleQuery, user: string): Promise<string> {
  for (const sql of [CURRENT_SCN_SQL, DATABASE_SCN_SQL]) {
    try {
      const scn = (await query<{ CURRENT_SCN: string | null }>(sql))[0]?.CURRENT_SCN;
      if (typeof scn === 'string' && /^\d+$/.test(scn)) return scn;
      throw new Error(`the database returned ${JSON.stringify(scn)} for its current SCN`);
    } catch (error) {
      if (!NOT_GRANTED.has(oracleErrorCode(error))) throw error;
    }
  }
  throw new TerminalError(`${user} cannot read the current SCN that the chunks of a run share — GRANT EXECUTE ON SYS.DBMS_FLASHBACK TO ${user} (or SELECT ON V_$DATABASE), or run the table without --chunk`);
}

/** How a run's chunks are cut: ROWID boundaries, or ORA_HASH buckets and why. */
export type ChunkMethod = { method: 'rowid'; rowids: string[] } | { method: 'hash'; reason: string };

/** ROWID boundaries from DBA_EXTENTS when the user may read it and the table has extents, else ORA_HASH. */
export async function chunkMethod(query: OracleQuery, model: TableModel, count: number, user: string): Promise<ChunkMethod> {
  let extents: ExtentRow[];
  try {
    extents = await query<ExtentRow>(EXTENTS_SQL, { owner: model.sourceSchema, table_name: model.sourceName });
  } catch (error) {
    if (!NOT_GRANTED.has(oracleErrorCode(error))) throw error;
    return { method: 'hash', reason: `${user} cannot read DBA_EXTENTS (GRANT SELECT ON DBA_EXTENTS, or SELECT_CATALOG_ROLE, for ROWID-range chunks)` };
  }
  const blocks = boundaryBlocks(extents, count);
  if (blocks === null) {
    return { method: 'hash', reason: 'the table has no TABLE extents (empty with deferred segment creation, index-organized, clustered, external, or a view)' };
  }
  if (blocks.length === 0) return { method: 'rowid', rowids: [] };
  const sort = sortRowidsSql(blocks.map((block) => rowidText(block)));
  const sorted = await query<{ B: string }>(sort.sql, sort.binds);
  return { method: 'rowid', rowids: sorted.map((row) => row.B) };
}

/** What ORA_HASH buckets: `key` columns (source names), or the ROWID when absent; `what` says which, for the log. */
export interface HashKey {
  key?: string[];
  what: string;
}

/**
 * The ORA_HASH input of a run whose chunks are buckets: a table's ROWID — stable AS OF one SCN,
 * never NULL — unless the table is index-organized (its logical ROWIDs are not documented as
 * stable across sessions: its primary key, whose columns are never NULL) or a view (no ROWID of
 * its own: the model's primary keys, a NULL hash read as bucket 0).
 */
export async function hashKeyOf(query: OracleQuery, model: TableModel): Promise<HashKey> {
  const binds = { owner: model.sourceSchema, table_name: model.sourceName };
  const table = `${model.sourceSchema}.${model.sourceName}`;
  const organization = await query<{ IOT_TYPE: string | null }>(TABLE_ORGANIZATION_SQL, binds);
  if (organization.length > 0 && organization[0]!.IOT_TYPE !== 'IOT') return { what: 'the ROWID' };
  const indexOrganized = organization.length > 0;
  const key = indexOrganized
    ? (await query<{ COLUMN_NAME: string }>(PRIMARY_KEY_SQL, binds)).map((row) => row.COLUMN_NAME)
    : model.primaryKeys.map((name) => columnOf(model, name).sourceName);
  if (key.length === 0) {
    throw new TerminalError(`${table} has no ROWID of its own to split --chunk buckets by (a view?) and no primary key — set primary_keys for the table in config.yaml, or run it without --chunk`);
  }
  hashKeyExpression(model, key); // refuses a LOB key before the run's window is claimed
  return { key, what: `${indexOrganized ? 'the primary key of an index-organized table' : 'the primary_keys of a view'} (${key.join(', ')})` };
}

/** Takes the run's snapshot: the SCN first, then the chunk boundaries (extents only grow after it). */
export async function takeSnapshot(query: OracleQuery, model: TableModel, chunks: number, user: string, log: Logger): Promise<string> {
  const scn = await currentScn(query, user);
  const method = await chunkMethod(query, model, chunks, user);
  const table = `${model.sourceSchema}.${model.sourceName}`;
  if (method.method === 'rowid') {
    log.info({ table, scn, chunks, chunk_method: 'rowid' }, `${table}: ${chunks} chunks by ROWID range (DBA_EXTENTS), all AS OF SCN ${scn}`);
    return snapshotToken({ oracle: TOKEN_VERSION, scn, chunks, rowids: method.rowids });
  }
  const hash = await hashKeyOf(query, model);
  log.info({ table, scn, chunks, chunk_method: 'ora_hash', hash_key: hash.key ?? 'ROWID', reason: method.reason }, `${table}: ${chunks} chunks by ORA_HASH of ${hash.what}, each a full scan, all AS OF SCN ${scn} — ${method.reason}`);
  return snapshotToken({ oracle: TOKEN_VERSION, scn, chunks, ...(hash.key ? { hash_key: hash.key } : {}) });
}

/**
 * How one read is narrowed: the run's SCN, and this chunk's ROWID range when the run has
 * boundaries, else the ORA_HASH key selectSql buckets by. A chunked plan without a snapshot is
 * refused: every Oracle chunked run records one, and buckets of changing data are not a partition.
 */
export function readScope(plan: ReadPlan): ReadScope {
  const chunk = plan.chunk && plan.chunk.count > 1 ? plan.chunk : undefined;
  if (plan.snapshot === undefined) {
    if (chunk) {
      throw new TerminalError(`--chunk ${chunk.index + 1}/${chunk.count}: this run's _window.json records no snapshot for its chunks to share (the run was started without --chunk) — start a new run (a new --run-id) and give each of its chunks --chunk i/${chunk.count}`);
    }
    return {};
  }
  const snapshot = parseSnapshot(plan.snapshot);
  if (!chunk) return { scn: snapshot.scn };
  if (snapshot.chunks !== chunk.count) {
    throw new TerminalError(`--chunk ${chunk.index + 1}/${chunk.count}: this run was started with ${snapshot.chunks} chunks (its _window.json) — run its chunks as i/${snapshot.chunks}, or start a new run (a new --run-id)`);
  }
  if (!snapshot.rowids) return { scn: snapshot.scn, ...(snapshot.hash_key ? { hashKey: snapshot.hash_key } : {}) };
  if (!Number.isInteger(chunk.index) || chunk.index < 0 || chunk.index >= chunk.count) {
    throw new TerminalError(`--chunk ${chunk.index + 1}/${chunk.count} is not a chunk — use i/n with 1 ≤ i ≤ n`);
  }
  const low = chunk.index === 0 ? null : snapshot.rowids[chunk.index - 1]!;
  const high = chunk.index === chunk.count - 1 ? null : snapshot.rowids[chunk.index]!;
  return { scn: snapshot.scn, rowidRange: { low, high } };
}
