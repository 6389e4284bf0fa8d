/**
 * The load protocol's statements (shared/warehouses/sql/load-sql.ts), exact text per dialect.
 * One set of builders: the DuckDB and BigQuery dialects differ only in spellings, and a dialect
 * with a ROW_NUMBER subquery, a MERGE that reads a table and INSERT OVERWRITE shows the shapes the
 * other engines take. Executed for real in test/integration/warehouses/load-sql-engines.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../../shared/errors.js';
import type { TableModel } from '../../../shared/model/column.js';
import { BIGQUERY_DIALECT as BQ } from '../../../shared/warehouses/bigquery/bigquery-dialect.js';
import { DUCKDB_DIALECT as DUCK } from '../../../shared/warehouses/duckdb/duckdb-dialect.js';
import { dedupOrder } from '../../../shared/warehouses/sql/dedup-order.js';
import {
  commitStatements, continuitySql, countSql, createLoadsTableSql, dedupSelectSql, latestLoadSql, mergeSql, mustNotBeNull,
  recordLoadSql, replaceSql, stageCheckSql, type LoadTables,
} from '../../../shared/warehouses/sql/load-sql.js';
import type { SqlDialect } from '../../../shared/warehouses/sql/sql-dialect.js';
import { column, lineas, ventas } from '../../support/model-fixtures.js';

const TABLES: LoadTables = {
  target: '`p`.`d`.`ventas_cabecera`',
  stage: '`p`.`d`.`ventas_cabecera__stage_x`',
  loads: '`p`.`d`.`_datapipe_loads`',
};
const LINE_TABLES: LoadTables = { target: '`p`.`d`.`ventas_linea`', stage: '`p`.`d`.`ventas_linea__stage_x`', loads: TABLES.loads };

/** The shapes of engines without QUALIFY, whose MERGE reads a table, without transactions. */
const SUBQUERY_DIALECT: SqlDialect = {
  ...DUCK,
  name: 'Subquery',
  param: (name, type) => (type?.kind === 'int64' ? `CAST(:${name} AS BIGINT)` : `:${name}`),
  latestRow: 'subquery',
  mergeReadsSubquery: false,
  createTempTableAs: (name, select) => `CREATE TEMP TABLE ${name} AS\n${select}`,
  replace: 'insert-overwrite',
};

/** The ventas stage deduplicated, as both the MERGE and the full replace select it. */
const VENTAS_DEDUP = [
  'SELECT `id_venta`, `monto`, `fecha_venta`, `tasa`, `cliente`',
  'FROM `p`.`d`.`ventas_cabecera__stage_x`',
  'WHERE TRUE',
  'QUALIFY ROW_NUMBER() OVER (PARTITION BY `id_venta` ORDER BY `fecha_venta` IS NULL, `fecha_venta` DESC, `monto` IS NULL, `monto` DESC, ' +
    '`tasa` IS NULL, IS_NAN(`tasa`), -`tasa` ASC, `cliente` IS NULL, `cliente` DESC) = 1',
];

describe('dedupOrder', () => {
  it('puts the partition column first, then every other non-key column in model order, NULL losing and NaN below numbers', () => {
    expect(dedupOrder(ventas, 'fecha_venta', BQ)).toEqual([
      '`fecha_venta` IS NULL', '`fecha_venta` DESC',
      '`monto` IS NULL', '`monto` DESC',
      '`tasa` IS NULL', 'IS_NAN(`tasa`)', '-`tasa` ASC',
      '`cliente` IS NULL', '`cliente` DESC',
    ]);
  });

  it('orders floats by their negation, never by the bare column an engine could hand back normalised', () => {
    expect(dedupOrder(ventas, null, DUCK)).toEqual([
      '"monto" IS NULL', '"monto" DESC',
      '"fecha_venta" IS NULL', '"fecha_venta" DESC',
      '"tasa" IS NULL', 'isnan("tasa")', '-"tasa" ASC',
      '"cliente" IS NULL', '"cliente" DESC',
    ]);
  });

  it('rejects a partition column the model lacks', () => {
    expect(() => dedupOrder(ventas, 'nope', BQ)).toThrow(new TerminalError('table ventas_cabecera: partition column nope is not one of its columns'));
  });
});

