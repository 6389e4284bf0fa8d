/**
 * Redshift's column types for DataPipe's canonical types (README.md, "Type fidelity"),
 * the raw stage type each arrives in through `COPY … FORMAT AS AVRO` under the `redshift-text`
 * encoding (docs/encodings.md), and the SQL that turns the raw value into the target's type.
 *
 * Decisions, each because it holds every value that can arrive exactly:
 * - decimal(p,s) → NUMERIC(p,s) while p ≤ 38 and s ≤ 37, Redshift's limits
 *   (https://docs.aws.amazon.com/redshift/latest/dg/r_Numeric_types201.html); wider ones keep their
 *   exact text in a VARCHAR(p + 3) (sign, point and a leading 0 besides the digits) — the
 *   documented fallback, chosen when the schema is generated, never a runtime rounding.
 * - string, json, interval → VARCHAR(65535), Redshift's maximum, which counts *bytes*
 *   (https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html); the extractor refuses
 *   longer values under redshift-text (exit 3), COPY would otherwise reject them too.
 * - bytes → VARBYTE(32767). VARBYTE holds up to 16,777,216 bytes (default 64,000,
 *   https://docs.aws.amazon.com/redshift/latest/dg/r_VARBYTE_type.html), but COPY cannot load it
 *   from AVRO (https://docs.aws.amazon.com/redshift/latest/dg/copy-usage-varbyte.html): the bytes
 *   arrive as hex in a VARCHAR(65535), two characters a byte, so 32,767 bytes is exactly what
 *   the path carries, and the column says so.
 * - float32 / float64 → REAL / DOUBLE PRECISION: AVRO float/double load as IEEE values; NaN and
 *   ±Infinity are floating-point values Redshift inherits from PostgreSQL (the live suite asserts
 *   that they, -0.0 and the extremes read back bit for bit).
 * - date → DATE, datetime → TIMESTAMP, timestamp → TIMESTAMPTZ: microseconds, years 4713 BC to
 *   294276 AD (https://docs.aws.amazon.com/redshift/latest/dg/r_Datetime_types.html).
 */
import { TerminalError } from '../../errors.js';
import { formatType, type CanonicalType, type Column } from '../../model/column.js';

/** Redshift's widest DECIMAL, and its largest scale. */
export const REDSHIFT_MAX_DECIMAL_PRECISION = 38;
export const REDSHIFT_MAX_DECIMAL_SCALE = 37;

/** VARCHAR's maximum, in bytes: every text-encoded value is staged in one. */
export const REDSHIFT_MAX_VARCHAR_BYTES = 65_535;

/** The most bytes a `bytes` value can carry as hex in a VARCHAR(65535). */
export const REDSHIFT_MAX_BYTES = Math.floor(REDSHIFT_MAX_VARCHAR_BYTES / 2);

const TEXT = `VARCHAR(${REDSHIFT_MAX_VARCHAR_BYTES})`;

/** Whether a decimal fits Redshift's NUMERIC; the others are kept as text. */
export function fitsNumeric(precision: number, scale: number): boolean {
  return precision <= REDSHIFT_MAX_DECIMAL_PRECISION && scale <= REDSHIFT_MAX_DECIMAL_SCALE;
}

/** The target column type of a canonical type. */
export function redshiftType(type: CanonicalType): string {
  switch (type.kind) {
    case 'boolean': return 'BOOLEAN';
    case 'int64': return 'BIGINT';
    case 'float32': return 'REAL';
    case 'float64': return 'DOUBLE PRECISION';
    case 'decimal': {
      const { precision, scale } = checkDecimal(type.precision, type.scale);
      return fitsNumeric(precision, scale) ? `NUMERIC(${precision},${scale})` : `VARCHAR(${precision + 3})`;
    }
    case 'string':
    case 'json':
    case 'interval': return TEXT;
    case 'bytes': return `VARBYTE(${REDSHIFT_MAX_BYTES})`;
    case 'date': return 'DATE';
    case 'datetime': return 'TIMESTAMP';
    case 'timestamp': return 'TIMESTAMPTZ';
  }
}

/** Whether the kind arrives as text (redshift-text) or as a string, and so is staged as VARCHAR. */
export function stagedAsText(type: CanonicalType): boolean {
  return !['boolean', 'int64', 'float32', 'float64'].includes(type.kind);
}

/** The raw stage column type COPY loads the AVRO field into. */
export function rawType(type: CanonicalType): string {
  return stagedAsText(type) ? TEXT : redshiftType(type);
}

/**
 * The expression turning raw column `raw` (already quoted) into the target's type: explicit
 * casts of the text forms (https://docs.aws.amazon.com/redshift/latest/dg/r_CAST_function.html),
 * TO_VARBYTE for hex (https://docs.aws.amazon.com/redshift/latest/dg/r_TO_VARBYTE.html).
 */
export function conversion(column: Column, raw: string): string {
  const { type } = column;
  switch (type.kind) {
    case 'decimal': return fitsNumeric(type.precision, type.scale) ? `CAST(${raw} AS ${redshiftType(type)})` : raw;
    case 'date':
    case 'datetime':
    case 'timestamp': return `CAST(${raw} AS ${redshiftType(type)})`;
    case 'bytes': return `TO_VARBYTE(${raw}, 'hex')`;
    default: return raw;
  }
}

/**
 * The `data_type` names information_schema.columns reports for each target type. VARBYTE is
 * `binary varying` on Redshift; `bytea` is its PostgreSQL twin's name (test/support's Redshift
 * fake), accepted so the drift check runs there too.
 */
export function reportedTypes(type: CanonicalType): readonly string[] {
  switch (type.kind) {
    case 'boolean': return ['boolean'];
    case 'int64': return ['bigint'];
    case 'float32': return ['real'];
    case 'float64': return ['double precision'];
    case 'decimal': return fitsNumeric(type.precision, type.scale) ? ['numeric'] : ['character varying'];
    case 'string':
    case 'json':
    case 'interval': return ['character varying'];
    case 'bytes': return ['binary varying', 'varbyte', 'bytea'];
    case 'date': return ['date'];
    case 'datetime': return ['timestamp without time zone'];
    case 'timestamp': return ['timestamp with time zone'];
  }
}

function checkDecimal(precision: number, scale: number): { precision: number; scale: number } {
  if (!Number.isInteger(precision) || !Number.isInteger(scale) || precision < 1 || scale < 0 || scale > precision) {
    throw new TerminalError(
      `${formatType({ kind: 'decimal', precision, scale })} is not a decimal type Redshift can hold (precision ≥ 1, 0 ≤ scale ≤ precision); ` +
        'override the column\'s type in config.yaml and regenerate the schema',
    );
  }
  return { precision, scale };
}
