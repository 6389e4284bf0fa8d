/**
 * Workspaces for the `generate ci` tests: a stand-in DataPipe checkout (package.json named
 * datapipe, a Makefile) holding fixtures/<cloud>.yaml as `<cloud>/config.yaml`, and the linters
 * the generated files are checked with, found through environment variables like every test tool.
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../support/cli.js';
import { FIXTURE_ENV } from '../dag/dag-fixtures.js';

export const CLOUDS = ['gcp', 'aws', 'azure', 'local'] as const;
export type FixtureCloud = (typeof CLOUDS)[number];
export const FIXTURES_DIR = join(import.meta.dirname, 'fixtures');
export const GOLDEN_DIR = join(import.meta.dirname, 'golden');

/** A fresh workspace with the given fixtures as `<cloud>/config.yaml`. */
export async function ciWorkspace(clouds: readonly FixtureCloud[] = CLOUDS): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'datapipe-ci-'));
  await writeFile(join(root, 'package.json'), `${JSON.stringify({ name: 'datapipe', scripts: { test: 'vitest run', 'test:unit': 'vitest run test/unit' } })}\n`);
  await writeFile(join(root, 'Makefile'), '# stand-in\n');
  for (const cloud of clouds) {
    await mkdir(join(root, cloud));
    await copyFile(join(FIXTURES_DIR, `${cloud}.yaml`), join(root, cloud, 'config.yaml'));
  }
  return root;
}

/** The compiled CLI in `cwd`, with every fixture variable set to its distinctive (secret-looking) value. */
export function datapipe(cwd: string, ...args: string[]) {
  return run('datapipe', args, { cwd, env: { ...FIXTURE_ENV } });
}

const CACHE = process.env.DATAPIPE_CI_CACHE ?? join(homedir(), '.cache', 'datapipe-ci');

/** A tool from its variable, else the CI cache (where test/tools/<tool>.sh installs it), else PATH. */
function findTool(variable: string, cached: string, name: string): string | undefined {
  const candidates = [process.env[variable], cached, name].filter((c): c is string => !!c);
  return candidates.find((candidate) => (candidate !== cached || existsSync(cached)) && spawnSync(candidate, ['--version']).status === 0);
}

export const ACTIONLINT = findTool('DATAPIPE_ACTIONLINT', join(CACHE, 'bin', 'actionlint'), 'actionlint');
export const CHECK_JSONSCHEMA = findTool('DATAPIPE_CHECK_JSONSCHEMA', join(CACHE, 'check-jsonschema', 'bin', 'check-jsonschema'), 'check-jsonschema');
