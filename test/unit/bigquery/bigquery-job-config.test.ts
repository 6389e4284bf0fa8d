import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../../shared/errors.js';
import { loadJobConfig, queryJobConfig, queryParams, uriBatches } from '../../../shared/warehouses/bigquery/bigquery-job-config.js';
import {
  checkDatasetRef, labelValue, loadJobId, queryJobId, stageTableName, tableRef,
} from '../../../shared/warehouses/bigquery/bigquery-names.js';
import { lineas } from '../../support/model-fixtures.js';

const DATASET = { projectId: 'empresa-datalake-prod', datasetId: 'raw_ventas' };

describe('names and job ids', () => {
  it('derives the stage and the load job ids from the run alone (SHA-256, 16 hex digits): every attempt of a run agrees on them', () => {
    expect(stageTableName('ventas_linea', '20261126T020000123Z-9f3a1c')).toBe('ventas_linea__stage_7a8ab24605e8f149');
    expect(loadJobId(DATASET, 'ventas_linea', '20261126T020000123Z-9f3a1c', 0, 0)).toBe('datapipe_load_ventas_linea_eece45ffd104257c_b0_a0');
    expect(loadJobId(DATASET, 'ventas_linea', '20261126T020000123Z-9f3a1c', 1, 2)).toBe('datapipe_load_ventas_linea_eece45ffd104257c_b1_a2');
  });

  it('gives another run, table, dataset or project another id', () => {
    const base = loadJobId(DATASET, 'ventas_linea', 'r1', 0, 0);
    expect(new Set([
      base,
      loadJobId(DATASET, 'ventas_linea', 'r2', 0, 0),
      loadJobId(DATASET, 'ventas_lineas', 'r1', 0, 0),
      loadJobId({ ...DATASET, datasetId: 'raw_ventas2' }, 'ventas_linea', 'r1', 0, 0),
      loadJobId({ ...DATASET, projectId: 'empresa-datalake-dev' }, 'ventas_linea', 'r1', 0, 0),
    ]).size).toBe(5);
    expect(stageTableName('t', 'r1')).not.toBe(stageTableName('t', 'r2'));
  });

  it('names query jobs by kind with the given suffix', () => {
    expect(queryJobId('commit', DATASET, 'ventas_linea', 'r1', 'ab12cd34')).toMatch(/^datapipe_commit_ventas_linea_[0-9a-f]{16}_ab12cd34$/);
  });

  it('quotes each part of a table path and validates project and dataset ids', () => {
    expect(tableRef({ projectId: 'example.com:proj-1', datasetId: 'raw' }, 't')).toBe('`example.com:proj-1`.`raw`.`t`');
    expect(checkDatasetRef(DATASET)).toEqual(DATASET);
    expect(() => checkDatasetRef({ projectId: 'My Project', datasetId: 'raw' })).toThrow(new TerminalError(
      'destination.gcp.project_id is not a Google Cloud project ID — write the ID (6–30 lowercase letters, digits and -), not the project name or number',
    ));
    expect(() => checkDatasetRef({ projectId: 'proj-123', datasetId: 'raw-ventas' })).toThrow(new TerminalError(
      'destination.gcp.dataset is not a BigQuery dataset name — use letters, digits and _',
    ));
  });

  it('makes label values BigQuery accepts', () => {
    expect(labelValue('scheduled__2026-11-26T02.00')).toBe('scheduled__2026-11-26t02_00');
    expect(labelValue('x'.repeat(80))).toHaveLength(63);
  });
});

