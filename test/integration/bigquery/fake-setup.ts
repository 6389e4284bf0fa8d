/**
 * What the FAKE BigQuery suites share: the real client pointed at test/support/bigquery-recorder.ts,
 * a table, a load request, and the knobs that make retries instant and job ids predictable.
 */
import { afterEach, beforeEach } from 'vitest';
import type { GcpDestination } from '../../../shared/config/config-schema.js';
import { silentLogger } from '../../../shared/log.js';
import type { TableModel } from '../../../shared/model/column.js';
import { stageTableName } from '../../../shared/warehouses/bigquery/bigquery-names.js';
import { openBigQueryWarehouse, type BigQueryWarehouse, type BigQueryWarehouseOptions } from '../../../shared/warehouses/bigquery/bigquery-warehouse.js';
import type { LoadRequest } from '../../../shared/warehouses/warehouse.js';
import { BigQueryFake } from '../../support/bigquery-recorder.js';

export const DESTINATION: GcpDestination = { project_id: 'proj-test', dataset: 'raw', bucket: 'stage-bucket', location: 'us-central1' };
export const DATASET = { projectId: 'proj-test', datasetId: 'raw' };
export const NOW = new Date('2026-11-26T02:00:00.000Z');

export const orders: TableModel = {
  sourceSchema: 'APP',
  sourceName: 'ORDERS',
  name: 'orders',
  columns: [
    { name: 'id', sourceName: 'ID', sourceType: 'NUMBER(10)', type: { kind: 'int64' }, nullable: false },
    { name: 'updated_at', sourceName: 'UPDATED_AT', sourceType: 'DATE', type: { kind: 'datetime' }, nullable: true },
    { name: 'amount', sourceName: 'AMOUNT', sourceType: 'NUMBER(18,2)', type: { kind: 'decimal', precision: 18, scale: 2 }, nullable: true },
  ],
  primaryKeys: ['id'],
};

export const RUN = 'r1';
export const STAGE = stageTableName('orders', RUN);
export const STAGE_CHECK = /^SELECT\n {2}COUNT\(\*\) AS `staged`/;
export const TARGET_COUNT = /AS `target_rows`/;
export const COMMIT = /^BEGIN TRANSACTION;/;

/** A two-part incremental run of `orders` in GCS (the fake never reads the files). */
export function request(overrides: Partial<LoadRequest> = {}): LoadRequest {
  const parts = [0, 1].map((i) => ({ key: `p/orders/run=${RUN}/part-0-${i}.avro`, uri: `gs://stage-bucket/p/orders/run=${RUN}/part-0-${i}.avro`, rows: 2, bytes: 100 }));
  return {
    model: orders, mode: 'incremental', runId: RUN, baseRunId: null, partitionColumn: 'updated_at', parts, expectedRows: 4, watermark: '2026-11-25 23:59:59',
    openPart: async () => { throw new Error('BigQuery loads from gs:// URIs; parts are never read through the client'); },
    ...overrides,
  };
}

/** A fake per test (dataset proj-test:raw in us-central1) and a warehouse factory pointed at it. */
export function useFake() {
  const ctx = {
    fake: undefined as unknown as BigQueryFake,
    /** Every backoff and poll wait the warehouse asked for, in ms (none is slept). */
    sleeps: [] as number[],
    open(options: BigQueryWarehouseOptions = {}, destination: GcpDestination = DESTINATION): Promise<BigQueryWarehouse> {
      let suffix = 0;
      return openBigQueryWarehouse(destination, silentLogger, {
        apiEndpoint: ctx.fake.url,
        now: () => NOW,
        jobSuffix: () => `s${suffix++}`,
        pollIntervalMs: 1,
        retry: { attempts: 3, baseDelayMs: 1000, maxDelayMs: 4000 },
        sleep: async (ms) => { ctx.sleeps.push(ms); },
        // The top of each full-jitter draw, so the backoffs are the policy's caps: 1, 2, 4 s.
        random: () => 0.999_999_999,
        ...options,
      });
    },
    /** Plans the stage check's and the target count's answers. */
    answerCounts(staged: number, deduplicated: number, nullKeys = 0, target = 4): void {
      ctx.fake.answer(STAGE_CHECK, { rows: [{ staged, deduplicated, null_0: nullKeys }] });
      ctx.fake.answer(TARGET_COUNT, { rows: [{ target_rows: target }] });
    },
  };
  beforeEach(async () => {
    ctx.fake = await BigQueryFake.start();
    ctx.fake.datasets.set('proj-test:raw', { location: 'us-central1' });
    ctx.sleeps = [];
  });
  afterEach(async () => {
    await ctx.fake.close();
  });
  return ctx;
}

/** The job id of a recorded jobs.insert. */
export function jobIdOf(recorded: { body: unknown } | undefined): string {
  return (recorded?.body as { jobReference: { jobId: string } }).jobReference.jobId;
}

/** The 16 hex digits of a query job id (`datapipe_<kind>_<table>_<hash>_<suffix>`). */
export function jobHash(recorded: { body: unknown } | undefined): string {
  return jobIdOf(recorded).split('_').at(-2) ?? '';
}
