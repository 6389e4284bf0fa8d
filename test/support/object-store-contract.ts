/**
 * What every ObjectStore promises (shared/stores/object-store.ts), as one suite each store's test
 * file runs against its own backend: reads and writes, uploads that are never half-visible,
 * prefix listing and deletes, and conditional writes that let exactly one writer win. Every check
 * of what the backend holds goes around the store (the bucket's JSON API, the file system), so a
 * store cannot vouch for itself.
 */
import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { PreconditionFailedError } from '../../shared/errors.js';
import type { ObjectStore } from '../../shared/stores/object-store.js';

/** The one-line PreconditionFailedError messages of `putIfVersion`, worded as the store words them. */
export interface ConditionalWriteRefusals {
  /** A create (expected absent) of `key`, which holds version `found`. */
  exists(key: string, found: string): string;
  /** An update from `expected` of `key`, which moved on to `found`. */
  stale(key: string, expected: string, found: string): string;
  /** An update from `expected`, a version this store never hands out, of `key` at `found`. */
  malformed(key: string, expected: string, found: string): string;
  /** An update from `expected` of `key`, which does not exist. */
  absent(key: string, expected: string): string;
}

/** One store and its backend, as the contract suite sees them. Read lazily: the store is made per test. */
export interface ObjectStoreHarness {
  /** The store under test, over an empty backend at the start of each test. */
  readonly store: ObjectStore;
  /** Every key the backend holds, sorted, read around the store (temporaries and locks included where it shows them). */
  backendKeys(): Promise<string[]>;
  /** The bytes the backend holds under `key`, read around the store. */
  backendBody(key: string): Promise<Buffer | null>;
  /** The version the store must report for `key`, which now holds `body`, worked out around the store. */
  versionOf(key: string, body: string): Promise<string>;
  /** A well-formed version that no object holds. */
  readonly unusedVersion: string;
  readonly refusals: ConditionalWriteRefusals;
}

/** The keys the listing cases start from: folders, a bare prefix (`t` vs `t2`) and a key that is only a prefix elsewhere. */
export const LISTED_KEYS = ['t/_state.json', 't/run=A/part-0000-000001.avro', 't/run=A/_manifest.json', 't/run=B/x', 't2/run=C/y', 'u/run=D'];

/** Writes each of LISTED_KEYS with its own name as the body. */
export async function putListedKeys(store: ObjectStore): Promise<void> {
  for (const key of LISTED_KEYS) await store.put(key, key);
}

