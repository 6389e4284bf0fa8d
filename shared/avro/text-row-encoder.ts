import type { Type } from 'avsc';
import { ContractError } from '../errors.js';
import type { AvroValue, CanonicalKind, Row } from '../model/column.js';
import { ValueError } from '../model/value-error.js';
import { avscEncoding, VARCHAR_CHECKED_KINDS } from './avro-encoding.js';
import { avscToModel, modelToAvsc, type AvscField, type AvscRecordSchema } from './avsc-schema.js';
import { describeEncodeFailure, describeValueFailure } from './encode-failure.js';
import { avroTypeFor } from './long-type.js';
import { dateTextFormatter, decimalText, hexText, microsTextFormatter, varcharText } from './redshift-text-values.js';

/**
 * Rows → the records of a text-encoded schema (docs/encodings.md): sources keep handing over
 * `AvroValue` rows (shared/model/column.ts) whatever the encoding, and the PartWriter passes each
 * row through this before encoding it. Each record is a shallow copy of its row with the
 * text-form fields replaced, by a converter chosen once per field; text kept as text is only
 * measured. The caller's rows are left untouched (the extractor reads the watermark from them
 * after the write).
 *
 * A value the text form or a Redshift VARCHAR cannot hold fails with the ContractError users see
 * for any value that does not fit (exit 3), naming table, column, primary key and the fix; a value
 * of the wrong JS type fails as it would under the standard encoding (encode-failure.ts).
 */

/** Converts one non-null value; throws ValueError (cannot be held) or WrongType. */
type FieldConverter = (value: AvroValue) => AvroValue;

/** A value whose JS type is not the one its kind travels as: reported against the standard schema. */
class WrongType extends Error {}

export class TextRowEncoder {
  readonly #schema: AvscRecordSchema;
  readonly #fields: readonly AvscField[];
  readonly #names: readonly string[];
  readonly #converters: readonly (FieldConverter | null)[];
  /** Indices of the fields written in a text form, and of the text fields whose size is checked. */
  readonly #converted: readonly number[];
  readonly #measured: readonly number[];
  /** The standard schema and its type, built on the first wrong-typed value only. */
  #standard: { schema: AvscRecordSchema; type: Type } | null = null;

  /** The encoder a schema needs: null for the standard encoding, whose records are the rows themselves. */
  static for(schema: AvscRecordSchema): TextRowEncoder | null {
    return avscEncoding(schema) === 'standard' ? null : new TextRowEncoder(schema);
  }

  private constructor(schema: AvscRecordSchema) {
    avscToModel(schema); // every text form consistent with its kind, or throw before any row
    this.#schema = schema;
    this.#fields = schema.fields;
    this.#names = schema.fields.map((field) => field.name);
    this.#converters = schema.fields.map(converterFor);
    const indices = schema.fields.map((_, i) => i);
    this.#converted = indices.filter((i) => this.#converters[i] !== null);
    // Text kept as text must still fit the VARCHAR the loader stages it in.
    this.#measured = indices.filter((i) => VARCHAR_CHECKED_KINDS.includes(schema.fields[i]!['datapipe.kind']));
  }

  /**
   * The record for `row`. A key missing from the row stays missing, so the field's default
   * applies as under the standard encoding; a string of the wrong kind is left for avsc to report.
   */
  encode(row: Row): Row {
    if (row === null || typeof row !== 'object') return row; // avsc reports it, as for a standard schema
    const record: Row = { ...row };
    const names = this.#names;
    const converters = this.#converters;
    const converted = this.#converted;
    for (let k = 0; k < converted.length; k++) {
      const i = converted[k]!;
      const name = names[i]!;
      const value = row[name];
      if (value === null || value === undefined) continue;
      try {
        record[name] = converters[i]!(value);
      } catch (error) {
        throw this.#failure(row, i, error);
      }
    }
    const measured = this.#measured;
    for (let k = 0; k < measured.length; k++) {
      const i = measured[k]!;
      const value = row[names[i]!];
      if (typeof value !== 'string') continue;
      try {
        varcharText(value);
      } catch (error) {
        throw this.#failure(row, i, error);
      }
    }
    return record;
  }

  #failure(row: Row, index: number, error: unknown): Error {
    const field = this.#fields[index]!;
    if (error instanceof ValueError) {
      return new ContractError(describeValueFailure(this.#schema, field, row, error.message, fixFor(field)), { cause: error });
    }
    if (error instanceof WrongType) {
      this.#standard ??= standardOf(this.#schema);
      return new ContractError(describeEncodeFailure(this.#standard.schema, this.#standard.type, row, error), { cause: error });
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}

function converterFor(field: AvscField): FieldConverter | null {
  switch (field['datapipe.encoding']) {
    case 'decimal-text': {
      const precision = field['datapipe.precision']!;
      const scale = field['datapipe.scale']!;
      return (value) => (Buffer.isBuffer(value) ? decimalText(value, precision, scale) : wrongType());
    }
    case 'date-text': {
      const format = dateTextFormatter();
      // An AVRO int, as the standard encoding's `date` requires.
      return (value) => (typeof value === 'number' && (value | 0) === value ? format(value) : wrongType());
    }
    case 'datetime-text':
    case 'timestamp-text': {
      const datetime = field['datapipe.encoding'] === 'datetime-text';
      const format = datetime ? microsTextFormatter('datetime', '') : microsTextFormatter('timestamp', '+00');
      return (value) => ((typeof value === 'number' && Number.isSafeInteger(value)) || typeof value === 'bigint' ? format(value) : wrongType());
    }
    case 'hex':
      return (value) => (Buffer.isBuffer(value) ? hexText(value) : wrongType());
    case undefined:
      return null;
  }
}

function wrongType(): never {
  throw new WrongType('a value of the wrong type for its kind');
}

/** What the user can do about a value the text form cannot hold. */
function fixFor(field: AvscField): string {
  const kind: CanonicalKind = field['datapipe.kind'];
  switch (kind) {
    case 'decimal': return `widen the column type in config (columns.${field['datapipe.sourceName']}.type) and regenerate the schema`;
    case 'date':
    case 'datetime':
    case 'timestamp': return 'fix the value in the source (the targets hold years 0001 to 9999)';
    default: return 'Redshift cannot load it exactly and DataPipe does not truncate: shorten the value in the source';
  }
}

/** The same table under the standard encoding: what rows are checked against for their JS types. */
function standardOf(schema: AvscRecordSchema): { schema: AvscRecordSchema; type: Type } {
  const standard = modelToAvsc(avscToModel(schema));
  return { schema: standard, type: avroTypeFor(standard) };
}
