/**
 * The last step of an extraction (docs/run-protocol.md, "Publishing"): the chunk's manifest,
 * listing exactly this attempt's parts. Parts carry their attempt in their names, so attempts
 * never overwrite each other's files, and the manifest is never written blind: created only if
 * absent, or replaced only if it is still the version this attempt read. The latest attempt to
 * finish wins; a manifest it replaced keeps naming intact parts, so a loader reading it meanwhile
 * loads a consistent run. Once every chunk of the claim is published, the run's index entry says
 * so and the loader will find it.
 */
import { randomBytes } from 'node:crypto';
import { PreconditionFailedError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ObjectStore } from '../stores/object-store.js';
import { manifestSchema, parseStored, runEntrySchema, storedJson, type Manifest, type RunEntry } from './manifest.js';
import type { StagingLayout } from './staging-layout.js';

/** A fresh attempt id: names the parts one extractor process writes (8 hex digits). */
export function newAttempt(): string {
  return randomBytes(4).toString('hex');
}

/** Publishes the chunk's manifest (see the file comment) and, when the run is complete, its index entry. */
export async function publishManifest(store: ObjectStore, layout: StagingLayout, manifest: Manifest, log: Logger): Promise<void> {
  const key = layout.manifestKey(manifest.runId, manifest.chunk);
  for (let tries = 1; ; tries++) {
    const existing = await store.getVersioned(key);
    if (existing) {
      const theirs = parseStored(manifestSchema, existing.body, key);
      log.info({ replaced_attempt: theirs.attempt ?? null }, `replacing the manifest of run ${manifest.runId} chunk ${manifest.chunk.index + 1}/${manifest.chunk.count} an earlier attempt published`);
    }
    try {
      await store.putIfVersion(key, storedJson(manifest), existing?.version ?? null);
      break;
    } catch (error) {
      // Another attempt published between our read and our write: read again, then replace it.
      if (!(error instanceof PreconditionFailedError) || tries >= 4) throw error;
    }
  }
  await markPublishedIfComplete(store, layout, manifest);
}

/**
 * Sets the run index entry's `publishedAt` when every chunk of the claim has its manifest. The
 * chunk whose manifest lands last always sees all of them (the stores list what is written), so
 * one of the chunks marks the run.
 */
async function markPublishedIfComplete(store: ObjectStore, layout: StagingLayout, manifest: Manifest): Promise<void> {
  const { runId, chunk } = manifest;
  if (chunk.count > 1) {
    const keys = (await store.list(layout.runPrefix(runId))).filter((k) => /\/_manifest-\d+\.json$/.test(k));
    if (keys.length < chunk.count) return;
    for (const key of keys) {
      const body = await store.get(key);
      if (!body || parseStored(manifestSchema, body, key).window.claimId !== manifest.window.claimId) return;
    }
  }
  const entryKey = layout.runEntryKey(runId);
  const body = await store.get(entryKey);
  const entry: RunEntry = body
    ? parseStored(runEntrySchema, body, entryKey)
    : { version: 1, runId, baseRunId: null, claimedAt: manifest.startedAt, publishedAt: null };
  if (manifest.window.claimId) entry.claimId = manifest.window.claimId;
  entry.baseRunId = manifest.window.baseState?.runId ?? null;
  entry.publishedAt = new Date().toISOString();
  await store.put(entryKey, storedJson(entry));
}
