/**
 * The type each column travels as between PostgreSQL and the reader. The read casts every column
 * to a wire type chosen from its canonical kind, so the decoders depend on the model alone (a model
 * read back from the committed .avsc reads exactly like a freshly described one).
 */
import type { Column } from '../../model/column.js';

/** PostgreSQL types whose binary (COPY) and text (cursor) forms the readers decode. */
export type WireType =
  | 'bool' | 'int8' | 'numeric' | 'float4' | 'float8' | 'text' | 'bytea'
  | 'date' | 'timestamp' | 'timestamptz' | 'interval';

export interface Wire {
  type: WireType;
  /** The cast in the select list; null when the column is read as it is. */
  cast: string | null;
}

/** format_type() names of the integer types: these read as int8 without a value check. */
const INTEGER_SOURCES = new Set(['smallint', 'integer', 'bigint', 'int2', 'int4', 'int8']);

/** `character(n)`: ::text would strip its padding, and its binary form already is the text. */
const BLANK_PADDED = /^(character|bpchar)(\(\d+\))?$/;

/**
 * The wire type of a column. int64 from a non-integer source (a numeric overridden to int64) reads
 * as numeric and each value is checked to be whole — an ::int8 cast would round silently.
 */
export function wireOf(column: Column): Wire {
  const source = column.sourceType.trim().toLowerCase();
  switch (column.type.kind) {
    case 'boolean': return { type: 'bool', cast: 'boolean' };
    case 'int64': return INTEGER_SOURCES.has(source) ? { type: 'int8', cast: 'int8' } : { type: 'numeric', cast: 'numeric' };
    case 'float32': return { type: 'float4', cast: 'float4' };
    case 'float64': return { type: 'float8', cast: 'float8' };
    case 'decimal': return { type: 'numeric', cast: 'numeric' };
    case 'string': return BLANK_PADDED.test(source) ? { type: 'text', cast: null } : { type: 'text', cast: 'text' };
    case 'json': return { type: 'text', cast: 'text' };
    case 'interval': return { type: 'interval', cast: 'interval' };
    case 'bytes': return { type: 'bytea', cast: 'bytea' };
    case 'date': return { type: 'date', cast: 'date' };
    case 'datetime': return { type: 'timestamp', cast: 'timestamp' };
    case 'timestamp': return { type: 'timestamptz', cast: 'timestamptz' };
  }
}
