/**
 * Driver rows → AVRO-ready rows: each value converted once by its column's converter
 * (oracle-values.ts), in model order (the SELECT lists the model's columns in that order). A value
 * that does not fit its declared type becomes the ContractError users see (exit 3), naming table,
 * column, the row's primary key and the fix.
 */
import { ContractError, TerminalError } from '../../errors.js';
import type { Column, Row, TableModel } from '../../model/column.js';
import { oracleFamily } from '../../model/oracle-types.js';
import { ValueError } from '../../model/value-error.js';
import { valueConverter, type OracleValueConverter } from './oracle-values.js';

/** One driver row (outFormat ARRAY) → one Row keyed by target column names. */
export type OracleRowConverter = (values: readonly unknown[]) => Row;

/**
 * `VENTAS_CABECERA.MONTO: 123.456 does not fit decimal(8,2): … (primary key ID_VENTA=42) — widen
 * the column type in config (columns.MONTO.type) and regenerate the schema`.
 */
export function valueContractError(model: TableModel, column: Column, error: ValueError, values: readonly unknown[]): ContractError {
  const keys = model.primaryKeys
    .map((name) => model.columns.findIndex((c) => c.name === name))
    .filter((index) => index >= 0);
  const where = keys.length === 0 ? 'the table has no primary key to name the row'
    : `primary key ${keys.map((k) => `${model.columns[k]!.sourceName}=${displayRaw(values[k])}`).join(', ')}`;
  return new ContractError(`${model.sourceName}.${column.sourceName}: ${error.message} (${where}) — ${fixFor(column)}`, { cause: error });
}

function fixFor(column: Column): string {
  const field = `columns.${column.sourceName}.type`;
  const family = oracleFamily(column.sourceType);
  switch (column.type.kind) {
    case 'decimal': return `widen the column type in config (${field}: a wider decimal, or string) and regenerate the schema`;
    case 'int64': return `declare the column as a decimal or string in config (${field}) and regenerate the schema`;
    case 'float64':
      if (family === 'number' || family === 'float') return `read the column as a decimal or string in config (${field}) and regenerate the schema`;
      return 'fix the value in the source';
    case 'datetime':
      if (family === 'timestamp') return `fix the value in the source, or read the column as text (${field}: string) and regenerate the schema`;
      return 'fix the value in the source (the targets hold years 0001 to 9999)';
    default: return 'fix the value in the source';
  }
}

/** A driver value as a message shows it: key values are NUMBER or date text, strings or RAW bytes. */
function displayRaw(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex').toUpperCase()}`;
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A converter per column; a committed schema that asks for an impossible reading is a config problem. */
function convertersOf(model: TableModel): OracleValueConverter[] {
  return model.columns.map((column) => {
    try {
      return valueConverter(column);
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      throw new TerminalError(`${model.sourceName}.${column.sourceName}: ${error.message} — regenerate the schema (datapipe generate schema ${model.sourceName})`);
    }
  });
}

/**
 * The row converter of a model. Rows are built by a generated function, one object literal with a
 * call site per converter (V8 inlines each; a loop through one shared call site cannot be), as the
 * PostgreSQL source does; a model with a `__proto__` column takes the plain loop instead.
 */
export function rowConverter(model: TableModel): OracleRowConverter {
  const { columns } = model;
  const converters = convertersOf(model);
  const names = columns.map((c) => c.name);
  const template: Row = Object.fromEntries(names.map((name) => [name, null]));
  const loop: OracleRowConverter = (values) => {
    const row: Row = { ...template };
    for (let i = 0; i < names.length; i++) row[names[i]!] = converters[i]!(values[i]);
    return row;
  };
  const build = names.includes('__proto__') ? loop : compileRowBuilder(names, converters);
  return (values) => {
    try {
      return build(values);
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      // The generated builder does not say which field threw: find it again, field by field.
      const failing = converters.findIndex((convert, i) => {
        try {
          convert(values[i]);
          return false;
        } catch {
          return true;
        }
      });
      throw valueContractError(model, columns[Math.max(failing, 0)]!, error, values);
    }
  };
}

/** `(v) => ({ "id": c0(v[0]), "monto": c1(v[1]), … })`; only JSON-quoted names and `c<i>` enter the source. */
function compileRowBuilder(names: string[], converters: OracleValueConverter[]): OracleRowConverter {
  const fields = names.map((name, i) => `${JSON.stringify(name)}: c${i}(v[${i}])`);
  const source = `return function buildRow(v) {\n  return {\n    ${fields.join(',\n    ')}\n  };\n};`;
  const factory = new Function(...names.map((_, i) => `c${i}`), source) as (...c: OracleValueConverter[]) => OracleRowConverter;
  return factory(...converters);
}
