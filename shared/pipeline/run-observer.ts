/**
 * What a run reports as it goes, for a live display at a terminal (`datapipe run`, README "At a
 * terminal"). The extractor and loader call it when one is given and never depend on it: the
 * container entrypoints pass none, and their logs stay exactly what Kubernetes and Airflow collect.
 */

/** The phases a person watches: reading the source, finishing the uploads, staging, merging. */
export type RunPhase = 'extract' | 'upload' | 'stage' | 'merge';

/** How many rows a phase will handle: counted (a manifest) or estimated (catalog statistics). */
export interface PhaseTotal {
  rows: number;
  /** Estimated rows are shown as such, never as a count. */
  estimate: boolean;
}

export interface RunObserver {
  /** A phase of `table` starts; the previous one (if any) is over. */
  phase(table: string, phase: RunPhase, total?: PhaseTotal | null): void;
  /** Rows and bytes done so far in the current phase (cumulative, not increments). */
  advance(rows: number, bytes: number): void;
}
