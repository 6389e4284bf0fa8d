/**
 * Loader steps 1 and 2 (docs/run-protocol.md, "Finding the run"): which run to load next, and its
 * manifests. The next run is found in the run index (`_runs/`), which holds only runs not yet
 * committed or deleted: finding it costs the same on day 1 and day 1,000.
 */
import { ContractError, TransientError } from '../errors.js';
import type { ObjectStore } from '../stores/object-store.js';
import { manifestSchema, parseStored, runEntrySchema, windowSchema, type Manifest, type RunEntry } from './manifest.js';
import type { StagingLayout } from './staging-layout.js';

/** The entries of the run index, oldest claim first; a damaged entry is a broken contract (exit 3). */
export async function readRunIndex(store: ObjectStore, layout: StagingLayout): Promise<RunEntry[]> {
  const entries: RunEntry[] = [];
  for (const key of await store.list(layout.runIndexPrefix)) {
    if (!key.endsWith('.json')) continue;
    const body = await store.get(key);
    if (body) entries.push(parseStored(runEntrySchema, body, key));
  }
  return entries.sort((a, b) => a.claimedAt.localeCompare(b.claimedAt));
}

/**
 * The newest published run that continues the committed state (`committedRun`, null before the
 * first load): the default when the loader is given no `--run-id`. Null when there is none.
 */
export async function findRunToLoad(store: ObjectStore, layout: StagingLayout, committedRun: string | null): Promise<string | null> {
  const candidates = (await readRunIndex(store, layout))
    .filter((e) => e.publishedAt !== null && e.runId !== committedRun && e.baseRunId === committedRun)
    .sort((a, b) => (a.publishedAt ?? '').localeCompare(b.publishedAt ?? ''));
  return candidates.at(-1)?.runId ?? null;
}

/**
 * Every chunk's manifest for the run, in chunk order. All must be there and belong to one claim
 * of the window; otherwise the run is not finished (exit 1: the extractor is still running, or a
 * chunk must be re-run).
 */
export async function readRunManifests(store: ObjectStore, layout: StagingLayout, runId: string, table: string): Promise<Manifest[]> {
  const keys = (await store.list(layout.runPrefix(runId))).filter((k) => /\/_manifest(-\d+)?\.json$/.test(k));
  if (keys.length === 0) {
    throw new TransientError(`${table}: run ${runId} has no manifest in the staging bucket — its extractor has not finished (or failed); run the extractor for this run first`);
  }
  const manifests: Manifest[] = [];
  for (const key of keys) {
    const body = await store.get(key);
    if (body) manifests.push(parseStored(manifestSchema, body, key));
  }
  const count = manifests[0]!.chunk.count;
  const present = new Set(manifests.map((m) => m.chunk.index));
  if (manifests.some((m) => m.chunk.count !== count) || present.size !== count) {
    const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !present.has(i)).map((i) => `${i + 1}/${count}`);
    throw new TransientError(`${table}: run ${runId} has ${present.size} of ${count} chunk manifests (missing ${missing.join(', ') || 'consistent chunk counts'}) — wait for or re-run those extractor chunks`);
  }
  const sorted = manifests.sort((a, b) => a.chunk.index - b.chunk.index);
  const windowBody = await store.get(layout.windowKey(runId));
  const claim = windowBody ? parseStored(windowSchema, windowBody, layout.windowKey(runId)).claimId : sorted[0]!.window.claimId;
  const behind = sorted.filter((m) => m.window.claimId !== claim).map((m) => `${m.chunk.index + 1}/${count}`);
  if (behind.length > 0) {
    throw new TransientError(`${table}: run ${runId} was claimed again after chunk${behind.length > 1 ? 's' : ''} ${behind.join(', ')} had been extracted — re-run the extractor for ${behind.length > 1 ? 'those chunks' : 'that chunk'}`);
  }
  const keysSeen = new Set<string>();
  for (const file of sorted.flatMap((m) => m.files)) {
    if (keysSeen.has(file.key)) throw new ContractError(`${table}: run ${runId} lists part ${file.key} twice — re-run the extractor for this run`);
    keysSeen.add(file.key);
  }
  return sorted;
}
