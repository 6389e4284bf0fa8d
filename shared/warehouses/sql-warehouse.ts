/**
 * The load protocol, once for every warehouse (docs/run-protocol.md, "The load"): stage the run's
 * parts, check the stage against the manifests, then in one transaction check continuity, merge or
 * replace, and record the load; count the target. The engine's part is its WarehouseDriver
 * (warehouse-driver.ts) and its SqlDialect; nothing here knows which engine it talks to.
 */
import { ContractError, TerminalError } from '../errors.js';
import type { Logger } from '../log.js';
import type { TableModel } from '../model/column.js';
import type { WarehouseCapabilities } from './capabilities.js';
import {
  commitStatements, countSql, latestLoadSql, LOADS_TABLE, mustNotBeNull, stageCheckSql, STALE_RUN_MARKER, type LoadParams,
} from './sql/load-sql.js';
import { chunked, deleteKeysSql, MAX_LIST, type VerifyTable } from '../verify/verify-sql.js';
import type { VerifySide } from '../verify/verify-side.js';
import type { ParamValue, ResultRow, WarehouseDriver } from './warehouse-driver.js';
import type { LoadMode, LoadRequest, LoadResult, RecordedLoad, Warehouse } from './warehouse.js';

export class SqlWarehouse implements Warehouse {
  constructor(readonly driver: WarehouseDriver, protected readonly log: Logger) {}

  get capabilities(): WarehouseCapabilities {
    return this.driver.capabilities;
  }

  async ensureTable(model: TableModel, partitionColumn: string | null): Promise<void> {
    if (partitionColumn !== null && !model.columns.some((c) => c.name === partitionColumn)) {
      throw new TerminalError(`table ${model.name}: partition column ${partitionColumn} is not one of its columns`);
    }
    return this.driver.ensureTable(model, partitionColumn);
  }

  async load(request: LoadRequest): Promise<LoadResult> {
    const { model, runId, mode, partitionColumn } = request;
    const { dialect } = this.driver.capabilities;
    if (request.parts.length === 0) {
      throw new ContractError(`table ${model.name}, run ${runId}: the manifests list no parts — re-run the extractor for this run`);
    }
    const tables = this.driver.tables(model, runId, request.parts);
    return this.driver.withSession({ table: model.name, runId }, async (session) => {
      try {
        const started = performance.now();
        await session.stage(request, tables);
        const [check = {}] = await session.query(stageCheckSql(model, tables.stage, dialect), {}, 'check');
        const { staged, deduplicated } = verifyStage(check, request);
        const seconds = (performance.now() - started) / 1000;
        this.log.info({ table: model.name, run_id: runId, phase: 'stage', rows: staged, seconds, rows_per_s: Math.round(staged / seconds) }, 'staged');
        request.onStaged?.(staged);

        const params: LoadParams = {
          table_name: model.name, run_id: runId, base_run_id: request.baseRunId, mode,
          rows_staged: staged, rows_loaded: deduplicated, watermark: request.watermark,
        };
        try {
          const facts = { keysUnique: deduplicated === staged };
          await session.transaction(commitStatements(model, mode, tables, partitionColumn, dialect, facts), params);
        } catch (error) {
          if (!mentions(error, STALE_RUN_MARKER)) throw error;
          throw await this.staleRun(request);
        }
        const [count] = await session.query(countSql(tables.target, dialect), {}, 'count');
        const targetRows = Number(count?.target_rows ?? 0);
        this.log.info({ table: model.name, run_id: runId, phase: 'merge', mode, staged, deduplicated, target_rows: targetRows }, 'loaded');
        return { staged, deduplicated, targetRows };
      } finally {
        await session.dropStage(tables);
      }
    });
  }

  async latestLoad(table: string): Promise<RecordedLoad | null> {
    const { dialect } = this.driver.capabilities;
    const params: Record<string, ParamValue> = { table_name: table };
    const [row] = await this.driver.withSession({ table, purpose: 'read loads' }, (session) => session.query(latestLoadSql(this.driver.loadsTable, dialect), params, 'latest'));
    return row ? recordedLoad(row) : null;
  }

