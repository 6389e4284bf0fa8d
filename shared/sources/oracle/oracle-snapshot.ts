/**
 * One consistent state shared by every chunk of a run (architecture.md: "all chunks reading
 * `AS OF SCN` one shared SCN"). `Source.snapshot` is taken once, by whichever chunk claims the
 * run's window, and travels in `_window.json` as an opaque token: the SCN, the chunk count and —
 * when the extents are readable — the ROWID boundaries of the chunks (oracle-chunks.ts). Every
 * chunk, and every retry of the run, reads with the same token, so chunks neither overlap nor
 * leave gaps even while the table changes. An unchunked read needs none of this: one Oracle query
 * is read-consistent on its own (statement-level read consistency).
 */
import { z } from 'zod';
import { ContractError, TerminalError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { TableModel } from '../../model/column.js';
import type { ReadPlan } from '../source.js';
import { boundaryBlocks, EXTENTS_SQL, rowidText, sortRowidsSql, type ExtentRow } from './oracle-chunks.js';
import type { OracleBinds } from './oracle-client.js';
import { oracleErrorCode } from './oracle-errors.js';
import { CURRENT_SCN_SQL, DATABASE_SCN_SQL, type ReadScope } from './oracle-sql.js';

/** Runs a query and returns its rows as objects keyed by column alias (NUMBER as text). */
export type OracleQuery = <R>(sql: string, binds?: OracleBinds) => Promise<R[]>;

const tokenSchema = z.object({
  oracle: z.literal(1),
  scn: z.string().regex(/^\d+$/),
  chunks: z.number().int().positive(),
  /** chunks − 1 ROWIDs in Oracle's order; absent when the chunks are ORA_HASH buckets. */
  rowids: z.array(z.string()).optional(),
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
  if (!parsed.success || (parsed.data.rowids && parsed.data.rowids.length !== parsed.data.chunks - 1)) {
    throw new ContractError(`the run's snapshot in _window.json is not an Oracle snapshot (${token.slice(0, 80)}) — start a new run (a new --run-id)`);
  }
  return parsed.data;
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

/** Takes the run's snapshot: the SCN first, then the chunk boundaries (extents only grow after it). */
export async function takeSnapshot(query: OracleQuery, model: TableModel, chunks: number, user: string, log: Logger): Promise<string> {
  const scn = await currentScn(query, user);
  const method = await chunkMethod(query, model, chunks, user);
  const table = `${model.sourceSchema}.${model.sourceName}`;
  if (method.method === 'rowid') {
    log.info({ table, scn, chunks, chunk_method: 'rowid' }, `${table}: ${chunks} chunks by ROWID range (DBA_EXTENTS), all AS OF SCN ${scn}`);
    return snapshotToken({ oracle: 1, scn, chunks, rowids: method.rowids });
  }
  log.info({ table, scn, chunks, chunk_method: 'ora_hash', reason: method.reason }, `${table}: ${chunks} chunks by ORA_HASH of the primary key, each a full scan, all AS OF SCN ${scn} — ${method.reason}`);
  return snapshotToken({ oracle: 1, scn, chunks });
}

/**
 * How one read is narrowed: the run's SCN, and this chunk's ROWID range when the run has
 * boundaries (else selectSql hashes the chunk). A chunked plan without a snapshot (a window
 * claimed by an older extractor) still partitions the rows by ORA_HASH, without one SCN.
 */
export function readScope(plan: ReadPlan, log: Logger): ReadScope {
  const chunk = plan.chunk && plan.chunk.count > 1 ? plan.chunk : undefined;
  const table = `${plan.model.sourceSchema}.${plan.model.sourceName}`;
  if (plan.snapshot === undefined) {
    if (chunk) log.warn({ table, chunk_method: 'ora_hash' }, `${table}: the run has no shared snapshot; chunk ${chunk.index + 1}/${chunk.count} reads ORA_HASH buckets of the current data`);
    return {};
  }
  const snapshot = parseSnapshot(plan.snapshot);
  if (!chunk) return { scn: snapshot.scn };
  if (snapshot.chunks !== chunk.count) {
    throw new TerminalError(`--chunk ${chunk.index + 1}/${chunk.count}: this run was started with ${snapshot.chunks} chunks (its _window.json) — run its chunks as i/${snapshot.chunks}, or start a new run (a new --run-id)`);
  }
  if (!snapshot.rowids) return { scn: snapshot.scn };
  if (!Number.isInteger(chunk.index) || chunk.index < 0 || chunk.index >= chunk.count) {
    throw new TerminalError(`--chunk ${chunk.index + 1}/${chunk.count} is not a chunk — use i/n with 1 ≤ i ≤ n`);
  }
  const low = chunk.index === 0 ? null : snapshot.rowids[chunk.index - 1]!;
  const high = chunk.index === chunk.count - 1 ? null : snapshot.rowids[chunk.index]!;
  return { scn: snapshot.scn, rowidRange: { low, high } };
}
