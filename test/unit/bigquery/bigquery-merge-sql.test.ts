import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../../shared/errors.js';
import type { TableModel } from '../../../shared/model/column.js';
import {
  BIGQUERY_SQL, commitStatements, countSql, dedupSelectSql, DUCKDB_TWIN_SQL, mergeSql, mustNotBeNull,
  recordLoadSql, replaceSql, stageCheckSql, transactionScript, type MergeTables,
} from '../../../shared/warehouses/bigquery/bigquery-merge-sql.js';
import { dedupOrder } from '../../../shared/warehouses/dedup-order.js';
import { column, lineas, ventas } from '../../support/model-fixtures.js';

const TABLES: MergeTables = {
  target: '`p`.`d`.`ventas_cabecera`',
  stage: '`p`.`d`.`ventas_cabecera__stage_x`',
  loads: '`p`.`d`.`_datapipe_loads`',
};
const LINE_TABLES: MergeTables = { target: '`p`.`d`.`ventas_linea`', stage: '`p`.`d`.`ventas_linea__stage_x`', loads: TABLES.loads };

/** The ventas stage deduplicated, as both the MERGE and the full replace select it. */
const VENTAS_DEDUP = [
  'SELECT `id_venta`, `monto`, `fecha_venta`, `tasa`, `cliente`',
  'FROM `p`.`d`.`ventas_cabecera__stage_x`',
  'WHERE TRUE',
  'QUALIFY ROW_NUMBER() OVER (PARTITION BY `id_venta` ORDER BY `fecha_venta` IS NULL, `fecha_venta` DESC, `monto` IS NULL, `monto` DESC, ' +
    '`tasa` IS NULL, IS_NAN(`tasa`), `tasa` DESC, `cliente` IS NULL, `cliente` DESC) = 1',
];

describe('dedupOrder', () => {
  it('puts the partition column first, then every other non-key column in model order, NULL losing and NaN below numbers', () => {
    expect(dedupOrder(ventas, 'fecha_venta', BIGQUERY_SQL)).toEqual([
      '`fecha_venta` IS NULL', '`fecha_venta` DESC',
      '`monto` IS NULL', '`monto` DESC',
      '`tasa` IS NULL', 'IS_NAN(`tasa`)', '`tasa` DESC',
      '`cliente` IS NULL', '`cliente` DESC',
    ]);
  });

  it('without a partition column orders by the values alone; the DuckDB twin spells the same terms', () => {
    expect(dedupOrder(ventas, null, DUCKDB_TWIN_SQL)).toEqual([
      '"monto" IS NULL', '"monto" DESC',
      '"fecha_venta" IS NULL', '"fecha_venta" DESC',
      '"tasa" IS NULL', 'isnan("tasa")', '"tasa" DESC',
      '"cliente" IS NULL', '"cliente" DESC',
    ]);
  });

  it('rejects a partition column the model lacks', () => {
    expect(() => dedupOrder(ventas, 'nope', BIGQUERY_SQL)).toThrow(new TerminalError('table ventas_cabecera: partition column nope is not one of its columns'));
  });
});

