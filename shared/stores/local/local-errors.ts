/**
 * Classifies what the file system throws at the `local` staging folder (docs/style.md §7): the
 * conditions an operator must fix — a full disk, a read-only mount, a folder the process may not
 * write — become one line naming the cause, its errno and the path. Anything else passes through
 * unchanged (a failing body, an aborted part), so the caller's own message survives.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TerminalError, TransientError, type DataPipeError } from '../../errors.js';

/** What was being done, for the message: `write` a file or `create` a folder. */
export type LocalOperation = 'write' | 'create the folder';

/**
 * The DataPipe error for a file-system failure at `path`, or the error itself when it is not one
 * of the conditions below. A full disk is transient (exit 1), like a database short of temporary
 * space: other runs may free it, and this run's temporary files are removed before it reports.
 * A read-only mount and a permission refusal are configuration (exit 2): retrying cannot help.
 */
export function classifyLocalError(error: unknown, operation: LocalOperation, path: string, root: string, setting = 'destination.local.path'): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const where = `cannot ${operation} ${path}`;
  const options = { cause: error };
  const place = setting === 'destination.local.path' ? `the staging folder ${root}` : root;
  let classified: DataPipeError | undefined;
  switch (code) {
    case 'ENOSPC':
      classified = new TransientError(`${where}: no space left on the device (ENOSPC) — free space on the disk holding ${place} (${setting}), or point it at a larger disk`, options);
      break;
    case 'EDQUOT':
      classified = new TransientError(`${where}: the disk quota is exhausted (EDQUOT) — free space in ${place} (${setting}), or raise the quota`, options);
      break;
    case 'EROFS':
      classified = new TerminalError(`${where}: the file system is read-only (EROFS) — point ${setting} at a writable folder, or mount ${root} read-write`, options);
      break;
    case 'ENOTDIR': case 'EEXIST':
      classified = new TerminalError(`${where}: a file stands where a folder is needed (${code}) — move it, or point ${setting} elsewhere`, options);
      break;
    case 'EACCES': case 'EPERM':
      classified = new TerminalError(`${where}: permission denied (${code}) — let the user running DataPipe (uid ${process.getuid?.() ?? '?'}) write to ${dirname(path)}, or point ${setting} at a folder it may write`, options);
      break;
  }
  return classified ?? error;
}

/**
 * `mkdir -p`, with the real cause when it fails: a recursive mkdir under a read-only or forbidden
 * folder reports ENOENT for the first missing level (Node 20), hiding EROFS / EACCES. On failure
 * the first missing level is created alone, which fails with the file system's own errno.
 */
export async function makeFolder(folder: string, root: string, setting?: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw classifyLocalError(error, 'create the folder', folder, root, setting);
    let missing = folder;
    while (dirname(missing) !== missing && !(await exists(dirname(missing)))) missing = dirname(missing);
    const real = await mkdir(missing).then(() => null, (cause: unknown) => cause);
    if (real !== null) throw classifyLocalError(real, 'create the folder', missing, root, setting);
    // Someone else created it meanwhile: try the whole path once more.
    await mkdir(folder, { recursive: true }).catch((again: unknown) => {
      throw classifyLocalError(again, 'create the folder', folder, root, setting);
    });
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
