/**
 * The per-table tuple transcoder: a binary COPY tuple (postgres-binary-copy.ts) appended to an
 * AvroRecordBuffer as one AVRO record of the table's .avsc — fields in model order, a nullable
 * column as the union ["null", T] (index 0 = null, 1 = the value). On any value that does not fit,
 * the record is rolled back and the tuple decoded the way read() decodes it, so the error is
 * exactly read()'s ContractError — or, for a value read() accepts but AVRO cannot hold (a NULL in
 * a column the schema declares required), exactly the part writer's.
 */
import { describeEncodeFailure } from '../../avro/encode-failure.js';
import { modelToAvsc } from '../../avro/avsc-schema.js';
import { avroTypeFor } from '../../avro/long-type.js';
import { ContractError } from '../../errors.js';
import type { TableModel } from '../../model/column.js';
import { ValueError } from '../../model/value-error.js';
import type { AvroRecordBuffer } from './postgres-avro-buffer.js';
import { FIELD_HEADROOM_BYTES, fieldTranscoder, type FieldTranscoder } from './postgres-avro-values.js';
import { binaryTupleDecoder } from './postgres-rows.js';

/** Appends one tuple's record to `out`; `lengths[i]` is -1 for NULL. */
export type TupleTranscoder = (buf: Buffer, offsets: Int32Array, lengths: Int32Array, out: AvroRecordBuffer) => void;

/** A NULL where the schema has no null branch: found by the transcoder, explained by the error path. */
class MissingValue extends Error {}

/** Bytes a record needs besides its variable-length payloads (which reserve for themselves). */
export function recordHeadroom(model: TableModel): number {
  return FIELD_HEADROOM_BYTES * model.columns.length + 16;
}

/** The tuple transcoder of a model; see the module comment. */
export function tupleTranscoder(model: TableModel): TupleTranscoder {
  const transcoders = model.columns.map(fieldTranscoder);
  const fast = compileTupleTranscoder(model.columns.map((c) => c.nullable), transcoders);
  return (buf, offsets, lengths, out) => {
    const start = out.pos;
    try {
      fast(buf, offsets, lengths, out);
    } catch (error) {
      out.pos = start;
      throw explain(model, error, buf, offsets, lengths);
    }
  };
}

/**
 * Generated `(buf, offsets, lengths, out) => { …one statement per field… }` for one column list,
 * as compileTupleDecoder does for rows: each field transcoder gets its own call site, which V8
 * inlines. Only `t<i>` parameters and literal indexes enter the source.
 */
function compileTupleTranscoder(nullable: boolean[], transcoders: FieldTranscoder[]): TupleTranscoder {
  const fields = nullable.map((isNullable, i) => (isNullable
    ? `if ((length = lengths[${i}]) < 0) out.buf[out.pos++] = 0;\n  else { out.buf[out.pos++] = 2; t${i}(buf, offsets[${i}], length, out); }`
    : `if ((length = lengths[${i}]) < 0) throw new MissingValue();\n  t${i}(buf, offsets[${i}], length, out);`));
  const source = `return function transcodeTuple(buf, offsets, lengths, out) {\n  out.reserve(0);\n  let length;\n  ${fields.join('\n  ')}\n};`;
  const factory = new Function('MissingValue', ...transcoders.map((_, i) => `t${i}`), source) as
    (missing: typeof MissingValue, ...transcoders: FieldTranscoder[]) => TupleTranscoder;
  return factory(MissingValue, ...transcoders);
}

/**
 * The error for a tuple the fast path refused. read()'s decoder throws its ContractError for a
 * value that does not fit; a row it accepts fails only in AVRO, worded as the part writer words it.
 */
function explain(model: TableModel, error: unknown, buf: Buffer, offsets: Int32Array, lengths: Int32Array): unknown {
  if (!(error instanceof ValueError) && !(error instanceof MissingValue)) return error;
  const row = binaryTupleDecoder(model)(buf, offsets, lengths);
  const schema = modelToAvsc(model);
  return new ContractError(describeEncodeFailure(schema, avroTypeFor(schema), row, error), { cause: error });
}