describe('dedupSelectSql', () => {
  it('keeps the latest row per key with QUALIFY beside WHERE TRUE (GoogleSQL asks for one), the same text on DuckDB', () => {
    expect(dedupSelectSql(ventas, TABLES.stage, 'fecha_venta', BQ)).toBe(VENTAS_DEDUP.join('\n'));
    expect(dedupSelectSql(ventas, '"s"', 'fecha_venta', DUCK).replaceAll('"', '`').replaceAll('isnan(', 'IS_NAN(').replace('`s`', TABLES.stage))
      .toBe(VENTAS_DEDUP.join('\n'));
  });

  it('numbers the rows in a subquery where the engine has no QUALIFY', () => {
    expect(dedupSelectSql(lineas, '"s"', null, SUBQUERY_DIALECT)).toBe([
      'SELECT "id_venta", "linea", "importe", "cambiado"',
      'FROM (',
      '  SELECT "id_venta", "linea", "importe", "cambiado", ROW_NUMBER() OVER (PARTITION BY "id_venta", "linea" ORDER BY "importe" IS NULL, "importe" DESC, "cambiado" IS NULL, "cambiado" DESC) AS "_datapipe_row"',
      '  FROM "s"',
      ') AS "numbered"',
      'WHERE "_datapipe_row" = 1',
    ].join('\n'));
  });

  it('has no ORDER BY when every column is a key column, and keeps every row of a keyless table', () => {
    const keysOnly: TableModel = { ...lineas, columns: lineas.columns.slice(0, 2) };
    expect(dedupSelectSql(keysOnly, '"s"', null, DUCK)).toBe('SELECT "id_venta", "linea"\nFROM "s"\nWHERE TRUE\nQUALIFY ROW_NUMBER() OVER (PARTITION BY "id_venta", "linea") = 1');
    expect(dedupSelectSql({ ...ventas, primaryKeys: [] }, TABLES.stage, null, BQ))
      .toBe('SELECT `id_venta`, `monto`, `fecha_venta`, `tasa`, `cliente`\nFROM `p`.`d`.`ventas_cabecera__stage_x`');
  });

  it('reads the stage as it is when the stage check found every key once: nothing to rank', () => {
    const plain = 'SELECT `id_venta`, `monto`, `fecha_venta`, `tasa`, `cliente`\nFROM `p`.`d`.`ventas_cabecera__stage_x`';
    expect(dedupSelectSql(ventas, TABLES.stage, 'fecha_venta', BQ, { keysUnique: true })).toBe(plain);
    expect(dedupSelectSql(ventas, TABLES.stage, 'fecha_venta', BQ, { keysUnique: false })).toBe(VENTAS_DEDUP.join('\n'));
    expect(replaceSql(ventas, TABLES, 'fecha_venta', BQ, { keysUnique: true })[1]).toBe(`INSERT INTO ${TABLES.target} (\`id_venta\`, \`monto\`, \`fecha_venta\`, \`tasa\`, \`cliente\`)\n${plain}`);
    expect(commitStatements(ventas, 'incremental', TABLES, 'fecha_venta', BQ, { keysUnique: true })[1]).toContain(`USING (\n  ${plain.replace('\n', '\n  ')}\n) AS \`source\``);
  });

  it('refuses a key column the model does not have', () => {
    expect(() => dedupSelectSql({ ...ventas, primaryKeys: ['nope'] }, 's', null, DUCK)).toThrow('table ventas_cabecera: primary key column nope is not one of its columns');
  });
});

