/**
 * How far apart a config's `schedule` runs (daily, hourly or five-field cron), for the default
 * `stale_after` (stale-after.ts). The longest gap between two consecutive runs is taken — for
 * `0 2 * * 1-5` that is Friday to Monday — so a weekend never makes a waiting run look stuck.
 * Reckoned in UTC over eight years from a leap year, so Feb 29 schedules have their gap too.
 */
import { TerminalError } from '../errors.js';

const NAMED: Readonly<Record<string, string>> = { daily: '0 2 * * *', hourly: '0 * * * *' };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MS_PER_DAY = 86_400_000;
const FROM = Date.UTC(2024, 0, 1);
const SPAN_DAYS = 8 * 366;

interface FieldSpec { name: string; min: number; max: number; names?: string[] }
const FIELDS: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS },
];

/** The longest time between two consecutive runs of `schedule`, in milliseconds. */
export function longestScheduleGapMs(schedule: string): number {
  const cron = NAMED[schedule] ?? schedule.trim();
  const fields = cron.split(/\s+/);
  if (fields.length !== 5) throw unreckonable(schedule, 'it is not five fields');
  const [minutes, hours, days, months, weekdays] = fields.map((field, i) => parseField(field, FIELDS[i]!, schedule));
  // Cron's rule: when both day fields are restricted, a day matches either of them.
  const dayRestricted = fields[2] !== '*' && fields[2] !== '?';
  const weekRestricted = fields[4] !== '*' && fields[4] !== '?';
  let previous: number | null = null;
  let longest = 0;
  for (let d = 0; d < SPAN_DAYS; d++) {
    const day = new Date(FROM + d * MS_PER_DAY);
    if (!months!.has(day.getUTCMonth() + 1)) continue;
    const byDate = days!.has(day.getUTCDate());
    const byWeekday = weekdays!.has(day.getUTCDay()) || (day.getUTCDay() === 0 && weekdays!.has(7));
    const matches = dayRestricted && weekRestricted ? byDate || byWeekday : byDate && byWeekday;
    if (!matches) continue;
    for (const hour of hours!) {
      for (const minute of minutes!) {
        const at = day.getTime() + (hour * 60 + minute) * 60_000;
        if (previous !== null) longest = Math.max(longest, at - previous);
        previous = at;
      }
    }
  }
  if (longest === 0) throw unreckonable(schedule, 'it runs at most once in eight years');
  return longest;
}

/** One cron field's values, in ascending order: `*`, `n`, `a-b`, steps `/s`, lists, month and day names. */
function parseField(text: string, spec: FieldSpec, schedule: string): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const match = /^(\*|\?|[0-9A-Za-z]+(?:-[0-9A-Za-z]+)?)(?:\/(\d+))?$/.exec(item);
    if (!match) throw unreckonable(schedule, `its ${spec.name} field uses "${item}"`);
    const [range, stepText] = [match[1]!, match[2]];
    const step = stepText === undefined ? 1 : Number(stepText);
    let [low, high] = [spec.min, spec.max];
    if (range !== '*' && range !== '?') {
      const [a, b] = range.split('-');
      low = valueOf(a!, spec, schedule);
      high = b === undefined ? (stepText === undefined ? low : spec.max) : valueOf(b, spec, schedule);
    }
    if (step < 1 || low > high) throw unreckonable(schedule, `its ${spec.name} field "${item}" is empty`);
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return new Set([...values].sort((x, y) => x - y));
}

function valueOf(text: string, spec: FieldSpec, schedule: string): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  const value = named >= 0 ? named + (spec.name === 'month' ? 1 : 0) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= spec.min && value <= spec.max)) throw unreckonable(schedule, `its ${spec.name} field has "${text}"`);
  return value;
}

function unreckonable(schedule: string, why: string): TerminalError {
  return new TerminalError(`schedule "${schedule}": cannot tell how far apart its runs are (${why}) — set stale_after: in config.yaml (e.g. stale_after: 2d)`);
}
