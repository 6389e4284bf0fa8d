import type { Cloud, DestinationConfig } from '../config/config-schema.js';
import { TerminalError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { openGcsStore } from './gcs/gcs-store.js';
import { LocalStore } from './local/local-store.js';
import type { ObjectStore } from './object-store.js';

export interface StagingTarget {
  store: ObjectStore;
  /** Prefix inside the bucket before `<project>/<table>/`; empty for a local folder. */
  prefix: string | undefined;
}

export type StoreFactory = (destination: DestinationConfig, log: Logger) => StagingTarget;

function notYet(cloud: Cloud): StoreFactory {
  return () => {
    throw new TerminalError(`destination.cloud: ${cloud} staging is not available in this build yet — use cloud: local`);
  };
}

/** The staging store of each cloud (architecture.md table); one entry per cloud. */
export const STORES = {
  local: (destination) => {
    if (!destination.local) throw new TerminalError('destination.local: missing — add `local: { path: .datapipe/staging }`');
    return { store: new LocalStore(destination.local.path), prefix: undefined };
  },
  gcp: (destination, log) => {
    if (!destination.gcp) throw new TerminalError('destination.gcp: missing — add `gcp: { project_id, dataset, bucket, location }`');
    const { project_id, bucket, prefix } = destination.gcp;
    // Credentials are Application Default Credentials; STORAGE_EMULATOR_HOST points it at an emulator.
    return { store: openGcsStore({ projectId: project_id, bucket, log }), prefix };
  },
  aws: notYet('aws'),
  azure: notYet('azure'),
} satisfies Record<Cloud, StoreFactory>;

/** The configured cloud's staging store; `log` receives its debug lines (uploads, conditional writes). */
export function openStaging(destination: DestinationConfig, log: Logger = silentLogger): StagingTarget {
  return STORES[destination.cloud](destination, log);
}
