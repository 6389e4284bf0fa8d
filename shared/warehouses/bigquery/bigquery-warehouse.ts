import { randomBytes } from 'node:crypto';
import type { GcpDestination } from '../../config/config-schema.js';
import { ContractError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { TableModel } from '../../model/column.js';
import { LOADS_TABLE, type LoadTables } from '../sql/load-sql.js';
import { SqlWarehouse } from '../sql-warehouse.js';
import { paramsUsedBy, type ParamValue, type ResultRow, sessionDoing, type SessionContext, type WarehouseDriver, type WarehouseSession } from '../warehouse-driver.js';
import type { LoadRequest } from '../warehouse.js';
import { BIGQUERY_CAPABILITIES } from './bigquery-capabilities.js';
import { createBigQueryClient, type BigQueryClient, type BigQueryClientOptions } from './bigquery-client.js';
import { DEFAULT_PARTITION_GRANULARITY } from './bigquery-ddl.js';
import { BIGQUERY_DIALECT, transactionScript } from './bigquery-dialect.js';
import type { FailureContext, FailureOrigin, TargetPartitioning } from './bigquery-errors.js';
import { jobLabels, loadJobConfig, queryJobConfig, queryParams, uriBatches } from './bigquery-job-config.js';
import { DEFAULT_RETRY, JobRunner, type JobDeadlines } from './bigquery-job-runner.js';
import type { RetryPolicy } from '../../retry.js';
import { checkDatasetRef, loadJobId, queryJobId, stageTableName, tableLabel, tableRef, type DatasetRef } from './bigquery-names.js';
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
  /** The retry jitter's random draw (tests pin it). */
  random?: () => number;
  /** The clock for stage expiries and job deadlines. */
  now?: () => Date;
  /** The random tail of query job ids (tests pin it). */
  jobSuffix?: () => string;
}

/**
 * The `gcp` cloud's warehouse driver: BigQuery, tables in `destination.gcp.dataset`. A load stages
 * the run's AVRO parts with load jobs straight from GCS into a stage table that expires by itself;
 * the protocol's checks and its transaction (one multi-statement query job) follow
 * (../sql-warehouse.ts). See bigquery-job-runner.ts for retries and job ids.
 */
export class BigQueryDriver implements WarehouseDriver {
  readonly capabilities = BIGQUERY_CAPABILITIES;
  readonly loadsTable: string;
  readonly ref: DatasetRef;
  readonly label: string;
  readonly tablesApi: BigQueryTables;
  readonly jobs: JobRunner;
  readonly now: () => Date;
  readonly jobSuffix: () => string;
  private readonly granularity: PartitionGranularity;
  readonly stageHours: number;
  /** Each target's partitioning as ensureTable found or created it, for the too-many-partitions message. */
  readonly partitioning = new Map<string, TargetPartitioning | null>();
  private datasetReady = false;

  constructor(readonly destination: GcpDestination, client: BigQueryClient, private readonly log: Logger, options: BigQueryWarehouseOptions = {}) {
    this.ref = checkDatasetRef({ projectId: destination.project_id, datasetId: destination.dataset });
    this.loadsTable = tableRef(this.ref, LOADS_TABLE);
    this.label = `${this.ref.projectId}:${this.ref.datasetId}`;
    const retry = options.retry ?? DEFAULT_RETRY;
    this.tablesApi = new BigQueryTables(client, this.ref, destination.location, { policy: retry, log, ...(options.sleep ? { sleep: options.sleep } : {}), ...(options.random ? { random: options.random } : {}) });
    this.now = options.now ?? (() => new Date());
    this.jobs = new JobRunner({
      client, projectId: this.ref.projectId, location: destination.location, log, retry, deadlines: options.jobDeadlines,
      pollIntervalMs: options.pollIntervalMs, sleep: options.sleep, random: options.random, now: () => this.now().getTime(),
    });
    this.granularity = destination.partition_granularity ?? DEFAULT_PARTITION_GRANULARITY;
    this.stageHours = destination.stage_expiration_hours ?? DEFAULT_STAGE_EXPIRATION_HOURS;
    this.jobSuffix = options.jobSuffix ?? (() => randomBytes(4).toString('hex'));
  }

  tables(model: TableModel, runId: string): LoadTables {
    return { target: tableRef(this.ref, model.name), stage: tableRef(this.ref, stageTableName(model.name, runId)), loads: this.loadsTable };
  }