  verifySession<T>(model: TableModel, work: (side: VerifySide) => Promise<T>): Promise<T> {
    const table = this.verifyTable(model);
    return this.driver.withSession({ table: model.name, purpose: 'verify' }, (session) => work({
      table,
      query: (sql, params, label) => session.query(sql, params, label),
    }));
  }

  async deleteKeys(model: TableModel, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const table = this.verifyTable(model);
    const params: Record<string, ParamValue> = {};
    const statements = chunked(keys).map((chunk, i) => {
      const bound = deleteKeysSql(table, chunk, i * MAX_LIST);
      Object.assign(params, bound.params);
      return bound.sql;
    });
    await this.driver.withSession({ table: model.name, purpose: 'delete' }, (session) => session.transaction(statements, params));
  }

  async recordedLoad(table: string): Promise<RecordedLoad | null> {
    try {
      return await this.latestLoad(table);
    } catch (error) {
      if (missingLoadsTable(error)) return null;
      throw error;
    }
  }

  close(): Promise<void> {
    return this.driver.close();
  }

  private verifyTable(model: TableModel): VerifyTable {
    const dialect = this.driver.capabilities.verify;
    return { dialect, model, from: this.driver.tables(model, 'verify').target, column: (c) => dialect.quote(c.name) };
  }

  /** The continuity check failed inside the transaction: say which run got there first. */
  private async staleRun(request: LoadRequest): Promise<TerminalError> {
    const latest = await this.latestLoad(request.model.name).catch(() => null);
    const by = latest ? `run ${latest.runId}` : 'another run';
    return new TerminalError(
      `${request.model.sourceName}: run ${request.runId} was extracted after ${request.baseRunId ? `run ${request.baseRunId}` : '(initial load)'}, ` +
        `but the warehouse has since merged ${by} — its rows are older; extract a new run instead of loading this one`,
    );
  }
}

/** The stage must hold what the manifests promise and no NULL where the target forbids one. */
export function verifyStage(row: ResultRow, request: LoadRequest): { staged: number; deduplicated: number } {
  const { model, runId } = request;
  const staged = Number(row.staged ?? 0);
  if (staged !== request.expectedRows) {
    throw new ContractError(
      `stage for ${model.name} run ${runId} holds ${staged} rows but the manifests list ${request.expectedRows} — ` +
        'the staged files are incomplete; re-run the extractor for this run',
    );
  }
  for (const [i, column] of mustNotBeNull(model).entries()) {
    const count = Number(row[`null_${i}`] ?? 0);
    if (count === 0) continue;
    throw new ContractError(model.primaryKeys.includes(column.name)
      ? `table ${model.name}, run ${runId}: ${count} staged rows have NULL in primary-key column ${column.name}; ` +
        'a primary key is never NULL — fix the source rows or the table\'s primary_keys in config.yaml'
      : `table ${model.name}, run ${runId}: ${count} staged rows have NULL in column ${column.name}, which the ` +
        'schema declares NOT NULL — regenerate the schema if the source column became nullable');
  }
  return { staged, deduplicated: Number(row.deduplicated ?? 0) };
}

function recordedLoad(row: ResultRow): RecordedLoad {
  return {
    runId: String(row.run_id),
    mode: String(row.mode) as LoadMode,
    rowsStaged: Number(row.rows_staged),
    rowsLoaded: Number(row.rows_loaded),
    watermark: row.watermark === null || row.watermark === undefined ? null : String(row.watermark),
  };
}

/**
 * Whether the error says `_datapipe_loads` does not exist, in its engine's words: DuckDB "Table
 * with name _datapipe_loads does not exist", PostgreSQL/Redshift 'relation "…_datapipe_loads" does
 * not exist', BigQuery "Not found: Table …_datapipe_loads", Databricks "[TABLE_OR_VIEW_NOT_FOUND]
 * … `_datapipe_loads` cannot be found".
 */
function missingLoadsTable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const text = String((e as { message?: unknown }).message ?? e);
    if (text.includes(LOADS_TABLE) && /does not exist|not found|cannot be found/i.test(text)) return true;
  }
  return false;
}

/** Whether the error, or one it wraps, says `marker` (a warehouse reports our failIf in its own words around it). */
function mentions(error: unknown, marker: string): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (String((e as { message?: unknown }).message ?? e).includes(marker)) return true;
  }
  return false;
}
