import {
  DuckDBDataChunk, DuckDBVector, type DuckDBAppender, type DuckDBConnection, type DuckDBType,
} from '@duckdb/node-api';
import type { Row, TableModel } from '../../model/column.js';
import { ValueError } from '../../model/value-error.js';
import { ChunkDecoder, type ChunkSink } from './duckdb-chunk-decoder.js';
import { toDuckDbValue, type ToDuckDbValue } from './duckdb-values.js';

/**
 * Values the appender may hold before its rows are flushed into the stage. DuckDB's appender keeps
 * up to 204,800 rows in memory of its own, outside the buffer memory `memory_limit` bounds, and
 * flushes them at once: for 200 columns that was ~600 MB on top of the limit (docs/warehouses.md,
 * "The local warehouse's memory"). 2,048,000 values is DuckDB's own flush point for 10 columns.
 */
export const FLUSH_VALUES = 2_048_000;

/**
 * Appends rows to a stage table (the model's columns, in order) a data chunk at a time.
 *
 * Why chunks: the appender's per-value calls cross into native code for every value, and its
 * DECIMAL and TIMESTAMPTZ paths build a native value object each time (appendValue), which held
 * a 10-column table near 50k rows/s here. Filling a chunk's vectors writes into typed arrays and
 * crosses once per column per 2,048 rows (strings: once per value); measured ~5× faster.
 */
export class StageWriter implements ChunkSink {
  private readonly names: string[];
  private readonly converters: ToDuckDbValue[];
  private readonly capacity = DuckDBVector.standardSize();
  private chunk: DuckDBDataChunk;
  private vectors: DuckDBVector[];
  private filled = 0;
  /** Rows appended since the last flush, and how many a flush waits for. */
  private pending = 0;
  private readonly flushRows: number;

  private constructor(
    private readonly appender: DuckDBAppender,
    private readonly types: DuckDBType[],
    private readonly model: TableModel,
  ) {
    this.names = model.columns.map((c) => c.name);
    this.converters = model.columns.map((c) => toDuckDbValue(c.type));
    this.flushRows = Math.max(this.capacity, Math.floor(FLUSH_VALUES / Math.max(1, model.columns.length)));
    [this.chunk, this.vectors] = this.freshChunk();
  }

  /** Opens an appender on the stage table `stage` (a temp table, see duckdb-sql.ts stageRef). */
  static async open(connection: DuckDBConnection, stage: string, model: TableModel): Promise<StageWriter> {
    const appender = await connection.createAppender(stage, 'main', 'temp');
    const types: DuckDBType[] = [];
    for (let i = 0; i < appender.columnCount; i++) types.push(appender.columnType(i));
    if (types.length !== model.columns.length) {
      appender.closeSync();
      throw new Error(`stage ${stage} has ${types.length} columns, expected ${model.columns.length}`);
    }
    return new StageWriter(appender, types, model);
  }

  /**
   * Buffers one row. A field missing from the record or a value that does not fit its column
   * throws a ValueError naming the column.
   */
  append(row: Row): void {
    const index = this.filled;
    const count = this.names.length;
    for (let c = 0; c < count; c++) {
      const name = this.names[c] as string;
      const value = row[name];
      if (value === undefined) throw new ValueError(`column ${name}: the record has no such field`);
      if (value === null) {
        (this.vectors[c] as DuckDBVector).setItem(index, null);
        continue;
      }
      try {
        (this.vectors[c] as DuckDBVector).setItem(index, (this.converters[c] as ToDuckDbValue)(value));
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new ValueError(`column ${name}: ${reason}`);
      }
    }
    this.filled = index + 1;
    if (this.filled === this.capacity) this.emit();
  }

  /**
   * A decoder that appends a part's AVRO blocks column by column, for parts written with
   * `writerSchema` (the part's header); null when the part must be read record by record instead.
   */
  columnar(writerSchema: unknown): ChunkDecoder | null {
    return ChunkDecoder.plan(this, this.types, this.model, writerSchema);
  }

  /** Appends a filled chunk, flushing the appender once it holds `FLUSH_VALUES` values. */
  appendChunk(chunk: DuckDBDataChunk): void {
    this.appender.appendDataChunk(chunk);
    this.pending += chunk.rowCount;
    if (this.pending >= this.flushRows) {
      this.appender.flushSync();
      this.pending = 0;
    }
  }

  /** Appends what is buffered and closes the appender, which commits the rows to the stage. */
  close(): void {
    this.emit();
    this.appender.flushSync();
    this.appender.closeSync();
  }

  /** Drops whatever is buffered (the load failed) and releases the appender. */
  abandon(): void {
    try {
      this.appender.clear();
      this.appender.closeSync();
    } catch {
      // The load has already failed with the error that matters; the stage is dropped next.
    }
  }

  private emit(): void {
    if (this.filled === 0) return;
    for (const vector of this.vectors) vector.flush();
    this.chunk.rowCount = this.filled;
    this.appendChunk(this.chunk);
    [this.chunk, this.vectors] = this.freshChunk();
  }

  /** A full-size chunk: vectors must be taken while rowCount is the capacity, they are sized by it. */
  private freshChunk(): [DuckDBDataChunk, DuckDBVector[]] {
    const chunk = DuckDBDataChunk.create(this.types, this.capacity);
    this.filled = 0;
    return [chunk, this.types.map((_, i) => chunk.getColumnVector(i))];
  }
}
