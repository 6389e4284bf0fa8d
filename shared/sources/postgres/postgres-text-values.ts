/**
 * Decoders for PostgreSQL's text output (the cursor path), producing exactly what the binary
 * decoders produce. The read transaction fixes the output formats (postgres-sql.ts readSettings):
 * TimeZone UTC, DateStyle ISO, IntervalStyle iso_8601, shortest exact floats, hex bytea.
 */
import type { AvroValue, Column } from '../../model/column.js';
import { dateTextToDays, datetimeTextToMicros, timestampTextToMicros } from '../../model/temporal.js';
import { ValueError } from '../../model/value-error.js';
import { decimalBytes, int64FromText, wholeNumber } from './postgres-binary-values.js';
import { wireOf } from './postgres-wire.js';

/** Decodes one non-NULL field's text. */
export type TextDecoder = (text: string) => AvroValue;

/** numeric's texts without a decimal value, worded as the binary decoder words them. */
const NON_DECIMAL = new Set(['NaN', 'Infinity', '-Infinity']);

function finiteNumeric(text: string): string {
  if (NON_DECIMAL.has(text)) throw new ValueError(`value ${text} has no decimal form`);
  return text;
}

/**
 * Dates and timestamps the canonical range cannot hold print as `infinity`, with a ` BC` suffix,
 * or with a year past 9999 (more than four year digits).
 */
function inRange(text: string, kind: 'date' | 'datetime' | 'timestamp'): string {
  if (text === 'infinity' || text === '-infinity') throw new ValueError(`value ${text} does not fit ${kind}`);
  if (text.endsWith(' BC') || text.charCodeAt(4) !== 0x2d) {
    throw new ValueError(`value ${text} is outside 0001-01-01..9999-12-31, so it does not fit ${kind}`);
  }
  return text;
}

/** The decoder for a column, by its wire type and canonical kind (mirrors binaryDecoder). */
export function textDecoder(column: Column): TextDecoder {
  const type = column.type;
  switch (wireOf(column).type) {
    case 'bool': return (text) => text === 't';
    case 'int8': return int64FromText;
    // float4's shortest text parses to the nearest double; fround gives back the float4 itself,
    // as the binary path's readFloatBE does.
    case 'float4': return (text) => Math.fround(Number(text));
    case 'float8': return (text) => Number(text);
    case 'numeric':
      if (type.kind === 'decimal') {
        const { precision, scale } = type;
        return (text) => decimalBytes(finiteNumeric(text), precision, scale);
      }
      return (text) => wholeNumber(finiteNumeric(text));
    case 'text': return (text) => text;
    case 'bytea': return (text) => Buffer.from(text.slice(2), 'hex');
    case 'date': return (text) => dateTextToDays(inRange(text, 'date'));
    case 'timestamp': return (text) => datetimeTextToMicros(inRange(text, 'datetime'));
    case 'timestamptz': return (text) => timestampTextToMicros(inRange(text, 'timestamp'));
    case 'interval': return (text) => {
      if (text === 'infinity' || text === '-infinity') throw new ValueError(`value ${text} does not fit interval`);
      return text;
    };
  }
}