describe('mergeSql', () => {
  it('upserts the deduplicated stage by primary key, latest partition value first', () => {
    expect(mergeSql(ventas, TABLES, 'fecha_venta', BIGQUERY_SQL)).toBe([
      'MERGE INTO `p`.`d`.`ventas_cabecera` AS `target`',
      'USING (',
      ...VENTAS_DEDUP.map((line) => `  ${line}`),
      ') AS `source`',
      'ON `target`.`id_venta` = `source`.`id_venta`',
      'WHEN MATCHED THEN UPDATE SET `monto` = `source`.`monto`, `fecha_venta` = `source`.`fecha_venta`, `tasa` = `source`.`tasa`, `cliente` = `source`.`cliente`',
      'WHEN NOT MATCHED THEN INSERT (`id_venta`, `monto`, `fecha_venta`, `tasa`, `cliente`) VALUES ' +
        '(`source`.`id_venta`, `source`.`monto`, `source`.`fecha_venta`, `source`.`tasa`, `source`.`cliente`)',
    ].join('\n'));
  });

  it('matches composite keys on every key column and orders only by the non-key columns', () => {
    expect(mergeSql(lineas, LINE_TABLES, null, BIGQUERY_SQL)).toBe([
      'MERGE INTO `p`.`d`.`ventas_linea` AS `target`',
      'USING (',
      '  SELECT `id_venta`, `linea`, `importe`, `cambiado`',
      '  FROM `p`.`d`.`ventas_linea__stage_x`',
      '  WHERE TRUE',
      '  QUALIFY ROW_NUMBER() OVER (PARTITION BY `id_venta`, `linea` ORDER BY `importe` IS NULL, `importe` DESC, `cambiado` IS NULL, `cambiado` DESC) = 1',
      ') AS `source`',
      'ON `target`.`id_venta` = `source`.`id_venta` AND `target`.`linea` = `source`.`linea`',
      'WHEN MATCHED THEN UPDATE SET `importe` = `source`.`importe`, `cambiado` = `source`.`cambiado`',
      'WHEN NOT MATCHED THEN INSERT (`id_venta`, `linea`, `importe`, `cambiado`) VALUES (`source`.`id_venta`, `source`.`linea`, `source`.`importe`, `source`.`cambiado`)',
    ].join('\n'));
  });

  it('a table made only of key columns has no UPDATE branch and no ORDER BY', () => {
    const keysOnly: TableModel = { ...lineas, columns: lineas.columns.slice(0, 2) };
    expect(mergeSql(keysOnly, LINE_TABLES, null, BIGQUERY_SQL)).toBe([
      'MERGE INTO `p`.`d`.`ventas_linea` AS `target`',
      'USING (',
      '  SELECT `id_venta`, `linea`',
      '  FROM `p`.`d`.`ventas_linea__stage_x`',
      '  WHERE TRUE',
      '  QUALIFY ROW_NUMBER() OVER (PARTITION BY `id_venta`, `linea`) = 1',
      ') AS `source`',
      'ON `target`.`id_venta` = `source`.`id_venta` AND `target`.`linea` = `source`.`linea`',
      'WHEN NOT MATCHED THEN INSERT (`id_venta`, `linea`) VALUES (`source`.`id_venta`, `source`.`linea`)',
    ].join('\n'));
  });

  it('refuses a table without primary keys', () => {
    expect(() => mergeSql({ ...ventas, primaryKeys: [] }, TABLES, null, BIGQUERY_SQL)).toThrow(new TerminalError(
      'table ventas_cabecera: an incremental load merges by primary key; declare primary_keys in config.yaml or use load_mode: full',
    ));
  });

  it('refuses identifiers that are not plain names', () => {
    const bad: TableModel = { ...ventas, columns: [...ventas.columns, column('x`; DROP TABLE t; --', { kind: 'string' })] };
    expect(() => mergeSql(bad, TABLES, null, BIGQUERY_SQL)).toThrow(TerminalError);
  });
});

describe('replaceSql', () => {
  it('deletes every target row and inserts the deduplicated stage', () => {
    expect(replaceSql(ventas, TABLES, 'fecha_venta', BIGQUERY_SQL)).toEqual([
      'DELETE FROM `p`.`d`.`ventas_cabecera` WHERE TRUE',
      [
        'INSERT INTO `p`.`d`.`ventas_cabecera` (`id_venta`, `monto`, `fecha_venta`, `tasa`, `cliente`)',
        ...VENTAS_DEDUP,
      ].join('\n'),
    ]);
  });

  it('keeps every staged row of a keyless table', () => {
    expect(dedupSelectSql({ ...ventas, primaryKeys: [] }, TABLES.stage, null, BIGQUERY_SQL))
      .toBe('SELECT `id_venta`, `monto`, `fecha_venta`, `tasa`, `cliente`\nFROM `p`.`d`.`ventas_cabecera__stage_x`');
  });
});

