import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../../shared/errors.js';
import type { TableModel } from '../../../shared/model/column.js';
import {
  countSql, createLoadsTableSql, createStageSql, createTableSql, dedupCountSql, dedupSelectSql,
  describeTargetSql, dropStageSql, forgetLoadSql, mergeSql, mustNotBeNull, quoteIdentifier, recordLoadSql,
  replaceSql, stageCheckSql, stageTableName,
} from '../../../shared/warehouses/duckdb/duckdb-sql.js';
import { column, lineas as allLineas, ventas as allVentas, withoutColumns } from '../../support/model-fixtures.js';

/** The sample tables without their float and timestamp columns: the statements below spell out these columns. */
const ventas = withoutColumns(allVentas, 'tasa');
const lineas = withoutColumns(allLineas, 'cambiado');

const STAGE = '_datapipe_stage_ventas_cabecera_r1';

describe('quoteIdentifier', () => {
  it('double-quotes plain identifiers', () => {
    expect(quoteIdentifier('id_venta')).toBe('"id_venta"');
    expect(quoteIdentifier('_x9')).toBe('"_x9"');
  });

  it.each(['a"b', 'a b', '9a', '', 'x;drop table y', 'ñ'])('refuses %j', (name) => {
    expect(() => quoteIdentifier(name)).toThrow(TerminalError);
    expect(() => quoteIdentifier(name)).toThrow(`"${name}" is not a valid table or column name for DuckDB: use letters, digits and _`);
  });
});

describe('stageTableName', () => {
  it('joins table and run id, mapping what an identifier cannot hold to _', () => {
    expect(stageTableName('ventas_cabecera', '2024-05-01T02:00:00Z')).toBe('_datapipe_stage_ventas_cabecera_2024_05_01t02_00_00z');
    expect(stageTableName('t', 'r1')).toBe('_datapipe_stage_t_r1');
  });

  it('refuses a table name that is not an identifier', () => {
    expect(() => stageTableName('bad name', 'r1')).toThrow(TerminalError);
  });
});

describe('createTableSql', () => {
  it('lists the columns in model order, NOT NULL where not nullable, no PRIMARY KEY', () => {
    expect(createTableSql(ventas)).toBe([
      'CREATE TABLE IF NOT EXISTS "main"."ventas_cabecera" (',
      '  "id_venta" BIGINT NOT NULL,',
      '  "monto" DECIMAL(18,2),',
      '  "fecha_venta" TIMESTAMP NOT NULL,',
      '  "cliente" VARCHAR',
      ')',
    ].join('\n'));
  });

  it('declares every primary-key column NOT NULL, even one the source left nullable', () => {
    expect(createTableSql(lineas)).toBe([
      'CREATE TABLE IF NOT EXISTS "main"."ventas_linea" (',
      '  "id_venta" BIGINT NOT NULL,',
      '  "linea" BIGINT NOT NULL,',
      '  "importe" DECIMAL(38,10)',
      ')',
    ].join('\n'));
  });

  it('refuses a column name that would need escaping', () => {
    const bad = { ...ventas, columns: [column('x"y', { kind: 'string' })] };
    expect(() => createTableSql(bad)).toThrow('"x"y" is not a valid table or column name');
  });
});

