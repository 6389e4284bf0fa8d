import { totalmem } from 'node:os';
import { TerminalError } from '../../errors.js';

/**
 * How much buffer memory the local warehouse gives DuckDB, load by load (docs/warehouses.md,
 * "The local warehouse's memory"). What a load needs grows with the table's width, not its length:
 * DuckDB writes a table a row group (122,880 rows) at a time, and its insert holds the row group's
 * columns in buffer memory while it compresses them; the stage beyond that spills to disk. So:
 *
 * - with `destination.local.memory_limit` absent, a load starts at `FLOOR_MB`, or `PER_COLUMN_MB`
 *   per column when that is more, and an out-of-memory failure is retried at `RAISE_FACTOR` times
 *   the limit, up to the ceiling (DuckDB's own default: 80 % of the memory the process may use);
 * - a limit the user set is a promise to their container: it is kept, and a load that does not
 *   fit in it fails with the fix.
 *
 * Measured on a 2-core machine (the minimum limit that loads, text/decimal/timestamp/BIGINT mix):
 * 10 columns 32MB, 50 → 96MB, 100 → 192MB, 200 → 384MB, whatever the thread count, when the
 * insert keeps its input's order. Unordered, DuckDB inserts on every thread at once and each holds
 * its own row group: 10 columns on 8 threads needed 128MB, 100 columns on 4 threads 512MB. It is
 * faster (a 10M-row load at 64MB: 16.6 s against 26.9 s), so a load runs unordered only when
 * `UNORDERED_PER_COLUMN_THREAD_MB` per column and thread fits in the limit. These are the levers
 * DuckDB's own out-of-memory message names (threads, insertion order, the limit; see
 * https://duckdb.org/docs/stable/guides/performance/how_to_tune_workloads).
 */
const FLOOR_MB = 64;
const PER_COLUMN_MB = 3;
const UNORDERED_PER_COLUMN_THREAD_MB = 2;
const RAISE_FACTOR = 4;

/**
 * DuckDB's `allocator_bulk_deallocation_flush_threshold`. Its allocator (a bundled jemalloc) keeps
 * what a query frees for reuse and returns it to the system only seconds later, or at once after a
 * single release larger than this threshold (512MiB by default,
 * https://duckdb.org/docs/stable/configuration/overview). A load frees in far smaller steps — the
 * stage's evicted blocks, the stage check's hash table — so what one phase freed stayed resident
 * beside what the next allocated: the loader peaked 25–45 MB above its working set. At 1MB those
 * releases go back at once, at no measured cost in time (docs/warehouses.md, "The local warehouse's
 * memory").
 */
export const BULK_FLUSH_THRESHOLD = '1MB';

const UNITS: Record<string, number> = {
  kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40,
};

/** Megabytes (10^6 bytes, as DuckDB counts MB) of a `memory_limit` value such as `256MB` or `2GiB`. */
export function megabytes(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text.trim());
  const unit = UNITS[match?.[2]?.toLowerCase() ?? ''];
  if (!match || unit === undefined) throw new TerminalError(`memory_limit ${text}: is not an amount of memory — e.g. 256MB, 1GB or 2GiB`);
  return (Number(match[1]) * unit) / 1e6;
}

/** DuckDB's default ceiling: 80 % of the machine's memory, or of the container's when it has a limit. */
function defaultCeilingMb(): number {
  const constrained = process.constrainedMemory?.() ?? 0;
  const available = constrained > 0 ? Math.min(constrained, totalmem()) : totalmem();
  return Math.floor((available * 0.8) / 1e6);
}

/** The numbers an adaptive limit follows (tests shrink them to reach an out-of-memory retry). */
export interface MemorySizing {
  floorMb: number;
  perColumnMb: number;
  ceilingMb: number;
}

/** The limit DuckDB holds now, and how it may change; shared by the loads of one warehouse. */
export class DuckDbMemory {
  /** DuckDB's worker threads, known once it is open. */
  threads = 1;
  private readonly sizing: MemorySizing;
  private currentMb: number;

  /** @param set the user's `memory_limit` (`256MB`, `2GiB`), or undefined to size it per load */
  constructor(private readonly set: string | undefined, sizing: Partial<MemorySizing> = {}) {
    this.sizing = { floorMb: FLOOR_MB, perColumnMb: PER_COLUMN_MB, ceilingMb: defaultCeilingMb(), ...sizing };
    this.currentMb = set === undefined ? Math.min(this.sizing.floorMb, this.sizing.ceilingMb) : megabytes(set);
  }

  /** The limit is the user's: kept as it is, never raised. */
  get fixed(): boolean {
    return this.set !== undefined;
  }

  get limitMb(): number {
    return this.currentMb;
  }

  /** The current limit as DuckDB reads it: the user's own words, or whole MB. */
  get setting(): string {
    return this.set ?? `${Math.ceil(this.currentMb)}MB`;
  }

  /**
   * Makes room for a load of `columns` columns and says whether the limit changed. Never lowers
   * it: loads of other tables may be running beside this one.
   */
  fit(columns: number): boolean {
    if (this.fixed) return false;
    const wanted = Math.min(this.sizing.ceilingMb, columns * this.sizing.perColumnMb);
    if (wanted <= this.currentMb) return false;
    this.currentMb = wanted;
    return true;
  }

  /** Whether a load of `columns` columns keeps its insert in its input's order (see the class comment). */
  ordered(columns: number): boolean {
    return columns * this.threads * UNORDERED_PER_COLUMN_THREAD_MB > this.currentMb;
  }

  /**
   * After a load failed out of memory at `fromMb`: the limit to retry at, or null when the limit
   * is the user's or already at the ceiling. A load beside it may have raised it already.
   */
  raise(fromMb: number): number | null {
    if (this.fixed) return null;
    if (this.currentMb > fromMb) return this.currentMb;
    if (this.currentMb >= this.sizing.ceilingMb) return null;
    this.currentMb = Math.min(this.sizing.ceilingMb, this.currentMb * RAISE_FACTOR);
    return this.currentMb;
  }

  /** The one-line failure for a load that did not fit, with the fix. */
  exhausted(context: string, columns: number, reason: string, cause: unknown): TerminalError {
    const limit = this.setting;
    const fix = this.fixed
      ? `raise destination.local.memory_limit (now ${limit}; a table of ${columns} columns usually loads in ${Math.max(this.sizing.floorMb, columns * this.sizing.perColumnMb)}MB), or remove it and let the loader size DuckDB's memory`
      : `DuckDB had ${limit}, 80 % of the memory this process may use; run the loader with more memory`;
    return new TerminalError(`${context}: DuckDB ran out of memory (${reason}) — ${fix}`, { cause });
  }
}

/** Whether `error` (or what it wraps) is DuckDB failing to find buffer memory within its limit. */
export function isOutOfMemory(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (/Out of Memory Error|could not allocate block of size|failed to pin block of size/.test(e.message)) return true;
  }
  return false;
}
