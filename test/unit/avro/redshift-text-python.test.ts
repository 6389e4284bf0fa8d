import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { unscaledToBytes } from '../../../shared/avro/decimal.js';
import { dateTextFormatter, decimalText, microsTextFormatter } from '../../../shared/avro/redshift-text-values.js';
import { MAX_DAYS, MIN_DAYS } from '../../../shared/model/temporal.js';

/**
 * The redshift-text forms against an independent computation: Python's datetime (epoch +
 * timedelta on the proleptic Gregorian calendar) and decimal (an exact digit tuple), over
 * thousands of seeded random values spread across the whole range, plus the ends. Needs only a
 * Python 3 interpreter; skips, saying so, without one.
 */

const PYTHON = process.env.DATAPIPE_PYTHON ?? 'python3';
const probe = spawnSync(PYTHON, ['-c', 'import datetime, decimal'], { encoding: 'utf8' });
const pythonMissing = probe.status !== 0 ? `${PYTHON} is not a working Python 3 (${probe.error?.message ?? `exit ${probe.status}`})` : null;
if (pythonMissing) console.warn(`SKIPPING the Python cross-check of the redshift-text forms: ${pythonMissing}`);

const SCRIPT = `
import datetime, decimal, json, sys
data = json.load(sys.stdin)
utc = datetime.timezone.utc
day0 = datetime.date(1970, 1, 1)
local0 = datetime.datetime(1970, 1, 1)
instant0 = datetime.datetime(1970, 1, 1, tzinfo=utc)
out = {
    "dates": [(day0 + datetime.timedelta(days=d)).isoformat() for d in data["days"]],
    "datetimes": [(local0 + datetime.timedelta(microseconds=int(m))).isoformat(" ", "microseconds") for m in data["micros"]],
    "timestamps": [(instant0 + datetime.timedelta(microseconds=int(m))).astimezone(utc).replace(tzinfo=None).isoformat(" ", "microseconds") + "+00" for m in data["micros"]],
    "decimals": [format(decimal.Decimal((1 if int(u) < 0 else 0, tuple(int(c) for c in str(abs(int(u)))), -s)), "f") for u, s in data["decimals"]],
}
json.dump(out, sys.stdout)
`;

/** mulberry32: a small seeded generator, so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const MIN_MICROS = BigInt(MIN_DAYS) * 86_400_000_000n;
const MAX_MICROS = (BigInt(MAX_DAYS) + 1n) * 86_400_000_000n - 1n;

function inputs(count: number): { days: number[]; micros: bigint[]; decimals: [bigint, number, number][] } {
  const next = random(20_240_131);
  const int = (low: number, high: number): number => low + Math.floor(next() * (high - low + 1));
  const days = [MIN_DAYS, MAX_DAYS, 0, -1, ...Array.from({ length: count }, () => int(MIN_DAYS, MAX_DAYS))];
  const span = MAX_MICROS - MIN_MICROS + 1n;
  const wide = (): bigint => MIN_MICROS + ((BigInt(int(0, 2 ** 31)) << 32n) + BigInt(int(0, 2 ** 32 - 1))) % span;
  const micros = [MIN_MICROS, MAX_MICROS, 0n, -1n, 2n ** 53n, -(2n ** 53n), 2n ** 53n - 1n, -(2n ** 53n) + 1n,
    // Around day boundaries, and near the epoch where values are plain numbers.
    ...Array.from({ length: count }, (_, i) => (i % 3 === 0 ? BigInt(int(MIN_DAYS + 1, MAX_DAYS)) * 86_400_000_000n + BigInt(int(-1, 1)) : i % 3 === 1 ? BigInt(int(-(2 ** 52), 2 ** 52)) : wide())),
  ];
  const decimals: [bigint, number, number][] = Array.from({ length: count }, () => {
    const precision = next() < 0.1 ? 76 : int(1, 38);
    const scale = int(0, precision);
    const length = int(1, precision);
    let digits = String(int(1, 9));
    while (digits.length < length) digits += String(int(0, 9));
    const unscaled = next() < 0.05 ? 0n : BigInt(digits) * (next() < 0.5 ? -1n : 1n);
    return [unscaled, precision, scale];
  });
  decimals.push([10n ** 38n - 1n, 38, 0], [-(10n ** 38n - 1n), 38, 38], [0n, 38, 38], [0n, 1, 0], [-1n, 2, 2]);
  return { days, micros, decimals };
}

/** The row convention: a number when the microseconds are a safe integer, else a bigint. */
const asRowValue = (m: bigint): number | bigint => (m >= BigInt(Number.MIN_SAFE_INTEGER) && m <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(m) : m);

describe.skipIf(pythonMissing !== null)('redshift-text forms = Python datetime / decimal', () => {
  test('dates, datetimes, timestamps and decimals over the whole range', () => {
    const { days, micros, decimals } = inputs(3000);
    const stdin = JSON.stringify({ days, micros: micros.map(String), decimals: decimals.map(([u, , s]) => [String(u), s]) });
    const run = spawnSync(PYTHON, ['-c', SCRIPT], { input: stdin, encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const python = JSON.parse(run.stdout) as { dates: string[]; datetimes: string[]; timestamps: string[]; decimals: string[] };

    const date = dateTextFormatter();
    const datetime = microsTextFormatter('datetime', '');
    const timestamp = microsTextFormatter('timestamp', '+00');
    expect(days.map(date)).toEqual(python.dates);
    expect(micros.map((m) => datetime(asRowValue(m)))).toEqual(python.datetimes);
    expect(micros.map((m) => timestamp(m))).toEqual(python.timestamps);
    expect(decimals.map(([u, p, s]) => decimalText(unscaledToBytes(u), p, s))).toEqual(python.decimals);
    expect(python.dates.slice(0, 2)).toEqual(['0001-01-01', '9999-12-31']);
    expect(python.datetimes.slice(0, 2)).toEqual(['0001-01-01 00:00:00.000000', '9999-12-31 23:59:59.999999']);
  });
});
