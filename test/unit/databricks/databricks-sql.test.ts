/**
 * The Databricks dialect, DDL and read_files stage (shared/warehouses/databricks/), exact text,
 * without a connection. The statements are executed for real on the Spark twin by
 * test/integration/warehouses/load-sql-databricks.test.ts and databricks-warehouse.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { DestinationConfig, TableSpec } from '../../../shared/config/config-schema.js';
import { TerminalError } from '../../../shared/errors.js';
import type { TableModel } from '../../../shared/model/column.js';
import { DATABRICKS_CAPABILITIES } from '../../../shared/warehouses/databricks/databricks-capabilities.js';
import { createLoadsSql, createTargetSql, stringLiteral, tableLayout } from '../../../shared/warehouses/databricks/databricks-ddl.js';
import { DATABRICKS_DIALECT as D } from '../../../shared/warehouses/databricks/databricks-dialect.js';
import { checkSchemaRef, tableRef, warehouseIdOf } from '../../../shared/warehouses/databricks/databricks-names.js';
import { MAX_GLOB_CHARS, partsGlob, readFilesExpression } from '../../../shared/warehouses/databricks/databricks-stage.js';
import { describedColumns, targetDrift } from '../../../shared/warehouses/databricks/databricks-target-check.js';
import { databricksType } from '../../../shared/warehouses/databricks/databricks-types.js';
import { commitStatements, stageCheckSql } from '../../../shared/warehouses/sql/load-sql.js';
import { column, lineas, tableModel, ventas } from '../../support/model-fixtures.js';

const REF = { catalog: 'main', schema: 'raw' };
const RUN = 'abfss://staging@acme.dfs.core.windows.net/datapipe/ventas/ventas_cabecera/run=R1/';
const parts = (...names: string[]) => names.map((name) => ({ key: `k/${name}`, uri: `${RUN}${name}` }));
const VENTAS_SCHEMA = '`id_venta` BIGINT, `monto` DECIMAL(18,2), `fecha_venta` TIMESTAMP_NTZ, `tasa` DOUBLE, `cliente` STRING';
const VENTAS_STAGE = `read_files('${RUN}{part-0000-a-000000.avro,part-0001-a-000000.avro}', format => 'avro', datetimeRebaseMode => 'CORRECTED', schema => '${VENTAS_SCHEMA}')`;

describe('Databricks types and names', () => {
  it('maps every canonical kind to the Databricks type types.md names', () => {
    const kinds = ['boolean', 'int64', 'float32', 'float64', 'string', 'json', 'interval', 'bytes', 'date', 'datetime', 'timestamp'] as const;
    expect(Object.fromEntries(kinds.map((kind) => [kind, databricksType({ kind })]))).toEqual({
      boolean: 'BOOLEAN', int64: 'BIGINT', float32: 'FLOAT', float64: 'DOUBLE', string: 'STRING', json: 'STRING', interval: 'STRING',
      bytes: 'BINARY', date: 'DATE', datetime: 'TIMESTAMP_NTZ', timestamp: 'TIMESTAMP',
    });
    expect(databricksType({ kind: 'decimal', precision: 38, scale: 38 })).toBe('DECIMAL(38,38)');
  });

  it('refuses a decimal wider than 38 digits with the fix (Spark cannot read one from AVRO either)', () => {
    expect(() => databricksType({ kind: 'decimal', precision: 40, scale: 2 })).toThrow(new TerminalError(
      'decimal(40,2) does not fit Databricks\' DECIMAL (precision 1-38, 0 ≤ scale ≤ precision); override the column\'s type as string (or a narrower decimal) in config.yaml and regenerate the schema',
    ));
  });

  it('quotes plain names only, and reads the warehouse id from http_path', () => {
    expect(tableRef(REF, 'ventas')).toBe('`main`.`raw`.`ventas`');
    expect(() => D.quote('x`; DROP TABLE t; --')).toThrow('is not a valid table or column name for Databricks');
    expect(() => checkSchemaRef({ catalog: 'main', schema: 'raw-data' })).toThrow(
      'destination.azure.databricks.schema "raw-data" is not a plain name — use letters, digits and _ (Unity Catalog stores names lowercased)',
    );
    expect(warehouseIdOf('/sql/1.0/warehouses/1a2b3c4d5e6f7a8b')).toBe('1a2b3c4d5e6f7a8b');
    expect(warehouseIdOf('/sql/1.0/endpoints/abc/')).toBe('abc');
    expect(() => warehouseIdOf('/sql/protocolv1/o/123/0123-456-abc')).toThrow(/is not a SQL warehouse HTTP path .* clusters are not supported$/);
  });
});

describe('the read_files stage', () => {
  it('names exactly the manifest\'s parts in one glob, with the AVRO options and the model\'s schema pinned', () => {
    expect(readFilesExpression(ventas, 'R1', parts('part-0000-a-000000.avro', 'part-0001-a-000000.avro'))).toBe(VENTAS_STAGE);
  });

  it('reads a single part by its own name (no glob), and lists a repeated part once', () => {
    expect(partsGlob('t', 'R1', parts('part-0000-a-000000.avro'))).toBe(`${RUN}part-0000-a-000000.avro`);
    expect(partsGlob('t', 'R1', parts('a.avro', 'b.avro', 'a.avro'))).toBe(`${RUN}{a.avro,b.avro}`);
  });

  it('refuses what it cannot name safely: another scheme, glob or quote characters, two folders, a glob too long', () => {
    expect(() => partsGlob('t', 'R1', [{ key: 'k', uri: 'gs://bucket/k' }])).toThrow(
      'table t, run R1: part k is at gs://bucket/k; Databricks reads the azure cloud\'s abfss:// staging only — stage with destination.cloud azure',
    );
    expect(() => partsGlob('t', 'R1', [{ key: 'k', uri: 'abfss://staging@acme.dfs.core.windows.net/raw{1}/run=R1/a.avro' }])).toThrow(
      /^table t, run R1: part abfss:.* has characters read_files would take for glob syntax or a quote — use letters, digits and \. _ - = \+ in destination\.azure\.prefix and container$/,
    );
    expect(() => partsGlob('t', 'R1', [{ key: 'k', uri: "abfss://staging@acme.dfs.core.windows.net/it's/a.avro" }])).toThrow(TerminalError);
    expect(() => partsGlob('t', 'R1', [...parts('a.avro'), { key: 'k', uri: 'abfss://staging@acme.dfs.core.windows.net/other/b.avro' }])).toThrow(
      /^table t, run R1: the manifests list parts in 2 folders/,
    );
    const many = Array.from({ length: 50_000 }, (_, i) => `part-0000-a-${String(i).padStart(6, '0')}.avro`);
    expect(() => partsGlob('t', 'R1', parts(...many))).toThrow(new RegExp(`^table t, run R1: its 50000 parts make a read_files path of \\d+ characters \\(at most ${MAX_GLOB_CHARS}\\) — raise staging\\.part_size_mb`));
  });
});

describe('the load statements in the Databricks dialect', () => {
  const tables = { target: '`main`.`raw`.`ventas_cabecera`', stage: VENTAS_STAGE, loads: '`main`.`raw`.`_datapipe_loads`' };

  it('checks the stage by reading the files: count, distinct keys, NULL keys', () => {
    expect(stageCheckSql(ventas, VENTAS_STAGE, D)).toBe([
      'SELECT',
      '  COUNT(*) AS `staged`,',
      `  (SELECT COUNT(*) FROM (SELECT DISTINCT \`id_venta\` FROM ${VENTAS_STAGE}) AS \`distinct_keys\`) AS \`deduplicated\`,`,
      '  COUNT(CASE WHEN `id_venta` IS NULL THEN 1 END) AS `null_0`,',
      '  COUNT(CASE WHEN `fecha_venta` IS NULL THEN 1 END) AS `null_1`',
      `FROM ${VENTAS_STAGE}`,
    ].join('\n'));
  });

  it('commits as three statements: raise_error continuity check, MERGE from the deduplicated files, an idempotent loads record', () => {
    const [check, merge, record, ...rest] = commitStatements(ventas, 'incremental', tables, 'fecha_venta', D);
    expect(rest).toEqual([]);
    expect(check).toBe(
      'SELECT CASE WHEN COALESCE((SELECT `run_id` FROM `main`.`raw`.`_datapipe_loads` WHERE `table_name` = :table_name ORDER BY `loaded_at` DESC, `run_id` DESC LIMIT 1), \'\') ' +
        'NOT IN (COALESCE(:base_run_id, \'\'), :run_id) THEN raise_error(\'datapipe_stale_run\') END',
    );
    expect(merge).toBe([
      'MERGE INTO `main`.`raw`.`ventas_cabecera` AS `target`',
      'USING (',
      '  SELECT `id_venta`, `monto`, `fecha_venta`, `tasa`, `cliente`',
      `  FROM ${VENTAS_STAGE}`,
      '  WHERE TRUE',
      '  QUALIFY ROW_NUMBER() OVER (PARTITION BY `id_venta` ORDER BY `fecha_venta` IS NULL, `fecha_venta` DESC, `monto` IS NULL, `monto` DESC, ' +
        '`tasa` IS NULL, isnan(`tasa`), -`tasa` ASC, `cliente` IS NULL, `cliente` DESC) = 1',
      ') AS `source`',
      'ON `target`.`id_venta` = `source`.`id_venta`',
      'WHEN MATCHED THEN UPDATE SET `monto` = `source`.`monto`, `fecha_venta` = `source`.`fecha_venta`, `tasa` = `source`.`tasa`, `cliente` = `source`.`cliente`',
      'WHEN NOT MATCHED THEN INSERT (`id_venta`, `monto`, `fecha_venta`, `tasa`, `cliente`) VALUES (`source`.`id_venta`, `source`.`monto`, `source`.`fecha_venta`, `source`.`tasa`, `source`.`cliente`)',
    ].join('\n'));
    expect(record).toBe([
      'INSERT INTO `main`.`raw`.`_datapipe_loads` (`table_name`, `run_id`, `mode`, `rows_staged`, `rows_loaded`, `watermark`, `loaded_at`)',
      'SELECT :table_name, :run_id, :mode, :rows_staged, :rows_loaded, :watermark, current_timestamp()',
      'FROM (SELECT 1 AS `one`) AS `single_row`',
      'WHERE NOT EXISTS (SELECT 1 FROM `main`.`raw`.`_datapipe_loads` WHERE `table_name` = :table_name AND `run_id` = :run_id)',
    ].join('\n'));
  });

  it('replaces a full load with one INSERT OVERWRITE (atomic without a transaction)', () => {
    const statements = commitStatements(ventas, 'full', tables, null, D);
    expect(statements).toHaveLength(3);
    expect(statements[1]).toMatch(/^INSERT OVERWRITE `main`\.`raw`\.`ventas_cabecera` \(`id_venta`, `monto`, `fecha_venta`, `tasa`, `cliente`\)\nSELECT `id_venta`, `monto`, `fecha_venta`, `tasa`, `cliente`\nFROM read_files\(/);
  });
});

describe('Databricks DDL', () => {
  it('creates a Delta target: keys and NOT NULL columns NOT NULL, source names in comments, clustered by the key', () => {
    const model: TableModel = { ...ventas, columns: ventas.columns.map((c) => (c.name === 'monto' ? { ...c, decision: "profiled: it's exact" } : c)) };
    expect(createTargetSql(model, tableRef(REF, 'ventas_cabecera'))).toBe([
      'CREATE TABLE IF NOT EXISTS `main`.`raw`.`ventas_cabecera` (',
      '  `id_venta` BIGINT NOT NULL COMMENT \'ID_VENTA X\',',
      '  `monto` DECIMAL(18,2) COMMENT \'MONTO X; profiled: it\\\'s exact\',',
      '  `fecha_venta` TIMESTAMP_NTZ NOT NULL COMMENT \'FECHA_VENTA X\',',
      '  `tasa` DOUBLE COMMENT \'TASA X\',',
      '  `cliente` STRING COMMENT \'CLIENTE X\'',
      ')',
      'USING DELTA',
      'CLUSTER BY (`id_venta`)',
      'COMMENT \'VENTAS.VENTAS_CABECERA, loaded by DataPipe\'',
    ].join('\n'));
    expect(createLoadsSql('`main`.`raw`.`_datapipe_loads`')).toBe([
      'CREATE TABLE IF NOT EXISTS `main`.`raw`.`_datapipe_loads` (',
      '  `table_name` STRING NOT NULL,', '  `run_id` STRING NOT NULL,', '  `mode` STRING NOT NULL,',
      '  `rows_staged` BIGINT NOT NULL,', '  `rows_loaded` BIGINT NOT NULL,', '  `watermark` STRING,', '  `loaded_at` TIMESTAMP NOT NULL',
      ')', 'USING DELTA',
    ].join('\n'));
  });

  it('clusters by at most four keys that Delta keeps statistics for, and says which keys do not cluster', () => {
    expect(tableLayout(lineas)).toEqual({ clusterBy: ['id_venta', 'linea'] });
    const wide = tableModel('A.WIDE', [
      column('k_bytes', { kind: 'bytes' }, false), column('k_flag', { kind: 'boolean' }, false),
      ...['a', 'b', 'c', 'd', 'e'].map((n) => column(`k_${n}`, { kind: 'int64' }, false)),
      ...Array.from({ length: 30 }, (_, i) => column(`c${i}`, { kind: 'string' })),
      column('k_late', { kind: 'date' }, false),
    ], ['k_bytes', 'k_flag', 'k_a', 'k_b', 'k_c', 'k_d', 'k_e', 'k_late']);
    expect(tableLayout(wide)).toEqual({
      clusterBy: ['k_a', 'k_b', 'k_c', 'k_d'],
      note: 'primary-key columns k_bytes, k_flag, k_e, k_late do not cluster the table (liquid clustering takes four keys, among the first 32 columns, not BINARY or BOOLEAN)',
    });
    expect(createTargetSql({ ...ventas, primaryKeys: [] }, '`t`')).not.toContain('CLUSTER BY');
  });

  it('writes schemas/<table>.sql on azure from the configured catalog and schema', () => {
    const destination = { cloud: 'azure', azure: { account_url: 'https://acme.blob.core.windows.net', container: 'staging', databricks: { host: 'adb-1.2.azuredatabricks.net', http_path: '/sql/1.0/warehouses/abc', token: 't', catalog: 'lake', schema: 'raw_ventas' } } } as DestinationConfig;
    const [file, ...others] = DATABRICKS_CAPABILITIES.schemaFiles(ventas, {} as TableSpec, destination);
    expect(others).toEqual([]);
    expect(file?.extension).toBe('sql');
    expect(file?.text).toBe(`${createTargetSql(ventas, '`lake`.`raw_ventas`.`ventas_cabecera`')};\n`);
    expect(() => DATABRICKS_CAPABILITIES.schemaFiles(ventas, {} as TableSpec, { cloud: 'azure' })).toThrow(/^destination\.azure\.databricks: missing/);
  });

  it('escapes string literals for Databricks (backslash escapes on)', () => {
    expect(stringLiteral('a\'b\\c\nd\u0001')).toBe('\'a\\\'b\\\\c\\nd\\u0001\'');
  });
});

describe('the target check', () => {
  it('reads the columns of DESCRIBE TABLE up to its first blank or # row, and names drift', () => {
    const described = describedColumns([
      { col_name: 'id_venta', data_type: 'bigint' }, { col_name: 'monto', data_type: 'decimal(18,2)' },
      { col_name: 'fecha_venta', data_type: 'timestamp' }, { col_name: 'extra', data_type: 'string' },
      { col_name: '', data_type: '' }, { col_name: '# Clustering Information', data_type: '' }, { col_name: 'id_venta', data_type: 'bigint' },
    ]);
    expect(described.map((c) => c.name)).toEqual(['id_venta', 'monto', 'fecha_venta', 'extra']);
    expect(targetDrift(ventas, described)).toBe('differs from the schema: lacks columns tasa, cliente; fecha_venta is timestamp, the schema says timestamp_ntz — migrate the table or regenerate the schema');
    expect(targetDrift(ventas, ventas.columns.map((c) => ({ name: c.name.toUpperCase(), type: databricksType(c.type).toLowerCase() })))).toBeNull();
  });
});
