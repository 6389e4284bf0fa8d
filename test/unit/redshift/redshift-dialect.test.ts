/**
 * The Redshift dialect (shared/warehouses/redshift/redshift-dialect.ts) and the load statements it
 * spells, exact text: parameters cast where the Data API sends text, NULL through a sentinel,
 * failIf as a cast outside its CASE, MERGE from a temporary table without a target alias, SYSDATE.
 * Executed for real on PostgreSQL in test/integration/warehouses/load-sql-redshift.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../../shared/errors.js';
import type { TableModel } from '../../../shared/model/column.js';
import { failIfMarker, NULL_PARAM, quoteIdentifier, REDSHIFT_DIALECT as R } from '../../../shared/warehouses/redshift/redshift-dialect.js';
import { commitStatements, continuitySql, recordLoadSql, STALE_RUN_MARKER, type LoadTables } from '../../../shared/warehouses/sql/load-sql.js';
import { paramsUsedBy } from '../../../shared/warehouses/warehouse-driver.js';
import { lineas, ventas } from '../../support/model-fixtures.js';

const TABLES: LoadTables = { target: '"raw"."ventas_cabecera"', stage: '"_datapipe_stage"', loads: '"raw"."_datapipe_loads"', dedup: '"_datapipe_dedup"' };

describe('the Redshift dialect', () => {
  it('quotes plain identifiers of at most 127 bytes and refuses the rest', () => {
    expect(quoteIdentifier('ventas_cabecera')).toBe('"ventas_cabecera"');
    expect(() => quoteIdentifier('a"; DROP TABLE t; --')).toThrow(TerminalError);
    expect(() => quoteIdentifier('x'.repeat(128))).toThrow('is not a valid table or column name for Redshift');
    expect(quoteIdentifier('x'.repeat(127))).toBe(`"${'x'.repeat(127)}"`);
  });

  it('casts every parameter to one type, reads nullable ones through NULLIF of the sentinel', () => {
    expect(R.param('rows_staged', { kind: 'int64' })).toBe('CAST(:rows_staged AS BIGINT)');
    expect(R.param('watermark', { kind: 'string', nullable: true })).toBe(`NULLIF(CAST(:watermark AS VARCHAR(65535)), '${NULL_PARAM}')`);
    expect(R.param('run_id', { kind: 'string' })).toBe('CAST(:run_id AS VARCHAR(65535))');
    expect(R.param('run_id')).toBe('CAST(:run_id AS VARCHAR(65535))');
    // The sentinel cannot be a run id (shared/pipeline/run-id.ts) nor a watermark text.
    expect(NULL_PARAM).toMatch(/[<>]/);
  });

  it('fails a statement with the marker by a cast outside the CASE, recognised by failIfMarker', () => {
    const sql = R.failIf('1 = (SELECT COUNT(*) FROM t)', 'datapipe_stale_run');
    expect(sql).toBe(`SELECT CAST(CASE WHEN 1 = (SELECT COUNT(*) FROM t) THEN 'datapipe_stale_run' ELSE '0' END AS INTEGER) AS "datapipe_check"`);
    expect(failIfMarker(sql)).toBe('datapipe_stale_run');
    expect(failIfMarker(continuitySql(TABLES.loads, R))).toBe(STALE_RUN_MARKER);
    expect(failIfMarker('SELECT CAST(x AS INTEGER)')).toBeNull();
  });

  it('spells NaN tests, the loads time and the column types', () => {
    expect(R.isNan('"tasa"')).toBe(`("tasa" = CAST('NaN' AS DOUBLE PRECISION))`);
    expect(R.now).toBe('SYSDATE');
    expect(R.columnType({ kind: 'timestamp' })).toBe('TIMESTAMPTZ');
  });
});

describe('the commit statements on Redshift', () => {
  it('check continuity, write the deduplicated rows to a temporary table, MERGE from it, record the load', () => {
    const [check, dedup, merge, record, ...rest] = commitStatements(ventas, 'incremental', TABLES, 'fecha_venta', R);
    expect(rest).toEqual([]);
    expect(check).toBe(continuitySql(TABLES.loads, R));
    expect(check).toBe(
      'SELECT CAST(CASE WHEN COALESCE((SELECT "run_id" FROM "raw"."_datapipe_loads" WHERE "table_name" = CAST(:table_name AS VARCHAR(65535)) ' +
        'ORDER BY "loaded_at" DESC, "run_id" DESC LIMIT 1), \'\') NOT IN (COALESCE(NULLIF(CAST(:base_run_id AS VARCHAR(65535)), \'<null>\'), \'\'), ' +
        'CAST(:run_id AS VARCHAR(65535))) ' +
        'THEN \'datapipe_stale_run\' ELSE \'0\' END AS INTEGER) AS "datapipe_check"',
    );
    expect(dedup).toBe([
      'CREATE TEMP TABLE "_datapipe_dedup" AS',
      'SELECT "id_venta", "monto", "fecha_venta", "tasa", "cliente"',
      'FROM (',
      '  SELECT "id_venta", "monto", "fecha_venta", "tasa", "cliente", ROW_NUMBER() OVER (PARTITION BY "id_venta" ORDER BY "fecha_venta" IS NULL, ' +
        '"fecha_venta" DESC, "monto" IS NULL, "monto" DESC, "tasa" IS NULL, ("tasa" = CAST(\'NaN\' AS DOUBLE PRECISION)), -"tasa" ASC, ' +
        '"cliente" IS NULL, "cliente" DESC) AS "_datapipe_row"',
      '  FROM "_datapipe_stage"',
      ') AS "numbered"',
      'WHERE "_datapipe_row" = 1',
    ].join('\n'));
    expect(merge).toBe([
      'MERGE INTO "raw"."ventas_cabecera"',
      'USING "_datapipe_dedup" AS "source"',
      'ON "raw"."ventas_cabecera"."id_venta" = "source"."id_venta"',
      'WHEN MATCHED THEN UPDATE SET "monto" = "source"."monto", "fecha_venta" = "source"."fecha_venta", "tasa" = "source"."tasa", "cliente" = "source"."cliente"',
      'WHEN NOT MATCHED THEN INSERT ("id_venta", "monto", "fecha_venta", "tasa", "cliente") VALUES ' +
        '("source"."id_venta", "source"."monto", "source"."fecha_venta", "source"."tasa", "source"."cliente")',
    ].join('\n'));
    expect(record).toBe(recordLoadSql(TABLES.loads, R));
    expect(record!.split('\n')[1]).toBe('SELECT CAST(:table_name AS VARCHAR(65535)), CAST(:run_id AS VARCHAR(65535)), CAST(:mode AS VARCHAR(65535)), ' +
      "CAST(:rows_staged AS BIGINT), CAST(:rows_loaded AS BIGINT), NULLIF(CAST(:watermark AS VARCHAR(65535)), '<null>'), SYSDATE");
  });

  it('gives a table of key columns only a WHEN MATCHED that changes nothing, and replaces with DELETE + INSERT', () => {
    const keysOnly: TableModel = { ...lineas, columns: lineas.columns.slice(0, 2) };
    const merge = commitStatements(keysOnly, 'incremental', TABLES, null, R)[2]!;
    expect(merge.split('\n').slice(3)).toEqual([
      'WHEN MATCHED THEN UPDATE SET "id_venta" = "source"."id_venta"',
      'WHEN NOT MATCHED THEN INSERT ("id_venta", "linea") VALUES ("source"."id_venta", "source"."linea")',
    ]);
    const full = commitStatements(ventas, 'full', TABLES, null, R);
    expect(full.slice(1, 3).map((s) => s.split('\n')[0])).toEqual(['DELETE FROM "raw"."ventas_cabecera" WHERE TRUE', 'INSERT INTO "raw"."ventas_cabecera" ("id_venta", "monto", "fecha_venta", "tasa", "cliente")']);
  });

  it('binds exactly the parameters a statement names (the Data API refuses unreferenced ones)', () => {
    const params = { table_name: 't', run_id: 'r2', base_run_id: null, mode: 'incremental', rows_staged: 2, rows_loaded: 1, watermark: null };
    const [check, , , record] = commitStatements(ventas, 'incremental', TABLES, 'fecha_venta', R);
    expect(Object.keys(paramsUsedBy(check!, params, (name) => `:${name}`)).sort()).toEqual(['base_run_id', 'run_id', 'table_name']);
    expect(Object.keys(paramsUsedBy(record!, params, (name) => `:${name}`)).sort()).toEqual(['mode', 'rows_loaded', 'rows_staged', 'run_id', 'table_name', 'watermark']);
  });
});
