/**
 * Reading config.yaml: YAML → `${ENV}` interpolation → zod validation, every problem reported as
 * one line with file, line, field and fix (ConfigError). Also `.env` loading and table lookup.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { LineCounter, parseDocument } from 'yaml';
import { TerminalError } from '../errors.js';
import { ConfigError } from './config-error.js';
import { describeIssue, issueLine, type IssueContext, type LocatedIssue } from './config-issues.js';
import { configSchema, type Config, type TableSpec } from './config-schema.js';
import { interpolateTree, type Environment } from './interpolate.js';
import { allowedKeys } from './json-schema.js';
import { YamlLocations } from './yaml-locations.js';

/** A validated config and where it came from. */
export interface LoadedConfig {
  /** Absolute path of the config file. */
  path: string;
  /** Its folder: relative paths inside the config resolve against it (docs/architecture.md, "Paths"). */
  dir: string;
  config: Config;
}

export { ConfigError } from './config-error.js';

const INIT_HINT = 'create one with `datapipe init <name> --cloud local`';

/**
 * Loads and validates a config file. Throws TerminalError for an unreadable file and ConfigError
 * (a TerminalError) listing every problem for invalid YAML, unset variables or schema violations.
 * Relative `destination.local` paths come back absolute.
 */
export async function loadConfig(path: string, env: Environment = process.env): Promise<LoadedConfig> {
  const absolute = resolve(path);
  const file = displayPath(absolute);
  const { tree, locations } = parseYaml(await readConfigText(absolute, file), file);

  const interpolated = interpolateTree(tree, env);
  if (interpolated.issues.length > 0) {
    throw new ConfigError(inReadingOrder(interpolated.issues.map((issue) => {
      const line = locations.lineOf(issue.path);
      return { line, text: issueLine(file, line, issue.path, issue.message), rank: 0 };
    })));
  }

  const result = configSchema.safeParse(interpolated.value);
  if (!result.success) {
    const context: IssueContext = {
      file,
      input: interpolated.value,
      resolvedPaths: interpolated.resolvedPaths,
      locations,
      allowedKeys: (at) => allowedKeys(at, interpolated.value),
    };
    throw new ConfigError(inReadingOrder(result.error.issues.flatMap((issue) => describeIssue(issue, context))));
  }

  const dir = dirname(absolute);
  return { path: absolute, dir, config: resolvePaths(result.data, dir) };
}

/**
 * The table named `name` (case-insensitive, as SQL identifiers are); a TerminalError listing the
 * configured tables otherwise.
 */
export function findTable(loaded: LoadedConfig, name: string): TableSpec {
  const lower = name.toLowerCase();
  const table = loaded.config.tables.find((t) => t.name.toLowerCase() === lower);
  if (table) return table;
  const names = loaded.config.tables.map((t) => t.name).join(', ');
  throw new TerminalError(`table ${name} is not in ${displayPath(loaded.path)} — use one of: ${names}`);
}

/**
 * Loads `<cwd>/.env` into `env` for local runs (docs/architecture.md): variables already set win, so an
 * exported value or a container's `--env-file` is never overridden. A missing file is not an error.
 * Returns the names it set, sorted.
 */
export function loadDotEnv(cwd: string = process.cwd(), env: Record<string, string | undefined> = process.env): string[] {
  const file = join(cwd, '.env');
  let text: string;
  try {
    // Synchronous: it runs once at startup, before anything reads the environment.
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw new TerminalError(`cannot read ${displayPath(file)} (${errorCode(error) ?? 'unknown error'}) — check its permissions`, { cause: error });
  }
  const set: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (env[name] === undefined && value !== undefined) {
      env[name] = value;
      set.push(name);
    }
  }
  return set.sort();
}

/** The YAML tree and where each path sits in the file; syntax errors become ConfigError lines with line:col. */
function parseYaml(text: string, file: string): { tree: unknown; locations: YamlLocations } {
  const lineCounter = new LineCounter();
  // `merge`: `<<: *defaults` lets tables share settings; prettyErrors off keeps file text out of messages.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return `${file}:${line}:${col}: YAML syntax error: ${error.message} — fix the YAML syntax there`;
    }));
  }
  if (doc.contents === null) {
    throw new ConfigError([`${file}:1: the file is empty — fill it in, or generate a commented one with \`datapipe init <name> --cloud local\``]);
  }
  try {
    return { tree: doc.toJS(), locations: new YamlLocations(doc, lineCounter) };
  } catch (error) {
    // e.g. "Excessive alias count": aliases expanding past yaml's limit.
    throw new ConfigError([`${file}:1: ${(error as Error).message} — simplify the anchors and aliases`], { cause: error });
  }
}

async function readConfigText(absolute: string, file: string): Promise<string> {
  try {
    return await readFile(absolute, 'utf8');
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') throw new TerminalError(`config file not found: ${file} — ${INIT_HINT}`, { cause: error });
    if (code === 'EISDIR') throw new TerminalError(`${file} is a folder — point --config at the config.yaml inside it`, { cause: error });
    throw new TerminalError(`cannot read ${file} (${code ?? 'unknown error'}) — check its permissions`, { cause: error });
  }
}

/** Relative `destination.local` paths resolve against the config file's folder, not the process's. */
function resolvePaths(config: Config, dir: string): Config {
  const local = config.destination.local;
  if (local === undefined) return config;
  return {
    ...config,
    destination: { ...config.destination, local: { ...local, path: resolve(dir, local.path), warehouse: resolve(dir, local.warehouse) } },
  };
}

/** How a path is shown in messages: relative to the current directory when inside it. */
function displayPath(absolute: string): string {
  const rel = relative(process.cwd(), absolute);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absolute;
}

/** Unknown keys first (see LocatedIssue.rank), then by line; duplicates dropped. */
function inReadingOrder(issues: LocatedIssue[]): string[] {
  const lines = [...issues].sort((a, b) => a.rank - b.rank || a.line - b.line).map((issue) => issue.text);
  return [...new Set(lines)];
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
