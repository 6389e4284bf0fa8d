/**
 * A small Dockerfile reader for the image tests: stages and their instructions, with line
 * continuations joined and comments dropped — enough to check the files' structure and to run
 * their ENTRYPOINT and workspace step exactly as written.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../support/cli.js';

export interface Instruction {
  keyword: string;
  /** Everything after the keyword, continuations joined with a space. */
  value: string;
}

export interface Stage {
  /** The FROM image. */
  image: string;
  /** `AS <name>`, when given. */
  name?: string;
  instructions: Instruction[];
}

export const DOCKERFILES = { extractor: 'Dockerfile.extractor', loader: 'Dockerfile.loader' } as const;
export type Role = keyof typeof DOCKERFILES;

export function readDockerfile(role: Role): string {
  return readFileSync(join(ROOT, DOCKERFILES[role]), 'utf8');
}

/** The stages of a Dockerfile, in order (global ARGs before the first FROM: see globalArgs). */
export function parseDockerfile(text: string): Stage[] {
  return parse(text).stages;
}

/** `ARG name=default` lines before the first FROM, which FROM lines may use: { name: default }. */
export function globalArgs(text: string): Record<string, string> {
  return Object.fromEntries(parse(text).globals.map((value) => {
    const at = value.indexOf('=');
    return at === -1 ? [value, ''] : [value.slice(0, at), value.slice(at + 1)];
  }));
}

function parse(text: string): { globals: string[]; stages: Stage[] } {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push(`${pending}${line}`.trim());
    pending = '';
  }
  const stages: Stage[] = [];
  const globals: string[] = [];
  for (const line of logical) {
    const [, keyword = '', value = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      const [image = '', as, name] = value.split(/\s+/);
      stages.push({ image, ...(as?.toUpperCase() === 'AS' && name ? { name } : {}), instructions: [] });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (!stage && keyword.toUpperCase() === 'ARG') {
      globals.push(value);
      continue;
    }
    if (!stage) throw new Error(`instruction before FROM: ${line}`);
    stage.instructions.push({ keyword: keyword.toUpperCase(), value });
  }
  return { globals, stages };
}

/** The values of `keyword` in a stage. */
export function values(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.value);
}

/** The last stage: the image that ships. */
export function finalStage(text: string): Stage {
  return parseDockerfile(text).at(-1)!;
}

/** `ENV A=1 \ B=2` → { A: '1', B: '2' } over a stage (later values win). */
export function environment(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const value of values(stage, 'ENV')) {
    for (const [, key, text] of value.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[key!] = text!.replace(/^"|"$/g, '');
  }
  return env;
}

/** The exec-form ENTRYPOINT of the shipped stage; throws for the shell form. */
export function entrypoint(text: string): string[] {
  const [value] = values(finalStage(text), 'ENTRYPOINT').slice(-1);
  const parsed: unknown = JSON.parse(value ?? 'null');
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) throw new Error(`ENTRYPOINT is not in exec form: ${value}`);
  return parsed;
}

/** The shipped stage's last WORKDIR. */
export function workdir(text: string): string {
  return values(finalStage(text), 'WORKDIR').at(-1)!;
}

/**
 * Runs the `workspace` stage's RUN step as written, in `context` (standing for the build
 * context), with its `/workspace` redirected to `target`. Returns the shell's outcome.
 */
export function runWorkspaceStep(text: string, context: string, target: string): { status: number | null; stderr: string } {
  const stage = parseDockerfile(text).find((s) => s.name === 'workspace');
  const [script] = stage ? values(stage, 'RUN') : [];
  if (!script) throw new Error('no RUN in the workspace stage');
  const result = spawnSync('sh', ['-c', script.replaceAll('/workspace', target)], { cwd: context, encoding: 'utf8' });
  return { status: result.status, stderr: result.stderr };
}
