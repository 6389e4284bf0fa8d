import { randomBytes } from 'node:crypto';
import type { GcpDestination } from '../../config/config-schema.js';
import { ContractError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { TableModel } from '../../model/column.js';
import type { LoadRequest, LoadResult, Warehouse } from '../warehouse.js';
import { createBigQueryClient, type BigQueryClient, type BigQueryClientOptions, type QueryParameter } from './bigquery-client.js';
import { DEFAULT_PARTITION_GRANULARITY } from './bigquery-ddl.js';
import type { FailureContext, FailureOrigin, TargetPartitioning } from './bigquery-errors.js';
import { jobLabels, loadJobConfig, loadRecordParams, queryJobConfig, uriBatches } from './bigquery-job-config.js';
import { JobRunner, type JobDeadlines, type RetryPolicy } from './bigquery-job-runner.js';
import {
  BIGQUERY_SQL, commitStatements, countSql, mustNotBeNull, stageCheckSql, transactionScript, type MergeTables,
} from './bigquery-merge-sql.js';
import {
  checkDatasetRef, LOADS_TABLE, loadJobId, queryJobId, stageTableName, tableLabel, tableRef, type DatasetRef,
} from './bigquery-names.js';
import { bigQuerySchema, describeTable, stageSchema, tableLayout, type PartitionGranularity } from './bigquery-schema.js';
import { BigQueryTables } from './bigquery-tables.js';

/** Used when destination.gcp.stage_expiration_hours is absent. */
export const DEFAULT_STAGE_EXPIRATION_HOURS = 24;

/** Client choice and the knobs tests turn; production passes none. */
export interface BigQueryWarehouseOptions extends Pick<BigQueryClientOptions, 'apiEndpoint' | 'credentials' | 'autoRetry'> {
  /** A ready client (tests); otherwise one is created from the destination and the options above. */
  client?: BigQueryClient;
  retry?: RetryPolicy;
  /** How long to wait for one job (bigquery-job-runner.ts DEFAULT_JOB_DEADLINES). */
  jobDeadlines?: JobDeadlines;
  pollIntervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** The clock for stage expiries and job deadlines. */
  now?: () => Date;
  /** The random tail of query job ids (tests pin it). */
  jobSuffix?: () => string;
}

/**
 * The `gcp` cloud's warehouse: BigQuery, tables in `destination.gcp.dataset`. A load stages the
 * run's AVRO parts with load jobs straight from GCS, checks the stage, then merges (or, in `full`
 * mode, replaces) and records the load in one multi-statement transaction. See
 * bigquery-merge-sql.ts for the dedup rule, bigquery-job-runner.ts for retries and job ids.
 */
export class BigQueryWarehouse implements Warehouse {
  private readonly ref: DatasetRef;
  private readonly label: string;
  private readonly tables: BigQueryTables;
  private readonly jobs: JobRunner;
  private readonly granularity: PartitionGranularity;
  private readonly stageHours: number;
  private readonly now: () => Date;
  private readonly jobSuffix: () => string;
  /** Each target's partitioning as ensureTable found or created it, for the too-many-partitions message. */
  private readonly partitioning = new Map<string, TargetPartitioning | null>();
  private datasetReady = false;

  constructor(private readonly destination: GcpDestination, client: BigQueryClient, private readonly log: Logger, options: BigQueryWarehouseOptions = {}) {
    this.ref = checkDatasetRef({ projectId: destination.project_id, datasetId: destination.dataset });
    this.label = `${this.ref.projectId}:${this.ref.datasetId}`;
    this.tables = new BigQueryTables(client, this.ref, destination.location);
    this.now = options.now ?? (() => new Date());
    this.jobs = new JobRunner({
      client, projectId: this.ref.projectId, location: destination.location, log, retry: options.retry, deadlines: options.jobDeadlines,
      pollIntervalMs: options.pollIntervalMs, sleep: options.sleep, now: () => this.now().getTime(),
    });
    this.granularity = destination.partition_granularity ?? DEFAULT_PARTITION_GRANULARITY;
    this.stageHours = destination.stage_expiration_hours ?? DEFAULT_STAGE_EXPIRATION_HOURS;
    this.jobSuffix = options.jobSuffix ?? (() => randomBytes(4).toString('hex'));
  }

  async ensureTable(model: TableModel, partitionColumn: string | null): Promise<void> {
    const ctx = this.context(`creating ${model.name} in BigQuery ${this.label}`, 'api');
    const { note, ...layout } = tableLayout(model, partitionColumn, this.granularity);
    if (note) this.log.info({ table: model.name }, note);
    await this.prepareDataset(ctx);
    const insert = { schema: { fields: bigQuerySchema(model) }, description: describeTable(model), ...layout };
    const { created, timePartitioning } = await this.tables.ensure(model.name, insert, ctx);
    if (created) this.log.info({ table: model.name, ...layout }, 'target table created');
    this.partitioning.set(model.name, timePartitioning
      ? { table: tableLabel(this.ref, model.name), granularity: timePartitioning.type, ...(timePartitioning.field ? { field: timePartitioning.field } : {}) }
      : null);
  }

  async load(request: LoadRequest): Promise<LoadResult> {
    const { model, runId, mode, partitionColumn } = request;
    const stage = stageTableName(model.name, runId);
    const doing = `loading ${model.name} run ${runId} into BigQuery ${this.label}`;
    const uris = this.sourceUris(request);
    const tables: MergeTables = { target: tableRef(this.ref, model.name), stage: tableRef(this.ref, stage), loads: tableRef(this.ref, LOADS_TABLE) };
    await this.prepareDataset(this.context(doing, 'api'));
    try {
      const started = performance.now();
      const expires = new Date(this.now().getTime() + this.stageHours * 3_600_000);
      await this.tables.createStage(stage, stageSchema(model), expires, this.context(doing, 'api'));
      for (const [batch, batchUris] of uriBatches(uris).entries()) {
        await this.jobs.load(
          (attempt) => loadJobId(this.ref, model.name, runId, batch, attempt),
          (jobId, attemptLabel) => loadJobConfig({
            jobId, location: this.destination.location, dataset: this.ref, stage, model, runId, uris: batchUris, first: batch === 0, attemptLabel,
          }),
          this.context(doing, 'load'),
        );
      }
      const { staged, deduplicated } = await this.checkStage(request, tables.stage, doing);
      const seconds = (performance.now() - started) / 1000;
      this.log.info({ table: model.name, run_id: runId, phase: 'stage', rows: staged, seconds, rows_per_s: Math.round(staged / seconds) }, 'staged');

      const script = transactionScript(commitStatements(model, mode, tables, partitionColumn, BIGQUERY_SQL));
      const params = loadRecordParams({ table: model.name, runId, mode, staged, deduplicated, watermark: request.watermark });
      await this.query('commit', request, script, params, doing, false);
      const [count] = await this.query('count', request, countSql(tables.target, BIGQUERY_SQL), [], doing, true);
      const targetRows = Number(count?.target_rows ?? 0);
      this.log.info({ table: model.name, run_id: runId, phase: 'merge', mode, staged, deduplicated, target_rows: targetRows }, 'loaded');
      return { staged, deduplicated, targetRows };
    } finally {
      await this.tables.dropStage(stage);
    }
  }

  /** Nothing to release: the client holds no connections beyond Node's keep-alive agent. */
  async close(): Promise<void> {}

  /** The dataset is checked, and `_datapipe_loads` ensured, once per process. */
  private async prepareDataset(ctx: FailureContext): Promise<void> {
    if (this.datasetReady) return;
    await this.tables.checkDataset(ctx);
    await this.tables.ensureLoadsTable(ctx);
    this.datasetReady = true;
  }

  /** Load jobs read `gs://` URIs only; a run with no part at all is a broken manifest. */
  private sourceUris(request: LoadRequest): string[] {
    const where = `table ${request.model.name}, run ${request.runId}`;
    if (request.parts.length === 0) throw new ContractError(`${where}: the manifests list no parts — re-run the extractor for this run`);
    const foreign = request.parts.find((p) => !p.uri.startsWith('gs://'));
    if (foreign) throw new ContractError(`${where}: part ${foreign.key} is at ${foreign.uri}; BigQuery loads from gs:// only — stage with the gcp cloud's GCS store`);
    return request.parts.map((p) => p.uri);
  }

  /** The stage must hold what the manifests promise and no NULL where the target forbids one. */
  private async checkStage(request: LoadRequest, stage: string, doing: string): Promise<{ staged: number; deduplicated: number }> {
    const { model, runId } = request;
    const [row = {}] = await this.query('check', request, stageCheckSql(model, stage, BIGQUERY_SQL), [], doing, true);
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

  private query(kind: 'check' | 'commit' | 'count', request: LoadRequest, sql: string, params: QueryParameter[], doing: string, results: boolean) {
    const { model, runId } = request;
    const partitioning = this.partitioning.get(model.name);
    return this.jobs.query(
      () => queryJobId(kind, this.ref, model.name, runId, this.jobSuffix()),
      (jobId) => queryJobConfig({ jobId, location: this.destination.location, query: sql, params, labels: jobLabels(model.name, runId) }),
      { ...this.context(doing, 'query'), ...(partitioning ? { partitioning } : {}) },
      results,
    );
  }

  private context(doing: string, origin: FailureOrigin): FailureContext {
    return { doing, origin, dataset: this.label, location: this.destination.location };
  }
}

/**
 * Opens the BigQuery warehouse of `destination.gcp`: Application Default Credentials (gcloud
 * locally, Workload Identity in a cluster), or none for an `http://` emulator endpoint
 * (BIGQUERY_EMULATOR_HOST or `options.apiEndpoint`).
 */
export async function openBigQueryWarehouse(destination: GcpDestination, log: Logger, options: BigQueryWarehouseOptions = {}): Promise<BigQueryWarehouse> {
  const client = options.client ?? createBigQueryClient({
    projectId: destination.project_id,
    location: destination.location,
    ...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.autoRetry !== undefined ? { autoRetry: options.autoRetry } : {}),
  });
  return new BigQueryWarehouse(destination, client, log, options);
}
