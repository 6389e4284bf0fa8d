/**
 * Reads a workspace into a CiSpec: which configs the pipeline checks, which deploy, and the
 * placeholder values that let the checks load each config without any credential.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import { ConfigError, loadConfig } from '../../../shared/config/load-config.js';
import { variableReferences } from '../../../shared/config/interpolate.js';
import { TerminalError } from '../../../shared/errors.js';
import { DATAPIPE, deployTarget, type CiConfig, type CiProvider, type CiSpec } from './ci-spec.js';

export interface WorkspaceInput {
  provider: CiProvider;
  /** Workspace root: the DataPipe checkout holding the configs. */
  root: string;
  /** One config (as given), or every `config.yaml` and `<folder>/config.yaml` of the root. */
  config?: string;
  all: boolean;
}

/** The spec of the workspace's pipeline; TerminalError (exit 2) naming the config and the fix otherwise. */
export async function readWorkspace(input: WorkspaceInput): Promise<CiSpec> {
  const { root, provider } = input;
  const scripts = await frameworkScripts(root);
  const paths = input.all ? await workspaceConfigs(root) : [resolve(input.config!)];
  const configs: CiConfig[] = [];
  const placeholders = new Map<string, string>();
  for (const absolute of paths) {
    const path = relative(root, absolute).split(sep).join('/');
    if (!/^(?:[^/.][^/]*\/)?config\.yaml$/.test(path)) {
      throw new TerminalError(`${absolute}: the pipeline checks config.yaml and <folder>/config.yaml of the workspace root (${root}) only — move the config there, or pass --out <workspace root>`);
    }
    const variables = placeholderValues(await readFile(absolute, 'utf8').catch(() => ''));
    const loaded = await loadWithPlaceholders(absolute, path, variables);
    for (const [name, value] of variables) placeholders.set(name, placeholders.get(name) ?? value);
    const config = loaded.config;
    const twin = configs.find((c) => c.project === config.project.name);
    if (twin) {
      throw new TerminalError(`${path}: project.name ${config.project.name} is also ${twin.path}'s — each config deploys its DAGs to <dags>/<project.name>/, so give each a project name of its own`);
    }
    configs.push({
      path,
      project: config.project.name,
      cloud: config.destination.cloud,
      ...(config.deploy !== undefined ? { deploy: deployTarget(config, config.deploy, path) } : {}),
    });
  }
  const selection = input.all ? '--all' : `--config ${configs[0]!.path}`;
  return {
    provider,
    command: `${DATAPIPE} generate ci --provider ${provider} ${selection} --check`,
    configs,
    placeholders: [...placeholders.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ...(scripts['test:unit'] !== undefined ? { unitTests: 'npm run test:unit' } : scripts.test !== undefined ? { unitTests: 'npm test' } : {}),
  };
}

/** The pipeline runs `npm ci`, `make build` and dist/'s CLI: the root must be a DataPipe checkout. */
async function frameworkScripts(root: string): Promise<Record<string, string>> {
  const pkg = await readFile(join(root, 'package.json'), 'utf8').then((text) => JSON.parse(text) as { name?: unknown; scripts?: Record<string, string> }).catch(() => undefined);
  const makefile = await stat(join(root, 'Makefile')).then((s) => s.isFile(), () => false);
  if (pkg?.name !== 'datapipe' || !makefile) {
    throw new TerminalError(`generate ci: ${root} is not a DataPipe workspace (no package.json named datapipe beside a Makefile) — run it from the workspace root, or pass --out <workspace root>`);
  }
  return pkg.scripts ?? {};
}

/** `config.yaml` and `*\/config.yaml` of the root, sorted: what `make build` bakes and `make dags` reads. */
async function workspaceConfigs(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true });
  const found: string[] = [];
  if (entries.some((e) => e.isFile() && e.name === 'config.yaml')) found.push(join(root, 'config.yaml'));
  for (const entry of entries.filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules').sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (await stat(join(root, entry.name, 'config.yaml')).then((s) => s.isFile(), () => false)) found.push(join(root, entry.name, 'config.yaml'));
  }
  if (found.length === 0) throw new TerminalError(`generate ci: no config.yaml or <folder>/config.yaml in ${root} — create one with \`datapipe init <name> --cloud <cloud>\``);
  return found;
}

/**
 * A placeholder per variable referenced without a default, shaped for the field it fills (a port
 * takes digits, a URL a scheme): the checks load the config with these, never with real values.
 */
export function placeholderValues(yamlText: string): Map<string, string> {
  const values = new Map<string, string>();
  const visit = (node: unknown, key: string): void => {
    if (typeof node === 'string') {
      for (const ref of variableReferences(node)) {
        if (!ref.hasDefault && !values.has(ref.name)) values.set(ref.name, placeholderFor(key));
      }
    } else if (Array.isArray(node)) {
      node.forEach((item) => visit(item, key));
    } else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) visit(v, k);
    }
  };
  try {
    visit(parse(yamlText, { merge: true, prettyErrors: false }), '');
  } catch {
    // loadConfig reports the YAML error itself, with its line.
  }
  return values;
}

function placeholderFor(key: string): string {
  if (key === 'port') return '1';
  if (key.endsWith('_url')) return 'https://placeholder.invalid';
  if (key.endsWith('_arn') || key === 'iam_role') return 'arn:placeholder';
  return 'placeholder';
}

async function loadWithPlaceholders(absolute: string, path: string, variables: Map<string, string>) {
  try {
    return await loadConfig(absolute, Object.fromEntries(variables));
  } catch (error) {
    if (!(error instanceof ConfigError) || variables.size === 0) throw error;
    const first = error.issues[0] ?? error.message;
    throw new TerminalError(`${first} (the pipeline checks ${path} with placeholder values for ${[...variables.keys()].join(', ')}: a variable whose value needs a shape wants a default, \${VAR:-value})`, { cause: error });
  }
}
