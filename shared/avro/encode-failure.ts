import type { Schema, Type } from 'avsc';
import type { AvscRecordSchema } from './avsc-schema.js';

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
