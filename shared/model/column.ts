/**
 * The canonical column model (docs/types.md): every source maps its columns into it once, at
 * `generate schema` time; AVRO, the warehouses and the pipeline only ever see canonical types.
 */

export type CanonicalKind =
  | 'boolean' | 'int64' | 'float32' | 'float64' | 'decimal' | 'string' | 'bytes'
  | 'date' | 'datetime' | 'timestamp' | 'json' | 'interval';

export type CanonicalType =
  | { kind: Exclude<CanonicalKind, 'decimal'> }
  | { kind: 'decimal'; precision: number; scale: number };

export interface Column {
  /** Target / AVRO field name: lowercased, `[a-z_][a-z0-9_]*` (see targetName). */
  name: string;
  /** The identifier as the source spells it (`ID_VENTA`, `Monto$`). */
  sourceName: string;
  /** The source's own type text, kept for descriptions and drift checks (`NUMBER(18,2)`, `numeric(18,2)`). */
  sourceType: string;
  type: CanonicalType;
  nullable: boolean;
  /**
   * Why the type was chosen when the choice was not a plain mapping (profiling an unconstrained
   * NUMBER, truncating TIMESTAMP(9) to microseconds, a config override). Written into the .avsc.
   */
  decision?: string;
}

export interface TableModel {
  /** Source owner / schema (`VENTAS`, `public`). */
  sourceSchema: string;
  /** Source table name as the source spells it (`VENTAS_CABECERA`). */
  sourceName: string;
  /** Target table name (`ventas_cabecera`). */
  name: string;
  columns: Column[];
  /** Target names of the primary-key columns, in key order. */
  primaryKeys: string[];
}

/**
 * AVRO-ready values, the one representation rows travel in from source to part writer
 * (a source converts each value exactly once). `null` for SQL NULL in every kind.
 *
 * | kind | value |
 * |---|---|
 * | boolean | boolean |
 * | int64 | number when a safe integer, else bigint |
 * | float32 / float64 | number |
 * | decimal | Buffer: big-endian two's-complement unscaled value (see shared/avro/decimal.ts) |
 * | string, json, interval | string (json as its text, interval as ISO-8601) |
 * | bytes | Buffer |
 * | date | number: days since 1970-01-01 |
 * | datetime, timestamp | number or bigint: microseconds since 1970-01-01T00:00:00 (UTC for timestamp) |
 */
export type AvroValue = null | boolean | number | bigint | string | Buffer;

/** One row, keyed by `Column.name`. */
export type Row = Record<string, AvroValue>;

/** Kinds a `partition_column` (the incremental watermark) may have. */
export const WATERMARK_KINDS = ['int64', 'date', 'datetime', 'timestamp'] as const satisfies readonly CanonicalKind[];
export type WatermarkKind = (typeof WATERMARK_KINDS)[number];

export function isWatermarkKind(kind: CanonicalKind): kind is WatermarkKind {
  return (WATERMARK_KINDS as readonly string[]).includes(kind);
}

/** `decimal(18,2)`, `int64`, … — how a canonical type is written in configs and messages. */
export function formatType(type: CanonicalType): string {
  return type.kind === 'decimal' ? `decimal(${type.precision},${type.scale})` : type.kind;
}

/**
 * The target name of a source identifier: lowercased, characters a warehouse or AVRO rejects
 * mapped to `_`, a leading digit prefixed with `_` (docs/architecture.md, "Target names").
 */
export function targetName(sourceName: string): string {
  const mapped = sourceName.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return /^[a-z_]/.test(mapped) ? mapped : `_${mapped}`;
}

/** Finds a column by its source or target name, case-insensitively. */
export function findColumn(model: TableModel, name: string): Column | undefined {
  const lower = name.toLowerCase();
  return model.columns.find((c) => c.name === lower || c.sourceName.toLowerCase() === lower);
}
