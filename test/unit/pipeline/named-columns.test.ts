import { describe, expect, it } from 'vitest';
import { checkNamedColumns, watermarkColumn, type NamedColumnsSpec } from '../../../shared/pipeline/named-columns.js';
import { ventas } from '../../support/model-fixtures.js';

const COLUMNS = 'ID_VENTA, MONTO, FECHA_VENTA, TASA, CLIENTE';
const spec = (extra: Partial<NamedColumnsSpec>): NamedColumnsSpec => ({ name: 'VENTAS_CABECERA', load_mode: 'incremental', partition_column: 'FECHA_VENTA', ...extra });

describe('checkNamedColumns', () => {
  it('accepts columns named in any case, by source or target name, and returns the watermark column', () => {
    expect(() => checkNamedColumns(ventas, spec({ partition_column: 'fecha_venta', primary_keys: ['Id_Venta'], columns: { monto: { type: 'decimal(20,2)' } } }))).not.toThrow();
    expect(watermarkColumn(ventas, spec({}))?.name).toBe('fecha_venta');
    expect(watermarkColumn(ventas, spec({ load_mode: 'full' }))).toBeNull();
  });

  it.each([
    [spec({ partition_column: 'FECHA' }), `tables[VENTAS_CABECERA].partition_column: FECHA is not a column of VENTAS_CABECERA — pick one of ${COLUMNS}`],
    [spec({ partition_column: 'MONTO' }), 'tables[VENTAS_CABECERA].partition_column: MONTO is decimal(18,2); a watermark must be an integer, date, datetime or timestamp column'],
    [spec({ partition_column: 'TASA' }), 'tables[VENTAS_CABECERA].partition_column: TASA is float64; a watermark must be an integer, date, datetime or timestamp column'],
    [spec({ load_mode: 'full', partition_column: 'FECHA' }), `tables[VENTAS_CABECERA].partition_column: FECHA is not a column of VENTAS_CABECERA — pick one of ${COLUMNS}`],
    [spec({ primary_keys: ['ID_VENTA', 'LINEA'] }), `tables[VENTAS_CABECERA].primary_keys: LINEA is not a column of VENTAS_CABECERA — columns are ${COLUMNS}`],
    [spec({ columns: { IMPORTE: { type: 'decimal(18,2)' } } }), `tables[VENTAS_CABECERA].columns.IMPORTE: IMPORTE is not a column of VENTAS_CABECERA — pick one of ${COLUMNS}`],
  ])('refuses %o with one line (exit 2)', (named, message) => {
    let thrown: unknown;
    try {
      checkNamedColumns(ventas, named);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ name: 'TerminalError', exitCode: 2, message });
  });

  it('lets a full table without partition_column through', () => {
    expect(() => checkNamedColumns(ventas, { name: 'VENTAS_CABECERA', load_mode: 'full' })).not.toThrow();
  });
});
