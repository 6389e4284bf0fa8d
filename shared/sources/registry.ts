/**
 * Every source type config.yaml accepts, one entry each, each loading its driver only when asked
 * (`import()`): the loader never loads a source driver. Adding a source is one entry and one folder.
 */
import type { SourceConfig } from '../config/config-schema.js';
import type { Logger } from '../log.js';
import type { Source } from './source.js';

export type SourceFactory = (config: SourceConfig, log: Logger) => Promise<Source>;

export const SOURCES = {
  postgres: async (config, log) => {
    if (config.type !== 'postgres') throw new Error('unreachable: source type mismatch');
    return (await import('./postgres/postgres-source.js')).connectPostgres(config.connection, config.schema, log);
  },
  oracle: async (config, log) => {
    if (config.type !== 'oracle') throw new Error('unreachable: source type mismatch');
    return (await import('./oracle/oracle-source.js')).connectOracle(config.connection, config.schema, log);
  },
} satisfies Record<SourceConfig['type'], SourceFactory>;

/** Connects the configured source. */
export function openSource(config: SourceConfig, log: Logger): Promise<Source> {
  return SOURCES[config.type](config, log);
}
