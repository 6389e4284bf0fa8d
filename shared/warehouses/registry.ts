/**
 * The warehouse of each cloud (docs/architecture.md, the `--cloud` table): one entry per cloud,
 * each loading its adapter only when asked (`import()`), so the extractor never loads a warehouse
 * driver and the CLI reads capabilities without any SDK.
 */
import type { Cloud, DestinationConfig } from '../config/config-schema.js';
import { TerminalError } from '../errors.js';
import type { Logger } from '../log.js';
import type { WarehouseCapabilities } from './capabilities.js';
import type { Warehouse, WarehouseOpenOptions } from './warehouse.js';

export interface WarehouseEntry {
  /** What the warehouse can do; cheap, loads no driver. */
  capabilities(): Promise<WarehouseCapabilities>;
  /** Opens the warehouse of `destination` (the driver is loaded here). */
  open(destination: DestinationConfig, log: Logger, options?: WarehouseOpenOptions): Promise<Warehouse>;
}

export const WAREHOUSES = {
  local: {
    capabilities: async () => (await import('./duckdb/duckdb-capabilities.js')).DUCKDB_CAPABILITIES,
    open: async (destination, log, options) => {
      if (!destination.local) throw new TerminalError('destination.local: missing — add `local: { warehouse: .datapipe/warehouse.duckdb }`');
      return (await import('./duckdb/duckdb-warehouse.js')).openDuckDbWarehouse(destination.local.warehouse, log, {
        ...options, memoryLimit: destination.local.memory_limit,
      });
    },
  },
  gcp: {
    capabilities: async () => (await import('./bigquery/bigquery-capabilities.js')).BIGQUERY_CAPABILITIES,
    open: async (destination, log) => {
      if (!destination.gcp) throw new TerminalError('destination.gcp: missing — add `gcp: { project_id, dataset, bucket, location }`');
      return (await import('./bigquery/bigquery-warehouse.js')).openBigQueryWarehouse(destination.gcp, log);
    },
  },
  aws: {
    capabilities: async () => (await import('./redshift/redshift-capabilities.js')).REDSHIFT_CAPABILITIES,
    open: async (destination, log) => {
      if (!destination.aws) throw new TerminalError('destination.aws: missing — add `aws: { region, bucket, redshift: { … } }`');
      // COPY reads a manifest the warehouse writes beside the run's parts, through the staging store.
      const { store } = await (await import('../stores/registry.js')).openStaging(destination, log);
      const { openRedshiftWarehouse } = await import('./redshift/redshift-warehouse.js');
      return openRedshiftWarehouse(destination.aws, log, { putObject: (key, body) => store.put(key, body) });
    },
  },
  azure: {
    capabilities: async () => (await import('./databricks/databricks-capabilities.js')).DATABRICKS_CAPABILITIES,
    open: async (destination, log) => {
      if (!destination.azure) throw new TerminalError('destination.azure: missing — add `azure: { account_url, container, databricks }`');
      return (await import('./databricks/databricks-warehouse.js')).openDatabricksWarehouse(destination.azure, log);
    },
  },
} satisfies Record<Cloud, WarehouseEntry>;

export function openWarehouse(destination: DestinationConfig, log: Logger, options?: WarehouseOpenOptions): Promise<Warehouse> {
  return WAREHOUSES[destination.cloud].open(destination, log, options);
}

export function warehouseCapabilities(cloud: Cloud): Promise<WarehouseCapabilities> {
  return WAREHOUSES[cloud].capabilities();
}
