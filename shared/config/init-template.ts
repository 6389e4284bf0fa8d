/**
 * The commented config.yaml `datapipe init` writes, one template per cloud in
 * services/cli/templates/config.<cloud>.yaml.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TerminalError } from '../errors.js';
import type { Cloud } from './destination-schema.js';
import { PROJECT_NAME_PATTERN } from './schema-primitives.js';

/** Where the project name goes in a template. */
const NAME_PLACEHOLDER = '__PROJECT_NAME__';

/**
 * The folder holding the CLI templates. Found from the package root (the nearest folder with a
 * package.json above this module), so it is the same whether this runs from the sources or from
 * `dist/` after a build.
 */
export function templatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new TerminalError('cannot find the DataPipe package root (no package.json above the installed files) — reinstall DataPipe');
    dir = parent;
  }
  return join(dir, 'services', 'cli', 'templates');
}

/**
 * The config.yaml template for `cloud` with the project name filled in. The result validates once
 * the environment variables it references are set. Throws TerminalError for a name that is not a
 * valid project name.
 */
export function renderConfigTemplate(name: string, cloud: Cloud): string {
  if (!PROJECT_NAME_PATTERN.test(name)) {
    throw new TerminalError(`"${name}" is not a valid project name — use lowercase letters and digits, words joined by - or _ (e.g. migracion-ventas)`);
  }
  const template = readFileSync(join(templatesDir(), `config.${cloud}.yaml`), 'utf8');
  return template.replaceAll(NAME_PLACEHOLDER, name);
}