describe('createLoadsTableSql', () => {
  it('creates _datapipe_loads in main', () => {
    expect(createLoadsTableSql()).toBe([
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
  });
});

describe('stage statements', () => {
  it('creates a temp stage with the model columns, all nullable, and nothing else', () => {
    expect(createStageSql(ventas, STAGE)).toBe([
      'CREATE OR REPLACE TEMP TABLE "temp"."main"."_datapipe_stage_ventas_cabecera_r1" (',
      '  "id_venta" BIGINT,',
      '  "monto" DECIMAL(18,2),',
      '  "fecha_venta" TIMESTAMP,',
      '  "cliente" VARCHAR',
      ')',
    ].join('\n'));
  });

  it('drops the stage', () => {
    expect(dropStageSql(STAGE)).toBe('DROP TABLE IF EXISTS "temp"."main"."_datapipe_stage_ventas_cabecera_r1"');
  });

  it('counts rows and NULLs in key columns, then in other NOT NULL columns', () => {
    expect(mustNotBeNull(ventas).map((c) => c.name)).toEqual(['id_venta', 'fecha_venta']);
    expect(stageCheckSql(ventas, STAGE)).toBe([
      'SELECT',
      '  count(*),',
      '  count(*) FILTER (WHERE "id_venta" IS NULL),',
      '  count(*) FILTER (WHERE "fecha_venta" IS NULL)',
      'FROM "temp"."main"."_datapipe_stage_ventas_cabecera_r1"',
    ].join('\n'));
    expect(mustNotBeNull(lineas).map((c) => c.name)).toEqual(['id_venta', 'linea']);
  });
});

describe('dedupSelectSql', () => {
  it('keeps the latest partition value per key, NULL losing, then the greatest other columns in model order', () => {
    expect(dedupSelectSql(ventas, STAGE, 'fecha_venta')).toBe([
      'SELECT "id_venta", "monto", "fecha_venta", "cliente"',
      'FROM "temp"."main"."_datapipe_stage_ventas_cabecera_r1"',
      'QUALIFY row_number() OVER (PARTITION BY "id_venta" ORDER BY "fecha_venta" IS NULL, "fecha_venta" DESC, "monto" IS NULL, "monto" DESC, "cliente" IS NULL, "cliente" DESC) = 1',
    ].join('\n'));
  });

  it('orders by the non-key columns alone without a partition column', () => {
    expect(dedupSelectSql(lineas, 's', null)).toBe([
      'SELECT "id_venta", "linea", "importe"',
      'FROM "temp"."main"."s"',
      'QUALIFY row_number() OVER (PARTITION BY "id_venta", "linea" ORDER BY "importe" IS NULL, "importe" DESC) = 1',
    ].join('\n'));
  });

  it('puts a float NaN below every number, as BigQuery does', () => {
    expect(dedupSelectSql(allVentas, STAGE, 'fecha_venta')).toBe([
      'SELECT "id_venta", "monto", "fecha_venta", "tasa", "cliente"',
      'FROM "temp"."main"."_datapipe_stage_ventas_cabecera_r1"',
      'QUALIFY row_number() OVER (PARTITION BY "id_venta" ORDER BY "fecha_venta" IS NULL, "fecha_venta" DESC, "monto" IS NULL, "monto" DESC, ' +
        '"tasa" IS NULL, isnan("tasa"), "tasa" DESC, "cliente" IS NULL, "cliente" DESC) = 1',
    ].join('\n'));
  });

  it('has no ORDER BY when every column is a key column', () => {
    const keysOnly: TableModel = { ...lineas, columns: lineas.columns.slice(0, 2) };
    expect(dedupSelectSql(keysOnly, 's', null)).toBe([
      'SELECT "id_venta", "linea"',
      'FROM "temp"."main"."s"',
      'QUALIFY row_number() OVER (PARTITION BY "id_venta", "linea") = 1',
    ].join('\n'));
  });

  it('keeps every row of a keyless table', () => {
    expect(dedupSelectSql({ ...ventas, primaryKeys: [] }, 's', 'fecha_venta')).toBe(
      'SELECT "id_venta", "monto", "fecha_venta", "cliente"\nFROM "temp"."main"."s"',
    );
  });

  it('refuses a partition or key column the model does not have', () => {
    expect(() => dedupSelectSql(ventas, 's', 'nope')).toThrow('table ventas_cabecera: partition column nope is not one of its columns');
    expect(() => dedupSelectSql({ ...ventas, primaryKeys: ['nope'] }, 's', null)).toThrow('table ventas_cabecera: primary key column nope is not one of its columns');
  });

  it('counts distinct keys', () => {
    expect(dedupCountSql(lineas, 's')).toBe('SELECT count(*) FROM (SELECT DISTINCT "id_venta", "linea" FROM "temp"."main"."s")');
    expect(dedupCountSql({ ...lineas, primaryKeys: [] }, 's')).toBe('SELECT count(*) FROM "temp"."main"."s"');
  });
});

describe('mergeSql', () => {
  it('upserts the deduplicated stage by primary key', () => {
    expect(mergeSql(ventas, 'ventas_cabecera', STAGE, 'fecha_venta')).toBe([
      'MERGE INTO "main"."ventas_cabecera" AS "target"',
      'USING (',
      '  SELECT "id_venta", "monto", "fecha_venta", "cliente"',
      '  FROM "temp"."main"."_datapipe_stage_ventas_cabecera_r1"',
      '  QUALIFY row_number() OVER (PARTITION BY "id_venta" ORDER BY "fecha_venta" IS NULL, "fecha_venta" DESC, "monto" IS NULL, "monto" DESC, "cliente" IS NULL, "cliente" DESC) = 1',
      ') AS "source"',
      'ON ("target"."id_venta" = "source"."id_venta")',
      'WHEN MATCHED THEN UPDATE SET "monto" = "source"."monto", "fecha_venta" = "source"."fecha_venta", "cliente" = "source"."cliente"',
      'WHEN NOT MATCHED THEN INSERT ("id_venta", "monto", "fecha_venta", "cliente") VALUES ("source"."id_venta", "source"."monto", "source"."fecha_venta", "source"."cliente")',
    ].join('\n'));
  });

  it('matches on every column of a composite key', () => {
    expect(mergeSql(lineas, 'ventas_linea', 's', null)).toBe([
      'MERGE INTO "main"."ventas_linea" AS "target"',
      'USING (',
      '  SELECT "id_venta", "linea", "importe"',
      '  FROM "temp"."main"."s"',
      '  QUALIFY row_number() OVER (PARTITION BY "id_venta", "linea" ORDER BY "importe" IS NULL, "importe" DESC) = 1',
      ') AS "source"',
      'ON ("target"."id_venta" = "source"."id_venta" AND "target"."linea" = "source"."linea")',
      'WHEN MATCHED THEN UPDATE SET "importe" = "source"."importe"',
      'WHEN NOT MATCHED THEN INSERT ("id_venta", "linea", "importe") VALUES ("source"."id_venta", "source"."linea", "source"."importe")',
    ].join('\n'));
  });

  it('has nothing to update when every column is a key column', () => {
    const keysOnly: TableModel = { ...lineas, columns: lineas.columns.slice(0, 2) };
    expect(mergeSql(keysOnly, 'ventas_linea', 's', null).split('\n').slice(-2)).toEqual([
      'ON ("target"."id_venta" = "source"."id_venta" AND "target"."linea" = "source"."linea")',
      'WHEN NOT MATCHED THEN INSERT ("id_venta", "linea") VALUES ("source"."id_venta", "source"."linea")',
    ]);
  });

  it('refuses a table without primary keys', () => {
    expect(() => mergeSql({ ...ventas, primaryKeys: [] }, 'ventas_cabecera', 's', null)).toThrow(
      'table ventas_cabecera: an incremental load merges by primary key; declare primary_keys in config.yaml or use load_mode: full',
    );
  });
});

describe('replaceSql', () => {
  it('deletes every row, then inserts the deduplicated stage', () => {
    expect(replaceSql(ventas, 'ventas_cabecera', STAGE, 'fecha_venta')).toEqual([
      'DELETE FROM "main"."ventas_cabecera"',
      [
        'INSERT INTO "main"."ventas_cabecera" ("id_venta", "monto", "fecha_venta", "cliente")',
        'SELECT "id_venta", "monto", "fecha_venta", "cliente"',
        'FROM "temp"."main"."_datapipe_stage_ventas_cabecera_r1"',
        'QUALIFY row_number() OVER (PARTITION BY "id_venta" ORDER BY "fecha_venta" IS NULL, "fecha_venta" DESC, "monto" IS NULL, "monto" DESC, "cliente" IS NULL, "cliente" DESC) = 1',
      ].join('\n'),
    ]);
  });
});

describe('load bookkeeping and lookups', () => {
  it('records a load with bound parameters', () => {
    expect(forgetLoadSql()).toBe('DELETE FROM "main"."_datapipe_loads" WHERE "table_name" = $1 AND "run_id" = $2');
    expect(recordLoadSql()).toBe(
      'INSERT INTO "main"."_datapipe_loads" ("table_name", "run_id", "mode", "rows_staged", "rows_loaded", "watermark", "loaded_at")\n' +
        'VALUES ($1, $2, $3, $4, $5, $6, current_timestamp)',
    );
  });

  it('counts a target and describes its columns', () => {
    expect(countSql('ventas_cabecera')).toBe('SELECT count(*) FROM "main"."ventas_cabecera"');
    expect(describeTargetSql()).toBe(
      'SELECT column_name, data_type FROM duckdb_columns()\n' +
        "WHERE database_name = current_database() AND schema_name = 'main' AND table_name = $1\n" +
        'ORDER BY column_index',
    );
  });
});
