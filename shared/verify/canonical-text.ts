/**
 * Reading canonical text back (canonical-sql.ts writes it): a row or key text split into its
 * values, each shown as a person would read it — strings without their length prefix, floats as
 * the shortest decimal that is the same double.
 */
import type { Column, WatermarkKind } from '../model/column.js';

/** The values of a canonical row text, in column order; null for NULL (`~`). */
export function parseRowText(text: string, columns: readonly Column[]): (string | null)[] {
  const values: (string | null)[] = [];
  let at = 0;
  for (const [i, column] of columns.entries()) {
    if (i > 0) {
      if (text[at] !== '|') throw new Error(`canonical row text: expected | at ${at} in ${JSON.stringify(text)}`);
      at += 1;
    }
    if (text[at] === '~') {
      values.push(null);
      at += 1;
      continue;
    }
    if (['string', 'json', 'interval'].includes(column.type.kind)) {
      const colon = text.indexOf(':', at);
      const length = Number(text.slice(at, colon));
      // The length counts code points; a string index counts UTF-16 units.
      const chars = Array.from(text.slice(colon + 1)).slice(0, length).join('');
      values.push(chars);
      at = colon + 1 + chars.length;
      continue;
    }
    const end = text.indexOf('|', at);
    values.push(text.slice(at, end < 0 ? text.length : end));
    at = end < 0 ? text.length : end;
  }
  return values;
}

/** A value as shown to a person: floats in decimal, strings quoted, NULL as NULL. */
export function displayValue(column: Column, value: string | null): string {
  if (value === null) return 'NULL';
  switch (column.type.kind) {
    case 'float32':
    case 'float64': return floatDisplay(value);
    case 'string':
    case 'json':
    case 'interval': return JSON.stringify(value);
    case 'bytes': return `0x${value}`;
    default: return value;
  }
}

/** `4503599627370496p-52` → `1`; `-0`, `NaN`, `Inf` as they are. */
export function floatDisplay(text: string): string {
  const match = /^(-?)(\d+)p(-?\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, mantissa, exponent] = match;
  // m·2^(e-52) with m < 2^53: m/2^52 and 2^e are exact doubles (e ≥ -1074), and so is their product.
  const value = (Number(mantissa) / 2 ** 52) * 2 ** (Number(exponent) + 52);
  return `${sign}${String(value)}`;
}

/**
 * A committed watermark (shared/pipeline/watermark.ts: `2024-01-31T10:11:12.123456Z`) in the
 * canonical text the filter compares against (`2024-01-31 10:11:12.1234`, `2024-01-31 10:11:12`).
 */
export function canonicalWatermark(kind: WatermarkKind, watermark: string): string {
  if (kind === 'int64' || kind === 'date') return watermark;
  const [date, time = '00:00:00'] = watermark.replace(/Z$/, '').split('T');
  const [clock, fraction = ''] = time.split('.');
  const digits = fraction.replace(/0+$/, '');
  return digits ? `${date} ${clock}.${digits}` : `${date} ${clock}`;
}
