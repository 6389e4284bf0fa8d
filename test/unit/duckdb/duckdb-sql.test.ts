import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../../shared/errors.js';
import { quoteIdentifier } from '../../../shared/warehouses/duckdb/duckdb-dialect.js';
import { createStageSql, createTableSql, describeTargetSql, dropStageSql, stageRef, stageTableName } from '../../../shared/warehouses/duckdb/duckdb-sql.js';
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

describe('stage statements', () => {
  it('creates a temp stage with the model columns, all nullable, and nothing else', () => {
    expect(createStageSql(ventas, stageRef(STAGE))).toBe([
      'CREATE OR REPLACE TEMP TABLE "temp"."main"."_datapipe_stage_ventas_cabecera_r1" (',
      '  "id_venta" BIGINT,',
      '  "monto" DECIMAL(18,2),',
      '  "fecha_venta" TIMESTAMP,',
      '  "cliente" VARCHAR',
      ')',
    ].join('\n'));
  });

  it('drops the stage', () => {
    expect(dropStageSql(stageRef(STAGE))).toBe('DROP TABLE IF EXISTS "temp"."main"."_datapipe_stage_ventas_cabecera_r1"');
  });

});

describe('describeTargetSql', () => {
  it('describes an existing target\'s columns', () => {
    expect(describeTargetSql()).toBe(
      'SELECT column_name, data_type FROM duckdb_columns()\n' +
        "WHERE database_name = current_database() AND schema_name = 'main' AND table_name = $1\n" +
        'ORDER BY column_index',
    );
  });
});