describe('mergeSql', () => {
  it('upserts the deduplicated stage by primary key, latest partition value first', () => {
    expect(mergeSql(ventas, TABLES, 'fecha_venta', BQ)).toEqual([[
      'MERGE INTO `p`.`d`.`ventas_cabecera` AS `target`',
      'USING (',
      ...VENTAS_DEDUP.map((line) => `  ${line}`),
      ') AS `source`',
      'ON `target`.`id_venta` = `source`.`id_venta`',
      'WHEN MATCHED THEN UPDATE SET `target`.`monto` = `source`.`monto`, `target`.`fecha_venta` = `source`.`fecha_venta`, `target`.`tasa` = `source`.`tasa`, ' +
        '`target`.`cliente` = `source`.`cliente`',
      'WHEN NOT MATCHED THEN INSERT (`id_venta`, `monto`, `fecha_venta`, `tasa`, `cliente`) VALUES ' +
        '(`source`.`id_venta`, `source`.`monto`, `source`.`fecha_venta`, `source`.`tasa`, `source`.`cliente`)',
    ].join('\n')]);
  });

  it('matches composite keys on every key column; a table of key columns only has no UPDATE branch', () => {
    const keysOnly: TableModel = { ...lineas, columns: lineas.columns.slice(0, 2) };
    expect(mergeSql(keysOnly, LINE_TABLES, null, BQ)).toEqual([[
      'MERGE INTO `p`.`d`.`ventas_linea` AS `target`',
      'USING (',
      '  SELECT `id_venta`, `linea`',
      '  FROM `p`.`d`.`ventas_linea__stage_x`',
      '  WHERE TRUE',
      '  QUALIFY ROW_NUMBER() OVER (PARTITION BY `id_venta`, `linea`) = 1',
      ') AS `source`',
      'ON `target`.`id_venta` = `source`.`id_venta` AND `target`.`linea` = `source`.`linea`',
      'WHEN NOT MATCHED THEN INSERT (`id_venta`, `linea`) VALUES (`source`.`id_venta`, `source`.`linea`)',
    ].join('\n')]);
  });

  it('writes the deduplicated rows to a temporary table first where MERGE must read a table', () => {
    const keysOnly: TableModel = { ...lineas, columns: lineas.columns.slice(0, 2) };
    const tables: LoadTables = { target: '"t"', stage: '"s"', loads: '"l"', dedup: '"d"' };
    expect(mergeSql(keysOnly, tables, null, SUBQUERY_DIALECT)).toEqual([
      `CREATE TEMP TABLE "d" AS\n${dedupSelectSql(keysOnly, '"s"', null, SUBQUERY_DIALECT)}`,
      [
        'MERGE INTO "t" AS "target"',
        'USING "d" AS "source"',
        'ON "target"."id_venta" = "source"."id_venta" AND "target"."linea" = "source"."linea"',
        'WHEN NOT MATCHED THEN INSERT ("id_venta", "linea") VALUES ("source"."id_venta", "source"."linea")',
      ].join('\n'),
    ]);
  });

  it('names no target alias and always has WHEN MATCHED where the engine asks (Redshift); other dialects unchanged', () => {
    const keysOnly: TableModel = { ...lineas, columns: lineas.columns.slice(0, 2) };
    const tables: LoadTables = { target: '"s"."t"', stage: '"st"', loads: '"l"', dedup: '"d"' };
    const strict: SqlDialect = { ...SUBQUERY_DIALECT, mergeTargetAlias: false, mergeRequiresMatched: true };
    expect(mergeSql(keysOnly, tables, null, strict)[1]).toBe([
      'MERGE INTO "s"."t"',
      'USING "d" AS "source"',
      'ON "s"."t"."id_venta" = "source"."id_venta" AND "s"."t"."linea" = "source"."linea"',
      'WHEN MATCHED THEN UPDATE SET "id_venta" = "source"."id_venta"',
      'WHEN NOT MATCHED THEN INSERT ("id_venta", "linea") VALUES ("source"."id_venta", "source"."linea")',
    ].join('\n'));
    // With non-key columns the flag adds nothing: the UPDATE lists them as before.
    expect(mergeSql(ventas, { ...tables, target: '"s"."v"' }, null, strict)[1]!.split('\n')[3])
      .toBe('WHEN MATCHED THEN UPDATE SET "monto" = "source"."monto", "fecha_venta" = "source"."fecha_venta", "tasa" = "source"."tasa", "cliente" = "source"."cliente"');
    // The flags default off: the same text as without them.
    expect(mergeSql(keysOnly, tables, null, { ...SUBQUERY_DIALECT, mergeTargetAlias: true, mergeRequiresMatched: false }))
      .toEqual(mergeSql(keysOnly, tables, null, SUBQUERY_DIALECT));
  });

  it('names the SET columns through the target alias on BigQuery, where a bare `target` would be the whole row; DuckDB keeps bare names', () => {
    const named: TableModel = { ...ventas, columns: [...ventas.columns, column('target', { kind: 'string' })] };
    expect(mergeSql(named, TABLES, null, BQ)[0]!.split('\n').find((l) => l.startsWith('WHEN MATCHED'))).toBe(
      'WHEN MATCHED THEN UPDATE SET `target`.`monto` = `source`.`monto`, `target`.`fecha_venta` = `source`.`fecha_venta`, `target`.`tasa` = `source`.`tasa`, ' +
        '`target`.`cliente` = `source`.`cliente`, `target`.`target` = `source`.`target`',
    );
    const duck: LoadTables = { target: '"t"', stage: '"s"', loads: '"l"' };
    expect(mergeSql(named, duck, null, DUCK)[0]!.split('\n').find((l) => l.startsWith('WHEN MATCHED'))).toBe(
      'WHEN MATCHED THEN UPDATE SET "monto" = "source"."monto", "fecha_venta" = "source"."fecha_venta", "tasa" = "source"."tasa", "cliente" = "source"."cliente", ' +
        '"target" = "source"."target"',
    );
    // Without a target alias (Redshift) there is nothing to qualify through: the flag changes nothing.
    const strict: SqlDialect = { ...SUBQUERY_DIALECT, mergeTargetAlias: false };
    expect(mergeSql(named, { ...duck, dedup: '"d"' }, null, { ...strict, mergeSetQualified: true })).toEqual(mergeSql(named, { ...duck, dedup: '"d"' }, null, strict));
  });

  it('refuses a table without primary keys, and identifiers that are not plain names', () => {
    expect(() => mergeSql({ ...ventas, primaryKeys: [] }, TABLES, null, BQ)).toThrow(new TerminalError(
      'table ventas_cabecera: an incremental load merges by primary key; declare primary_keys in config.yaml or use load_mode: full',
    ));
    const bad: TableModel = { ...ventas, columns: [...ventas.columns, column('x`; DROP TABLE t; --', { kind: 'string' })] };
    expect(() => mergeSql(bad, TABLES, null, BQ)).toThrow(TerminalError);
    expect(() => mergeSql(bad, TABLES, null, DUCK)).toThrow('is not a valid table or column name for DuckDB');
  });
});

