/**
 * The tables the warehouse creates: targets, `_datapipe_loads` and per-run stages (tables.get,
 * tables.insert, tables.patch, tables.delete). DDL on permanent tables cannot run inside a
 * transaction (https://cloud.google.com/bigquery/docs/transactions), so these are API calls made
 * before the load's transaction.
 */
import { ContractError, TerminalError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { withRetry, type RetryPolicy } from '../../retry.js';
import type { BigQueryClient, BigQueryDatasetHandle, TableInsert, TableResource } from './bigquery-client.js';
import { classifyBigQueryError, failureOf, type FailureContext } from './bigquery-errors.js';
import { LOADS_TABLE } from '../sql/load-sql.js';
import { tableLabel, type DatasetRef } from './bigquery-names.js';
import type { BigQueryField, PartitionGranularity } from './bigquery-schema.js';
import { targetDrift } from './bigquery-target-check.js';

/** `_datapipe_loads`: one row per (table, run) loaded, clustered for the per-run lookup. */
export const LOADS_TABLE_INSERT: TableInsert = {
  schema: {
    fields: [
      { name: 'table_name', type: 'STRING', mode: 'REQUIRED', description: 'Target table' },
      { name: 'run_id', type: 'STRING', mode: 'REQUIRED', description: 'Run loaded' },
      { name: 'mode', type: 'STRING', mode: 'REQUIRED', description: 'incremental or full' },
      { name: 'rows_staged', type: 'INT64', mode: 'REQUIRED', description: 'Rows in the run\'s files' },
      { name: 'rows_loaded', type: 'INT64', mode: 'REQUIRED', description: 'Rows after deduplication by primary key' },
      { name: 'watermark', type: 'STRING', mode: 'NULLABLE', description: 'Watermark the load advanced the table to' },
      { name: 'loaded_at', type: 'TIMESTAMP', mode: 'REQUIRED', description: 'When the load committed' },
    ],
  },
  description: 'Loads DataPipe committed: one row per table and run, written in the load\'s transaction',
  clustering: { fields: ['table_name', 'run_id'] },
};

/** What `BigQueryTables.ensure` found or did. */
export interface EnsuredTable {
  created: boolean;
  timePartitioning?: { type: PartitionGranularity; field?: string };
}

/** Table operations in one dataset, each failure classified. */
export class BigQueryTables {
  private readonly dataset: BigQueryDatasetHandle;

  constructor(
    client: BigQueryClient,
    private readonly ref: DatasetRef,
    private readonly location: string,
    private readonly retry: { policy: RetryPolicy; log: Logger; sleep?: (ms: number) => Promise<void>; random?: () => number },
  ) {
    this.dataset = client.dataset(ref.datasetId);
  }

  /**
   * The dataset must exist, in the configured location: DataPipe does not create datasets (their
   * location, access and default expirations are an administrator's choice).
   */
  async checkDataset(ctx: FailureContext): Promise<void> {
    const [metadata] = await this.call(ctx, () => this.dataset.getMetadata());
    const actual = metadata.location;
    if (actual !== undefined && actual.toLowerCase() !== this.location.toLowerCase()) {
      throw new TerminalError(
        `BigQuery dataset ${ctx.dataset} is in ${actual}, but destination.gcp.location says ${this.location} — set location: ${actual} in config.yaml`,
      );
    }
  }

  /**
   * Creates the table if absent; an existing one is never altered, only checked to hold the
   * expected columns (drift → ContractError naming them). Says whether it was created, and how
   * the table is partitioned — as created, or as it already was.
   */
  async ensure(table: string, insert: TableInsert, ctx: FailureContext): Promise<EnsuredTable> {
    const handle = this.dataset.table(table);
    let existing = await this.existing(table, ctx);
    if (existing === null) {
      const created = await this.call(ctx, async () => {
        try {
          await this.dataset.createTable(table, insert);
          return true;
        } catch (error) {
          // Another loader created it first: check what it created like any existing table.
          if (failureOf(error).status === 409) return false;
          throw error;
        }
      });
      if (created) return { created, ...(insert.timePartitioning ? { timePartitioning: insert.timePartitioning } : {}) };
      existing = (await this.call(ctx, () => handle.getMetadata()))[0];
    }
    const drift = targetDrift(insert.schema.fields, existing.schema?.fields ?? []);
    if (drift) throw new ContractError(`target ${tableLabel(this.ref, table)} ${drift}`);
    return { created: false, ...(existing.timePartitioning ? { timePartitioning: existing.timePartitioning } : {}) };
  }

  /** `_datapipe_loads`, created on first use. */
  async ensureLoadsTable(ctx: FailureContext): Promise<void> {
    await this.ensure(LOADS_TABLE, LOADS_TABLE_INSERT, ctx);
  }

  /**
   * A stage table that BigQuery deletes by itself at `expiresAt`, so a crashed load leaves nothing
   * for long. A stage left by an earlier attempt of the run is reused (its load truncates it) and
   * its expiry moved forward.
   */
  async createStage(stage: string, fields: BigQueryField[], expiresAt: Date, ctx: FailureContext): Promise<void> {
    const expirationTime = String(expiresAt.getTime());
    await this.call(ctx, async () => {
      try {
        await this.dataset.createTable(stage, { schema: { fields }, expirationTime, description: 'DataPipe stage of one run; dropped after the merge' });
      } catch (error) {
        if (failureOf(error).status !== 409) throw error;
        await this.dataset.table(stage).setMetadata({ expirationTime });
      }
    });
  }

  /** Best effort: the stage's expiration removes it anyway. */
  async dropStage(stage: string): Promise<void> {
    await this.dataset.table(stage).delete().catch(() => undefined);
  }

  /** The table as tables.get reports it, or null when it does not exist. */
  private async existing(table: string, ctx: FailureContext): Promise<TableResource | null> {
    return this.call(ctx, async () => {
      try {
        const [metadata] = await this.dataset.table(table).getMetadata();
        return metadata;
      } catch (error) {
        if (failureOf(error).status === 404 && !/Not found: Dataset/i.test(failureOf(error).message)) return null;
        throw error;
      }
    });
  }

  /**
   * One API call, retried while BigQuery calls its failure retryable (the SDK's own retries are
   * off: bigquery-client.ts), then classified.
   */
  private call<T>(ctx: FailureContext, step: () => Promise<T>): Promise<T> {
    const { policy, log, sleep, random } = this.retry;
    return withRetry(async () => {
      try {
        return await step();
      } catch (error) {
        throw classifyBigQueryError(error, ctx);
      }
    }, { policy, what: ctx.doing, log, ...(sleep ? { sleep } : {}), ...(random ? { random } : {}) });
  }
}
