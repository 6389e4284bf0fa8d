import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { readAvroRecords } from '../../avro/part-reader.js';
import { ContractError, TerminalError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { TableModel } from '../../model/column.js';
import { ValueError } from '../../model/value-error.js';
import type { LoadRequest, LoadResult, Warehouse } from '../warehouse.js';
import { classifyDuckDbError } from './duckdb-errors.js';
import {
  countSql, createLoadsTableSql, createStageSql, createTableSql, dedupCountSql, describeTargetSql,
  dropStageSql, forgetLoadSql, mergeSql, mustNotBeNull, recordLoadSql, replaceSql, stageCheckSql,
  stageTableName,
} from './duckdb-sql.js';
import { StageWriter } from './duckdb-stage-writer.js';
import { targetDrift } from './duckdb-target-check.js';

/**
 * The `local` cloud's warehouse: an embedded DuckDB file (or `:memory:`), tables in `main`.
 * Each operation takes its own connection, so stages (temp tables) are private to their load and
 * loads of different tables may run side by side. DuckDB has no table partitioning or clustering;
 * the partition column only orders the deduplication.
 */
export class DuckDbWarehouse implements Warehouse {
  constructor(
    private readonly instance: DuckDBInstance,
    /** The database path, for messages. */
    readonly path: string,
    private readonly log: Logger,
  ) {}

  async ensureTable(model: TableModel, partitionColumn: string | null): Promise<void> {
    if (partitionColumn !== null && !model.columns.some((c) => c.name === partitionColumn)) {
      throw new TerminalError(`table ${model.name}: partition column ${partitionColumn} is not one of its columns`);
    }
    await this.withConnection(`creating ${model.name} in DuckDB ${this.path}`, async (connection) => {
      await connection.run(createTableSql(model));
      await connection.run(createLoadsTableSql());
      const reader = await connection.runAndReadAll(describeTargetSql(), [model.name]);
      const existing = reader.getRows().map(([name, type]) => ({ name: String(name), type: String(type) }));
      const drift = targetDrift(model, existing);
      if (drift) throw new ContractError(`target main.${model.name} in ${this.path} ${drift}`);
    });
  }

  async load(request: LoadRequest): Promise<LoadResult> {
    const { model, runId } = request;
    const stage = stageTableName(model.name, runId);
    const context = `loading ${model.name} run ${runId} into DuckDB ${this.path}`;
    return this.withConnection(context, async (connection) => {
      try {
        await connection.run(createStageSql(model, stage));
        const started = performance.now();
        await this.stageParts(connection, stage, request);
        const staged = await this.checkStage(connection, stage, request);
        const seconds = (performance.now() - started) / 1000;
        this.log.info({ table: model.name, run_id: runId, phase: 'stage', rows: staged, seconds, rows_per_s: Math.round(staged / seconds) }, 'staged');
        const deduplicated = Number(await scalar(connection, dedupCountSql(model, stage)));
        const targetRows = await this.commit(connection, stage, request, staged, deduplicated);
        this.log.info({ table: model.name, run_id: runId, phase: 'merge', mode: request.mode, staged, deduplicated, target_rows: targetRows }, 'loaded');
        return { staged, deduplicated, targetRows };
      } finally {
        await connection.run(dropStageSql(stage)).catch(() => undefined);
      }
    });
  }

  /**
   * A connection of its own, for callers that read what was loaded (the demo, tests). The caller
   * closes it (`closeSync`) before `close()`.
   */
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

  /** Streams every part through the AVRO reader into the stage, in manifest order. */
  private async stageParts(connection: DuckDBConnection, stage: string, request: LoadRequest): Promise<void> {
    const writer = await StageWriter.open(connection, stage, request.model);
    let done = false;
    try {
      for (const part of request.parts) {
        let stream: Readable | undefined;
        let row = 0;
        try {
          stream = await request.openPart(part.key);
          for await (const record of readAvroRecords(stream)) {
            writer.append(record);
            row++;
          }
        } catch (error) {
          const where = `table ${request.model.name}, run ${request.runId}, part ${part.key}, row ${row}`;
          if (error instanceof ValueError) throw new ContractError(`${where}: ${error.message}`, { cause: error });
          // A store, decoder or appender failure: named by part, classified like any DuckDB error.
          throw classifyDuckDbError(error, where);
        } finally {
          stream?.destroy();
        }
      }
      writer.close();
      done = true;
    } finally {
      if (!done) writer.abandon();
    }
  }

  /** The stage must hold what the manifests promise and no NULL where the target forbids one. */
  private async checkStage(connection: DuckDBConnection, stage: string, request: LoadRequest): Promise<number> {
    const { model, runId } = request;
    const reader = await connection.runAndReadAll(stageCheckSql(model, stage));
    const [rows, ...nulls] = (reader.getRows()[0] ?? []).map(Number);
    const staged = rows ?? 0;
    if (staged !== request.expectedRows) {
      throw new ContractError(
        `stage for ${model.name} run ${runId} holds ${staged} rows but the manifests list ${request.expectedRows} — ` +
          'the staged files are incomplete; re-run the extractor for this run',
      );
    }
    for (const [i, column] of mustNotBeNull(model).entries()) {
      const count = nulls[i] ?? 0;
      if (count === 0) continue;
      const isKey = model.primaryKeys.includes(column.name);
      throw new ContractError(isKey
        ? `table ${model.name}, run ${runId}: ${count} staged rows have NULL in primary-key column ${column.name}; ` +
          'a primary key is never NULL — fix the source rows or the table\'s primary_keys in config.yaml'
        : `table ${model.name}, run ${runId}: ${count} staged rows have NULL in column ${column.name}, which the ` +
          'schema declares NOT NULL — regenerate the schema if the source column became nullable');
    }
    return staged;
  }

  /** Merge or replace, and record the load, in one transaction. Returns the target's row count. */
  private async commit(connection: DuckDBConnection, stage: string, request: LoadRequest, staged: number, loaded: number): Promise<number> {
    const { model, runId, mode, partitionColumn } = request;
    const statements = mode === 'full'
      ? replaceSql(model, model.name, stage, partitionColumn)
      : [mergeSql(model, model.name, stage, partitionColumn)];
    const loadRow: DuckDBValue[] = [model.name, runId, mode, BigInt(staged), BigInt(loaded), request.watermark];
    await connection.run('BEGIN TRANSACTION');
    try {
      for (const sql of statements) await connection.run(sql);
      await connection.run(forgetLoadSql(), [model.name, runId]);
      await connection.run(recordLoadSql(), loadRow);
      const targetRows = Number(await scalar(connection, countSql(model.name)));
      await connection.run('COMMIT');
      return targetRows;
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    }
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

/**
 * Opens (creating if absent) the DuckDB database at `path`, and its folder; `:memory:` gives a
 * private in-memory database (tests, demos). A file another process holds open fails with a
 * TransientError: DuckDB allows one writing process per file.
 */
export async function openDuckDbWarehouse(path: string, log: Logger): Promise<DuckDbWarehouse> {
  if (path !== ':memory:') {
    await mkdir(dirname(path), { recursive: true }).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      throw new TerminalError(`cannot create the folder of the DuckDB file ${path} (${reason}); check destination.local.warehouse in config.yaml`, { cause: error });
    });
  }
  try {
    return new DuckDbWarehouse(await DuckDBInstance.create(path), path, log);
  } catch (error) {
    throw classifyDuckDbError(error, `opening DuckDB ${path}`);
  }
}

async function scalar(connection: DuckDBConnection, sql: string): Promise<DuckDBValue> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRows()[0]?.[0] ?? null;
}
