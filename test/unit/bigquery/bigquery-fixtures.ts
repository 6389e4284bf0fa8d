/** Models shared by the BigQuery unit tests. */
import type { Column, TableModel } from '../../../shared/model/column.js';
import type { MergeTables } from '../../../shared/warehouses/bigquery/bigquery-merge-sql.js';

export function column(name: string, type: Column['type'], nullable = true, decision?: string): Column {
  return { name, sourceName: name.toUpperCase(), sourceType: 'X', type, nullable, ...(decision ? { decision } : {}) };
}

export const ventas: TableModel = {
  sourceSchema: 'VENTAS',
  sourceName: 'VENTAS_CABECERA',
  name: 'ventas_cabecera',
  columns: [
    column('id_venta', { kind: 'int64' }, false),
    column('monto', { kind: 'decimal', precision: 18, scale: 2 }),
    column('fecha_venta', { kind: 'datetime' }, false),
    column('tasa', { kind: 'float64' }),
    column('cliente', { kind: 'string' }),
  ],
  primaryKeys: ['id_venta'],
};

/** Composite key, one key column declared nullable by the source. */
export const lineas: TableModel = {
  sourceSchema: 'VENTAS',
  sourceName: 'VENTAS_LINEA',
  name: 'ventas_linea',
  columns: [
    column('id_venta', { kind: 'int64' }, false),
    column('linea', { kind: 'int64' }),
    column('importe', { kind: 'decimal', precision: 38, scale: 10 }),
    column('cambiado', { kind: 'timestamp' }),
  ],
  primaryKeys: ['id_venta', 'linea'],
};

export const TABLES: MergeTables = {
  target: '`p`.`d`.`ventas_cabecera`',
  stage: '`p`.`d`.`ventas_cabecera__stage_x`',
  loads: '`p`.`d`.`_datapipe_loads`',
};
