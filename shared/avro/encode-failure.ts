import type { Schema, Type } from 'avsc';
import { daysToDateText, microsToDatetimeText, microsToTimestampText } from '../model/temporal.js';
import type { AvscField, AvscRecordSchema } from './avsc-schema.js';
import { decimalBytesToText } from './decimal.js';

/**
 * The message for a row avsc refused to encode. avsc's own error names the AVRO type and the
 * value but not the field (`invalid "long": "12"`), so the record's fields are checked one by one
 * to find the culprit, and the message says which JS value that field expects (`AvroValue`,
 * shared/model/column.ts): a row converter that got a kind wrong is fixed from this line alone.
 */

/** What a field's AVRO type needs from a row, by the type's (or the union branch's) schema. */
function expected(schema: Schema): string {
  if (Array.isArray(schema)) {
    const branch = schema.find((s) => s !== 'null');
    return `${branch === undefined ? 'null' : expected(branch)} or null`;
  }
  const object = typeof schema === 'object' && schema !== null ? (schema as { type?: unknown; logicalType?: unknown; precision?: unknown; scale?: unknown }) : { type: schema };
  switch (object.logicalType) {
    case 'decimal': return `a Buffer (decimal(${String(object.precision)},${String(object.scale)}) as two's-complement unscaled bytes)`;
    case 'date': return 'a number of days since 1970-01-01 (int)';
    case 'local-timestamp-micros':
    case 'timestamp-micros': return 'a number or bigint of microseconds since 1970-01-01';
  }
  switch (object.type) {
    case 'long': return 'a safe-integer number or a 64-bit bigint';
    case 'int': return 'a 32-bit integer number';
    case 'float':
    case 'double': return 'a number';
    case 'boolean': return 'a boolean';
    case 'string': return 'a string';
    case 'bytes': return 'a Buffer';
    default: return `a value of AVRO type ${JSON.stringify(object.type)}`;
  }
}

/** The offending value, shortened for one line. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'no value (the row has no such key)';
  if (value === null) return 'null';
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'bigint') return `the bigint ${value}n`;
  if (typeof value === 'number' || typeof value === 'boolean') return `the ${typeof value} ${String(value)}`;
  return `a value of type ${value instanceof Object ? value.constructor.name : typeof value}`;
}

interface RecordFields {
  fields?: { name: string; type: Type }[];
}

/** `ventas: field monto expects a Buffer (decimal(18,2) …) or null, got the string "12.30"`. */
export function describeEncodeFailure(schema: AvscRecordSchema, recordType: Type, row: unknown, cause: unknown): string {
  const table = schema.name;
  if (row === null || typeof row !== 'object') return `${table}: a row must be an object keyed by field name, got ${describeValue(row)}`;
  const values = row as Record<string, unknown>;
  for (const field of (recordType as unknown as RecordFields).fields ?? []) {
    const value = values[field.name];
    if (!field.type.isValid(value)) {
      // The plain schema, not the parsed Type: a Type has lost logicalType, precision and scale.
      const declared = schema.fields.find((f) => f.name === field.name)?.type ?? field.type.schema();
      return `${table}: field ${field.name} expects ${expected(declared as Schema)}, got ${describeValue(value)}`;
    }
  }
  return `${table}: a row could not be encoded (${cause instanceof Error ? cause.message : String(cause)})`;
}

/**
 * `VENTAS.NOTAS: <reason> (primary key ID_VENTA=42) — <fix>`: the one line for a value of the
 * right kind that the target cannot hold exactly, in the form the sources give a value that does
 * not fit its declared type (shared/sources/…/*-rows.ts), built from the schema alone.
 */
export function describeValueFailure(schema: AvscRecordSchema, field: AvscField, row: Record<string, unknown>, reason: string, fix: string): string {
  const keys = schema['datapipe.primaryKeys'].map((name) => schema.fields.find((f) => f.name === name)).filter((f): f is AvscField => f !== undefined);
  const where = keys.length === 0 ? 'the table has no primary key to name the row'
    : `primary key ${keys.map((k) => `${k['datapipe.sourceName']}=${keyText(k, row[k.name])}`).join(', ')}`;
  return `${schema['datapipe.sourceName']}.${field['datapipe.sourceName']}: ${reason} (${where}) — ${fix}`;
}

/** A key value as people read it (`42`, `2024-01-31`, `12.30`); `?` when it is not a valid value of its kind. */
function keyText(field: AvscField, value: unknown): string {
  try {
    if (value === null || value === undefined) return 'NULL';
    if (Buffer.isBuffer(value)) {
      if (field['datapipe.kind'] !== 'decimal') return `\\x${value.toString('hex')}`;
      const type = Array.isArray(field.type) ? field.type[1] : field.type;
      const scale = field['datapipe.scale'] ?? (typeof type === 'object' && 'scale' in type ? type.scale : 0);
      return decimalBytesToText(value, scale);
    }
    if (typeof value === 'number' || typeof value === 'bigint') {
      switch (field['datapipe.kind']) {
        case 'date': return daysToDateText(Number(value));
        case 'datetime': return microsToDatetimeText(value);
        case 'timestamp': return microsToTimestampText(value);
      }
    }
    return String(value);
  } catch {
    return '?';
  }
}
