import type { SourceConfig } from '../config/config-schema.js';
import type { Logger } from '../log.js';
import type { Source } from './source.js';

export type SourceFactory = (config: SourceConfig, log: Logger) => Promise<Source>;

/**
 * Every source type config.yaml accepts, one entry each; adding a source is one line and one folder.
 * Each adapter is loaded by `import()` when its source is opened, so a process (or an image) that
 * never reads one never loads its driver: the loader image leaves the source folders out.
 */
export const SOURCES = {
  postgres: async (config, log) => {
    if (config.type !== 'postgres') throw new Error('unreachable: source type mismatch');
    const { connectPostgres } = await import('./postgres/postgres-source.js');
    return connectPostgres(config.connection, config.schema, log);
  },
  oracle: async (config, log) => {
    if (config.type !== 'oracle') throw new Error('unreachable: source type mismatch');
    const { connectOracle } = await import('./oracle/oracle-source.js');
    return connectOracle(config.connection, config.schema, log);
  },
} satisfies Record<SourceConfig['type'], SourceFactory>;

/** Connects the configured source. */
export function openSource(config: SourceConfig, log: Logger): Promise<Source> {
  return SOURCES[config.type](config, log);
}
