/**
 * Which installed packages a bundle needs beside it: the package-lock.json closure of the packages
 * it loads at run time (scripts/image-bundle.ts), resolved as Node resolves `node_modules`.
 */

export interface LockEntry {
  version?: string;
  dev?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export interface Lockfile {
  packages: Record<string, LockEntry>;
}

/** The lock key `name` resolves to from the package at `from` (Node's node_modules lookup). */
export function resolveInLock(lock: Lockfile, from: string, name: string): string | null {
  for (let dir = from; ; dir = parentPackage(dir)) {
    const key = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (lock.packages[key]) return key;
    if (dir === '') return null;
  }
}

function parentPackage(key: string): string {
  const at = key.lastIndexOf('/node_modules/');
  return at === -1 ? '' : key.slice(0, at);
}

/**
 * Every lock key needed to run `roots`: their dependencies, optional dependencies and required
 * peers, transitively — keeping only what `installed(key)` says is on disk (optional packages for
 * other platforms are not).
 */
export function dependencyClosure(lock: Lockfile, roots: readonly string[], installed: (key: string) => boolean): string[] {
  const seen = new Set<string>();
  const queue: string[] = [];
  for (const root of roots) {
    const key = resolveInLock(lock, '', root);
    if (!key || !installed(key)) throw new Error(`${root} is not installed in node_modules — run npm ci first`);
    queue.push(key);
  }
  while (queue.length > 0) {
    const key = queue.pop()!;
    if (seen.has(key)) continue;
    seen.add(key);
    const entry = lock.packages[key]!;
    const required = { ...entry.dependencies, ...entry.optionalDependencies };
    for (const [peer] of Object.entries(entry.peerDependencies ?? {})) {
      if (!entry.peerDependenciesMeta?.[peer]?.optional) required[peer] = '';
    }
    for (const name of Object.keys(required)) {
      const found = resolveInLock(lock, key, name);
      if (found && !seen.has(found) && installed(found)) queue.push(found);
      else if (!found && !entry.optionalDependencies?.[name]) throw new Error(`${key} needs ${name}, which package-lock.json does not hold`);
    }
  }
  return [...seen].sort();
}
