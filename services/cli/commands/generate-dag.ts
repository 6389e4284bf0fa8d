import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { Config, TableSpec } from '../../../shared/config/config-schema.js';
import { findTable, loadConfig, loadDotEnv, type LoadedConfig } from '../../../shared/config/load-config.js';
import { TerminalError } from '../../../shared/errors.js';
import { dagSpec, type DagSpec } from '../dag/dag-spec.js';
import { dagTemplate, renderDag } from '../dag/dag-render.js';
import { secretVariables } from '../dag/secret-variables.js';
import { reportDrift, type ExpectedFile } from '../ci/drift.js';

export interface GenerateDagArgs {
  table?: string;
  all: boolean;
  config: string;
  /** Workspace root: DAGs go to `<out>/dags/` (default: the current directory). */
  out?: string;
  /** Compare the committed DAGs with what the config generates instead of writing (the pipeline's drift check). */
  check?: boolean;
  /** The image tag the pipeline pushed: the DAGs run `<deploy.registry>/<image>:<tag>` (see releaseConfig). */
  imageTag?: string;
  /** Write the DAG files here instead of `<out>/dags/` (the pipeline's release folder). */
  dagsDir?: string;
}

/**
 * `datapipe generate dag <TABLE>|--all --config <path> [--out <dir>] [--check] [--image-tag <tag>] [--dags-dir <dir>]`:
 * prints one `wrote …` line per file, or with --check one `up to date …` line (exit 2 on drift).
 */
export async function generateDagCommand(args: GenerateDagArgs): Promise<void> {
  loadDotEnv(process.cwd());
  if (!args.all && !args.table) throw new TerminalError('generate dag: name a table or pass --all');
  if (args.check && (args.imageTag !== undefined || args.dagsDir !== undefined)) {
    throw new TerminalError('generate dag: --check compares the committed dags/ with the config — drop --image-tag and --dags-dir');
  }
  const loaded = await loadConfig(resolve(args.config));
  const tables = args.all ? loaded.config.tables : [findTable(loaded, args.table!)];
  const options: GenerateDagsOptions = {
    loaded: args.imageTag === undefined ? loaded : { ...loaded, config: releaseConfig(loaded.config, args.imageTag) },
    tables,
    out: resolve(args.out ?? process.cwd()),
    ...(args.dagsDir !== undefined ? { dagsDir: resolve(args.dagsDir) } : {}),
  };
  if (args.check) {
    await checkDags(options, args.all, args.config);
    return;
  }
  const written = await generateDags(options);
  for (const file of written) process.stdout.write(`wrote ${file}\n`);
}

/**
 * The config as the pipeline deploys it: images from the registry it pushed to, under the
 * immutable tag it pushed, so a deployed DAG runs the images built from its own commit
 * (README, "The deployment pipeline"). Without `deploy:` only the tag changes.
 */
export function releaseConfig(config: Config, imageTag: string): Config {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(imageTag)) {
    throw new TerminalError('--image-tag is not an image tag — use letters, digits, _, . and - (e.g. the `make -s version` output)');
  }
  const registry = config.deploy?.registry ?? config.images?.registry;
  return { ...config, images: { ...config.images, ...(registry !== undefined ? { registry } : {}), tag: imageTag } };
}

export interface GenerateDagsOptions {
  loaded: LoadedConfig;
  tables: TableSpec[];
  /** Workspace root: the images bake its `*\/config.yaml`, DAGs go to `<out>/dags/`. */
  out: string;
  /** Where the DAG files go when not `<out>/dags/`. */
  dagsDir?: string;
}

/**
 * Writes `dags/dag_<cloud>_<table>.py` per table and returns the paths written (relative to the
 * current directory). Deterministic: a re-run over the same config rewrites identical bytes.
 * Refuses to overwrite a DAG generated from another config, or one not generated at all.
 */
