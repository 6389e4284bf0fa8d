/**
 * The write lock of a `local` object (`<object>.lock`), which serialises conditional writes. The
 * lock file names its holder — process id, host, since when — so that a lock another process
 * holds is reported as exactly that, and a lock left by a process that died on this host is
 * broken at once; one left by a process elsewhere (another container, another machine) is broken
 * once older than STALE_LOCK_MS. A real holder keeps the lock for one read and one small write,
 * so a writer that meets it waits briefly before it reports it.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { link, open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockBusyError } from '../../errors.js';

/** A lock older than this was left by a holder that stopped: nobody holds one for longer. */
export const STALE_LOCK_MS = 60_000;

/** How long a writer waits for a live holder to finish before reporting the lock busy. */
const WAIT_FOR_HOLDER_MS = 2_000;

/** Who holds a lock, as its file says. */
export interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

/** Takes the lock `lock` of object `key`; throws LockBusyError when a live holder keeps it. */
export async function acquireLock(lock: string, key: string, now: () => number = Date.now): Promise<FileHandle> {
  const deadline = now() + WAIT_FOR_HOLDER_MS;
  for (;;) {
    try {
      const handle = await open(lock, 'wx');
      const holder: LockHolder = { pid: process.pid, host: hostname(), since: new Date(now()).toISOString() };
      await handle.writeFile(`${JSON.stringify(holder)}\n`);
      return handle;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const found = await stat(lock).catch(() => null);
    if (!found) continue;
    const holder = await readHolder(lock);
    if (abandoned(holder, found.mtimeMs, now())) {
      await breakLock(lock, found.ino);
      continue;
    }
    if (now() >= deadline) throw busy(key, lock, holder, found.mtimeMs);
    await sleep(50);
  }
}

/** Whether the holder is gone: a dead process on this host, or a lock past STALE_LOCK_MS. */
function abandoned(holder: LockHolder | null, mtimeMs: number, nowMs: number): boolean {
  if (nowMs - mtimeMs > STALE_LOCK_MS) return true;
  return holder !== null && holder.host === hostname() && !alive(holder.pid);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(lock: string): Promise<LockHolder | null> {
  try {
    const holder = JSON.parse(await readFile(lock, 'utf8')) as Partial<LockHolder>;
    return typeof holder.pid === 'number' && typeof holder.host === 'string' && typeof holder.since === 'string' ? (holder as LockHolder) : null;
  } catch {
    // Empty (its holder stopped between creating and writing it) or not ours: judged by its age.
    return null;
  }
}

/**
 * Removes an abandoned lock atomically: renamed aside, and put back if what was moved is not the
 * lock that was judged (another writer broke it first and took a fresh one).
 */
async function breakLock(lock: string, judged: number): Promise<void> {
  const moved = `${lock}.${randomBytes(6).toString('hex')}`;
  if (!(await rename(lock, moved).then(() => true, () => false))) return;
  const took = await stat(moved);
  if (took.ino !== judged) await link(moved, lock).catch(() => undefined);
  await rm(moved, { force: true });
}

function busy(key: string, lock: string, holder: LockHolder | null, mtimeMs: number): LockBusyError {
  const since = new Date(mtimeMs).toISOString();
  const staleAt = new Date(mtimeMs + STALE_LOCK_MS).toISOString();
  const who = holder ? `process ${holder.pid} on ${holder.host}` : 'another process';
  return new LockBusyError(
    `${key} is being written by ${who}, which has held its lock since ${since} (${lock}); ` +
      `the lock counts as abandoned at ${staleAt} — retry then, or delete the lock if that process is gone`,
  );
}
