import type { Readable } from 'node:stream';
import type { TableModel } from '../model/column.js';
import type { VerifySide } from '../verify/verify-side.js';
import type { WarehouseCapabilities } from './capabilities.js';

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
  /** The run whose committed state this run was extracted after; null for an initial load. */
  baseRunId: string | null;
  /** Target name of the partition column (the dedup order: latest wins). */
  partitionColumn: string | null;
  parts: StagedPart[];
  /** Total rows the manifests promise; the stage must hold exactly this many (else ContractError). */
  expectedRows: number;
  /** Watermark this load advances the table to (recorded in `_datapipe_loads`). */
  watermark: string | null;
  /** Reads a part's bytes, verified against the manifest, for warehouses that load through the client. */
  openPart(key: string): Promise<Readable>;
  /** Told when the stage has passed its checks and the transaction starts (a terminal's live line). */
  onStaged?(rows: number): void;
}

export interface LoadResult {
  /** Rows in the stage table. */
  staged: number;
  /** Rows left after deduplication by primary key. */
  deduplicated: number;
  /** Rows in the target after the load. */
  targetRows: number;
}

/** A load the warehouse recorded in `_datapipe_loads`, in the transaction of its merge. */
export interface RecordedLoad {
  runId: string;
  mode: LoadMode;
  rowsStaged: number;
  rowsLoaded: number;
  watermark: string | null;
}

/**
 * A warehouse DataPipe loads into, as the pipeline sees it. Every implementation is the shared
 * load protocol (sql-warehouse.ts) over one engine's driver; see docs/warehouses.md.
 */
export interface Warehouse {
  /** What the warehouse can do (capabilities.ts). */
  readonly capabilities: WarehouseCapabilities;

  /** Creates the target table (and `_datapipe_loads`) if absent; never alters an existing one. */
  ensureTable(model: TableModel, partitionColumn: string | null): Promise<void>;

  /**
   * Stages the parts in a fresh stage, checks the stage count against `expectedRows` and the NULL
   * keys, then, in one transaction: checks the run still continues the table's latest recorded
   * load, merges (deduplicated by primary key) or in `full` mode replaces the target, and records
   * the load in `_datapipe_loads`. Re-running the same request is harmless (idempotent).
   */
  load(request: LoadRequest): Promise<LoadResult>;

  /** The table's latest load recorded in `_datapipe_loads` (created by ensureTable), or null. */
  latestLoad(table: string): Promise<RecordedLoad | null>;

  /** Runs `work` on one session reading `model`'s target: `datapipe verify`'s warehouse side (docs/verify.md). */
  verifySession<T>(model: TableModel, work: (side: VerifySide) => Promise<T>): Promise<T>;

  /**
   * Deletes the target rows with these canonical keys (`deletes: propagate`), in one transaction
   * where the engine has them, else statement by statement (each a batch of keys; re-running
   * finishes what a crash left).
   */
  deleteKeys(model: TableModel, keys: readonly string[]): Promise<void>;

  /**
   * The same, for readers that create nothing (`datapipe status`): also null when `_datapipe_loads`
   * does not exist yet (no load ever ran).
   */
  recordedLoad(table: string): Promise<RecordedLoad | null>;

  close(): Promise<void>;
}

/** How a warehouse is opened: `readOnly` for readers (`datapipe status`) — the local DuckDB file is neither created nor locked for writing. */
export interface WarehouseOpenOptions {
  readOnly?: boolean;
  /**
   * The session only scans and aggregates (`datapipe verify`): nothing is staged, so the local
   * DuckDB keeps a small buffer memory sized by the table's width (duckdb-warehouse.ts, openDuckDbWarehouse).
   */
  scanOnly?: boolean;
}
