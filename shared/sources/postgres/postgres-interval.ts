/**
 * ISO-8601 text of a PostgreSQL interval, character for character what the server prints with
 * `IntervalStyle = iso_8601` (src/backend/utils/adt/datetime.c, EncodeInterval), so the COPY path
 * (binary parts) and the cursor path (server text) produce identical values.
 */
import { ValueError } from '../../model/value-error.js';

/** An interval as PostgreSQL stores it: months, days and microseconds are independent fields. */
export interface IntervalParts {
  months: number;
  days: number;
  micros: bigint;
}

const MICROS_PER_HOUR = 3_600_000_000n;
const MICROS_PER_MINUTE = 60_000_000n;
const MICROS_PER_SECOND = 1_000_000n;
const INT32_MAX = 0x7fffffff;
const INT32_MIN = -0x80000000;

/**
 * `P1Y2M3DT4H5M6.5S`, `P-1Y-2M`, `PT-0.25S`, `PT0S`. Each field keeps its own sign: months split
 * into years and months, time into hours, minutes and seconds, all truncating toward zero as C does.
 * PostgreSQL 17's ±infinity intervals have no ISO form and raise ValueError.
 */
export function intervalIso(parts: IntervalParts): string {
  const { months, days, micros } = parts;
  if ((months === INT32_MAX && days === INT32_MAX && micros === 0x7fffffffffffffffn)
    || (months === INT32_MIN && days === INT32_MIN && micros === -0x8000000000000000n)) {
    throw new ValueError(`value ${months > 0 ? 'infinity' : '-infinity'} does not fit interval`);
  }
  const years = Math.trunc(months / 12);
  const month = months % 12;
  // bigint division truncates toward zero, as C's does.
  const hours = micros / MICROS_PER_HOUR;
  let rest = micros - hours * MICROS_PER_HOUR;
  const minutes = rest / MICROS_PER_MINUTE;
  rest -= minutes * MICROS_PER_MINUTE;
  const seconds = rest / MICROS_PER_SECOND;
  const fraction = rest - seconds * MICROS_PER_SECOND;
  const hasTime = hours !== 0n || minutes !== 0n || seconds !== 0n || fraction !== 0n;
  if (years === 0 && month === 0 && days === 0 && !hasTime) return 'PT0S';

  let text = `P${part(years, 'Y')}${part(month, 'M')}${part(days, 'D')}`;
  if (hasTime) text += `T${part(hours, 'H')}${part(minutes, 'M')}`;
  if (seconds !== 0n || fraction !== 0n) {
    const negative = seconds < 0n || fraction < 0n;
    const whole = (seconds < 0n ? -seconds : seconds).toString();
    const digits = (fraction < 0n ? -fraction : fraction).toString().padStart(6, '0').replace(/0+$/, '');
    text += `${negative ? '-' : ''}${whole}${digits ? `.${digits}` : ''}S`;
  }
  return text;
}

function part(value: number | bigint, unit: string): string {
  return value === 0 || value === 0n ? '' : `${value}${unit}`;
}
