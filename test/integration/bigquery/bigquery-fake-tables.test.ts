/**
 * The BigQuery warehouse's table handling and its connection, driving the REAL
 * @google-cloud/bigquery client against a FAKE BigQuery REST API (test/support/bigquery-recorder.ts):
 * the exact tables.insert payloads, drift, a missing dataset, the endpoint and the credentials.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContractError, TerminalError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/log.js';
import { openBigQueryWarehouse } from '../../../shared/warehouses/bigquery/bigquery-warehouse.js';
import { DESTINATION, orders, useFake } from './fake-setup.js';

describe('BigQueryWarehouse tables against a FAKE BigQuery REST API (real client)', () => {
  const t = useFake();

  describe('ensureTable', () => {
    it('creates _datapipe_loads and the target: schema, partitioning, clustering, description', async () => {
      const warehouse = await t.open();
      await warehouse.ensureTable(orders, 'updated_at');
      expect(t.fake.calls()).toEqual([
        'GET /projects/proj-test/datasets/raw',
        'GET /projects/proj-test/datasets/raw/tables/_datapipe_loads',
        'POST /projects/proj-test/datasets/raw/tables',
        'GET /projects/proj-test/datasets/raw/tables/orders',
        'POST /projects/proj-test/datasets/raw/tables',
      ]);
      expect(t.fake.requests[4]?.body).toEqual({
        tableReference: { projectId: 'proj-test', datasetId: 'raw', tableId: 'orders' },
        schema: {
          fields: [
            { name: 'id', type: 'INT64', mode: 'REQUIRED', description: 'ID NUMBER(10)' },
            { name: 'updated_at', type: 'DATETIME', mode: 'NULLABLE', description: 'UPDATED_AT DATE' },
            { name: 'amount', type: 'NUMERIC', mode: 'NULLABLE', description: 'AMOUNT NUMBER(18,2)', precision: '18', scale: '2' },
          ],
        },
        description: 'APP.ORDERS, loaded by DataPipe',
        timePartitioning: { type: 'DAY', field: 'updated_at' },
        clustering: { fields: ['id'] },
      });
      expect((t.fake.requests[2]?.body as { tableReference: unknown; clustering: unknown }).clustering).toEqual({ fields: ['table_name', 'run_id'] });
      expect(t.fake.requests.every((r) => !r.authorized)).toBe(true);
    });

    it('leaves an existing matching table alone, reported with legacy type names', async () => {
      await (await t.open()).ensureTable(orders, 'updated_at');
      const again = await t.open();
      await again.ensureTable(orders, 'updated_at');
      expect(t.fake.calls().slice(5)).toEqual([
        'GET /projects/proj-test/datasets/raw',
        'GET /projects/proj-test/datasets/raw/tables/_datapipe_loads',
        'GET /projects/proj-test/datasets/raw/tables/orders',
      ]);
    });

    it('refuses a drifted table, naming the columns', async () => {
      t.fake.tables.set('proj-test:raw.orders', { schema: { fields: [{ name: 'id', type: 'STRING', mode: 'REQUIRED' }, { name: 'amount', type: 'NUMERIC', precision: '10', scale: '2' }] } });
      const error = await (await t.open()).ensureTable(orders, 'updated_at').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ContractError);
      expect((error as Error).message).toBe(
        'target proj-test:raw.orders differs from the schema: lacks column updated_at; id is STRING, the schema says INT64; ' +
          'amount is NUMERIC(10, 2), the schema says NUMERIC(18, 2) — migrate the table or regenerate the schema',
      );
    });

    it('says how to create a missing dataset', async () => {
      t.fake.datasets.clear();
      const error = await (await t.open()).ensureTable(orders, 'updated_at').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TerminalError);
      expect((error as Error).message).toBe('BigQuery dataset proj-test:raw does not exist (or the loader cannot see it) — create it: bq mk --location=us-central1 --dataset proj-test:raw');
    });

    it('refuses a dataset in another location than the config says', async () => {
      t.fake.datasets.set('proj-test:raw', { location: 'EU' });
      const error = await (await t.open()).ensureTable(orders, 'updated_at').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TerminalError);
      expect((error as Error).message).toBe('BigQuery dataset proj-test:raw is in EU, but destination.gcp.location says us-central1 — set location: EU in config.yaml');
    });
  });

  describe('endpoint and credentials', () => {
    it('follows BIGQUERY_EMULATOR_HOST and sends no credentials to a plain-HTTP endpoint', async () => {
      const saved = process.env.BIGQUERY_EMULATOR_HOST;
      process.env.BIGQUERY_EMULATOR_HOST = t.fake.url;
      try {
        const warehouse = await openBigQueryWarehouse(DESTINATION, silentLogger, { pollIntervalMs: 1 });
        await warehouse.ensureTable(orders, null);
      } finally {
        if (saved === undefined) delete process.env.BIGQUERY_EMULATOR_HOST;
        else process.env.BIGQUERY_EMULATOR_HOST = saved;
      }
      expect(t.fake.requests.length).toBe(5);
      expect(t.fake.requests.every((r) => !r.authorized)).toBe(true);
      expect((t.fake.requests[4]?.body as { timePartitioning?: unknown }).timePartitioning).toBeUndefined();
    });

    it('says how to get credentials when Application Default Credentials find none', async () => {
      t.fake.requireAuth = true;
      const saved = { ...process.env };
      process.env.CLOUDSDK_CONFIG = await mkdtemp(join(tmpdir(), 'datapipe-no-adc-'));
      process.env.METADATA_SERVER_DETECTION = 'none';
      delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      try {
        const warehouse = await t.open({ credentials: 'adc' });
        const error = await warehouse.ensureTable(orders, 'updated_at').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TerminalError);
        expect((error as Error).message).toBe('GCP credentials: none found — run `gcloud auth application-default login` locally, or use Workload Identity in the cluster; no key files');
      } finally {
        process.env = saved;
      }
    });
  });
});