export async function generateDags(options: GenerateDagsOptions): Promise<string[]> {
  const { dir, dags } = await renderDags(options);
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const { spec, path, text } of dags) {
    await refuseForeignFile(path, spec);
    await writeFile(path, text);
    written.push(relative(process.cwd(), path) || path);
  }
  return written;
}

/** Each table's DAG text and where it belongs, nothing written. */
async function renderDags(options: GenerateDagsOptions): Promise<{ dir: string; configPath: string; dags: { spec: DagSpec; path: string; text: string }[] }> {
  const { loaded, out } = options;
  const configPath = workspaceConfigPath(loaded.path, out);
  const variables = secretVariables(await readFile(loaded.path, 'utf8'));
  const specs = options.tables.map((table) => dagSpec({ config: loaded.config, table, configPath, secretVariables: variables }));
  refuseSharedFiles(specs);
  const dir = options.dagsDir ?? join(out, 'dags');
  const template = dagTemplate();
  return { dir, configPath, dags: specs.map((spec) => ({ spec, path: join(dir, spec.fileName), text: renderDag(spec, template) })) };
}

/**
 * The drift check: every DAG the config generates must be committed byte for byte, and with --all
 * no DAG generated from this config may outlive its table (Airflow would keep scheduling it).
 */
async function checkDags(options: GenerateDagsOptions, all: boolean, shownConfig: string): Promise<void> {
  const { dir, configPath, dags } = await renderDags(options);
  const expected: ExpectedFile[] = dags.map(({ path, text }) => ({ path, text }));
  const stale = all ? (await dagsGeneratedFrom(dir, configPath)).filter((path) => !dags.some((d) => d.path === path)) : [];
  await reportDrift({
    expected,
    stale,
    what: `the DAGs of ${shownConfig}`,
    fix: `run \`datapipe generate dag --all --config ${shownConfig}\`${stale.length > 0 ? ', delete the stale files' : ''} and commit dags/`,
  });
}

/** DAG files in `dir` whose header names `configPath`. */
async function dagsGeneratedFrom(dir: string, configPath: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.py')).sort()) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => '');
    if (HEADER.exec(text.slice(0, text.indexOf('\n')))?.[1] === configPath) found.push(join(dir, name));
  }
  return found;
}

/**
 * The config's path inside the workspace, as the pods see it from the image's working directory.
 * `make build` bakes `config.yaml` and `<folder>/config.yaml` only, so a DAG for any other file
 * would start pods that cannot find their config.
 */
function workspaceConfigPath(configFile: string, out: string): string {
  const path = relative(out, configFile).split(sep).join('/');
  if (!/^(?:[^/.][^/]*\/)?config\.yaml$/.test(path)) {
    throw new TerminalError(`${configFile}: the images bake config.yaml and <folder>/config.yaml of the workspace root (${out}) only — move the config to <folder>/config.yaml there, or pass --out <workspace root>`);
  }
  return path;
}

/** Two tables whose names differ only in `$`/`#`/case would write one file. */
function refuseSharedFiles(specs: DagSpec[]): void {
  const seen = new Map<string, string>();
  for (const spec of specs) {
    const first = seen.get(spec.fileName);
    if (first !== undefined) {
      throw new TerminalError(`tables ${first} and ${spec.table} would both be written to dags/${spec.fileName} — rename one in the config`);
    }
    seen.set(spec.fileName, spec.table);
  }
}

const HEADER = /^# Generated by `datapipe generate dag` from (.+), table (\S+)\.$/;

async function refuseForeignFile(path: string, spec: DagSpec): Promise<void> {
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  if (existing === undefined) return;
  const header = HEADER.exec(existing.slice(0, existing.indexOf('\n')));
  if (!header) {
    throw new TerminalError(`${path} exists and was not written by datapipe generate dag — move it away, then re-run`);
  }
  if (header[1] !== spec.configPath) {
    throw new TerminalError(`${path} was generated from ${header[1]}, not ${spec.configPath} — two configs define table ${spec.table} for ${spec.cloud}; rename one, or delete the file if that config no longer has the table`);
  }
}
