import { describe, expect, it } from 'vitest';
import type { DestinationConfig, TableSpec } from '../../../shared/config/config-schema.js';
import { TerminalError } from '../../../shared/errors.js';
import type { TableModel } from '../../../shared/model/column.js';
import { bigQueryDdlFile, bigQueryTableDdl, stringLiteral } from '../../../shared/warehouses/bigquery/bigquery-ddl.js';
import { bigQuerySchema, stageSchema, tableLayout } from '../../../shared/warehouses/bigquery/bigquery-schema.js';
import { column, lineas, ventas } from '../../support/model-fixtures.js';

const DATASET = { projectId: 'empresa-datalake-prod', datasetId: 'raw_ventas' };

describe('bigQuerySchema and stageSchema', () => {
  it('makes primary keys REQUIRED even when the source allows NULL; the stage allows NULL everywhere', () => {
    expect(bigQuerySchema(lineas).map((f) => [f.name, f.type, f.mode, f.precision, f.scale])).toEqual([
      ['id_venta', 'INT64', 'REQUIRED', undefined, undefined],
      ['linea', 'INT64', 'REQUIRED', undefined, undefined],
      ['importe', 'BIGNUMERIC', 'NULLABLE', '38', '10'],
      ['cambiado', 'TIMESTAMP', 'NULLABLE', undefined, undefined],
    ]);
    expect(stageSchema(lineas)).toEqual([
      { name: 'id_venta', type: 'INT64', mode: 'NULLABLE' },
      { name: 'linea', type: 'INT64', mode: 'NULLABLE' },
      { name: 'importe', type: 'BIGNUMERIC', mode: 'NULLABLE', precision: '38', scale: '10' },
      { name: 'cambiado', type: 'TIMESTAMP', mode: 'NULLABLE' },
    ]);
  });
});

describe('tableLayout', () => {
  it('partitions a DATETIME or TIMESTAMP column at the configured granularity and clusters by the key', () => {
    expect(tableLayout(ventas, 'fecha_venta', 'HOUR')).toEqual({ timePartitioning: { type: 'HOUR', field: 'fecha_venta' }, clustering: { fields: ['id_venta'] } });
    expect(tableLayout(lineas, 'cambiado', 'MONTH')).toEqual({ timePartitioning: { type: 'MONTH', field: 'cambiado' }, clustering: { fields: ['id_venta', 'linea'] } });
  });

  it('partitions a DATE column by DAY when HOUR is configured, and says so', () => {
    const model: TableModel = { ...ventas, columns: [...ventas.columns, column('dia', { kind: 'date' })] };
    expect(tableLayout(model, 'dia', 'HOUR')).toEqual({
      timePartitioning: { type: 'DAY', field: 'dia' }, clustering: { fields: ['id_venta'] },
      note: 'partition column dia is a DATE: partitioned by DAY, not HOUR',
    });
  });

  it('leaves a table with an int64 partition column unpartitioned, and says so', () => {
    expect(tableLayout(ventas, 'id_venta', 'DAY')).toEqual({
      clustering: { fields: ['id_venta'] },
      note: 'partition column id_venta is int64: the table is not partitioned (BigQuery partitions by time, or by integer ranges DataPipe cannot know)',
    });
  });

  it('clusters on the first four key columns BigQuery can cluster, skipping FLOAT64 and BYTES', () => {
    const wide: TableModel = {
      ...ventas,
      columns: ['a', 'b', 'c', 'd', 'e', 'f'].map((n, i) => column(n, i === 1 ? { kind: 'float64' } : i === 2 ? { kind: 'bytes' } : { kind: 'string' })),
      primaryKeys: ['a', 'b', 'c', 'd', 'e', 'f'],
    };
    expect(tableLayout(wide, null, 'DAY')).toEqual({ clustering: { fields: ['a', 'd', 'e', 'f'] } });
    expect(tableLayout({ ...ventas, primaryKeys: [] }, null, 'DAY')).toEqual({});
  });
});

