import type { CanonicalKind } from '../model/column.js';

/**
 * How a table's values are laid out in its AVRO parts: the property of a committed `.avsc`
 * (docs/encodings.md). `standard` uses AVRO's logical types (docs/types.md, "canonical → AVRO"), which
 * BigQuery, Databricks and DuckDB read. `redshift-text` writes decimal, date, datetime, timestamp
 * and bytes values as strings in Amazon Redshift's default input formats, because
 * `COPY … FORMAT AS AVRO` ignores logical types: it would load a decimal's bytes as a JSON
 * rendering and a timestamp as a raw count of microseconds, and cannot load bytes into VARBYTE
 * (https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-format.html,
 * https://docs.aws.amazon.com/redshift/latest/dg/copy-usage-varbyte.html). The loader copies the
 * strings into VARCHAR stage columns and converts them in SQL.
 *
 * In the file: the record carries `"datapipe.encoding": "redshift-text"` (absent = standard, so
 * every standard `.avsc` stays as it was), and each affected field carries its text form in
 * `"datapipe.encoding"` with AVRO type `string` — a decimal field also `datapipe.precision` and
 * `datapipe.scale`, which its AVRO type no longer holds.
 */

export const AVRO_ENCODINGS = ['standard', 'redshift-text'] as const;
export type AvroEncoding = (typeof AVRO_ENCODINGS)[number];

/** The record attribute naming a non-standard encoding, and the field attribute naming a text form. */
export const ENCODING_KEY = 'datapipe.encoding';

/** The text form of an affected field's values (docs/encodings.md). */
export type TextForm = 'decimal-text' | 'date-text' | 'datetime-text' | 'timestamp-text' | 'hex';

/** Under `redshift-text`, the kinds written as text and their forms; every other kind keeps its AVRO type. */
const REDSHIFT_TEXT_FORMS = {
  decimal: 'decimal-text',
  date: 'date-text',
  datetime: 'datetime-text',
  timestamp: 'timestamp-text',
  bytes: 'hex',
} as const satisfies Partial<Record<CanonicalKind, TextForm>>;

/** Kinds whose string values must fit a Redshift VARCHAR under `redshift-text` (hex is checked by its form). */
export const VARCHAR_CHECKED_KINDS: readonly CanonicalKind[] = ['string', 'json', 'interval'];

/** Redshift's VARCHAR holds at most 65,535 bytes (https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html). */
export const REDSHIFT_VARCHAR_MAX_BYTES = 65_535;

/** The text form of a kind under an encoding; undefined when the kind keeps its standard AVRO type. */
export function textFormOf(kind: CanonicalKind, encoding: AvroEncoding): TextForm | undefined {
  if (encoding === 'standard') return undefined;
  return (REDSHIFT_TEXT_FORMS as Partial<Record<CanonicalKind, TextForm>>)[kind];
}

/**
 * The encoding a DataPipe `.avsc` declares: `standard` when the record has no
 * `datapipe.encoding`. Throws (`not a DataPipe .avsc: …`) on any other value.
 */
export function avscEncoding(avsc: unknown): AvroEncoding {
  if (avsc === null || typeof avsc !== 'object' || Array.isArray(avsc)) throw new Error('not a DataPipe .avsc: the schema is not a JSON object');
  const value = (avsc as Record<string, unknown>)[ENCODING_KEY];
  if (value === undefined) return 'standard';
  // "standard" is spelled by absence only, so a standard file has one form.
  if (value === 'redshift-text') return value;
  throw new Error(`not a DataPipe .avsc: "${ENCODING_KEY}" is ${JSON.stringify(value)}; the only value is "redshift-text" (absent means the standard encoding)`);
}

/**
 * Whether records a source encoded itself (`Source.readEncoded`, `PartWriter.writeEncoded`) can
 * be written under this schema. Those transcoders emit the standard encoding only; a text-encoded
 * schema needs rows (`PartWriter.write`), which the writer converts.
 */
export function canUseEncodedPath(avsc: unknown): boolean {
  return avscEncoding(avsc) === 'standard';
}
