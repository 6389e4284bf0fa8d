import { CLOUDS } from '../../shared/config/config-schema.js';

/** Flags the extractor and loader share (docs/architecture.md, "Commands"). */
export const runArgsOptions = {
  table: { type: 'string', demandOption: true, describe: 'source table, as listed in config.yaml' },
  cloud: { type: 'string', choices: CLOUDS, describe: 'destination cloud (default: the config’s destination.cloud)' },
  config: { type: 'string', describe: 'config.yaml (default: DATAPIPE_CONFIG, else the baked config listing the table)' },
  'run-id': { type: 'string', describe: 'run id shared by the extractor and loader pods of one run' },
} as const;