/** Registers the contract cases in the enclosing describe block. */
export function describeObjectStoreContract(backend: ObjectStoreHarness): void {
  describe('the ObjectStore contract', () => {
    describe('writing and reading', () => {
      it('puts and gets small objects, overwriting, exactly as the backend holds them', async () => {
        const { store } = backend;
        await store.put('erp/ventas/_state.json', '{"a":1}');
        expect(await store.get('erp/ventas/_state.json')).toEqual(Buffer.from('{"a":1}'));
        await store.put('erp/ventas/_state.json', Buffer.from([0, 255, 10]));
        expect(await store.get('erp/ventas/_state.json')).toEqual(Buffer.from([0, 255, 10]));
        expect(await backend.backendBody('erp/ventas/_state.json')).toEqual(Buffer.from([0, 255, 10]));
        expect(await backend.backendKeys()).toEqual(['erp/ventas/_state.json']);
      });

      it('returns null for a missing object', async () => {
        expect(await backend.store.get('erp/ventas/_state.json')).toBeNull();
        expect(await backend.store.getVersioned('nothing/here')).toBeNull();
      });

      it('leaves nothing behind when the upload source fails, and passes the source error on', async () => {
        let sent = 0;
        const failing = new Readable({
          read() {
            if (sent++ < 3) this.push(Buffer.alloc(200 * 1024, 'y'));
            else this.destroy(new Error('source connection reset'));
          },
        });
        await expect(backend.store.upload('t/run=r1/part.avro', failing)).rejects.toThrow(new Error('source connection reset'));
        expect(await backend.store.get('t/run=r1/part.avro')).toBeNull();
        expect(await backend.store.list('')).toEqual([]);
        expect(await backend.backendKeys()).toEqual([]);
      });

      it('keeps the previous object when a replacing upload fails', async () => {
        await backend.store.put('t/part.avro', 'old');
        const failing = new Readable({
          read() {
            this.destroy(new Error('boom'));
          },
        });
        await expect(backend.store.upload('t/part.avro', failing)).rejects.toThrow(new Error('boom'));
        expect(await backend.store.get('t/part.avro')).toEqual(Buffer.from('old'));
      });
    });

    describe('listing', () => {
      beforeEach(async () => {
        await putListedKeys(backend.store);
      });

      it('lists keys under a prefix that ends mid-name, sorted', async () => {
        const { store } = backend;
        expect(await store.list('t/run=')).toEqual(['t/run=A/_manifest.json', 't/run=A/part-0000-000001.avro', 't/run=B/x']);
        expect(await store.list('t/run=A')).toEqual(['t/run=A/_manifest.json', 't/run=A/part-0000-000001.avro']);
        expect(await store.list('t/_')).toEqual(['t/_state.json']);
      });

      it('lists a folder prefix, a bare prefix (like a bucket would) and everything', async () => {
        const { store } = backend;
        expect(await store.list('t/')).toEqual(['t/_state.json', 't/run=A/_manifest.json', 't/run=A/part-0000-000001.avro', 't/run=B/x']);
        expect(await store.list('t')).toEqual(['t/_state.json', 't/run=A/_manifest.json', 't/run=A/part-0000-000001.avro', 't/run=B/x', 't2/run=C/y']);
        expect(await store.list('')).toEqual(['t/_state.json', 't/run=A/_manifest.json', 't/run=A/part-0000-000001.avro', 't/run=B/x', 't2/run=C/y', 'u/run=D']);
      });

      it('lists nothing under a prefix that does not exist', async () => {
        expect(await backend.store.list('nope/')).toEqual([]);
        expect(await backend.store.list('nope/run=')).toEqual([]);
        expect(await backend.store.list('t/run=Z')).toEqual([]);
      });

      it('deletes keys, missing ones included', async () => {
        const { store } = backend;
        await store.delete(['t/run=A/_manifest.json', 't/run=A/part-0000-000001.avro', 't/run=A/never-written', 'nope/at/all']);
        expect(await store.list('t/run=')).toEqual(['t/run=B/x']);
        await store.delete([]);
        await store.delete(['t/run=A/_manifest.json']);
        expect(await store.list('t/')).toEqual(['t/_state.json', 't/run=B/x']);
        expect(await backend.backendKeys()).toEqual(['t/_state.json', 't/run=B/x', 't2/run=C/y', 'u/run=D']);
      });
    });

    describe('conditional writes', () => {
      const KEY = 'erp/ventas/_state.json';

      it('reads an object with its version', async () => {
        await backend.store.put(KEY, 'v1');
        expect(await backend.store.getVersioned(KEY)).toEqual({ body: Buffer.from('v1'), version: await backend.versionOf(KEY, 'v1') });
      });

      it('creates an absent object once; a second create fails', async () => {
        const { store, refusals } = backend;
        await store.putIfVersion(KEY, 'first', null);
        expect(await store.get(KEY)).toEqual(Buffer.from('first'));
        const found = await backend.versionOf(KEY, 'first');
        await expect(store.putIfVersion(KEY, 'second', null)).rejects.toThrow(new PreconditionFailedError(refusals.exists(KEY, found)));
        expect(await store.get(KEY)).toEqual(Buffer.from('first'));
      });

      it('updates from the right version and refuses a stale or malformed one', async () => {
        const { store, refusals } = backend;
        await store.putIfVersion(KEY, 'first', null);
        const first = (await store.getVersioned(KEY))!.version;
        expect(first).toBe(await backend.versionOf(KEY, 'first'));
        await store.putIfVersion(KEY, 'second', first);
        const second = (await store.getVersioned(KEY))!;
        expect(second).toEqual({ body: Buffer.from('second'), version: await backend.versionOf(KEY, 'second') });
        expect(second.version).not.toBe(first);
        await expect(store.putIfVersion(KEY, 'third', first)).rejects.toThrow(new PreconditionFailedError(
          refusals.stale(KEY, first, second.version),
        ));
        await expect(store.putIfVersion(KEY, 'third', 'not-a-version')).rejects.toThrow(new PreconditionFailedError(
          refusals.malformed(KEY, 'not-a-version', second.version),
        ));
        expect(await store.get(KEY)).toEqual(Buffer.from('second'));
      });

      it('refuses an update of an object that does not exist', async () => {
        const { store, refusals, unusedVersion } = backend;
        await expect(store.putIfVersion(KEY, 'x', unusedVersion)).rejects.toThrow(new PreconditionFailedError(refusals.absent(KEY, unusedVersion)));
        expect(await store.get(KEY)).toBeNull();
      });

      it('lets exactly one of many concurrent creators win, and leaves nothing else behind', async () => {
        const { store } = backend;
        const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => store.putIfVersion(KEY, `writer ${i}`, null)));
        const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
        expect(won).toHaveLength(1);
        for (const outcome of outcomes) {
          if (outcome.status === 'rejected') expect(outcome.reason).toBeInstanceOf(PreconditionFailedError);
        }
        expect(await store.get(KEY)).toEqual(Buffer.from(`writer ${won[0]}`));
        expect(await backend.backendKeys()).toEqual([KEY]);
      });
    });
  });
}
