/**
 * Real file-system faults for tests: a small tmpfs (a disk that fills up), remounted read-only on
 * demand, and a command run as an unprivileged user (root ignores permission bits, so EACCES can
 * only be met as someone else). Mounting needs root and a kernel that lets this process mount;
 * `smallDiskAvailability()` says why not, for a loud skip.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/** The unprivileged user a command runs as (Debian's `nobody`). */
export const UNPRIVILEGED = { uid: 65534, gid: 65534 };

let probed: { available: true } | { available: false; reason: string } | undefined;

/** Whether a tmpfs can be mounted here (root, `mount` permitted), probed once by mounting one. */
export async function smallDiskAvailability(): Promise<{ available: true } | { available: false; reason: string }> {
  if (probed) return probed;
  if (userInfo().uid !== 0) return (probed = { available: false, reason: 'mounting a small tmpfs needs root' });
  try {
    const disk = await mountSmallDisk(64);
    await disk.unmount();
    probed = { available: true };
  } catch (error) {
    probed = { available: false, reason: `mount -t tmpfs is not permitted here: ${(error as Error).message}` };
  }
  return probed;
}

export interface SmallDisk {
  /** The mount point. */
  path: string;
  /** Remounts the disk read-only (true) or read-write (false). */
  readOnly(on: boolean): void;
  unmount(): Promise<void>;
}

function mountCommand(args: string[]): void {
  const result = spawnSync('mount', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error((result.stderr || result.error?.message || `mount exited ${result.status}`).trim());
}

/** A tmpfs of `kib` KiB at a fresh folder, mode 0755 (readable by the unprivileged user). */
export async function mountSmallDisk(kib: number): Promise<SmallDisk> {
  const path = await mkdtemp(join(tmpdir(), 'datapipe-small-disk-'));
  try {
    mountCommand(['-t', 'tmpfs', '-o', `size=${kib}k,mode=0755`, 'tmpfs', path]);
  } catch (error) {
    await rm(path, { recursive: true, force: true });
    throw error;
  }
  const unmountNow = (): void => {
    spawnSync('umount', ['-l', path], { stdio: 'ignore' });
  };
  // A test process that dies without teardown must not leave a mount behind.
  process.once('exit', unmountNow);
  return {
    path,
    readOnly: (on) => mountCommand(['-o', `remount,${on ? 'ro' : 'rw'}`, path]),
    unmount: async () => {
      process.removeListener('exit', unmountNow);
      unmountNow();
      await rm(path, { recursive: true, force: true });
    },
  };
}

/** Whether a command can be run as UNPRIVILEGED here (root, and util-linux's setpriv present). */
export function unprivilegedAvailability(): { available: true } | { available: false; reason: string } {
  if (userInfo().uid !== 0) return { available: false, reason: 'running a command as another user needs root' };
  const probe = spawnSync('setpriv', ['--reuid', String(UNPRIVILEGED.uid), '--regid', String(UNPRIVILEGED.gid), '--clear-groups', 'true']);
  return probe.status === 0 ? { available: true } : { available: false, reason: `setpriv cannot switch to uid ${UNPRIVILEGED.uid}: ${probe.error?.message ?? probe.stderr.toString().trim()}` };
}

/** `file args…` as UNPRIVILEGED, through setpriv: the argv to spawn. */
export function asUnprivileged(file: string, args: string[]): { file: string; args: string[] } {
  return { file: 'setpriv', args: ['--reuid', String(UNPRIVILEGED.uid), '--regid', String(UNPRIVILEGED.gid), '--clear-groups', file, ...args] };
}
