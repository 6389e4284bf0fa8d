/** Recorded ALL_TAB_COLUMNS / primary-key rows → TableModel, as describe will build it. */
import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../../shared/errors.js';
import {
  columnsToProfile, profileOf, tableModelFromCatalog, type AllTabColumnsRow,
} from '../../../shared/sources/oracle/oracle-catalog.js';

/** VENTAS.VENTAS_CABECERA as COLUMNS_SQL returns it (NUMBER dictionary columns fetched as text). */
const ROWS: AllTabColumnsRow[] = [
  { COLUMN_NAME: 'ID_VENTA', DATA_TYPE: 'NUMBER', DATA_LENGTH: '22', DATA_PRECISION: '12', DATA_SCALE: '0', CHAR_LENGTH: '0', CHAR_USED: null, NULLABLE: 'N' },
  { COLUMN_NAME: 'FECHA_VENTA', DATA_TYPE: 'DATE', DATA_LENGTH: 7, DATA_PRECISION: null, DATA_SCALE: null, CHAR_LENGTH: 0, CHAR_USED: null, NULLABLE: 'Y' },
  { COLUMN_NAME: 'CLIENTE', DATA_TYPE: 'VARCHAR2', DATA_LENGTH: 400, DATA_PRECISION: null, DATA_SCALE: null, CHAR_LENGTH: 100, CHAR_USED: 'C', NULLABLE: 'Y' },
  { COLUMN_NAME: 'MONTO', DATA_TYPE: 'NUMBER', DATA_LENGTH: 22, DATA_PRECISION: null, DATA_SCALE: null, CHAR_LENGTH: 0, CHAR_USED: null, NULLABLE: 'Y' },
  { COLUMN_NAME: 'TOTAL$', DATA_TYPE: 'NUMBER', DATA_LENGTH: 22, DATA_PRECISION: 18, DATA_SCALE: 2, CHAR_LENGTH: 0, CHAR_USED: null, NULLABLE: 'Y' },
];

describe('tableModelFromCatalog', () => {
  it('builds columns in order with source types, decisions, nullability and target names', () => {
    const model = tableModelFromCatalog('VENTAS', 'VENTAS_CABECERA', ROWS, ['ID_VENTA'], {
      profiles: { MONTO: { rows: 100, values: 100, special: 0, maxIntegerDigits: 6, maxScale: 2 } },
    });
    expect(model).toEqual({
      sourceSchema: 'VENTAS', sourceName: 'VENTAS_CABECERA', name: 'ventas_cabecera', primaryKeys: ['id_venta'],
      columns: [
        { name: 'id_venta', sourceName: 'ID_VENTA', sourceType: 'NUMBER(12)', type: { kind: 'int64' }, nullable: false },
        { name: 'fecha_venta', sourceName: 'FECHA_VENTA', sourceType: 'DATE', type: { kind: 'datetime' }, nullable: true },
        { name: 'cliente', sourceName: 'CLIENTE', sourceType: 'VARCHAR2(100 CHAR)', type: { kind: 'string' }, nullable: true },
        {
          name: 'monto', sourceName: 'MONTO', sourceType: 'NUMBER', type: { kind: 'decimal', precision: 12, scale: 2 }, nullable: true,
          decision: 'NUMBER profiled (100 values in 100 rows profiled): at most 6 integer digits and scale 2, so decimal(12,2) (4 digits of headroom)',
        },
        { name: 'total_', sourceName: 'TOTAL$', sourceType: 'NUMBER(18,2)', type: { kind: 'decimal', precision: 18, scale: 2 }, nullable: true },
      ],
    });
  });

  it('applies overrides by any-case name and refuses unknown columns, missing tables and name clashes', () => {
    const model = tableModelFromCatalog('VENTAS', 'VENTAS_CABECERA', ROWS, [], { overrides: { monto: { type: 'decimal(20,4)' } } });
    expect(model.columns[3]?.type).toEqual({ kind: 'decimal', precision: 20, scale: 4 });
    expect(model.columns[3]?.decision).toBe('config override columns.monto.type = decimal(20,4) (source NUMBER, default string)');
    expect(() => tableModelFromCatalog('VENTAS', 'VENTAS_CABECERA', ROWS, [], { overrides: { IMPORTE: { type: 'string' } } })).toThrow(
      new TerminalError('columns.IMPORTE: no such column in VENTAS.VENTAS_CABECERA — pick from ID_VENTA, FECHA_VENTA, CLIENTE, MONTO, TOTAL$'));
    expect(() => tableModelFromCatalog('VENTAS', 'NADA', [], [])).toThrow(
      new TerminalError('table VENTAS.NADA not found (or not visible to the user) — check the table name and source.schema, and that SELECT is granted'));
    const geometry = [...ROWS, { ...ROWS[1], COLUMN_NAME: 'UBICACION', DATA_TYPE: 'SDO_GEOMETRY' } as AllTabColumnsRow];
    expect(() => tableModelFromCatalog('VENTAS', 'VENTAS_CABECERA', geometry, [])).toThrow(new TerminalError(
      'VENTAS.VENTAS_CABECERA.UBICACION: SDO_GEOMETRY has no canonical type — extract a view that converts the column (TO_CHAR, a CAST) instead of the table, or ask for the type to be supported'));
    const clash = [...ROWS, { ...ROWS[4], COLUMN_NAME: 'TOTAL#' } as AllTabColumnsRow];
    expect(() => tableModelFromCatalog('VENTAS', 'VENTAS_CABECERA', clash, [])).toThrow(
      new TerminalError('VENTAS.VENTAS_CABECERA: columns TOTAL$ and TOTAL# both map to total_ — rename one in the source, or extract a view that renames it'));
  });
});

describe('profiling rows', () => {
  it('lists the columns to profile and reads their profile from the result row', () => {
    expect(columnsToProfile(ROWS)).toEqual(['MONTO']);
    expect(profileOf({ PROFILED_ROWS: '500', P0_VALUES: '480', P0_SPECIAL: '0', P0_INT_DIGITS: '9', P0_SCALE: null }, 0))
      .toEqual({ rows: 500, values: 480, special: 0, maxIntegerDigits: 9, maxScale: 0 });
  });
});
