import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TerminalError, TransientError } from '../../../shared/errors.js';
import { LocalStore } from '../../../shared/stores/local/local-store.js';
import { ROOT } from '../../support/cli.js';
import { asUnprivileged, mountSmallDisk, smallDiskAvailability, UNPRIVILEGED, unprivilegedAvailability, type SmallDisk } from '../../support/small-disk.js';

/**
 * The staging folder on a real disk that fills up, turns read-only, or refuses the user: the
 * failure names the cause, its errno and the path, and leaves no temporary file behind.
 */

const disk = await smallDiskAvailability();
if (!disk.available) console.warn(`[local-store disk faults] SKIPPING the full and read-only disk tests: ${disk.reason}`);
const unprivileged = unprivilegedAvailability();
if (!unprivileged.available) console.warn(`[local-store disk faults] SKIPPING the permission test: ${unprivileged.reason}`);

/** Every entry under `dir`, relative (temporary files included). */
async function entriesOnDisk(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

/** The one line and the exit code a failure gives. */
function outcome(error: unknown): { kind: string; exitCode: number; message: string } {
  const e = error as TransientError;
  return { kind: e.constructor.name, exitCode: e.exitCode, message: e.message };
}

async function failureOf(work: Promise<unknown>): Promise<unknown> {
  return work.then(() => { throw new Error('expected a failure'); }, (error: unknown) => error);
}

describe.skipIf(!disk.available)('LocalStore on a full or read-only disk (a real 1 MiB tmpfs)', () => {
  let small: SmallDisk;
  let root: string;
  let store: LocalStore;

  beforeAll(async () => {
    small = await mountSmallDisk(1024);
    root = join(small.path, 'staging');
    store = new LocalStore(root);
  });

  afterEach(async () => {
    small.readOnly(false);
    await rm(root, { recursive: true, force: true });
  });

  afterAll(async () => {
    await small?.unmount();
  });

  it('names a full disk on an upload (ENOSPC, exit 1) and leaves no temporary file', async () => {
    const key = 'erp/ventas/run=r1/part-0000-000000.avro';
    const body = Readable.from([randomBytes(512 * 1024), randomBytes(512 * 1024), randomBytes(512 * 1024)]);
    const error = await failureOf(store.upload(key, body));
    expect(error).toBeInstanceOf(TransientError);
    expect(outcome(error)).toEqual({
      kind: 'TransientError', exitCode: 1,
      message: `cannot write ${root}/${key}: no space left on the device (ENOSPC) — free space on the disk holding the staging folder ${root} (destination.local.path), or point it at a larger disk`,
    });
    expect(await entriesOnDisk(root)).toEqual(['erp', 'erp/ventas', 'erp/ventas/run=r1']);
  });

  it('names a full disk on a small write (ENOSPC) and leaves no empty temporary file', async () => {
    await store.upload('erp/filler.bin', Readable.from([randomBytes(1000 * 1024)]));
    const error = await failureOf(store.put('erp/ventas/_state.json', JSON.stringify({ pad: 'x'.repeat(64 * 1024) })));
    expect(outcome(error)).toEqual({
      kind: 'TransientError', exitCode: 1,
      message: `cannot write ${root}/erp/ventas/_state.json: no space left on the device (ENOSPC) — free space on the disk holding the staging folder ${root} (destination.local.path), or point it at a larger disk`,
    });
    expect(await entriesOnDisk(root)).toEqual(['erp', 'erp/filler.bin', 'erp/ventas']);
  });

  it('names a read-only disk (EROFS, exit 2) when a folder must be created, not ENOENT', async () => {
    await mkdir(join(root, 'erp'), { recursive: true });
    small.readOnly(true);
    const error = await failureOf(store.upload('erp/ventas/run=r1/part-0000-000000.avro', Readable.from([Buffer.from('x')])));
    expect(error).toBeInstanceOf(TerminalError);
    expect(outcome(error)).toEqual({
      kind: 'TerminalError', exitCode: 2,
      message: `cannot create the folder ${root}/erp/ventas: the file system is read-only (EROFS) — point destination.local.path at a writable folder, or mount ${root} read-write`,
    });
  });

  it('names a read-only disk (EROFS) when a file is written into an existing folder', async () => {
    await store.put('erp/ventas/_state.json', '{}');
    small.readOnly(true);
    const error = await failureOf(store.put('erp/ventas/_state.json', '{"v":2}'));
    expect(outcome(error)).toEqual({
      kind: 'TerminalError', exitCode: 2,
      message: `cannot write ${root}/erp/ventas/_state.json: the file system is read-only (EROFS) — point destination.local.path at a writable folder, or mount ${root} read-write`,
    });
    expect(await entriesOnDisk(root)).toEqual(['erp', 'erp/ventas', 'erp/ventas/_state.json']);
  });
});

describe.skipIf(!unprivileged.available)(`LocalStore in a folder its user may not write (run as uid ${UNPRIVILEGED.uid}, since root ignores permissions)`, () => {
  let base: string;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'datapipe-local-eacces-'));
    await mkdir(join(base, 'staging', 'erp'), { recursive: true });
    for (const dir of [base, join(base, 'staging'), join(base, 'staging', 'erp')]) await chmod(dir, 0o755);
  });

  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  /** Runs `store.<call>` in a child process as the unprivileged user; its failure as JSON. */
  function asOtherUser(call: string): { kind: string; exitCode: number; message: string } {
    const script = [
      `import { LocalStore } from ${JSON.stringify(join(ROOT, 'dist/shared/stores/local/local-store.js'))};`,
      `const store = new LocalStore(${JSON.stringify(join(base, 'staging'))});`,
      `try { await store.${call}; console.log('null'); }`,
      'catch (e) { console.log(JSON.stringify({ kind: e.constructor.name, exitCode: e.exitCode, message: e.message })); }',
    ].join('\n');
    const { file, args } = asUnprivileged(process.execPath, ['--input-type=module', '-e', script]);
    const result = spawnSync(file, args, { encoding: 'utf8', cwd: base });
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout) as { kind: string; exitCode: number; message: string };
  }

  it('names the refused folder (EACCES, exit 2) when a folder must be created', () => {
    expect(asOtherUser("put('erp/ventas/_state.json', '{}')")).toEqual({
      kind: 'TerminalError', exitCode: 2,
      message: `cannot create the folder ${base}/staging/erp/ventas: permission denied (EACCES) — let the user running DataPipe (uid ${UNPRIVILEGED.uid}) write to ${base}/staging/erp, or point destination.local.path at a folder it may write`,
    });
  });

  it('names the refused file (EACCES, exit 2) when the folder exists', () => {
    expect(asOtherUser("put('erp/_state.json', '{}')")).toEqual({
      kind: 'TerminalError', exitCode: 2,
      message: `cannot write ${base}/staging/erp/_state.json: permission denied (EACCES) — let the user running DataPipe (uid ${UNPRIVILEGED.uid}) write to ${base}/staging/erp, or point destination.local.path at a folder it may write`,
    });
  });
});