describe('loadJobConfig', () => {
  it('loads AVRO with logical types and every decimal target type into the stage the warehouse created (CREATE_NEVER), with our schema', () => {
    expect(loadJobConfig({
      jobId: 'datapipe_load_x_b0_a0', location: 'us-central1', dataset: DATASET, stage: 'ventas_linea__stage_1', model: lineas,
      runId: 'R1', uris: ['gs://b/p/ventas_linea/run=R1/part-0-0.avro'], first: true, attemptLabel: 'ATTEMPT-1',
    })).toEqual({
      jobId: 'datapipe_load_x_b0_a0',
      location: 'us-central1',
      configuration: {
        labels: { datapipe_table: 'ventas_linea', datapipe_run: 'r1', datapipe_attempt: 'attempt-1' },
        load: {
          sourceUris: ['gs://b/p/ventas_linea/run=R1/part-0-0.avro'],
          sourceFormat: 'AVRO',
          useAvroLogicalTypes: true,
          decimalTargetTypes: ['NUMERIC', 'BIGNUMERIC', 'STRING'],
          destinationTable: { projectId: 'empresa-datalake-prod', datasetId: 'raw_ventas', tableId: 'ventas_linea__stage_1' },
          schema: {
            fields: [
              { name: 'id_venta', type: 'INT64', mode: 'NULLABLE' },
              { name: 'linea', type: 'INT64', mode: 'NULLABLE' },
              { name: 'importe', type: 'BIGNUMERIC', mode: 'NULLABLE', precision: '38', scale: '10' },
              { name: 'cambiado', type: 'TIMESTAMP', mode: 'NULLABLE' },
            ],
          },
          createDisposition: 'CREATE_NEVER',
          writeDisposition: 'WRITE_TRUNCATE',
        },
      },
    });
  });

  it('appends the batches after the first', () => {
    const config = loadJobConfig({ jobId: 'j', location: 'US', dataset: DATASET, stage: 's', model: lineas, runId: 'r', uris: [], first: false, attemptLabel: 'a' });
    expect(config.configuration.load?.writeDisposition).toBe('WRITE_APPEND');
  });

  it('cuts the part list into jobs of at most 10,000 URIs, in manifest order', () => {
    const uris = Array.from({ length: 20_001 }, (_, i) => `gs://b/part-${i}.avro`);
    const batches = uriBatches(uris);
    expect(batches.map((b) => b.length)).toEqual([10_000, 10_000, 1]);
    expect(batches[2]).toEqual(['gs://b/part-20000.avro']);
    expect(uriBatches(['a', 'b', 'c'], 2)).toEqual([['a', 'b'], ['c']]);
  });
});

describe('queryJobConfig', () => {
  it('binds the loads record as named parameters, a NULL watermark without a value', () => {
    const params = queryParams({ table_name: 'ventas_linea', run_id: 'R1', mode: 'incremental', rows_staged: 5, rows_loaded: 4, watermark: null });
    expect(queryJobConfig({ jobId: 'q1', location: 'EU', query: 'SELECT 1', params, labels: { datapipe_table: 't' } })).toEqual({
      jobId: 'q1',
      location: 'EU',
      configuration: {
        labels: { datapipe_table: 't' },
        query: {
          query: 'SELECT 1',
          useLegacySql: false,
          parameterMode: 'NAMED',
          queryParameters: [
            { name: 'table_name', parameterType: { type: 'STRING' }, parameterValue: { value: 'ventas_linea' } },
            { name: 'run_id', parameterType: { type: 'STRING' }, parameterValue: { value: 'R1' } },
            { name: 'mode', parameterType: { type: 'STRING' }, parameterValue: { value: 'incremental' } },
            { name: 'rows_staged', parameterType: { type: 'INT64' }, parameterValue: { value: '5' } },
            { name: 'rows_loaded', parameterType: { type: 'INT64' }, parameterValue: { value: '4' } },
            { name: 'watermark', parameterType: { type: 'STRING' }, parameterValue: {} },
          ],
        },
      },
    });
  });

  it('sends no parameter mode for a query without parameters', () => {
    expect(queryJobConfig({ jobId: 'q', location: 'US', query: 'SELECT 1', params: [], labels: {} }).configuration.query).toEqual({ query: 'SELECT 1', useLegacySql: false });
  });
});
