import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { TerminalError } from '../../shared/errors.js';

/**
 * Which config.yaml a container run uses (docs/architecture.md, "The user's workspace"): `--config`,
 * else `DATAPIPE_CONFIG`, else the one config among `./config.yaml` and `./*\/config.yaml` that
 * lists the table (an error naming the candidates when none or several do).
 */
export async function locateConfig(explicit: string | undefined, table: string | undefined, cwd = process.cwd()): Promise<string> {
  const given = explicit ?? process.env.DATAPIPE_CONFIG;
  if (given) return resolve(cwd, given);
  const candidates = await configCandidates(cwd);
  if (!table) {
    if (candidates.length === 1) return candidates[0]!;
    throw new TerminalError(`no --config given and ${candidates.length === 0 ? 'no config.yaml found' : `${candidates.length} configs found`} under ${cwd} — pass --config <path> or set DATAPIPE_CONFIG`);
  }
  const matches: string[] = [];
  for (const path of candidates) {
    if ((await tableNames(path)).includes(table.toLowerCase())) matches.push(path);
  }
  if (matches.length === 1) return matches[0]!;
  const shown = (matches.length > 0 ? matches : candidates).map((p) => relative(cwd, p)).join(', ');
  if (matches.length === 0) {
    throw new TerminalError(`table ${table} is not listed in any config under ${cwd}${shown ? ` (looked in ${shown})` : ''} — pass --config <path> or set DATAPIPE_CONFIG`);
  }
  throw new TerminalError(`table ${table} is listed in several configs (${shown}) — choose one with --config <path> or DATAPIPE_CONFIG`);
}

/** `./config.yaml` and `./*\/config.yaml` under `cwd`, sorted (for `datapipe status --all` too). */
export async function configCandidates(cwd: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(cwd, { withFileTypes: true }).catch(() => []);
  if (entries.some((e) => e.isFile() && e.name === 'config.yaml')) found.push(join(cwd, 'config.yaml'));
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(cwd, entry.name, 'config.yaml');
    if (await readFile(path).then(() => true, () => false)) found.push(path);
  }
  return found.sort();
}

/** Table names listed in a config, read without interpolation (its variables may not be set here). */
async function tableNames(path: string): Promise<string[]> {
  try {
    const doc = parse(await readFile(path, 'utf8')) as { tables?: { name?: unknown }[] } | null;
    return (doc?.tables ?? []).map((t) => String(t?.name ?? '').toLowerCase());
  } catch {
    return [];
  }
}
