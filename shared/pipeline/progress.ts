import type { Logger } from '../log.js';

/** Periodic progress lines on long reads: rows so far and the rate since the start. */
export class Progress {
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #started = performance.now();
  #lastReport = performance.now();

  constructor(log: Logger, intervalMs: number) {
    this.#log = log;
    this.#intervalMs = intervalMs;
  }

  /** Reports when the interval has passed since the last line; cheap to call per batch. */
  tick(rows: number): void {
    const now = performance.now();
    if (now - this.#lastReport < this.#intervalMs) return;
    this.#lastReport = now;
    this.#log.info({ phase: 'read', rows, rows_per_s: this.rate(rows) }, 'progress');
  }

  /** Rows per second since the start. */
  rate(rows: number): number {
    const seconds = (performance.now() - this.#started) / 1000;
    return seconds > 0 ? Math.round(rows / seconds) : rows;
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.#started);
  }
}
