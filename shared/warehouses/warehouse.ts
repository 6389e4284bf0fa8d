import type { Readable } from 'node:stream';
import type { TableModel } from '../model/column.js';

export type LoadMode = 'incremental' | 'full';

/** One AVRO part of a run, as the manifest lists it. */
export interface StagedPart {
  /** Store key. */
  key: string;
  /** The store's address for the key (what a cloud warehouse loads from). */
  uri: string;
  rows: number;
  bytes: number;
}

export interface LoadRequest {
  model: TableModel;
  mode: LoadMode;
  runId: string;
  /** Target name of the partition column (the dedup order: latest wins). */
  partitionColumn: string | null;
  parts: StagedPart[];
  /** Total rows the manifests promise; the stage must hold exactly this many (else ContractError). */
  expectedRows: number;
  /** Watermark this load advances the table to (recorded in `_datapipe_loads`). */
  watermark: string | null;
  /** Reads a part's bytes, for warehouses that load through the client rather than from a URI. */
  openPart(key: string): Promise<Readable>;
}

export interface LoadResult {
  /** Rows in the stage table. */
  staged: number;
  /** Rows left after deduplication by primary key. */
  deduplicated: number;
  /** Rows in the target after the load. */
  targetRows: number;
}

/**
 * A warehouse DataPipe loads into. Implementations: warehouses/duckdb, later bigquery, redshift,
 * databricks. Each classifies its driver's errors as TransientError / TerminalError.
 */
export interface Warehouse {
  /** Creates the target table (and `_datapipe_loads`) if absent; never alters an existing one. */
  ensureTable(model: TableModel, partitionColumn: string | null): Promise<void>;

  /**
   * Stages the parts in a fresh stage table, checks the stage count against `expectedRows`, then
   * merges (deduplicated by primary key, latest partition value wins, ties broken deterministically)
   * or, in `full` mode, replaces the target atomically, recording the load in `_datapipe_loads`
   * in the same transaction where the warehouse has transactions. Re-running the same request is
   * harmless (idempotent).
   */
  load(request: LoadRequest): Promise<LoadResult>;

  close(): Promise<void>;
}
