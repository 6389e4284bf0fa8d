import type { Cloud, DestinationConfig } from '../config/config-schema.js';
import { TerminalError } from '../errors.js';
import type { Logger } from '../log.js';
import { openBigQueryWarehouse } from './bigquery/bigquery-warehouse.js';
import { openDuckDbWarehouse } from './duckdb/duckdb-warehouse.js';
import type { Warehouse } from './warehouse.js';

export type WarehouseFactory = (destination: DestinationConfig, log: Logger) => Promise<Warehouse>;

function notYet(cloud: Cloud): WarehouseFactory {
  return async () => {
    throw new TerminalError(`destination.cloud: ${cloud} loading is not available in this build yet — use cloud: local`);
  };
}

/** The warehouse of each cloud (architecture.md table); one entry per cloud. */
export const WAREHOUSES = {
  local: async (destination, log) => {
    if (!destination.local) throw new TerminalError('destination.local: missing — add `local: { warehouse: .datapipe/warehouse.duckdb }`');
    return openDuckDbWarehouse(destination.local.warehouse, log);
  },
  gcp: async (destination, log) => {
    if (!destination.gcp) throw new TerminalError('destination.gcp: missing — add `gcp: { project_id, dataset, bucket, location }`');
    return openBigQueryWarehouse(destination.gcp, log);
  },
  aws: notYet('aws'),
  azure: notYet('azure'),
} satisfies Record<Cloud, WarehouseFactory>;

export function openWarehouse(destination: DestinationConfig, log: Logger): Promise<Warehouse> {
  return WAREHOUSES[destination.cloud](destination, log);
}
