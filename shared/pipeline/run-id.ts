import { randomBytes } from 'node:crypto';
import { TerminalError } from '../errors.js';

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * A new run id: UTC time to the millisecond plus a random suffix, so ids sort by start time and
 * two runs started in the same millisecond still differ (`20261126T020000123Z-9f3a1c`).
 */
export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * A run id given on the command line, made safe for object keys and table names. Airflow's
 * `{{ run_id }}` (`scheduled__2026-11-26T02:00:00+00:00`) maps characters outside
 * `[A-Za-z0-9._-]` to `_`, deterministically, so every pod of one DAG run agrees on the id.
 */
export function normalizeRunId(raw: string): string {
  const mapped = raw.trim().replace(/[^A-Za-z0-9._-]/g, '_');
  if (!RUN_ID.test(mapped)) {
    throw new TerminalError(`--run-id "${raw}" is not usable: give 1–128 characters starting with a letter or digit`);
  }
  return mapped;
}

/** `--chunk i/n` (1-based on the command line, as a person counts) → a 0-based index and a count. */
export function parseChunk(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index < 1 || index > count || count > 4096) {
    throw new TerminalError(`--chunk "${text}" is not usable: write i/n with 1 ≤ i ≤ n ≤ 4096, e.g. --chunk 2/8`);
  }
  return { index: index - 1, count };
}
