/**
 * The drift check the pipeline runs on every push and pull request (README, "The deployment
 * pipeline"): what is committed must equal, byte for byte, what the configs generate. One shared
 * wording for DAGs, schema DDL and the pipeline file, so a failed check always reads the same.
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { TerminalError } from '../../../shared/errors.js';

/** A file the generator would write, and its exact text. */
export interface ExpectedFile {
  path: string;
  text: string;
}

export interface DriftCheck {
  expected: ExpectedFile[];
  /** Files that should no longer exist (generated from the config for something it no longer has). */
  stale?: string[];
  /** What was checked, e.g. `the DAGs of sales/config.yaml`. */
  what: string;
  /** The command that brings the files back in line. */
  fix: string;
}

/**
 * Prints `up to date: <what> (<n> files)` when every file matches; otherwise throws a TerminalError
 * (exit 2) naming each file that differs (with its first differing line), is missing or is stale.
 */
export async function reportDrift(check: DriftCheck): Promise<void> {
  const problems: string[] = [];
  for (const file of check.expected) {
    const committed = await readFile(file.path, 'utf8').catch(() => undefined);
    if (committed === undefined) problems.push(`${shown(file.path)} is missing`);
    else if (committed !== file.text) problems.push(`${shown(file.path)} differs from line ${firstDifferentLine(committed, file.text)}`);
  }
  for (const path of check.stale ?? []) problems.push(`${shown(path)} is stale`);
  if (problems.length > 0) {
    throw new TerminalError(`drift: ${check.what} are not what the config generates (${problems.join('; ')}) — ${check.fix}`);
  }
  process.stdout.write(`up to date: ${check.what} (${check.expected.length} file${check.expected.length === 1 ? '' : 's'})\n`);
}

/** 1-based number of the first line where the two texts differ. */
export function firstDifferentLine(a: string, b: string): number {
  const left = a.split('\n');
  const right = b.split('\n');
  let line = 0;
  while (line < left.length && line < right.length && left[line] === right[line]) line += 1;
  return line + 1;
}

function shown(path: string): string {
  return relative(process.cwd(), path) || path;
}
