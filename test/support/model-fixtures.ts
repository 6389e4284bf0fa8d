/**
 * Table models for the warehouse tests: a column builder, a model builder, and the two sales tables
 * of the VENTAS sample that the SQL tests of every warehouse are written against.
 */
import type { Column, TableModel } from '../../shared/model/column.js';

/** A column whose source name is its name upper-cased, of source type `X`. */
export function column(name: string, type: Column['type'], nullable = true, decision?: string): Column {
  return { name, sourceName: name.toUpperCase(), sourceType: 'X', type, nullable, ...(decision ? { decision } : {}) };
}

/** The model of source table `<schema>.<TABLE>`, loaded as `<table>` (the source name lower-cased). */
export function tableModel(source: `${string}.${string}`, columns: Column[], primaryKeys: string[]): TableModel {
  const [sourceSchema = '', sourceName = ''] = source.split('.');
  return { sourceSchema, sourceName, name: sourceName.toLowerCase(), columns, primaryKeys };
}

/** `model` without the named columns, in the order the rest had. */
export function withoutColumns(model: TableModel, ...names: string[]): TableModel {
  return { ...model, columns: model.columns.filter((c) => !names.includes(c.name)) };
}

/** Sales headers: one key, a decimal, a NOT NULL datetime, a float (NaN-ordered) and a string. */
export const ventas: TableModel = tableModel('VENTAS.VENTAS_CABECERA', [
  column('id_venta', { kind: 'int64' }, false),
  column('monto', { kind: 'decimal', precision: 18, scale: 2 }),
  column('fecha_venta', { kind: 'datetime' }, false),
  column('tasa', { kind: 'float64' }),
  column('cliente', { kind: 'string' }),
], ['id_venta']);

/** Sales lines: a composite key, one key column declared nullable by the source (loaded NOT NULL anyway). */
export const lineas: TableModel = tableModel('VENTAS.VENTAS_LINEA', [
  column('id_venta', { kind: 'int64' }, false),
  column('linea', { kind: 'int64' }),
  column('importe', { kind: 'decimal', precision: 38, scale: 10 }),
  column('cambiado', { kind: 'timestamp' }),
], ['id_venta', 'linea']);

/**
 * Rows of one key tied on the partition value, and the row each warehouse must keep
 * (shared/warehouses/dedup-order.ts): the greatest other columns win, NULL lowest, NaN below every
 * number. Staged as [id, amount, ratio, note]; kept as [id, amount, ratio, note] in DuckDB's text
 * (`CAST(… AS VARCHAR)`). The BigQuery twin and the local DuckDB warehouse both load these, so
 * one fixture states the rule they share.
 */
export const EXACT_TIES = {
  /** The partition value every staged row carries. */
  stamp: '2024-05-01 00:00:00',
  staged: [
    [1n, '10.000000000', 1, 'a'], [1n, '9.999999999', 99, 'z'],
    [2n, null, 1, 'x'], [2n, '0.000000000', 0, 'y'],
    [3n, '1.000000000', Number.NaN, 'nan'], [3n, '1.000000000', -1e308, 'number'],
    [4n, '1.000000000', Number.NaN, 'nan'], [4n, '1.000000000', null, 'null'],
    [5n, '1.000000000', 1, ''], [5n, '1.000000000', 1, null],
  ] as [bigint, string | null, number | null, string | null][],
  kept: [
    [1n, '10.000000000', '1.0', 'a'],
    [2n, '0.000000000', '0.0', 'y'],
    [3n, '1.000000000', '-1e+308', 'number'],
    [4n, '1.000000000', 'nan', 'nan'],
    [5n, '1.000000000', '1.0', ''],
  ],
};
