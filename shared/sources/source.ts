import type { Row, TableModel } from '../model/column.js';
import type { VerifySide } from '../verify/verify-side.js';

/** Per-column overrides from config.yaml (`columns: { MONTO: { type: "decimal(18,2)" } }`). */
export interface ColumnOverride {
  /** A canonical type text: `decimal(18,2)`, `string`, `int64`, … */
  type: string;
}

export interface DescribeOptions {
  /**
   * Profile columns whose type the catalog leaves open (an unconstrained NUMBER / numeric) to pick
   * a decimal(p,s). `generate schema` profiles; the extractor's drift check does not.
   */
  profile: boolean;
  /** Rows sampled per profiled column (0 = the whole table). */
  profileSampleRows?: number;
  /** Config overrides by source column name (any case). */
  overrides?: Record<string, ColumnOverride>;
}

/**
 * The incremental window (docs/run-protocol.md, "Claiming the window"). Bounds are canonical watermark
 * text (shared/pipeline/watermark.ts): `12345`, `2024-01-31`, `2024-01-31T10:11:12.123456`,
 * `2024-01-31T10:11:12.123456Z`. Both bounds inclusive; a null bound is open.
 */
export interface ReadWindow {
  /** Target name of the partition column. */
  column: string;
  low: string | null;
  high: string | null;
  /** Also read rows whose partition column is NULL (`null_watermark: include`). */
  includeNulls: boolean;
}

export interface ReadPlan {
  model: TableModel;
  window?: ReadWindow;
  /** `--chunk i/n`: this reader takes one of n disjoint slices (0-based index). */
  chunk?: { index: number; count: number };
  /** Rows per batch handed to the part writer. */
  batchSize: number;
  /**
   * End a batch once it holds about this many bytes: encoded records for `readEncoded` (default
   * 512 KiB, the part writer's block size); the values' strings and buffers for a `read` that bounds batches by size (Oracle,
   * default 16 MiB, so LOB-heavy rows never fill a whole `batchSize`). The extractor leaves it unset.
   */
  batchBytes?: number;
  /** The run's `Source.snapshot` token (recorded in `_window.json`): every chunk reads that one state. */
  snapshot?: string;
}

/**
 * Rows already in AVRO's binary encoding: each record encoded per the table's .avsc (nullable
 * columns as the `["null", T]` union), concatenated. What a source that can transcode its wire
 * format straight to AVRO yields, so no JS object is built per row.
 */
export interface EncodedBatch {
  /** Handed over for good: the part writer may compress it in place after the batch (PartWriter.writeEncoded). */
  records: Buffer;
  rows: number;
  /** The largest non-NULL value of the plan's window column in this batch (AVRO number form), or null. */
  maxWatermark: number | bigint | null;
}

/**
 * A database DataPipe extracts from. Implementations: sources/postgres, sources/oracle.
 * Errors are classified: TerminalError for what retrying cannot fix (unknown table, bad
 * credentials), TransientError for lost connections, ContractError for a value that does not fit.
 */
export interface Source {
  /** Catalog metadata mapped into the canonical model, with the type decisions of docs/types.md. */
  describe(table: string, options: DescribeOptions): Promise<TableModel>;

  /**
   * The upper bound H of an incremental window on `column`, read from the database at start:
   * its clock for date/datetime/timestamp columns, MAX(column) for int64 (null when empty).
   */
  windowHigh(model: TableModel, column: string): Promise<string | null>;

  /** Rows whose `column` is NULL (the `null_watermark: fail` check). */
  countNulls(model: TableModel, column: string): Promise<number>;

  /** Streams the plan's rows in batches of AVRO-ready values, closing the cursor when done or abandoned. */
  read(plan: ReadPlan): AsyncIterable<Row[]>;

  /**
   * Optional capability, the fast path: the same rows as `read`, already AVRO-encoded
   * (byte-identical to encoding `read`'s rows), with the same value checks and errors.
   * The extractor prefers it when present.
   */
  readEncoded?(plan: ReadPlan): AsyncIterable<EncodedBatch>;

  /**
   * Optional capability: a token naming the table's current consistent state and how to split it
   * into `chunks` slices (Oracle: an SCN and ROWID boundaries). The extractor takes one per
   * chunked run, records it in the run's window and hands it to every chunk's read as
   * `ReadPlan.snapshot`, so all chunks — and retries of the run — read the same state.
   */
  snapshot?(model: TableModel, chunks: number): Promise<string>;

  /**
   * Optional capability: runs `work` on a side reading `model` at one consistent snapshot
   * (PostgreSQL REPEATABLE READ, Oracle AS OF SCN): `datapipe verify`'s source side (docs/verify.md).
   */
  verifySession?<T>(model: TableModel, work: (side: VerifySide) => Promise<T>): Promise<T>;

  /**
   * Optional capability: the catalog's estimate of the rows a read of `window` (the whole table
   * when absent) returns, from statistics only — no scan; null when the statistics are missing.
   * Only for display (a percentage and ETA at a terminal), never for a decision.
   */
  estimateRows?(model: TableModel, window?: ReadWindow): Promise<RowEstimate | null>;

  /**
   * Optional capability: the newest value of `column` (`MAX`) as canonical watermark text, null
   * for an empty table — what `datapipe status` compares the committed watermark with.
   */
  newestValue?(model: TableModel, column: string): Promise<string | null>;

  close(): Promise<void>;
}

/** A row estimate and the statistic it comes from (`pg_class.reltuples`, `ALL_TABLES.NUM_ROWS`). */
export interface RowEstimate {
  rows: number;
  basis: string;
}
