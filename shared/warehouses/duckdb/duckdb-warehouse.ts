import { access } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { openContainer } from '../../avro/container-reader.js';
import { AvroDecodeError, forEachAvroRecord } from '../../avro/part-reader.js';
import { ContractError } from '../../errors.js';
import { makeFolder } from '../../stores/local/local-errors.js';
import type { Logger } from '../../log.js';
import type { TableModel } from '../../model/column.js';
import { ValueError } from '../../model/value-error.js';
import type { VerifySide } from '../../verify/verify-side.js';
import { createLoadsTableSql, LOADS_TABLE, type LoadTables } from '../sql/load-sql.js';
import { SqlWarehouse } from '../sql-warehouse.js';
import { paramsUsedBy, type ParamValue, type ResultRow, sessionDoing, type SessionContext, type WarehouseDriver, type WarehouseSession } from '../warehouse-driver.js';
import type { LoadRequest, LoadResult, WarehouseOpenOptions } from '../warehouse.js';
import { DUCKDB_CAPABILITIES } from './duckdb-capabilities.js';
import { classifyDuckDbError } from './duckdb-errors.js';
import { BULK_FLUSH_THRESHOLD, DuckDbMemory, isOutOfMemory, megabytes, type MemorySizing } from './duckdb-memory.js';
import { createStageSql, createTableSql, describeTargetSql, dropStageSql, stageRef, stageTableName, targetRef } from './duckdb-sql.js';
import { StageWriter } from './duckdb-stage-writer.js';
import { targetDrift } from './duckdb-target-check.js';

/**
 * The `local` cloud's warehouse driver: an embedded DuckDB file (or `:memory:`), tables in `main`.
 * Each session is its own connection, so stages (temp tables) are private to their load and loads
 * of different tables may run side by side. DuckDB has no table partitioning or clustering; the
 * partition column only orders the deduplication.
 */
export class DuckDbDriver implements WarehouseDriver {
  readonly capabilities = DUCKDB_CAPABILITIES;
  readonly loadsTable = targetRef(LOADS_TABLE);

  /** @param memory DuckDB's buffer memory and how loads size it; null for a read-only file */
  constructor(private readonly instance: DuckDBInstance, readonly path: string, readonly memory: DuckDbMemory | null = null) {}

  tables(model: TableModel, runId: string): LoadTables {
    return { target: targetRef(model.name), stage: stageRef(stageTableName(model.name, runId)), loads: this.loadsTable };
  }

  async ensureTable(model: TableModel): Promise<void> {
    await this.withConnection(`creating ${model.name} in DuckDB ${this.path}`, async (connection) => {
      await connection.run(createTableSql(model));
      await connection.run(createLoadsTableSql(this.loadsTable, this.capabilities.dialect));
      const reader = await connection.runAndReadAll(describeTargetSql(), [model.name]);
      const existing = reader.getRows().map(([name, type]) => ({ name: String(name), type: String(type) }));
      const drift = targetDrift(model, existing);
      if (drift) throw new ContractError(`target main.${model.name} in ${this.path} ${drift}`);
    });
  }

  withSession<T>(context: SessionContext, work: (session: WarehouseSession) => Promise<T>): Promise<T> {
    const doing = sessionDoing(context, `DuckDB ${this.path}`);
    return this.withConnection(doing, (connection) => work(new DuckDbSession(connection, doing, this.memory)));
  }

  /** Makes room for a session over `columns` columns (DuckDbMemory.fit), before it starts. */
  async fitMemory(columns: number): Promise<void> {
    if (this.memory?.fit(columns)) await this.applyMemoryLimit();
  }

  /** Gives DuckDB the buffer memory `memory` holds now (a global setting: every session shares it). */
  async applyMemoryLimit(): Promise<void> {
    const setting = this.memory?.setting;
    if (setting === undefined) return;
    await this.withConnection(`setting DuckDB ${this.path}'s memory_limit to ${setting}`, async (connection) => {
      await connection.run(`SET GLOBAL memory_limit = '${setting}'`);
    });
  }

  /** A connection of its own, for callers that read what was loaded (the demo, tests); they close it. */
  async connect(): Promise<DuckDBConnection> {
    try {
      return await this.instance.connect();
    } catch (error) {
      throw classifyDuckDbError(error, `connecting to DuckDB ${this.path}`);
    }
  }

  async close(): Promise<void> {
    this.instance.closeSync();
  }

  private async withConnection<T>(context: string, work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    let connection: DuckDBConnection | undefined;
    try {
      connection = await this.instance.connect();
      return await work(connection);
    } catch (error) {
      throw classifyDuckDbError(error, context);
    } finally {
      connection?.closeSync();
    }
  }
}

