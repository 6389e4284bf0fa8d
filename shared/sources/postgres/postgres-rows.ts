/**
 * Row assembly for both read paths: per-column decoders applied in model order, and a value that
 * does not fit its declared type turned into the ContractError users see (exit 3), naming table,
 * column, the primary key of the row and the fix.
 */
import { decimalBytesToText } from '../../avro/decimal.js';
import { ContractError } from '../../errors.js';
import type { AvroValue, Column, Row, TableModel } from '../../model/column.js';
import { daysToDateText, microsToDatetimeText, microsToTimestampText } from '../../model/temporal.js';
import { ValueError } from '../../model/value-error.js';
import { binaryDecoder, type BinaryDecoder } from './postgres-binary-values.js';
import type { TupleDecoder } from './postgres-binary-copy.js';
import { textDecoder } from './postgres-text-values.js';

/**
 * `VENTAS_CABECERA.MONTO: value 123456.789 does not fit decimal(8,2): … (primary key ID_VENTA=42)
 * — widen the column type in config (columns.MONTO.type) and regenerate the schema`.
 */
export function valueContractError(model: TableModel, column: Column, error: ValueError, keyText: (column: Column) => string): ContractError {
  const keys = model.primaryKeys.map((name) => model.columns.find((c) => c.name === name)).filter((c): c is Column => c !== undefined);
  const where = keys.length === 0 ? 'the table has no primary key to name the row'
    : `primary key ${keys.map((k) => `${k.sourceName}=${safely(() => keyText(k))}`).join(', ')}`;
  return new ContractError(`${model.sourceName}.${column.sourceName}: ${error.message} (${where}) — ${fixFor(column)}`, { cause: error });
}

function fixFor(column: Column): string {
  const field = `columns.${column.sourceName}.type`;
  switch (column.type.kind) {
    case 'decimal': return `widen the column type in config (${field}) and regenerate the schema`;
    case 'int64': return `declare the column as a decimal in config (${field}) and regenerate the schema`;
    default: return `fix the value in the source, or read the column as text (${field}: string) and regenerate the schema`;
  }
}

function safely(show: () => string): string {
  try {
    return show();
  } catch {
    return '?';
  }
}

/** How a decoded value reads in a message (a key value: usually an integer or text). */
export function displayValue(column: Column, value: AvroValue): string {
  if (value === null) return 'NULL';
  const type = column.type;
  if (Buffer.isBuffer(value)) return type.kind === 'decimal' ? decimalBytesToText(value, type.scale) : `\\x${value.toString('hex')}`;
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (type.kind === 'date') return daysToDateText(Number(value));
    if (type.kind === 'datetime') return microsToDatetimeText(value);
    if (type.kind === 'timestamp') return microsToTimestampText(value);
  }
  return String(value);
}

/**
 * A row with every field present as an own property: spreading it gives each row its shape in one
 * step (cheaper than adding keys one by one), and a field named `__proto__` stays a plain field.
 */
function rowTemplate(names: string[]): Row {
  return Object.fromEntries(names.map((name) => [name, null]));
}

/** The binary path's tuple decoder (postgres-binary-copy.ts) for a model. */
export function binaryTupleDecoder(model: TableModel): TupleDecoder {
  const { columns } = model;
  const decoders = columns.map(binaryDecoder);
  const names = columns.map((c) => c.name);
  const decodeOne = (buf: Buffer, offsets: Int32Array, lengths: Int32Array, k: number): AvroValue => {
    const length = lengths[k]!;
    return length < 0 ? null : decoders[k]!(buf, offsets[k]!, length);
  };
  const fast = names.includes('__proto__') ? null : compileTupleDecoder(names, decoders);
  const template = rowTemplate(names);
  return (buf, offsets, lengths) => {
    try {
      if (fast) return fast(buf, offsets, lengths);
      const row: Row = { ...template };
      for (let k = 0; k < names.length; k++) row[names[k]!] = decodeOne(buf, offsets, lengths, k);
      return row;
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      // The compiled decoder does not track which field threw: find it again, field by field.
      const failing = columns.findIndex((_, k) => {
        try {
          decodeOne(buf, offsets, lengths, k);
          return false;
        } catch {
          return true;
        }
      });
      throw valueContractError(model, columns[Math.max(failing, 0)]!, error, (key) => displayValue(key, decodeOne(buf, offsets, lengths, columns.indexOf(key))));
    }
  };
}

/**
 * Compiles `(buf, offsets, lengths) => ({ id: d0(…), monto: d1(…), … })` for one column list.
 * Generated code gives each decoder its own call site, which V8 inlines, and builds each row as
 * one object literal; a loop calling ten decoders through one site cannot be inlined and measured
 * about 40 % slower on a 10-column table. Only JSON-quoted names (a literal `__proto__` key would
 * set the prototype, so such a model takes the loop) and `d<i>` parameters enter the source.
 */
function compileTupleDecoder(names: string[], decoders: BinaryDecoder[]): TupleDecoder {
  const fields = names.map((name, i) => `${JSON.stringify(name)}: (length = lengths[${i}]) < 0 ? null : d${i}(buf, offsets[${i}], length)`);
  const source = `return function decodeTuple(buf, offsets, lengths) {\n  let length;\n  return {\n    ${fields.join(',\n    ')}\n  };\n};`;
  const factory = new Function(...names.map((_, i) => `d${i}`), source) as (...decoders: BinaryDecoder[]) => TupleDecoder;
  return factory(...decoders);
}

/** The text path's row decoder: the server's text of each field (null for NULL), in model order. */
export function textRowDecoder(model: TableModel): (fields: (string | null)[]) => Row {
  const { columns } = model;
  const decoders = columns.map(textDecoder);
  const names = columns.map((c) => c.name);
  const count = columns.length;
  const template = rowTemplate(names);
  return (fields) => {
    const row: Row = { ...template };
    let i = 0;
    try {
      for (; i < count; i++) {
        const text = fields[i];
        row[names[i]!] = text === null || text === undefined ? null : decoders[i]!(text);
      }
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      throw valueContractError(model, columns[i]!, error, (key) => fields[columns.indexOf(key)] ?? 'NULL');
    }
    return row;
  };
}
