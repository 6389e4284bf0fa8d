import { z } from 'zod';
import { ContractError } from '../errors.js';

/**
 * A run's window, claimed once per run (`run=<R>/_window.json`, a create-if-absent write) so that
 * every chunk of the run, and every retry of it, reads the same bounds from the same base state.
 * A run found stale before it was loaded is claimed again (a new `claimId`); see
 * docs/run-protocol.md, "Claiming the window".
 */
export const windowSchema = z.object({
  runId: z.string(),
  /** Names this claim: every chunk manifest of a loadable run carries the same one. */
  claimId: z.string().optional(),
  column: z.string().nullable(),
  low: z.string().nullable(),
  high: z.string().nullable(),
  includeNulls: z.boolean(),
  /** The committed state this run continues from; null for an initial load. */
  baseState: z.object({ runId: z.string(), watermark: z.string().nullable() }).nullable(),
  /** The source's snapshot token (`Source.snapshot`) every chunk of the run reads; chunked runs only. */
  snapshot: z.string().optional(),
  createdAt: z.string(),
});
export type RunWindow = z.infer<typeof windowSchema>;

/**
 * The extractor's last word on a run (docs/run-protocol.md, "Publishing"). Written after every
 * part is uploaded; no manifest means no run, so the loader never reads a crashed extraction.
 */
export const manifestSchema = z.object({
  version: z.literal(1),
  table: z.string(),
  target: z.string(),
  runId: z.string(),
  mode: z.enum(['incremental', 'full']),
  chunk: z.object({ index: z.number().int(), count: z.number().int().positive() }),
  /** The extractor process that wrote this chunk's parts; its parts carry it in their names. */
  attempt: z.string().optional(),
  schemaFingerprint: z.string(),
  files: z.array(z.object({ key: z.string(), rows: z.number().int(), bytes: z.number().int(), sha256: z.string() })),
  rows: z.number().int(),
  window: windowSchema.omit({ runId: true, createdAt: true, snapshot: true }).extend({ maxSeen: z.string().nullable() }),
  source: z.object({ type: z.string(), clock: z.string().nullable(), snapshot: z.string().optional() }),
  startedAt: z.string(),
  finishedAt: z.string(),
  timings: z.object({ totalMs: z.number(), rowsPerSecond: z.number() }),
});
export type Manifest = z.infer<typeof manifestSchema>;

/** A committed run, as `_state.json` remembers it for retention. */
export const committedRunSchema = z.object({ runId: z.string(), committedAt: z.string() });
export type CommittedRun = z.infer<typeof committedRunSchema>;

/** The committed progress of one table (`_state.json`), advanced only after the merge commits. */
export const stateSchema = z.object({
  version: z.literal(1),
  table: z.string(),
  watermark: z.string().nullable(),
  runId: z.string(),
  rows: z.number().int(),
  committedAt: z.string(),
  /** The latest committed runs, newest first (this one included): what retention keeps. */
  recent: z.array(committedRunSchema).optional(),
});
export type TableState = z.infer<typeof stateSchema>;

/**
 * The run index (`_runs/<R>.json`): one small entry per run that has staged objects and is not yet
 * committed or deleted, written when the window is claimed and again when the run is published.
 * The loader lists only this folder to find the next run, so finding it costs the same whatever
 * the bucket's history (docs/run-protocol.md, "The run index").
 */
export const runEntrySchema = z.object({
  version: z.literal(1),
  runId: z.string(),
  /** The committed run this one was extracted after; null for an initial load. */
  baseRunId: z.string().nullable(),
  claimId: z.string().optional(),
  /** When the window was claimed: retention deletes uncommitted runs older than what it keeps. */
  claimedAt: z.string(),
  /** Set once every chunk of the run has published its manifest (by the chunk that completed it). */
  publishedAt: z.string().nullable(),
});
export type RunEntry = z.infer<typeof runEntrySchema>;

/** Parses one of the pipeline's own JSON objects; a damaged one is a broken contract (exit 3). */
export function parseStored<T>(schema: z.ZodType<T>, body: Buffer | string, key: string): T {
  let json: unknown;
  try {
    json = JSON.parse(body.toString());
  } catch {
    throw new ContractError(`${key} is not valid JSON — it was damaged or written by something else; remove it and re-run the extractor`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ContractError(`${key} is not a DataPipe file (${issue?.path.join('.') || 'root'}: ${issue?.message}) — remove it and re-run the extractor`);
  }
  return parsed.data;
}

/** Stable JSON for objects the pipeline writes (2-space indent, trailing newline). */
export function storedJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
