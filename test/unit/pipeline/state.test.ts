import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContractError, LockBusyError, PreconditionFailedError, TerminalError } from '../../../shared/errors.js';
import type { TableState } from '../../../shared/pipeline/manifest.js';
import { StagingLayout } from '../../../shared/pipeline/staging-layout.js';
import { commitState, readState } from '../../../shared/pipeline/state.js';
import { LocalStore } from '../../../shared/stores/local/local-store.js';

const layout = new StagingLayout('datapipe', 'erp', 'VENTAS');
const STATE_KEY = 'datapipe/erp/ventas/_state.json';

const first: TableState = { version: 1, table: 'VENTAS', watermark: '100', runId: 'r1', rows: 100, committedAt: '2026-11-26T02:05:00.000Z' };
const second: TableState = { ...first, watermark: '250', runId: 'r2', rows: 150, committedAt: '2026-11-27T02:05:00.000Z' };
const rival: TableState = { ...first, watermark: '300', runId: 'r3', rows: 200, committedAt: '2026-11-27T02:06:00.000Z' };

/** The local store's version: a content hash, computed here independently of the store. */
function versionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

describe('table state over a local store', () => {
  let root: string;
  let store: LocalStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'datapipe-state-'));
    store = new LocalStore(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is null before the first load', async () => {
    expect(await readState(store, layout)).toBeNull();
  });

  it('creates the state when none is expected, then reads it back with its version', async () => {
    await commitState(store, layout, first, null);
    const written = await readFile(join(root, STATE_KEY), 'utf8');
    expect(JSON.parse(written)).toEqual(first);
    expect(written.endsWith('}\n')).toBe(true);
    expect(await readState(store, layout)).toEqual({ state: first, version: versionOf(written) });
  });

  it('advances the state from the version it read', async () => {
    await commitState(store, layout, first, null);
    const read = await readState(store, layout);
    await commitState(store, layout, second, read!.version);
    const after = await readState(store, layout);
    expect(after?.state).toEqual(second);
    expect(after?.version).not.toBe(read!.version);
  });

  it('refuses a stale version, naming the state key and the run that lost', async () => {
    await commitState(store, layout, first, null);
    const stale = (await readState(store, layout))!.version;
    await commitState(store, layout, rival, stale);
    const error = await commitState(store, layout, second, stale).then(() => null, (e: unknown) => e);
    expect(error).toEqual(new PreconditionFailedError(
      `${STATE_KEY} was advanced by another loader while run r2 was loading — its merge is committed and idempotent; re-run the loader (it reconciles the state with the warehouse's record)`,
    ));
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect((error as Error).cause).toBeInstanceOf(PreconditionFailedError);
    expect((await readState(store, layout))?.state).toEqual(rival);
  });

  it('refuses to create a state that already exists', async () => {
    await commitState(store, layout, first, null);
    await expect(commitState(store, layout, second, null)).rejects.toThrow(new PreconditionFailedError(
      `${STATE_KEY} was advanced by another loader while run r2 was loading — its merge is committed and idempotent; re-run the loader (it reconciles the state with the warehouse's record)`,
    ));
    expect((await readState(store, layout))?.state).toEqual(first);
  });

  it('lets exactly one of two loaders that read the same version advance it', async () => {
    await commitState(store, layout, first, null);
    const version = (await readState(store, layout))!.version;
    const outcomes = await Promise.allSettled([commitState(store, layout, second, version), commitState(store, layout, rival, version)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const failed = outcomes.find((o) => o.status === 'rejected');
    expect(failed?.reason).toBeInstanceOf(PreconditionFailedError);
  });

  it('treats a damaged state file as a broken contract', async () => {
    await store.put(STATE_KEY, '{"version": 1, "table": "VENTAS"');
    await expect(readState(store, layout)).rejects.toThrow(new ContractError(
      `${STATE_KEY} is not valid JSON — it was damaged or written by something else; remove it and re-run the extractor`,
    ));
  });

  it('passes through errors other than a lost race', async () => {
    const escaping = new StagingLayout('../outside', 'erp', 'VENTAS');
    await expect(commitState(store, escaping, first, null)).rejects.toThrow(
      new TerminalError(`object key ../outside/erp/ventas/_state.json escapes the staging folder ${root}`),
    );
  });

  it('reports a lock another loader holds as exactly that, never as a state advanced by someone else', async () => {
    await commitState(store, layout, first, null);
    const version = (await readState(store, layout))!.version;
    const lock = join(root, 'datapipe', 'erp', 'ventas', '_state.json.lock');
    await writeFile(lock, `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() })}\n`);
    const error = await commitState(store, layout, second, version).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockBusyError);
    expect((error as Error).message).toMatch(/^datapipe\/erp\/ventas\/_state\.json is being written by process \d+ on .*, which has held its lock since .*; the lock counts as abandoned at /);
  });
});
