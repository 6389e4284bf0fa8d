import type { SourceConfig } from '../config/config-schema.js';
import type { Logger } from '../log.js';
import { connectOracle } from './oracle/oracle-source.js';
import { connectPostgres } from './postgres/postgres-source.js';
import type { Source } from './source.js';

export type SourceFactory = (config: SourceConfig, log: Logger) => Promise<Source>;

/** Every source type config.yaml accepts, one entry each; adding a source is one line and one folder. */
export const SOURCES = {
  postgres: (config, log) => {
    if (config.type !== 'postgres') throw new Error('unreachable: source type mismatch');
    return connectPostgres(config.connection, config.schema, log);
  },
  oracle: (config, log) => {
    if (config.type !== 'oracle') throw new Error('unreachable: source type mismatch');
    return connectOracle(config.connection, config.schema, log);
  },
} satisfies Record<SourceConfig['type'], SourceFactory>;

/** Connects the configured source. */
export function openSource(config: SourceConfig, log: Logger): Promise<Source> {
  return SOURCES[config.type](config, log);
}
