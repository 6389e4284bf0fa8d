/**
 * readEncoded's row transcoder: one driver row (outFormat ARRAY, each value in the form the read
 * expressions and fetchTypeHandler ask for, oracle-values.ts) appended to an AvroRecordBuffer as
 * one AVRO record of the table's .avsc — fields in model order, a nullable column as the union
 * ["null", T] (index 0 = null, 1 = the value). The bytes are the ones avsc writes for the row the
 * row converter builds (oracle-rows.ts; test/unit/oracle compares every type), but the common
 * values never become JS objects: NUMBER text goes straight to a long or to a decimal's unscaled
 * bytes, SYYYY datetime text to a long, ASCII text is copied. Every other value goes through its
 * column's converter and is then written by kind. On any value that does not fit, the record is
 * rolled back and the row converted as read() converts it, so the error is read()'s
 * ContractError — or, for a row read() accepts but AVRO cannot hold (a NULL in a column the
 * schema declares required), the part writer's.
 */
import avro from 'avsc';
import { modelToAvsc } from '../../avro/avsc-schema.js';
import { decimalTextToBytes, decimalTextToSafeUnscaled } from '../../avro/decimal.js';
import { describeEncodeFailure } from '../../avro/encode-failure.js';
import { avroTypeFor } from '../../avro/long-type.js';
import { ContractError } from '../../errors.js';
import type { CanonicalKind, Column, TableModel } from '../../model/column.js';
import { oracleFamily } from '../../model/oracle-types.js';
import { ValueError } from '../../model/value-error.js';
import type { AvroRecordBuffer } from '../postgres/postgres-avro-buffer.js';
import { finiteNumberText, numberTextToInt64 } from './oracle-number.js';
import { rowConverter } from './oracle-rows.js';
import { datetimeTextMicros, valueConverter, type OracleValueConverter } from './oracle-values.js';

/** Appends one driver row's record to `out`. */
export type OracleRowTranscoder = (values: readonly unknown[], out: AvroRecordBuffer) => void;

/** Writes one non-NULL driver value. */
type FieldWriter = (value: unknown, out: AvroRecordBuffer) => void;

/** A NULL where the schema has no null branch: found by the transcoder, explained by the error path. */
class MissingValue extends Error {}

/** The most a fixed-size field takes: a union index and a 10-byte varint (a decimal's ≤ 8, a double's 8). */
const FIELD_HEADROOM_BYTES = 11;

/** Bytes a record needs besides its variable-length payloads (which reserve for themselves). */
export function oracleRecordHeadroom(model: TableModel): number {
  return FIELD_HEADROOM_BYTES * model.columns.length + 16;
}

/**
 * avsc writes a string of at most this many UTF-8 bytes with its own per-character loop and a
 * longer one with Buffer's UTF-8 writer (lib/utils.js, Tap#writeString). Both write standard UTF-8
 * for well-formed text; they differ for a lone surrogate, so a short string holding any surrogate
 * is handed to avsc itself.
 */
const AVSC_LOOP_BYTES = 64;
const avscString = avro.Type.forSchema('string');

/** Below 64 bytes a string's length is a one-byte varint (zigzag 2n ≤ 127). */
const ONE_BYTE_LENGTH = 64;

/** `string` exactly as avsc writes it: short text without surrogates encoded here, anything else as avsc would. */
function writeText(text: string, out: AvroRecordBuffer): void {
  const n = text.length;
  if (n < ONE_BYTE_LENGTH) {
    // At most 3 bytes a UTF-16 unit, and a length of one or two varint bytes.
    out.reserve(3 * n + 2);
    const buf = out.buf;
    const start = out.pos;
    let p = start + 1;
    let i = 0;
    for (; i < n; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x80) {
        buf[p++] = code;
      } else if (code < 0x800) {
        buf[p++] = 0xc0 | (code >> 6);
        buf[p++] = 0x80 | (code & 0x3f);
      } else if (code >= 0xd800 && code <= 0xdfff) {
        break;
      } else {
        buf[p++] = 0xe0 | (code >> 12);
        buf[p++] = 0x80 | ((code >> 6) & 0x3f);
        buf[p++] = 0x80 | (code & 0x3f);
      }
    }
    if (i === n) {
      const bytes = p - start - 1;
      if (bytes < ONE_BYTE_LENGTH) {
        buf[start] = bytes << 1;
        out.pos = p;
      } else {
        // 64..189 bytes: a two-byte length, so the text moves up one.
        buf.copyWithin(start + 2, start + 1, p);
        buf[start] = ((bytes << 1) & 0x7f) | 0x80;
        buf[start + 1] = bytes >> 6;
        out.pos = p + 1;
      }
      return;
    }
  }
  const bytes = Buffer.byteLength(text);
  out.reserve(bytes + 10);
  if (bytes <= AVSC_LOOP_BYTES) {
    out.pos = avscString.encode(text, out.buf, out.pos);
    return;
  }
  out.writeLong(bytes);
  out.pos += out.buf.write(text, out.pos, bytes, 'utf8');
}