  async ensureTable(model: TableModel, partitionColumn: string | null): Promise<void> {
    const ctx = this.context(`creating ${model.name} in BigQuery ${this.label}`, 'api');
    const { note, ...layout } = tableLayout(model, partitionColumn, this.granularity);
    if (note) this.log.info({ table: model.name }, note);
    await this.prepareDataset(ctx);
    const insert = { schema: { fields: bigQuerySchema(model) }, description: describeTable(model), ...layout };
    const { created, timePartitioning } = await this.tablesApi.ensure(model.name, insert, ctx);
    if (created) this.log.info({ table: model.name, ...layout }, 'target table created');
    this.partitioning.set(model.name, timePartitioning
      ? { table: tableLabel(this.ref, model.name), granularity: timePartitioning.type, ...(timePartitioning.field ? { field: timePartitioning.field } : {}) }
      : null);
  }

  async withSession<T>(context: SessionContext, work: (session: WarehouseSession) => Promise<T>): Promise<T> {
    const doing = sessionDoing(context, `BigQuery ${this.label}`);
    await this.prepareDataset(this.context(doing, 'api'));
    return work(new BigQuerySession(this, context, doing));
  }

  /** Nothing to release: the client holds no connections beyond Node's keep-alive agent. */
  async close(): Promise<void> {}

  context(doing: string, origin: FailureOrigin): FailureContext {
    return { doing, origin, dataset: this.label, location: this.destination.location };
  }

  /** The dataset is checked, and `_datapipe_loads` ensured, once per process. */
  private async prepareDataset(ctx: FailureContext): Promise<void> {
    if (this.datasetReady) return;
    await this.tablesApi.checkDataset(ctx);
    await this.tablesApi.ensureLoadsTable(ctx);
    this.datasetReady = true;
  }
}

/** One load's jobs: the stage's load jobs, the queries, the transaction script. */
class BigQuerySession implements WarehouseSession {
  private readonly runId: string;

  constructor(private readonly bq: BigQueryDriver, private readonly context: SessionContext, private readonly doing: string) {
    this.runId = context.runId ?? '';
  }

  async stage(request: LoadRequest): Promise<void> {
    const { model, runId } = request;
    const stage = stageTableName(model.name, runId);
    const uris = sourceUris(request);
    const expires = new Date(this.bq.now().getTime() + this.bq.stageHours * 3_600_000);
    await this.bq.tablesApi.createStage(stage, stageSchema(model), expires, this.bq.context(this.doing, 'api'));
    for (const [batch, batchUris] of uriBatches(uris).entries()) {
      await this.bq.jobs.load(
        (attempt) => loadJobId(this.bq.ref, model.name, runId, batch, attempt),
        (jobId, attemptLabel) => loadJobConfig({
          jobId, location: this.bq.destination.location, dataset: this.bq.ref, stage, model, runId, uris: batchUris, first: batch === 0, attemptLabel,
        }),
        this.bq.context(this.doing, 'load'),
      );
    }
  }

  query(sql: string, params: Record<string, ParamValue>, label: string): Promise<ResultRow[]> {
    return this.run(label, sql, params, true);
  }

  async transaction(statements: readonly string[], params: Record<string, ParamValue>): Promise<void> {
    await this.run('commit', transactionScript(statements), params, false);
  }

  /** Best effort: the stage's expiration removes it anyway. */
  async dropStage(): Promise<void> {
    await this.bq.tablesApi.dropStage(stageTableName(this.context.table, this.runId));
  }

  private run(kind: string, sql: string, params: Record<string, ParamValue>, results: boolean): Promise<ResultRow[]> {
    const { table } = this.context;
    const partitioning = this.bq.partitioning.get(table);
    return this.bq.jobs.query(
      () => queryJobId(kind, this.bq.ref, table, this.runId, this.bq.jobSuffix()),
      (jobId) => queryJobConfig({
        jobId, location: this.bq.destination.location, query: sql, params: queryParams(paramsUsedBy(sql, params, BIGQUERY_DIALECT.param)),
        labels: jobLabels(table, this.runId),
      }),
      { ...this.bq.context(this.doing, 'query'), ...(partitioning ? { partitioning } : {}) },
      results,
    );
  }
}

/** Load jobs read `gs://` URIs only (BIGQUERY_CAPABILITIES.reads). */
function sourceUris(request: LoadRequest): string[] {
  const foreign = request.parts.find((p) => !p.uri.startsWith('gs://'));
  if (foreign) {
    throw new ContractError(`table ${request.model.name}, run ${request.runId}: part ${foreign.key} is at ${foreign.uri}; BigQuery loads from gs:// only — stage with the gcp cloud's GCS store`);
  }
  return request.parts.map((p) => p.uri);
}

/** The gcp warehouse: the shared load protocol over BigQuery. */
export class BigQueryWarehouse extends SqlWarehouse {
  constructor(readonly bigquery: BigQueryDriver, log: Logger) {
    super(bigquery, log);
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
  return new BigQueryWarehouse(new BigQueryDriver(destination, client, log, options), log);
}