describe('replaceSql', () => {
  it('deletes every target row and inserts the deduplicated stage (inside the transaction)', () => {
    expect(replaceSql(ventas, TABLES, 'fecha_venta', BQ)).toEqual([
      'DELETE FROM `p`.`d`.`ventas_cabecera` WHERE TRUE',
      ['INSERT INTO `p`.`d`.`ventas_cabecera` (`id_venta`, `monto`, `fecha_venta`, `tasa`, `cliente`)', ...VENTAS_DEDUP].join('\n'),
    ]);
  });

  it('is one INSERT OVERWRITE where the engine has no multi-statement transaction', () => {
    expect(replaceSql(lineas, { target: '"t"', stage: '"s"', loads: '"l"' }, null, SUBQUERY_DIALECT)).toEqual([
      `INSERT OVERWRITE "t" ("id_venta", "linea", "importe", "cambiado")\n${dedupSelectSql(lineas, '"s"', null, SUBQUERY_DIALECT)}`,
    ]);
  });
});

describe('the loads record', () => {
  it('creates _datapipe_loads with each dialect\'s types', () => {
    expect(createLoadsTableSql('"main"."_datapipe_loads"', DUCK)).toBe([
      'CREATE TABLE IF NOT EXISTS "main"."_datapipe_loads" (',
      '  "table_name" VARCHAR NOT NULL,',
      '  "run_id" VARCHAR NOT NULL,',
      '  "mode" VARCHAR NOT NULL,',
      '  "rows_staged" BIGINT NOT NULL,',
      '  "rows_loaded" BIGINT NOT NULL,',
      '  "watermark" VARCHAR,',
      '  "loaded_at" TIMESTAMPTZ NOT NULL',
      ')',
    ].join('\n'));
    expect(createLoadsTableSql(TABLES.loads, BQ)).toContain('  `rows_staged` INT64 NOT NULL,\n');
  });

  it('inserts the load unless the run is recorded already, every value a named parameter', () => {
    expect(recordLoadSql(TABLES.loads, BQ)).toBe([
      'INSERT INTO `p`.`d`.`_datapipe_loads` (`table_name`, `run_id`, `mode`, `rows_staged`, `rows_loaded`, `watermark`, `loaded_at`)',
      'SELECT @table_name, @run_id, @mode, @rows_staged, @rows_loaded, @watermark, CURRENT_TIMESTAMP()',
      'FROM (SELECT 1 AS `one`) AS `single_row`',
      'WHERE NOT EXISTS (SELECT 1 FROM `p`.`d`.`_datapipe_loads` WHERE `table_name` = @table_name AND `run_id` = @run_id)',
    ].join('\n'));
    expect(recordLoadSql('"l"', SUBQUERY_DIALECT).split('\n')[1]).toBe('SELECT :table_name, :run_id, :mode, CAST(:rows_staged AS BIGINT), CAST(:rows_loaded AS BIGINT), :watermark, CURRENT_TIMESTAMP');
  });

  it('fails the transaction unless the table\'s latest recorded load is the run\'s base or the run itself', () => {
    const latest = 'SELECT `run_id` FROM `p`.`d`.`_datapipe_loads` WHERE `table_name` = @table_name ORDER BY `loaded_at` DESC, `run_id` DESC LIMIT 1';
    expect(continuitySql(TABLES.loads, BQ)).toBe(`SELECT IF(COALESCE((${latest}), '') NOT IN (COALESCE(@base_run_id, ''), @run_id), ERROR('datapipe_stale_run'), NULL)`);
    expect(continuitySql('"l"', DUCK)).toMatch(/^SELECT CASE WHEN COALESCE\(\(SELECT "run_id" FROM "l" .*\) NOT IN \(COALESCE\(\$base_run_id, ''\), \$run_id\) THEN error\('datapipe_stale_run'\) END$/);
  });

  it('reads the latest load of a table', () => {
    expect(latestLoadSql(TABLES.loads, BQ)).toBe(
      'SELECT `run_id`, `mode`, `rows_staged`, `rows_loaded`, `watermark` FROM `p`.`d`.`_datapipe_loads` WHERE `table_name` = @table_name ORDER BY `loaded_at` DESC, `run_id` DESC LIMIT 1',
    );
  });
});

describe('commitStatements', () => {
  it('checks continuity, changes the target, records the load — in that order, in one transaction', () => {
    expect(commitStatements(ventas, 'incremental', TABLES, 'fecha_venta', BQ))
      .toEqual([continuitySql(TABLES.loads, BQ), ...mergeSql(ventas, TABLES, 'fecha_venta', BQ), recordLoadSql(TABLES.loads, BQ)]);
    expect(commitStatements(ventas, 'full', TABLES, null, BQ))
      .toEqual([continuitySql(TABLES.loads, BQ), ...replaceSql(ventas, TABLES, null, BQ), recordLoadSql(TABLES.loads, BQ)]);
  });
});

describe('stageCheckSql', () => {
  it('counts rows, distinct keys and NULLs per key and NOT NULL column in one scan', () => {
    expect(mustNotBeNull(lineas).map((c) => c.name)).toEqual(['id_venta', 'linea']);
    expect(stageCheckSql(lineas, LINE_TABLES.stage, BQ)).toBe([
      'SELECT',
      '  COUNT(*) AS `staged`,',
      '  (SELECT COUNT(*) FROM (SELECT DISTINCT `id_venta`, `linea` FROM `p`.`d`.`ventas_linea__stage_x`) AS `distinct_keys`) AS `deduplicated`,',
      '  COUNT(CASE WHEN `id_venta` IS NULL THEN 1 END) AS `null_0`,',
      '  COUNT(CASE WHEN `linea` IS NULL THEN 1 END) AS `null_1`',
      'FROM `p`.`d`.`ventas_linea__stage_x`',
    ].join('\n'));
  });

  it('counts the NOT NULL columns after the keys; without keys every row counts as deduplicated', () => {
    expect(mustNotBeNull(ventas).map((c) => c.name)).toEqual(['id_venta', 'fecha_venta']);
    expect(stageCheckSql({ ...ventas, primaryKeys: [] }, TABLES.stage, BQ)).toBe([
      'SELECT',
      '  COUNT(*) AS `staged`,',
      '  COUNT(*) AS `deduplicated`,',
      '  COUNT(CASE WHEN `id_venta` IS NULL THEN 1 END) AS `null_0`,',
      '  COUNT(CASE WHEN `fecha_venta` IS NULL THEN 1 END) AS `null_1`',
      'FROM `p`.`d`.`ventas_cabecera__stage_x`',
    ].join('\n'));
  });

  it('counts the target', () => {
    expect(countSql(TABLES.target, BQ)).toBe('SELECT COUNT(*) AS `target_rows` FROM `p`.`d`.`ventas_cabecera`');
  });
});