/** One load's connection: the temp stage, its checks and the transaction all run on it. */
class DuckDbSession implements WarehouseSession {
  constructor(private readonly connection: DuckDBConnection, private readonly doing: string, private readonly memory: DuckDbMemory | null) {}

  async stage(request: LoadRequest, tables: LoadTables): Promise<void> {
    // Whether this load's insert keeps its input's order: see duckdb-memory.ts.
    const ordered = this.memory?.ordered(request.model.columns.length) ?? true;
    await this.run(this.doing, `SET SESSION preserve_insertion_order = ${ordered}`);
    await this.run(this.doing, createStageSql(request.model, tables.stage));
    const writer = await StageWriter.open(this.connection, stageTableName(request.model.name, request.runId), request.model);
    let done = false;
    try {
      for (const part of request.parts) await this.stagePart(writer, request, part.key);
      writer.close();
      done = true;
    } finally {
      if (!done) writer.abandon();
    }
  }

  async query(sql: string, params: Record<string, ParamValue>): Promise<ResultRow[]> {
    try {
      const reader = await this.connection.runAndReadAll(sql, bind(sql, params));
      return reader.getRowObjects();
    } catch (error) {
      throw classifyDuckDbError(error, this.doing);
    }
  }

  async transaction(statements: readonly string[], params: Record<string, ParamValue>): Promise<void> {
    await this.run(this.doing, 'BEGIN TRANSACTION');
    try {
      for (const sql of statements) await this.run(this.doing, sql, bind(sql, params));
      await this.run(this.doing, 'COMMIT');
    } catch (error) {
      await this.connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async dropStage(tables: LoadTables): Promise<void> {
    await this.connection.run(dropStageSql(tables.stage)).catch(() => undefined);
  }

  /**
   * Streams one part into the stage — decoded block by block straight into DuckDB's vectors, or,
   * for a part not written as DataPipe writes the model (a foreign file), record by record through
   * the AVRO reader. Failures name the part and row.
   */
  private async stagePart(writer: StageWriter, request: LoadRequest, key: string): Promise<void> {
    let stream: Readable | undefined;
    let row = 0;
    try {
      stream = await request.openPart(key);
      const container = await openContainer(stream);
      const decoder = writer.columnar(container.header.schema);
      if (decoder) {
        try {
          for await (const block of container.blocks) decoder.decode(block);
          decoder.finish();
        } finally {
          row = decoder.rowsDecoded;
        }
        return;
      }
      stream.destroy();
      stream = await request.openPart(key);
      await forEachAvroRecord(stream, (record) => {
        writer.append(record);
        row++;
      });
    } catch (error) {
      const where = `table ${request.model.name}, run ${request.runId}, part ${key}, row ${row}`;
      if (error instanceof ValueError) throw new ContractError(`${where}: ${error.message}`, { cause: error });
      if (error instanceof AvroDecodeError) {
        throw new ContractError(`${where}: the part is damaged (${error.message}) — re-run the extractor for this run`, { cause: error });
      }
      // A store, decoder or appender failure: named by part, classified like any DuckDB error.
      throw classifyDuckDbError(error, where);
    } finally {
      stream?.destroy();
    }
  }

  private async run(context: string, sql: string, values?: Record<string, DuckDBValue>): Promise<void> {
    try {
      await this.connection.run(sql, values);
    } catch (error) {
      throw classifyDuckDbError(error, context);
    }
  }
}

/** The named values a statement uses, integers as BIGINT. */
function bind(sql: string, params: Record<string, ParamValue>): Record<string, DuckDBValue> | undefined {
  const used = paramsUsedBy(sql, params, DUCKDB_CAPABILITIES.dialect.param);
  const entries = Object.entries(used).map(([name, value]): [string, DuckDBValue] => [name, typeof value === 'number' ? BigInt(value) : value]);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** The local warehouse: the shared protocol over DuckDB, plus direct connections for readers. */
export class DuckDbWarehouse extends SqlWarehouse {
  constructor(readonly duckdb: DuckDbDriver, log: Logger) {
    super(duckdb, log);
  }

  get path(): string {
    return this.duckdb.path;
  }

  /**
   * The shared load, with DuckDB's memory sized for the table's width first and, when it was not
   * the user's, raised and the load run again after an out-of-memory failure (duckdb-memory.ts).
   * A failed load leaves nothing behind: its stage is dropped and its transaction rolled back.
   */
  override async load(request: LoadRequest): Promise<LoadResult> {
    const { memory } = this.duckdb;
    if (!memory) return super.load(request);
    const columns = request.model.columns.length;
    await this.duckdb.fitMemory(columns);
    for (;;) {
      const tried = memory.limitMb;
      try {
        return await super.load(request);
      } catch (error) {
        if (!isOutOfMemory(error)) throw error;
        const reason = driverReason(error);
        const next = memory.raise(tried);
        const doing = sessionDoing({ table: request.model.name, runId: request.runId }, `DuckDB ${this.path}`);
        if (next === null) throw memory.exhausted(doing, columns, reason, error);
        await this.duckdb.applyMemoryLimit();
        this.log.warn({
          table: request.model.name, run_id: request.runId, memory_limit_mb: tried, retry_mb: next, reason,
        }, 'DuckDB ran out of memory: loading again with more (set destination.local.memory_limit to skip the retry)');
      }
    }
  }

  /** The shared verification, with DuckDB's memory sized for the table's width first (duckdb-memory.ts). */
  override async verifySession<T>(model: TableModel, work: (side: VerifySide) => Promise<T>): Promise<T> {
    await this.duckdb.fitMemory(model.columns.length);
    return super.verifySession(model, work);
  }

  /** A connection of its own, for callers that read what was loaded (the demo, tests); they close it before `close()`. */
  connect(): Promise<DuckDBConnection> {
    return this.duckdb.connect();
  }
}

/**
 * Opens (creating if absent) the DuckDB database at `path`, and its folder; `:memory:` gives a
 * private in-memory database (tests, demos). A file another process holds open fails with a
 * TransientError: DuckDB allows one writing process per file.
 */
export async function openDuckDbWarehouse(
  path: string, log: Logger, options: WarehouseOpenOptions & { memoryLimit?: string; sizing?: Partial<MemorySizing> } = {},
): Promise<DuckDbWarehouse> {
  if (options.readOnly) return openReadOnly(path, log);
  if (path !== ':memory:') await makeFolder(dirname(path), dirname(path), 'destination.local.warehouse');
  const memory = options.scanOnly ? scanMemory(options.memoryLimit) : new DuckDbMemory(options.memoryLimit, options.sizing);
  try {
    // The buffer memory bounded, what exceeds it (the stage of a large run) spilled to
    // `<warehouse>.tmp` beside the file, and what each phase frees handed back to the system at
    // once, so the loader stays flat (docs/warehouses.md).
    const instance = await DuckDBInstance.create(path, {
      memory_limit: memory.setting,
      allocator_bulk_deallocation_flush_threshold: BULK_FLUSH_THRESHOLD,
      ...(path === ':memory:' ? {} : { temp_directory: `${path}.tmp` }),
    });
    try {
      memory.threads = await threadsOf(instance);
    } catch (error) {
      instance.closeSync();
      throw error;
    }
    return new DuckDbWarehouse(new DuckDbDriver(instance, path, memory), log);
  } catch (error) {
    throw classifyDuckDbError(error, `opening DuckDB ${path}`);
  }
}

/**
 * A session that only scans (`datapipe verify`) reads each page once, so a cache buys nothing:
 * 64MB held a 10M-row verification under 200 MB, where a loader's 256MB let the cache grow it to
 * 272 MB (README "Benchmarks"). But a scan pins a block per column and hashes a row's text at a
 * time, so the limit still grows with the width, as a load's does, never past a limit the user set.
 */
function scanMemory(set: string | undefined): DuckDbMemory {
  return new DuckDbMemory(undefined, set === undefined ? {} : { ceilingMb: megabytes(set) });
}

/** DuckDB's worker threads (by default one per core it sees). */
async function threadsOf(instance: DuckDBInstance): Promise<number> {
  const connection = await instance.connect();
  try {
    const [[threads] = []] = (await connection.runAndReadAll("SELECT current_setting('threads')")).getRows();
    return Number(threads ?? 1);
  } finally {
    connection.closeSync();
  }
}

/** The first line of the innermost error `error` wraps: DuckDB's own words. */
function driverReason(error: unknown): string {
  let inner = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  const text = inner instanceof Error ? inner.message : String(inner);
  return text.split('\n')[0] ?? text;
}

/**
 * For readers (`datapipe status`): the file opened read-only, so nothing is created or changed;
 * a file that does not exist yet holds no loads, and reads as an empty in-memory database.
 */
async function openReadOnly(path: string, log: Logger): Promise<DuckDbWarehouse> {
  const exists = path === ':memory:' || await access(path).then(() => true, () => false);
  try {
    const instance = exists && path !== ':memory:' ? await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' }) : await DuckDBInstance.create(':memory:');
    return new DuckDbWarehouse(new DuckDbDriver(instance, path), log);
  } catch (error) {
    throw classifyDuckDbError(error, `opening DuckDB ${path} to read`);
  }
}
