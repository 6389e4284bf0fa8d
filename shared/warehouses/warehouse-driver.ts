/**
 * What a warehouse adapter keeps when the load protocol is shared (sql-warehouse.ts): its
 * driver. It creates the tables, stages parts, runs statements and maps its errors; it never
 * decides what to run. See docs/warehouses.md, "Adding a warehouse".
 */
import type { TableModel } from '../model/column.js';
import type { WarehouseCapabilities } from './capabilities.js';
import type { LoadTables } from './sql/load-sql.js';
import type { LoadRequest, StagedPart } from './warehouse.js';

/** A bound parameter value: text, an integer, or NULL (the statements decide the types). */
export type ParamValue = string | number | null;

/** One row of a query's result, by column name: numbers as number or bigint, the rest as text. */
export type ResultRow = Record<string, unknown>;

export interface WarehouseDriver {
  readonly capabilities: WarehouseCapabilities;

  /** `_datapipe_loads`, quoted and qualified. */
  readonly loadsTable: string;

  /**
   * Where `target`, `stage`, `loads` (and `dedup`) live for one load of `model`'s run `runId`,
   * whose staged parts are `parts` (a stage that is a table expression over the files names them).
   */
  tables(model: TableModel, runId: string, parts?: readonly StagedPart[]): LoadTables;

  /**
   * Creates the target (from the model, with the engine's layout) and `_datapipe_loads` if
   * absent; an existing target whose columns differ from the model is a ContractError.
   */
  ensureTable(model: TableModel, partitionColumn: string | null): Promise<void>;

  /**
   * Runs `work` on one session of the engine (a connection), ended afterwards whatever happens:
   * a stage that lives only in its session (a temporary table) lives exactly as long as the load.
   */
  withSession<T>(context: SessionContext, work: (session: WarehouseSession) => Promise<T>): Promise<T>;

  close(): Promise<void>;
}

/** What a session works on, for the engine's job names, labels and messages. */
export interface SessionContext {
  table: string;
  runId?: string;
  /** What the session is for (default: a load), so a failure says what was being done. */
  purpose?: 'load' | 'verify' | 'read loads' | 'delete';
}

/** "loading t run r into <where>", "verifying t in <where>", …: the context of a session's failures. */
export function sessionDoing(context: SessionContext, where: string): string {
  switch (context.purpose ?? 'load') {
    case 'verify': return `verifying ${context.table} in ${where}`;
    case 'read loads': return `reading the loads of ${context.table} in ${where}`;
    case 'delete': return `deleting rows of ${context.table} in ${where}`;
    default: return `loading ${context.table}${context.runId ? ` run ${context.runId}` : ''} into ${where}`;
  }
}

/** What the protocol does through one session; every failure classified by the driver. */
export interface WarehouseSession {
  /** Puts the request's parts into `tables.stage`, fresh (a retry's leftovers replaced). */
  stage(request: LoadRequest, tables: LoadTables): Promise<void>;

  /**
   * Runs one query and returns its rows; `params` holds at least every parameter it names.
   * `label` names the query in job ids and logs (`check`, `count`, `latest`).
   */
  query(sql: string, params: Record<string, ParamValue>, label: string): Promise<ResultRow[]>;

  /**
   * Runs the statements as one transaction (capabilities.transactions), else one after another;
   * each statement binds the parameters of `params` it names.
   */
  transaction(statements: readonly string[], params: Record<string, ParamValue>): Promise<void>;

  /** Removes what `stage` made; best effort (never throws). */
  dropStage(tables: LoadTables): Promise<void>;
}

/**
 * The entries of `params` a statement names with the dialect's placeholder (`param(name)`), for
 * engines that refuse a statement given parameters it does not use.
 */
export function paramsUsedBy(sql: string, params: Record<string, ParamValue>, placeholder: (name: string) => string): Record<string, ParamValue> {
  const used: Record<string, ParamValue> = {};
  for (const [name, value] of Object.entries(params)) {
    if (new RegExp(`${escapeRegExp(placeholder(name))}(?![A-Za-z0-9_])`).test(sql)) used[name] = value;
  }
  return used;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
