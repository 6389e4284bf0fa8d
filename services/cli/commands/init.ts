import { access, mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Cloud } from '../../../shared/config/config-schema.js';
import { renderConfigTemplate } from '../../../shared/config/init-template.js';
import { TerminalError } from '../../../shared/errors.js';

/** `datapipe init <name> --cloud <c> [--force]`: writes `<name>/config.yaml` from the cloud's template. */
export async function initCommand(name: string, cloud: Cloud, force: boolean): Promise<void> {
  const dir = resolve(name);
  const path = join(dir, 'config.yaml');
  const exists = await access(path).then(() => true, () => false);
  if (exists && !force) {
    throw new TerminalError(`${join(name, 'config.yaml')} already exists — edit it, or pass --force to overwrite it`);
  }
  const project = basename(dir).toLowerCase().replace(/[^a-z0-9_-]/g, '-');
  await mkdir(dir, { recursive: true });
  await writeFile(path, renderConfigTemplate(project, cloud));
  process.stdout.write(
    `wrote ${join(name, 'config.yaml')} (${cloud})\n` +
      `next: set the variables it names (or put them in .env), then\n` +
      `  datapipe validate --config ${join(name, 'config.yaml')}\n` +
      `  datapipe generate schema --all --config ${join(name, 'config.yaml')}\n`,
  );
}
