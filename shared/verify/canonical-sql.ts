/**
 * The canonical text of a value, a row and a key, as SQL any engine runs through its VerifyDialect
 * (docs/verify.md, "Canonical text"). Two engines holding the same values produce the same text
 * byte for byte, so its MD5 can be compared across them:
 *
 * | kind | canonical text |
 * |---|---|
 * | int64 | decimal digits, `-` for negatives |
 * | decimal | plain digits, trailing fractional zeros and a bare `.` removed (`12.50` → `12.5`) |
 * | float32/64 | `NaN`, `Inf`, `-Inf`, `0`, `-0`, else `[-]<m>p<e>`: the exact value m·2^e (m the 53-bit mantissa) |
 * | boolean | `true` / `false` |
 * | date | `YYYY-MM-DD` |
 * | datetime / timestamp | `YYYY-MM-DD HH:MM:SS[.f]`, the fraction's trailing zeros and a bare `.` removed (timestamp in UTC) |
 * | bytes | lower-case hex |
 * | string, json, interval | `<characters>:<text>` (the length keeps `|` inside text unambiguous) |
 *
 * NULL is `~`, which no non-NULL value spells; a row is its columns' texts joined with `|`.
 */
import type { Column, TableModel } from '../model/column.js';
import type { VerifyDialect } from './verify-dialect.js';

/** 2^52: a normal double's mantissa scaled to an integer. */
const MANTISSA_SCALE = '4503599627370496';

/** The exact text of a non-NULL value of `column` (`expression` reads it). */
export function valueText(d: VerifyDialect, column: Column, expression: string): string {
  switch (column.type.kind) {
    case 'int64': return d.integerText(expression);
    case 'boolean': return `CASE WHEN ${expression} THEN 'true' ELSE 'false' END`;
    case 'decimal': return decimalText(d, column, expression);
    case 'float32':
    case 'float64': return floatText(d, d.toDouble(expression));
    case 'string':
    case 'json':
    case 'interval': {
      const text = d.text(expression, column);
      return `${d.integerText(d.charLength(text))} || ':' || ${text}`;
    }
    default: return d.text(expression, column);
  }
}

/** `valueText`, with NULL spelled `~`. */
export function nullableText(d: VerifyDialect, column: Column, expression: string): string {
  return `CASE WHEN ${expression} IS NULL THEN '~' ELSE ${valueText(d, column, expression)} END`;
}

/** A row's canonical text: its columns' texts, in the given order, joined with `|`; `ref` reads a column. */
export function rowText(d: VerifyDialect, columns: readonly Column[], ref: (column: Column) => string): string {
  const parts = columns.flatMap((c, i) => (i === 0 ? [nullableText(d, c, ref(c))] : [`'|'`, nullableText(d, c, ref(c))]));
  if (parts.length === 1) return parts[0]!;
  return d.concat ? d.concat(parts) : parts.join(' || ');
}

/** A decimal's canonical text: the engine's one-step spelling where it has one, else its text trimmed. */
export function decimalText(d: VerifyDialect, column: Column, expression: string): string {
  return d.decimalText ? d.decimalText(expression) : trimDecimal(d, d.text(expression, column));
}

/** `12.50` → `12.5`, `3.00` → `3`; integers untouched. */
export function trimDecimal(d: VerifyDialect, text: string): string {
  return `CASE WHEN ${text} LIKE '%.%' THEN ${d.rtrim(d.rtrim(text, '0'), '.')} ELSE ${text} END`;
}

/**
 * A double as its exact binary value, m·2^e with m the 53-bit mantissa: the one spelling every
 * engine computes identically (their own float-to-text conversions differ in digits and format).
 * e comes from log2, which may be off by one near powers of two; the quotient a/2^e tells and
 * corrects it. Dividing by a power of two and scaling by 2^52 are exact in IEEE arithmetic.
 */
export function floatText(d: VerifyDialect, x: string): string {
  const a = `ABS(${x})`;
  const e0 = `GREATEST(-1074, LEAST(1023, ${d.floor(d.log2(a))}))`;
  const r0 = `(${a} / ${d.pow2(e0)})`;
  const e = `(${e0} + CASE WHEN ${r0} >= 2 THEN 1 WHEN ${r0} < 1 THEN -1 ELSE 0 END)`;
  const mantissa = `(${a} / ${d.pow2(e)} * ${MANTISSA_SCALE})`;
  return `CASE WHEN ${d.isNan(x)} THEN 'NaN'`
    + ` WHEN ${x} > ${d.maxDouble} THEN 'Inf' WHEN ${x} < -${d.maxDouble} THEN '-Inf'`
    + ` WHEN ${x} = 0 THEN CASE WHEN ${d.isNegativeZero(x)} THEN '-0' ELSE '0' END`
    + ` ELSE CASE WHEN ${x} < 0 THEN '-' ELSE '' END || ${d.doubleIntegerText(mantissa)} || 'p' || ${d.doubleIntegerText(`(${e} - 52)`)} END`;
}

/**
 * `YYYY-MM-DD HH:MM:SS.ffffff` (always six digits) → the canonical `YYYY-MM-DD HH:MM:SS[.f]`: the
 * fraction's trailing zeros, then a bare `.`, removed. Safe only on text that always has the `.`.
 */
export function trimFraction(d: Pick<VerifyDialect, 'rtrim'>, fixedText: string): string {
  return d.rtrim(d.rtrim(fixedText, '0'), '.');
}

/** The key columns of `model`, in key order. */
export function keyColumns(model: TableModel): Column[] {
  return model.primaryKeys.map((name) => {
    const column = model.columns.find((c) => c.name === name);
    if (!column) throw new Error(`unreachable: primary key ${name} is not a column of ${model.name}`);
    return column;
  });
}