describe('recordLoadSql', () => {
  it('inserts the load unless the run is recorded already, every value a named parameter', () => {
    expect(recordLoadSql(TABLES.loads, BIGQUERY_SQL)).toBe([
      'INSERT INTO `p`.`d`.`_datapipe_loads` (`table_name`, `run_id`, `mode`, `rows_staged`, `rows_loaded`, `watermark`, `loaded_at`)',
      'SELECT @table_name, @run_id, @mode, @rows_staged, @rows_loaded, @watermark, CURRENT_TIMESTAMP',
      'FROM (SELECT 1 AS `one`) AS `single_row`',
      'WHERE NOT EXISTS (SELECT 1 FROM `p`.`d`.`_datapipe_loads` WHERE `table_name` = @table_name AND `run_id` = @run_id)',
    ].join('\n'));
  });

  it('has a DuckDB twin with $ parameters', () => {
    expect(recordLoadSql('"main"."_datapipe_loads"', DUCKDB_TWIN_SQL)).toBe([
      'INSERT INTO "main"."_datapipe_loads" ("table_name", "run_id", "mode", "rows_staged", "rows_loaded", "watermark", "loaded_at")',
      'SELECT $table_name, $run_id, $mode, $rows_staged, $rows_loaded, $watermark, CURRENT_TIMESTAMP',
      'FROM (SELECT 1 AS "one") AS "single_row"',
      'WHERE NOT EXISTS (SELECT 1 FROM "main"."_datapipe_loads" WHERE "table_name" = $table_name AND "run_id" = $run_id)',
    ].join('\n'));
  });
});

describe('transactionScript', () => {
  it('wraps a full replace and the loads record in one transaction', () => {
    const [del, insert, record] = commitStatements(ventas, 'full', TABLES, null, BIGQUERY_SQL);
    expect(transactionScript(commitStatements(ventas, 'full', TABLES, null, BIGQUERY_SQL)))
      .toBe(`BEGIN TRANSACTION;\n${del};\n${insert};\n${record};\nCOMMIT TRANSACTION;`);
    expect(del).toBe('DELETE FROM `p`.`d`.`ventas_cabecera` WHERE TRUE');
    expect(record).toBe(recordLoadSql(TABLES.loads, BIGQUERY_SQL));
  });

  it('an incremental load is the MERGE then the loads record', () => {
    expect(commitStatements(ventas, 'incremental', TABLES, 'fecha_venta', BIGQUERY_SQL))
      .toEqual([mergeSql(ventas, TABLES, 'fecha_venta', BIGQUERY_SQL), recordLoadSql(TABLES.loads, BIGQUERY_SQL)]);
  });
});

describe('stageCheckSql', () => {
  it('counts rows, distinct keys and NULLs per key and NOT NULL column in one scan', () => {
    expect(mustNotBeNull(lineas).map((c) => c.name)).toEqual(['id_venta', 'linea']);
    expect(stageCheckSql(lineas, LINE_TABLES.stage, BIGQUERY_SQL)).toBe([
      'SELECT',
      '  COUNT(*) AS `staged`,',
      '  (SELECT COUNT(*) FROM (SELECT DISTINCT `id_venta`, `linea` FROM `p`.`d`.`ventas_linea__stage_x`)) AS `deduplicated`,',
      '  COUNT(CASE WHEN `id_venta` IS NULL THEN 1 END) AS `null_0`,',
      '  COUNT(CASE WHEN `linea` IS NULL THEN 1 END) AS `null_1`',
      'FROM `p`.`d`.`ventas_linea__stage_x`',
    ].join('\n'));
  });

  it('counts the NOT NULL columns after the keys; without keys every row counts as deduplicated', () => {
    expect(mustNotBeNull(ventas).map((c) => c.name)).toEqual(['id_venta', 'fecha_venta']);
    expect(stageCheckSql({ ...ventas, primaryKeys: [] }, TABLES.stage, BIGQUERY_SQL)).toBe([
      'SELECT',
      '  COUNT(*) AS `staged`,',
      '  COUNT(*) AS `deduplicated`,',
      '  COUNT(CASE WHEN `id_venta` IS NULL THEN 1 END) AS `null_0`,',
      '  COUNT(CASE WHEN `fecha_venta` IS NULL THEN 1 END) AS `null_1`',
      'FROM `p`.`d`.`ventas_cabecera__stage_x`',
    ].join('\n'));
  });

  it('counts the target', () => {
    expect(countSql(TABLES.target, BIGQUERY_SQL)).toBe('SELECT COUNT(*) AS `target_rows` FROM `p`.`d`.`ventas_cabecera`');
  });
});
