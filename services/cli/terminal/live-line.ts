/**
 * The live line at a terminal (README "At a terminal"): one line for the running phase of a table,
 * redrawn in place by cli-progress on stderr — table, phase, rows, rows/s, bytes and, when a total
 * is known, a bar, the percentage and an ETA (an estimated total says so). Records worth a
 * person's attention (warnings, errors) are printed above it.
 */
import cliProgress from 'cli-progress';
import { formatDuration } from '../../../shared/config/stale-after.js';
import type { PhaseTotal, RunObserver, RunPhase } from '../../../shared/pipeline/run-observer.js';
import { formatBytes, formatCount, formatSeconds } from './numbers.js';

/** What the line shows; its text is a pure function of this and the clock (liveLineText). */
export interface LiveState {
  table: string;
  phase: RunPhase;
  total: PhaseTotal | null;
  rows: number;
  bytes: number;
  startedAt: number;
}

const BAR_WIDTH = 20;

/** The line's text at `now` (ms); `bar` draws a bar for a fraction (cli-progress's, when rendering). */
export function liveLineText(state: LiveState, now: number, bar: (progress: number) => string = plainBar): string {
  const elapsedMs = Math.max(0, now - state.startedAt);
  const rate = elapsedMs >= 200 ? (state.rows * 1000) / elapsedMs : 0;
  const head = `${state.table}  ${state.phase.padEnd(7)}`;
  // A merge is one statement: nothing to count while it runs, only the time it takes.
  if (state.phase === 'merge') return `${head} ${formatCount(state.total?.rows ?? state.rows)} rows · ${formatSeconds(elapsedMs)}`;
  const parts: string[] = [];
  const total = state.total && state.total.rows > 0 && state.phase !== 'upload' ? state.total : null;
  if (total) {
    const progress = Math.min(1, state.rows / total.rows);
    const shown = total.estimate ? `~${formatCount(total.rows)} rows (estimate)` : `${formatCount(total.rows)} rows`;
    parts.push(`${bar(progress)} ${Math.floor(progress * 100)}% of ${shown}`);
  }
  parts.push(`${formatCount(state.rows)} rows`, `${formatCount(Math.round(rate))} rows/s`, formatBytes(state.bytes));
  if (total && state.rows < total.rows && rate > 0) parts.push(`ETA ${formatDuration(((total.rows - state.rows) / rate) * 1000)}`);
  else parts.push(formatSeconds(elapsedMs));
  return `${head} ${parts.join(' · ')}`;
}

function plainBar(progress: number): string {
  const done = Math.round(progress * BAR_WIDTH);
  return `${'█'.repeat(done)}${'░'.repeat(BAR_WIDTH - done)}`;
}

/** A RunObserver drawing the live line on `stream` (a terminal). */
export class LiveLine implements RunObserver {
  readonly #bars: cliProgress.MultiBar;
  readonly #stream: NodeJS.WritableStream;
  #bar: cliProgress.SingleBar | null = null;
  #state: LiveState | null = null;

  constructor(stream: NodeJS.WritableStream = process.stderr) {
    this.#stream = stream;
    this.#bars = new cliProgress.MultiBar({
      stream,
      format: (options, _params, payload: { state: LiveState }) => liveLineText(payload.state, Date.now(), (p) => cliProgress.Format.BarFormat(p, options)),
      barsize: BAR_WIDTH,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      fps: 5,
      clearOnComplete: true,
      // A SIGINT handler of the bars' own would keep Ctrl-C from ending the run.
      gracefulExit: false,
      hideCursor: false,
    });
  }

  phase(table: string, phase: RunPhase, total?: PhaseTotal | null): void {
    this.#state = { table, phase, total: total ?? null, rows: 0, bytes: 0, startedAt: Date.now() };
    if (this.#bar) this.#bars.remove(this.#bar);
    this.#bar = this.#bars.create(total?.rows ?? 0, 0, { state: this.#state });
    // Drawn at once: a phase shorter than a frame still shows that it ran.
    this.#bars.update();
  }

  advance(rows: number, bytes: number): void {
    if (!this.#state || !this.#bar) return;
    this.#state.rows = rows;
    this.#state.bytes = bytes;
    this.#bar.update(rows, { state: this.#state });
  }

  /** Prints `text` (whole lines) above the live line. */
  log(text: string): void {
    const line = text.endsWith('\n') ? text : `${text}\n`;
    if (this.#bar) this.#bars.log(line);
    else this.#stream.write(line);
  }

  /** Clears the line; what follows (the summary) prints where it was. */
  stop(): void {
    this.#bars.stop();
    this.#bar = null;
    this.#state = null;
  }
}
