import { ENCODING_KEY } from './avro-encoding.js';
import type { AvscRecordSchema } from './avsc-schema.js';

/**
 * The committed `.avsc`'s text layout (./avsc-schema.ts holds its content). Keys absent from a
 * schema are absent from the text, so a standard-encoding file is what it was before encodings
 * existed.
 */

const RECORD_KEYS = ['type', 'name', 'namespace', 'doc', 'datapipe.sourceSchema', 'datapipe.sourceName', 'datapipe.primaryKeys', ENCODING_KEY, 'fields'];
const FIELD_KEYS = [
  'name', 'type', 'default', 'doc', 'datapipe.sourceName', 'datapipe.sourceType', 'datapipe.kind',
  ENCODING_KEY, 'datapipe.precision', 'datapipe.scale', 'datapipe.decision',
];
const TYPE_KEYS = ['type', 'logicalType', 'precision', 'scale'];

/**
 * The `.avsc` text: the record and each field expanded one key per line in a fixed key order,
 * types and key lists on one line, trailing newline. Same schema, same bytes — whatever key
 * order the object had — so regenerating an unchanged table leaves `git diff` empty.
 */
export function formatAvsc(avsc: AvscRecordSchema): string {
  const record = avsc as unknown as Record<string, unknown>;
  const lines = orderedEntries(record, RECORD_KEYS).map(([key, value]) => {
    if (key === 'fields' && Array.isArray(value)) {
      if (value.length === 0) return `  "fields": []`;
      const fields = value.map((field: unknown) => {
        const entries = orderedEntries(field as Record<string, unknown>, FIELD_KEYS);
        return `    {\n${entries.map(([k, v]) => `      ${JSON.stringify(k)}: ${inline(v)}`).join(',\n')}\n    }`;
      });
      return `  "fields": [\n${fields.join(',\n')}\n  ]`;
    }
    return `  ${JSON.stringify(key)}: ${inline(value)}`;
  });
  return `{\n${lines.join(',\n')}\n}\n`;
}

function inline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = orderedEntries(value as Record<string, unknown>, TYPE_KEYS);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

/** Known keys in their fixed order, then any others alphabetically; undefined values dropped. */
function orderedEntries(object: Record<string, unknown>, known: readonly string[]): [string, unknown][] {
  const rest = Object.keys(object).filter((k) => !known.includes(k)).sort();
  return [...known.filter((k) => k in object), ...rest]
    .filter((k) => object[k] !== undefined)
    .map((k) => [k, object[k]]);
}