function requireText(value: unknown): string {
  if (typeof value !== 'string') throw new ValueError(`expected text from the driver, got ${typeof value}`);
  return value;
}

/** A converted value written by its canonical kind, as avsc writes the kind's AVRO type (docs/types.md). */
function writeConverted(kind: CanonicalKind, convert: OracleValueConverter): FieldWriter {
  switch (kind) {
    case 'boolean': return (v, out) => {
      out.buf[out.pos++] = convert(v) === true ? 1 : 0;
    };
    case 'float32': return (v, out) => out.writeFloat(convert(v) as number);
    case 'float64': return (v, out) => out.writeDouble(convert(v) as number);
    case 'int64':
    case 'datetime':
    case 'timestamp':
    case 'date':
      return (v, out) => out.writeLongValue(convert(v) as number | bigint);
    case 'decimal':
    case 'bytes':
      return (v, out) => {
        const bytes = convert(v) as Buffer;
        out.writeBytes(bytes, 0, bytes.length);
      };
    case 'string':
    case 'json':
    case 'interval':
      return (v, out) => writeText(convert(v) as string, out);
  }
}

/** The writer of one column's non-NULL values: a direct one for the common shapes, else convert then write. */
function fieldWriter(column: Column): FieldWriter {
  const family = oracleFamily(column.sourceType);
  const type = column.type;
  const convert = valueConverter(column);
  const temporal = family === 'date' || family === 'timestamp' || family === 'timestamp_tz' || family === 'timestamp_ltz';
  if (temporal && (type.kind === 'datetime' || type.kind === 'timestamp')) {
    return (v, out) => out.writeLongValue(datetimeTextMicros(requireText(v)));
  }
  if (family === 'number' && type.kind === 'int64') {
    return (v, out) => out.writeLongValue(numberTextToInt64(requireText(v)));
  }
  if (family === 'number' && type.kind === 'decimal') {
    const { precision, scale } = type;
    return (v, out) => {
      const text = finiteNumberText(requireText(v));
      const unscaled = decimalTextToSafeUnscaled(text, precision, scale);
      if (!Number.isNaN(unscaled)) {
        out.writeDecimal(unscaled);
        return;
      }
      const bytes = decimalTextToBytes(text, precision, scale);
      out.writeBytes(bytes, 0, bytes.length);
    };
  }
  // Text columns (VARCHAR2, CHAR, CLOB, ROWID, …): the converter would hand the driver's string back as it is.
  if (type.kind === 'string' && !temporal && family !== 'number' && family !== 'float' && family !== 'interval_ym' && family !== 'interval_ds') {
    return (v, out) => writeText(requireText(v), out);
  }
  return writeConverted(type.kind, convert);
}

/** The transcoder of a model; see the module comment. */
export function rowTranscoder(model: TableModel): OracleRowTranscoder {
  const writers = model.columns.map(fieldWriter);
  const fast = compileRowTranscoder(model.columns.map((c) => c.nullable), writers);
  return (values, out) => {
    const start = out.pos;
    try {
      fast(values, out);
    } catch (error) {
      out.pos = start;
      throw explain(model, error, values);
    }
  };
}

/**
 * Generated `(v, out) => { …one statement per field… }`, as oracle-rows.ts generates its row
 * builder: each field writer gets its own call site, which V8 inlines. Only `w<i>` parameters and
 * literal indexes enter the source.
 */
function compileRowTranscoder(nullable: boolean[], writers: FieldWriter[]): OracleRowTranscoder {
  const fields = nullable.map((isNullable, i) => (isNullable
    ? `if ((x = v[${i}]) === null || x === undefined) out.buf[out.pos++] = 0;\n  else { out.buf[out.pos++] = 2; w${i}(x, out); }`
    : `if ((x = v[${i}]) === null || x === undefined) throw new MissingValue();\n  w${i}(x, out);`));
  const source = `return function transcodeRow(v, out) {\n  out.reserve(0);\n  let x;\n  ${fields.join('\n  ')}\n};`;
  const factory = new Function('MissingValue', ...writers.map((_, i) => `w${i}`), source) as
    (missing: typeof MissingValue, ...writers: FieldWriter[]) => OracleRowTranscoder;
  return factory(MissingValue, ...writers);
}

/**
 * The error for a row the fast path refused: the row converter throws read()'s ContractError for a
 * value that does not fit; a row it accepts fails only in AVRO, worded as the part writer words it.
 */
function explain(model: TableModel, error: unknown, values: readonly unknown[]): unknown {
  if (!(error instanceof ValueError) && !(error instanceof MissingValue)) return error;
  const row = rowConverter(model)(values);
  const schema = modelToAvsc(model);
  return new ContractError(describeEncodeFailure(schema, avroTypeFor(schema), row, error), { cause: error });
}