describe('bigQueryTableDdl', () => {
  it('writes the table ensureTable creates: types, NOT NULL, descriptions, partitioning, clustering', () => {
    const model: TableModel = {
      ...ventas,
      columns: [...ventas.columns, column('nota', { kind: 'string' }, true, 'override "texto"\\ok')],
    };
    expect(bigQueryTableDdl(model, DATASET, tableLayout(model, 'fecha_venta', 'DAY'))).toBe([
      'CREATE TABLE IF NOT EXISTS `empresa-datalake-prod`.`raw_ventas`.`ventas_cabecera` (',
      '  `id_venta` INT64 NOT NULL OPTIONS(description="ID_VENTA X"),',
      '  `monto` NUMERIC(18, 2) OPTIONS(description="MONTO X"),',
      '  `fecha_venta` DATETIME NOT NULL OPTIONS(description="FECHA_VENTA X"),',
      '  `tasa` FLOAT64 OPTIONS(description="TASA X"),',
      '  `cliente` STRING OPTIONS(description="CLIENTE X"),',
      '  `nota` STRING OPTIONS(description="NOTA X; override \\"texto\\"\\\\ok")',
      ')',
      'PARTITION BY DATETIME_TRUNC(`fecha_venta`, DAY)',
      'CLUSTER BY `id_venta`',
      'OPTIONS(description="VENTAS.VENTAS_CABECERA, loaded by DataPipe");',
      '',
    ].join('\n'));
  });

  it('spells the partition expression BigQuery accepts for each column type and granularity', () => {
    const model: TableModel = { ...lineas, columns: [...lineas.columns, column('dia', { kind: 'date' })] };
    const partitionLine = (partition: string, granularity: 'DAY' | 'HOUR' | 'MONTH' | 'YEAR') =>
      bigQueryTableDdl(model, DATASET, tableLayout(model, partition, granularity)).split('\n').find((l) => l.startsWith('PARTITION BY'));
    expect(partitionLine('dia', 'DAY')).toBe('PARTITION BY `dia`');
    expect(partitionLine('dia', 'HOUR')).toBe('PARTITION BY `dia`');
    expect(partitionLine('dia', 'MONTH')).toBe('PARTITION BY DATE_TRUNC(`dia`, MONTH)');
    expect(partitionLine('cambiado', 'HOUR')).toBe('PARTITION BY TIMESTAMP_TRUNC(`cambiado`, HOUR)');
    expect(partitionLine('cambiado', 'YEAR')).toBe('PARTITION BY TIMESTAMP_TRUNC(`cambiado`, YEAR)');
    expect(partitionLine('id_venta', 'DAY')).toBeUndefined();
  });

  it('escapes descriptions as GoogleSQL string literals', () => {
    expect(stringLiteral('a"b\\c\nd\te\u0001')).toBe('"a\\"b\\\\c\\nd\\te\\u0001"');
    expect(stringLiteral('Ñandú — 東京')).toBe('"Ñandú — 東京"');
  });
});

describe('bigQueryDdlFile (generate schema on gcp)', () => {
  const destination: DestinationConfig = {
    cloud: 'gcp',
    gcp: { project_id: 'empresa-datalake-prod', dataset: 'raw_ventas', bucket: 'b', location: 'us-central1', partition_granularity: 'MONTH' },
  };
  const spec = (overrides: Partial<TableSpec>): TableSpec => ({ name: 'VENTAS_CABECERA', load_mode: 'incremental', partition_column: 'FECHA_VENTA', primary_keys: ['ID_VENTA'], ...overrides } as TableSpec);

  it('partitions incremental tables on their partition_column (found by source name) at the configured granularity', () => {
    expect(bigQueryDdlFile(ventas, spec({}), destination)).toContain('\nPARTITION BY DATETIME_TRUNC(`fecha_venta`, MONTH)\nCLUSTER BY `id_venta`\n');
  });

  it('leaves full-load tables unpartitioned, as the loader creates them', () => {
    const ddl = bigQueryDdlFile(ventas, spec({ load_mode: 'full', partition_column: undefined }), destination);
    expect(ddl).not.toContain('PARTITION BY');
    expect(ddl).toContain('\nCLUSTER BY `id_venta`\n');
  });

  it('defaults to DAY and needs the gcp block', () => {
    const day: DestinationConfig = { cloud: 'gcp', gcp: { project_id: 'empresa-datalake-prod', dataset: 'raw', bucket: 'b', location: 'US' } };
    expect(bigQueryDdlFile(ventas, spec({}), day)).toContain('\nPARTITION BY DATETIME_TRUNC(`fecha_venta`, DAY)\n');
    expect(() => bigQueryDdlFile(ventas, spec({}), { cloud: 'gcp' })).toThrow(new TerminalError('destination.gcp: missing — add `gcp: { project_id, dataset, bucket, location }`'));
  });

  it('is deterministic', () => {
    expect(bigQueryDdlFile(ventas, spec({}), destination)).toBe(bigQueryDdlFile(ventas, spec({}), destination));
  });
});
