import { resolve } from 'node:path';
import { ConfigError, loadConfig, loadDotEnv } from '../../../shared/config/load-config.js';

/**
 * `datapipe validate --config <path>`: parses, interpolates and checks the config and prints a
 * summary. Unlike the other commands, it lists every problem (one line each), not just the first.
 */
export async function validateCommand(config: string): Promise<void> {
  loadDotEnv(process.cwd());
  let loaded;
  try {
    loaded = await loadConfig(resolve(config));
  } catch (error) {
    if (error instanceof ConfigError && error.issues.length > 1) {
      throw new ConfigError([error.report(20)], { cause: error });
    }
    throw error;
  }
  const { project, source, destination, tables } = loaded.config;
  process.stdout.write(
    `${config}: valid — project ${project.name}, source ${source.type}, destination ${destination.cloud}, ` +
      `${tables.length} table(s): ${tables.map((t) => `${t.name} (${t.load_mode})`).join(', ')}\n`,
  );
}
