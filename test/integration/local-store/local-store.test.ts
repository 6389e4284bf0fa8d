import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LockBusyError, TerminalError } from '../../../shared/errors.js';
import { acquireLock } from '../../../shared/stores/local/local-lock.js';
import { LocalStore } from '../../../shared/stores/local/local-store.js';
import { describeObjectStoreContract, putListedKeys } from '../../support/object-store-contract.js';

/** The store's version of a body: a content hash, computed here independently of the store. */
function versionOf(body: string): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 32);
}

/** Every file under `dir`, relative, as the file system sees it (temporaries and locks included). */
async function filesOnDisk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('LocalStore (a folder as the staging bucket)', () => {
  let root: string;
  let store: LocalStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'datapipe-local-store-'));
    store = new LocalStore(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const stale = (key: string, expected: string, found: string) => `${key} changed since it was read (expected version ${expected}, found ${found})`;
  describeObjectStoreContract({
    get store() {
      return store;
    },
    // Temporary files and locks count: the contract promises none are left behind.
    backendKeys: () => filesOnDisk(root),
    backendBody: (key) => readFile(join(root, key)),
    versionOf: async (_key, body) => versionOf(body),
    unusedVersion: versionOf('x'),
    refusals: {
      exists: (key, found) => `${key} changed since it was read (expected version absent, found ${found})`,
      stale,
      malformed: stale,
      absent: (key, expected) => `${key} changed since it was read (expected version ${expected}, found absent)`,
    },
  });

  describe('writing and reading', () => {
    it('addresses objects by their path in the folder', () => {
      expect(store.uri('erp/ventas/run=r1/part-0000-000000.avro')).toBe(join(root, 'erp', 'ventas', 'run=r1', 'part-0000-000000.avro'));
    });

    it('streams an upload to its key and reads it back as a stream', async () => {
      const body = Buffer.alloc(3 * 65_536 + 17, 'x');
      await store.upload('t/run=r1/part-0000-000000.avro', Readable.from([body.subarray(0, 100), body.subarray(100)]));
      expect((await store.get('t/run=r1/part-0000-000000.avro'))?.equals(body)).toBe(true);
      expect(await text(await store.openRead('t/run=r1/part-0000-000000.avro'))).toBe(body.toString());
      expect(await filesOnDisk(root)).toEqual(['t/run=r1/part-0000-000000.avro']);
    });

    it('never shows an upload in progress under its key', async () => {
      const body = new PassThrough();
      const done = store.upload('t/run=r1/part.avro', body);
      body.write('first half,');
      // Wait (bounded) for the temporary file to appear, however slow the disk.
      for (let i = 0; i < 200 && (await filesOnDisk(root)).length === 0; i++) await new Promise((ok) => setTimeout(ok, 25));
      expect(await store.get('t/run=r1/part.avro')).toBeNull();
      expect(await store.list('t/')).toEqual([]);
      const onDisk = await filesOnDisk(root);
      expect(onDisk).toHaveLength(1);
      expect(onDisk[0]).toMatch(/^t\/run=r1\/\.tmp-[0-9a-f]{12}-part\.avro$/);
      body.end('second half');
      await done;
      expect(await store.get('t/run=r1/part.avro')).toEqual(Buffer.from('first half,second half'));
      expect(await filesOnDisk(root)).toEqual(['t/run=r1/part.avro']);
    });

    it('has removed a failed upload\'s temporary file by the time it reports the failure, however slow the disk', async () => {
      await store.put('t/part.avro', 'old');
      // Every callback-style fs.open is held until the upload has settled: a disk (or a libuv
      // thread pool) slow to open a file. Whatever the store left to finish after reporting the
      // failure runs afterwards; nothing it runs may create a file then.
      type OpenArgs = Parameters<typeof fs.open>;
      const realOpen = fs.open;
      const held: OpenArgs[] = [];
      const spy = vi.spyOn(fs, 'open').mockImplementation(((...args: OpenArgs) => { held.push(args); }) as typeof fs.open);
      const failing = new Readable({
        read() {
          this.destroy(new Error('boom'));
        },
      });
      let failure: unknown;
      try {
        await store.upload('t/part.avro', failing);
      } catch (error) {
        failure = error;
      }
      const atRejection = await filesOnDisk(root);
      spy.mockRestore();
      await Promise.all(held.map((args) => new Promise<void>((done) => {
        const callback = args.pop() as (error: NodeJS.ErrnoException | null, fd: number) => void;
        (realOpen as (...a: unknown[]) => void)(...args, (error: NodeJS.ErrnoException | null, fd: number) => {
          callback(error, fd);
          done();
        });
      })));
      expect(failure).toEqual(new Error('boom'));
      expect(atRejection).toEqual(['t/part.avro']);
      expect(await filesOnDisk(root)).toEqual(['t/part.avro']);
      expect(await store.get('t/part.avro')).toEqual(Buffer.from('old'));
    });

    it('rejects opening a missing object for reading', async () => {
      await expect(store.openRead('t/run=r1/missing.avro')).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });

  describe('listing', () => {
    it('hides temporary files and lock files', async () => {
      await putListedKeys(store);
      await writeFile(join(root, 't', 'run=A', '.tmp-0123456789ab-part-0000-000002.avro'), 'half');
      await writeFile(join(root, 't', '_state.json.lock'), '');
      await mkdir(join(root, 'v'));
      await writeFile(join(root, 'v', '.tmp-x'), '');
      expect(await store.list('t/')).toEqual(['t/_state.json', 't/run=A/_manifest.json', 't/run=A/part-0000-000001.avro', 't/run=B/x']);
      expect(await store.list('v/')).toEqual([]);
    });
  });

  describe('conditional writes', () => {
    const KEY = 'erp/ventas/_state.json';

    it('waits for a live holder, then names it, since when and when its lock counts as abandoned (LockBusyError, exit 1)', async () => {
      await store.put(KEY, 'v1');
      const lock = join(root, 'erp', 'ventas', '_state.json.lock');
      await writeFile(lock, `${JSON.stringify({ pid: process.pid, host: hostname(), since: 'x' })}\n`);
      const since = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
      await utimes(lock, since, since);
      const started = performance.now();
      const error = await store.putIfVersion(KEY, 'v2', versionOf('v1')).catch((e: unknown) => e);
      expect(performance.now() - started).toBeGreaterThanOrEqual(1_900);
      expect(error).toEqual(new LockBusyError(
        `${KEY} is being written by process ${process.pid} on ${hostname()}, which has held its lock since ${since.toISOString()} (${lock}); ` +
          `the lock counts as abandoned at ${new Date(since.getTime() + 60_000).toISOString()} — retry then, or delete the lock if that process is gone`,
      ));
      expect(error).toBeInstanceOf(LockBusyError);
      expect(await store.get(KEY)).toEqual(Buffer.from('v1'));
      expect(await filesOnDisk(root)).toEqual([KEY, `${KEY}.lock`]);
    });

    it('breaks at once a fresh lock whose holder died on this host (a killed loader costs no minute)', async () => {
      await store.put(KEY, 'v1');
      const lock = join(root, 'erp', 'ventas', '_state.json.lock');
      const dead = spawnSync(process.execPath, ['-e', '0']).pid;
      await writeFile(lock, `${JSON.stringify({ pid: dead, host: hostname(), since: new Date().toISOString() })}\n`);
      await store.putIfVersion(KEY, 'v2', versionOf('v1'));
      expect(await store.get(KEY)).toEqual(Buffer.from('v2'));
      expect(await filesOnDisk(root)).toEqual([KEY]);

      // "At once": on a clock already past the writer's wait on its first look, only a lock
      // broken on that first look can be taken; one judged live would be reported busy.
      await writeFile(lock, `${JSON.stringify({ pid: dead, host: hostname(), since: new Date().toISOString() })}\n`);
      let tick = 0;
      const handle = await acquireLock(lock, KEY, () => (tick += 10_000));
      await handle.close();
      expect(JSON.parse(await readFile(lock, 'utf8'))).toEqual({ pid: process.pid, host: hostname(), since: new Date(30_000).toISOString() });
    });

    it('judges a lock of another host, or without a holder, by its age alone', async () => {
      await store.put(KEY, 'v1');
      const lock = join(root, 'erp', 'ventas', '_state.json.lock');
      await writeFile(lock, `${JSON.stringify({ pid: 1, host: 'another-pod', since: new Date().toISOString() })}\n`);
      await expect(store.putIfVersion(KEY, 'v2', versionOf('v1'))).rejects.toThrow(/is being written by process 1 on another-pod/);
      await writeFile(lock, '');
      await expect(store.putIfVersion(KEY, 'v2', versionOf('v1'))).rejects.toThrow(/is being written by another process, which has held its lock since/);
    });

    it('breaks a lock left over a minute ago, whoever held it', async () => {
      await store.put(KEY, 'v1');
      const lock = join(root, 'erp', 'ventas', '_state.json.lock');
      await writeFile(lock, '');
      const twoMinutesAgo = new Date(Date.now() - 120_000);
      await utimes(lock, twoMinutesAgo, twoMinutesAgo);
      await store.putIfVersion(KEY, 'v2', versionOf('v1'));
      expect(await store.get(KEY)).toEqual(Buffer.from('v2'));
      expect(await filesOnDisk(root)).toEqual([KEY]);
    });
  });

  describe('keys that escape the folder', () => {
    it.each([['../x'], ['a/../../x'], ['/etc/passwd']])('refuses %s in every operation', async (key) => {
      const error = new TerminalError(`object key ${key} escapes the staging folder ${root}`);
      expect(() => store.uri(key)).toThrow(error);
      await expect(store.put(key, 'x')).rejects.toThrow(error);
      await expect(store.get(key)).rejects.toThrow(error);
      await expect(store.upload(key, Readable.from([Buffer.from('x')]))).rejects.toThrow(error);
      await expect(store.openRead(key)).rejects.toThrow(error);
      await expect(store.list(key)).rejects.toThrow(error);
      await expect(store.delete([key])).rejects.toThrow(error);
      await expect(store.getVersioned(key)).rejects.toThrow(error);
      await expect(store.putIfVersion(key, 'x', null)).rejects.toThrow(error);
    });

    it('accepts keys that only look odd but stay inside', async () => {
      await store.put('a/../b/..x', 'inside');
      expect(await store.list('')).toEqual(['b/..x']);
    });
  });
});
