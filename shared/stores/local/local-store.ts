import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PreconditionFailedError, TerminalError } from '../../errors.js';
import type { ObjectStore, VersionedObject } from '../object-store.js';
import { classifyLocalError, makeFolder } from './local-errors.js';
import { acquireLock } from './local-lock.js';

/**
 * The `local` staging "bucket": a folder. Objects are written to a temporary name and renamed
 * into place, so a reader never sees a half-written file; conditional writes are serialised by an
 * exclusive lock file and compare a content hash. A write that fails removes its temporary file
 * before it reports the failure, and a full disk, a read-only mount or a refused folder is named
 * with its errno and path (local-errors.ts).
 */
export class LocalStore implements ObjectStore {
  readonly #root: string;

  constructor(root: string) {
    this.#root = resolve(root);
  }

  uri(key: string): string {
    return this.#path(key);
  }

  async upload(key: string, body: Readable): Promise<void> {
    const target = this.#path(key);
    const temp = await this.#tempFor(target);
    // Opened before the pipeline starts, so the file exists (or the open failed) before any
    // cleanup runs: a stream that opens lazily could create it after the cleanup.
    const file = await this.#create(temp, target);
    const out = file.createWriteStream();
    try {
      await pipeline(body, out);
      await rename(temp, target);
    } catch (error) {
      // The failed upload is cleaned up before it reports: the file closed, then removed.
      if (!out.closed) {
        out.destroy();
        await once(out, 'close').catch(() => undefined);
      }
      await rm(temp, { force: true });
      throw classifyLocalError(error, 'write', target, this.#root);
    }
  }

  async put(key: string, body: Buffer | string): Promise<void> {
    const target = this.#path(key);
    const temp = await this.#tempFor(target);
    const file = await this.#create(temp, target);
    try {
      try {
        await file.writeFile(body);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw classifyLocalError(error, 'write', target, this.#root);
    }
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.#path(key));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async openRead(key: string): Promise<Readable> {
    const path = this.#path(key);
    const stream = createReadStream(path);
    await new Promise<void>((ok, fail) => {
      stream.once('open', () => ok());
      stream.once('error', fail);
    });
    return stream;
  }

  async list(prefix: string): Promise<string[]> {
    const start = this.#path(prefix);
    // A prefix may end mid-name (`run=`); walk from its folder and filter.
    const folder = prefix.endsWith('/') || prefix === '' ? start : dirname(start);
    const keys: string[] = [];
    await walk(folder, async (file) => {
      const key = relative(this.#root, file).split(sep).join('/');
      if (key.startsWith(prefix) && !isTemp(key)) keys.push(key);
    });
    return keys.sort();
  }

  async delete(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.#path(key), { force: true })));
  }

  async getVersioned(key: string): Promise<VersionedObject | null> {
    const body = await this.get(key);
    return body === null ? null : { body, version: contentVersion(body) };
  }

  async putIfVersion(key: string, body: Buffer | string, expected: string | null): Promise<void> {
    const lock = `${this.#path(key)}.lock`;
    await makeFolder(dirname(lock), this.#root);
    const handle = await acquireLock(lock, key).catch((error: unknown) => {
      throw classifyLocalError(error, 'write', lock, this.#root);
    });
    try {
      const current = await this.getVersioned(key);
      const actual = current?.version ?? null;
      if (actual !== expected) {
        throw new PreconditionFailedError(`${key} changed since it was read (expected version ${expected ?? 'absent'}, found ${actual ?? 'absent'})`);
      }
      await this.put(key, body);
    } finally {
      await handle.close();
      await rm(lock, { force: true });
    }
  }

  #path(key: string): string {
    const path = resolve(this.#root, key);
    if (path !== this.#root && !path.startsWith(this.#root + sep)) {
      throw new TerminalError(`object key ${key} escapes the staging folder ${this.#root}`);
    }
    return path;
  }

  /** Creates (truncates) a temporary file for `target`; a refusal names the target's folder. */
  async #create(temp: string, target: string): Promise<FileHandle> {
    try {
      return await open(temp, 'w');
    } catch (error) {
      throw classifyLocalError(error, 'write', target, this.#root);
    }
  }

  async #tempFor(target: string): Promise<string> {
    await makeFolder(dirname(target), this.#root);
    return join(dirname(target), `.tmp-${randomBytes(6).toString('hex')}-${target.slice(dirname(target).length + 1)}`);
  }
}

function contentVersion(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 32);
}

function isTemp(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name.startsWith('.tmp-') || /\.lock(\.[0-9a-f]{12})?$/.test(name);
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

async function walk(folder: string, visit: (file: string) => Promise<void>): Promise<void> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) await walk(path, visit);
    else await visit(path);
  }
}
