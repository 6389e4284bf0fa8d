/**
 * Turns zod issues into the one-line messages users see (docs/architecture.md: "one line naming the
 * file, field … and the fix"): `<file>:<line>: <field.path>: <what is wrong> — <the fix>`.
 *
 * Schema constraints carry their own `<what> — <fix>` messages (schema-primitives.ts); this module
 * words the structural problems zod reports generically: missing keys, wrong types, values outside
 * an enum, unknown keys (with a "did you mean"). Values are echoed only when they were written in
 * the file itself, never when they came from the environment.
 */
import type { z } from 'zod';
import { formatPath, valueAt, type FieldPath } from './field-path.js';
import type { YamlLocations } from './yaml-locations.js';

/** Everything needed to word an issue. */
export interface IssueContext {
  /** The config file as the user named it. */
  file: string;
  /** The interpolated tree that was validated. */
  input: unknown;
  /** Paths whose strings came from the environment (interpolate.ts): never echoed. */
  resolvedPaths: ReadonlySet<string>;
  locations: YamlLocations;
  /** Keys allowed in the mapping at a path, for "did you mean" (see json-schema.ts allowedKeys). */
  allowedKeys: (path: FieldPath) => string[];
}

/** One located message line. */
export interface LocatedIssue {
  line: number;
  text: string;
  /**
   * Unknown keys rank first (0): a misspelt key is usually the cause of the other problems
   * (`load_mod` makes load_mode default, which then asks for a partition_column).
   */
  rank: number;
}

/** `<file>:<line>: <path>: <message>` — the shape of every config error line. */
export function issueLine(file: string, line: number, path: FieldPath, message: string): string {
  const field = formatPath(path);
  return field === '' ? `${file}:${line}: ${message}` : `${file}:${line}: ${field}: ${message}`;
}

/** The message lines for one zod issue (an issue naming several unknown keys gives one line per key). */
export function describeIssue(issue: z.core.$ZodIssue, ctx: IssueContext): LocatedIssue[] {
  const path = issue.path as FieldPath;
  const at = (where: FieldPath, message: string): LocatedIssue => {
    const line = ctx.locations.lineOf(where);
    return { line, text: issueLine(ctx.file, line, where, message), rank: issue.code === 'unrecognized_keys' ? 0 : 1 };
  };

  if (issue.code === 'unrecognized_keys') {
    const allowed = ctx.allowedKeys(path);
    return issue.keys.map((key) => at([...path, key], unknownKey(key, allowed)));
  }
  if (issue.code === 'invalid_key') {
    const inner = issue.issues.find((i) => i.message.includes(' — '));
    const key = String(path[path.length - 1]);
    return [at(path, inner ? `key "${key}" ${inner.message}` : `key "${key}" is not allowed — rename it`)];
  }
  if (issue.message.includes(' — ')) return [at(path, issue.message)];

  const value = valueAt(ctx.input, path);
  const options = enumOptions(issue);
  if (value === undefined) return [at(path, missing(path, options))];
  if (options) return [at(path, notAnOption(echo(value, path, ctx), options))];
  if (issue.code === 'invalid_type') return [at(path, wrongType(issue.expected, value))];
  return [at(path, `${lowerFirst(issue.message)} — fix the value`)];
}

function unknownKey(key: string, allowed: string[]): string {
  const suggestion = closest(key, allowed);
  if (suggestion) return `unknown key "${key}" (did you mean "${suggestion}"?) — rename it`;
  return allowed.length > 0
    ? `unknown key "${key}" — remove it (allowed here: ${allowed.join(', ')})`
    : `unknown key "${key}" — remove it`;
}

function missing(path: FieldPath, options: string[] | undefined): string {
  const key = String(path[path.length - 1] ?? '');
  const parent = formatPath(path.slice(0, -1));
  const where = parent === '' ? 'at the top level' : `under ${parent}`;
  const choices = options ? ` (${orList(options)})` : '';
  return `missing — add ${key}:${choices} ${where}`;
}

function notAnOption(shown: string | undefined, options: string[]): string {
  const suggestion = shown === undefined ? undefined : closest(shown, options);
  const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
  const subject = shown === undefined ? 'the value' : `"${shown}"`;
  return `${subject} is not allowed here${hint} — write ${orList(options)}`;
}

function wrongType(expected: string, value: unknown): string {
  const wanted = TYPE_WORDS[expected] ?? expected;
  const got = kindOf(value);
  if (value === null) return `has no value — give it ${wanted}, or remove the line`;
  if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    return `expected text, got ${got} — put the value in quotes`;
  }
  return `expected ${wanted}, got ${got} — write ${wanted}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text', number: 'a number', int: 'a whole number', boolean: 'true or false',
  object: 'a mapping (key: value lines)', array: 'a list', record: 'a mapping (key: value lines)',
};

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'nothing';
  switch (typeof value) {
    case 'string': return 'text';
    case 'number': return 'a number';
    case 'boolean': return 'true/false';
    case 'object': return 'a mapping';
    default: return typeof value;
  }
}

/** The allowed values of an enum / literal / discriminator issue, as text. */
function enumOptions(issue: z.core.$ZodIssue): string[] | undefined {
  if (issue.code === 'invalid_value') return issue.values.map(String);
  if (issue.code === 'invalid_union') {
    const options = (issue as { options?: unknown[] }).options;
    // A defaulted discriminator (source.type: oracle) is listed as `undefined` too: not something to write.
    if (Array.isArray(options)) return options.filter((option) => option !== undefined).map(String);
  }
  return undefined;
}

/** The value as the user wrote it, unless it came from the environment or is not a short scalar. */
function echo(value: unknown, path: FieldPath, ctx: IssueContext): string | undefined {
  if (ctx.resolvedPaths.has(formatPath(path))) return undefined;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
  const text = String(value);
  return text.length <= 60 ? text : undefined;
}

function orList(options: string[]): string {
  if (options.length <= 1) return options.join('');
  return `${options.slice(0, -1).join(', ')} or ${options[options.length - 1]}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** The allowed word nearest to `word` when it is a plausible typo (edit distance ≤ a third of its length). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
