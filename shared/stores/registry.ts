/**
 * The staging store of each cloud (docs/architecture.md, the `--cloud` table): one entry per
 * cloud, each loading its SDK only when asked (`import()`).
 */
import type { Cloud, DestinationConfig } from '../config/config-schema.js';
import { TerminalError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { ObjectStore } from './object-store.js';

export interface StagingTarget {
  store: ObjectStore;
  /** Prefix inside the bucket before `<project>/<table>/`; empty for a local folder. */
  prefix: string | undefined;
}

export type StoreFactory = (destination: DestinationConfig, log: Logger) => Promise<StagingTarget>;

export const STORES = {
  local: async (destination) => {
    if (!destination.local) throw new TerminalError('destination.local: missing — add `local: { path: .datapipe/staging }`');
    const { LocalStore } = await import('./local/local-store.js');
    return { store: new LocalStore(destination.local.path), prefix: undefined };
  },
  gcp: async (destination, log) => {
    if (!destination.gcp) throw new TerminalError('destination.gcp: missing — add `gcp: { project_id, dataset, bucket, location }`');
    const { project_id, bucket, prefix } = destination.gcp;
    const { openGcsStore } = await import('./gcs/gcs-store.js');
    // Credentials are Application Default Credentials; STORAGE_EMULATOR_HOST points it at an emulator.
    return { store: openGcsStore({ projectId: project_id, bucket, log }), prefix };
  },
  aws: async (destination, log) => {
    if (!destination.aws) throw new TerminalError('destination.aws: missing — add `aws: { region, bucket, redshift }`');
    const { openAwsStagingStore } = await import('./s3/s3-store.js');
    // Credentials come from the AWS SDK's default chain (env, SSO profile, IRSA, instance role).
    return { store: openAwsStagingStore(destination.aws, log), prefix: destination.aws.prefix };
  },
  azure: async (destination, log) => {
    if (!destination.azure) throw new TerminalError('destination.azure: missing — add `azure: { account_url, container, databricks }`');
    const { account_url, container, prefix } = destination.azure;
    const { openAzureStore } = await import('./azure/azure-store.js');
    // Credentials: AZURE_STORAGE_CONNECTION_STRING when set (Azurite, development), else DefaultAzureCredential.
    return { store: openAzureStore({ accountUrl: account_url, container, log }), prefix };
  },
} satisfies Record<Cloud, StoreFactory>;

/** The configured cloud's staging store; `log` receives its debug lines (uploads, conditional writes). */
export function openStaging(destination: DestinationConfig, log: Logger = silentLogger): Promise<StagingTarget> {
  return STORES[destination.cloud](destination, log);
}
