import type { Cloud, DestinationConfig } from '../config/config-schema.js';
import { TerminalError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Warehouse } from './warehouse.js';

export type WarehouseFactory = (destination: DestinationConfig, log: Logger) => Promise<Warehouse>;

function notYet(cloud: Cloud): WarehouseFactory {
  return async () => {
    throw new TerminalError(`destination.cloud: ${cloud} loading is not available in this build yet — use cloud: local`);
  };
}

/**
 * The warehouse of each cloud (architecture.md table); one entry per cloud. Each adapter is loaded
 * by `import()` when it is opened: the extractor image leaves the warehouse folders out, and the
 * loader image leaves DuckDB out unless it is built for the local cloud.
 */
export const WAREHOUSES = {
  local: async (destination, log) => {
    if (!destination.local) throw new TerminalError('destination.local: missing — add `local: { warehouse: .datapipe/warehouse.duckdb }`');
    const { openDuckDbWarehouse } = await import('./duckdb/duckdb-warehouse.js');
    return openDuckDbWarehouse(destination.local.warehouse, log);
  },
  gcp: async (destination, log) => {
    if (!destination.gcp) throw new TerminalError('destination.gcp: missing — add `gcp: { project_id, dataset, bucket, location }`');
    const { openBigQueryWarehouse } = await import('./bigquery/bigquery-warehouse.js');
    return openBigQueryWarehouse(destination.gcp, log);
  },
  aws: notYet('aws'),
  azure: notYet('azure'),
} satisfies Record<Cloud, WarehouseFactory>;

export function openWarehouse(destination: DestinationConfig, log: Logger): Promise<Warehouse> {
  return WAREHOUSES[destination.cloud](destination, log);
}
