import type { Cloud, DestinationConfig } from '../config/config-schema.js';
import { TerminalError } from '../errors.js';
import { LocalStore } from './local/local-store.js';
import type { ObjectStore } from './object-store.js';

export interface StagingTarget {
  store: ObjectStore;
  /** Prefix inside the bucket before `<project>/<table>/`; empty for a local folder. */
  prefix: string | undefined;
}

export type StoreFactory = (destination: DestinationConfig) => StagingTarget;

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
  gcp: notYet('gcp'),
  aws: notYet('aws'),
  azure: notYet('azure'),
} satisfies Record<Cloud, StoreFactory>;

export function openStaging(destination: DestinationConfig): StagingTarget {
  return STORES[destination.cloud](destination);
}
