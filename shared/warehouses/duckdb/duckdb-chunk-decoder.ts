import { isUtf8 } from 'node:buffer';
import duckdb from '@duckdb/node-bindings';
import { DuckDBDataChunk, DuckDBVector, type DuckDBType } from '@duckdb/node-api';
import { avroValueType } from '../../avro/avsc-schema.js';
import type { ContainerBlock } from '../../avro/container-reader.js';
import { AvroDecodeError } from '../../avro/part-reader.js';
import { bytesToUnscaled, decimalBytesToText } from '../../avro/decimal.js';
import type { CanonicalType, TableModel } from '../../model/column.js';
import { ValueError } from '../../model/value-error.js';

/**
 * Decodes AVRO blocks straight into DuckDB data chunks, column by column, without a JS value per
 * field (docs/warehouses.md, "Staging into DuckDB"). Each column has a buffer laid out as DuckDB's
 * vector memory (int64 little-endian for BIGINT and timestamps, int32 days for DATE, IEEE floats,
 * two's-complement DECIMAL in its physical width, 16-byte `duckdb_string_t` for VARCHAR and BLOB)
 * and a validity mask; a full chunk is copied into the vectors once per column and appended.
 * Strings of up to 12 bytes are written inline, as the C API's `duckdb_string_t` defines them;
 * longer ones are assigned through `duckdb_vector_assign_string_element_len`, which copies them
 * into the vector's own heap.
 *
 * Only parts whose writer schema gives every model column exactly the AVRO type DataPipe writes
 * for it (docs/types.md, "canonical → AVRO") are planned; anything else — a foreign file, an
 * extra or missing field — returns no plan and the caller reads the part record by record.
 */

/** What a field's bytes are, and so how they are decoded. */
const Op = { Boolean: 0, Long: 1, Int: 2, Float: 3, Double: 4, Text: 5, Bytes: 6, Decimal: 7 } as const;
type Op = (typeof Op)[keyof typeof Op];

interface FieldPlan {
  op: Op;
  nullable: boolean;
  /** Model column this field fills (the stage's column order is the model's). */
  column: number;
}

/** DuckDB's inline string limit (`duckdb_string_t`: 4-byte length, 12 bytes inline). */
const INLINE_STRING_BYTES = 12;
const STRING_T_BYTES = 16;

class ColumnBuffer {
  readonly bytes: Uint8Array;
  readonly ints: Int32Array;
  /** One bit per row, set when the row's value is valid (not NULL); DuckDB's layout of uint64 words. */
  readonly validity: Uint32Array;
  hasNulls = false;
  /** Rows whose string is too long to inline, with its bytes (a view on the block). */
  longRows: number[] = [];
  longValues: Uint8Array[] = [];

  constructor(readonly name: string, readonly type: CanonicalType, readonly width: number, capacity: number) {
    const buffer = new ArrayBuffer(width * capacity);
    this.bytes = new Uint8Array(buffer);
    this.ints = new Int32Array(buffer, 0, (width * capacity) >> 2);
    this.validity = new Uint32Array(Math.ceil(capacity / 64) * 2).fill(0xffffffff);
  }

  reset(): void {
    if (this.hasNulls) this.validity.fill(0xffffffff);
    this.hasNulls = false;
    this.longRows = [];
    this.longValues = [];
  }

  setNull(row: number): void {
    this.validity[row >>> 5] = (this.validity[row >>> 5] as number) & ~(1 << (row & 31));
    this.hasNulls = true;
    // A NULL string's slot is an empty inline string, never a stale one.
    if (this.width === STRING_T_BYTES) this.ints.fill(0, row * 4, row * 4 + 4);
  }
}

/** Where filled chunks go: the stage's appender (duckdb-stage-writer.ts). */
export interface ChunkSink {
  appendChunk(chunk: DuckDBDataChunk): void;
}

export class ChunkDecoder {
  private readonly capacity = DuckDBVector.standardSize();
  private readonly chunk: DuckDBDataChunk;
  private readonly columns: ColumnBuffer[];
  private readonly decimalLimits: number[];
  private filled = 0;
  /** The block being decoded and the read position in it. */
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Rows decoded from the current part, for messages. */
  rowsDecoded = 0;

  private constructor(private readonly sink: ChunkSink, types: DuckDBType[], model: TableModel, private readonly fields: FieldPlan[]) {
    this.chunk = DuckDBDataChunk.create(types, this.capacity);
    this.columns = model.columns.map((c) => new ColumnBuffer(c.name, c.type, physicalWidth(c.type), this.capacity));
    this.decimalLimits = model.columns.map((c) => (c.type.kind === 'decimal' ? 10 ** c.type.precision : 0));
  }

  /** Whether parts written with `writerSchema` are decoded column by column (else record by record). */
  static accepts(model: TableModel, writerSchema: unknown): boolean {
    return planFields(model, writerSchema) !== null;
  }

  /**
   * A decoder for parts whose writer schema (their header's) is `writerSchema`, handing its full
   * chunks to `sink`; null when some field is not exactly what DataPipe writes for the model's column.
   */
  static plan(sink: ChunkSink, types: DuckDBType[], model: TableModel, writerSchema: unknown): ChunkDecoder | null {
    const fields = planFields(model, writerSchema);
    return fields ? new ChunkDecoder(sink, types, model, fields) : null;
  }

  /** Decodes every record of `block` into the chunk, appending each chunk as it fills. */
  decode(block: ContainerBlock): void {
    this.buf = block.data;
    this.pos = 0;
    const fields = this.fields;
    for (let r = 0; r < block.records; r++) {
      const row = this.filled;
      for (let f = 0; f < fields.length; f++) {
        const field = fields[f] as FieldPlan;
        const column = this.columns[field.column] as ColumnBuffer;
        if (field.nullable) {
          const branch = this.readSmallLong();
          if (branch === 0) {
            column.setNull(row);
            continue;
          }
          if (branch !== 1) throw new AvroDecodeError(`column ${column.name}: union branch ${branch} of a nullable field`);
        }
        switch (field.op) {
          case Op.Long: this.readLongInto(column.ints, row * 2); break;
          case Op.Int: column.ints[row] = this.readInt(); break;
          case Op.Text: this.readString(column, row, true); break;
          case Op.Bytes: this.readString(column, row, false); break;
          case Op.Decimal: this.readDecimal(column, row, this.decimalLimits[field.column] as number); break;
          case Op.Double: this.copyFixed(column, row, 8); break;
          case Op.Float: this.copyFixed(column, row, 4); break;
          case Op.Boolean: {
            const value = this.byte();
            if (value > 1) throw new AvroDecodeError(`column ${column.name}: boolean byte ${value}`);
            column.bytes[row] = value;
            break;
          }
        }
      }
      this.rowsDecoded++;
      this.filled = row + 1;
      if (this.filled === this.capacity) this.emit();
    }
    if (this.pos !== this.buf.length) {
      throw new AvroDecodeError(`a block of ${block.records} records holds ${this.buf.length - this.pos} bytes more than they use`);
    }
  }

  /** Appends what is decoded but not yet appended. */
  finish(): void {
    this.emit();
  }

  private emit(): void {
    const rows = this.filled;
    if (rows === 0) return;
    const raw = this.chunk.chunk;
    for (let c = 0; c < this.columns.length; c++) {
      const column = this.columns[c] as ColumnBuffer;
      const vector = duckdb.data_chunk_get_vector(raw, c);
      duckdb.copy_data_to_vector(vector, 0, column.bytes.buffer as ArrayBuffer, 0, rows * column.width);
      // Always written: whether a reset chunk's mask is all-valid again is not the C API's promise.
      duckdb.vector_ensure_validity_writable(vector);
      duckdb.copy_data_to_vector_validity(vector, 0, column.validity.buffer as ArrayBuffer, 0, Math.ceil(rows / 64) * 8);
      const longRows = column.longRows;
      for (let i = 0; i < longRows.length; i++) {
        duckdb.vector_assign_string_element_len(vector, longRows[i] as number, column.longValues[i] as Uint8Array);
      }
      column.reset();
    }
    this.chunk.rowCount = rows;
    this.sink.appendChunk(this.chunk);
    this.chunk.reset();
    this.filled = 0;
  }

  private byte(): number {
    if (this.pos >= this.buf.length) throw this.overrun();
    return this.buf[this.pos++] as number;
  }

  /** A zig-zag long known to be small (a union branch, a length): a safe integer. */
  private readSmallLong(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
      scale *= 128;
    }
    throw new AvroDecodeError('a length or union branch runs past 8 bytes');
  }

  private readInt(): number {
    let n = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      n |= (b & 0x7f) << shift;
      if (b < 0x80) return (n >>> 1) ^ -(n & 1);
    }
    throw new AvroDecodeError('an int runs past 5 bytes');
  }

  /** A zig-zag long, full 64-bit range, as two int32 halves (little-endian) at `ints[at]`, `ints[at+1]`. */
  private readLongInto(ints: Int32Array, at: number): void {
    let b = this.byte();
    let lo = b & 0x7f;
    let hi = 0;
    if (b >= 0x80) {
      let shift = 7;
      // Bits 0…27 from the first four bytes.
      for (; shift < 28; shift += 7) {
        b = this.byte();
        lo |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
      if (b >= 0x80) {
        // The fifth byte straddles the halves: 4 bits low, 3 bits high.
        b = this.byte();
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >>> 4;
        for (shift = 3; b >= 0x80; shift += 7) {
          if (shift > 31) throw new AvroDecodeError('a long runs past 10 bytes');
          b = this.byte();
          hi |= (b & 0x7f) << shift;
        }
      }
    }
    const sign = -(lo & 1);
    ints[at] = ((lo >>> 1) | (hi << 31)) ^ sign;
    ints[at + 1] = (hi >>> 1) ^ sign;
  }

  /** A length-prefixed value (AVRO bytes and string): where it starts; the position moves past it. */
  private skipLengthPrefixed(): number {
    const length = this.readSmallLong();
    const start = this.pos;
    if (length < 0 || start + length > this.buf.length) throw this.overrun();
    this.pos = start + length;
    return start;
  }

  private readString(column: ColumnBuffer, row: number, text: boolean): void {
    const start = this.skipLengthPrefixed();
    const end = this.pos;
    const length = end - start;
    const buf = this.buf;
    const slot = row * STRING_T_BYTES;
    const bytes = column.bytes;
    bytes.fill(0, slot, slot + STRING_T_BYTES);
    column.ints[row * 4] = length;
    if (length <= INLINE_STRING_BYTES) {
      let ascii = true;
      for (let i = start; i < end; i++) {
        const b = buf[i] as number;
        if (b >= 0x80) ascii = false;
        bytes[slot + 4 + i - start] = b;
      }
      if (text && !ascii && !isUtf8(buf.subarray(start, end))) throw notUtf8(column.name);
      return;
    }
    const value = buf.subarray(start, end);
    if (text && !isAscii(buf, start, end) && !isUtf8(value)) throw notUtf8(column.name);
    column.ints[row * 4] = 0;
    column.longRows.push(row);
    column.longValues.push(value);
  }

  /**
   * AVRO's big-endian two's-complement bytes → DuckDB's little-endian integer of the column's
   * width, sign-extended. A value wider than the width or with more digits than the precision
   * is refused as the record-by-record path refuses it (duckdb-values.ts).
   */
  private readDecimal(column: ColumnBuffer, row: number, limit: number): void {
    const start = this.skipLengthPrefixed();
    const end = this.pos;
    const length = end - start;
    const buf = this.buf;
    const width = column.width;
    const negative = length > 0 && (buf[start] as number) >= 0x80;
    const fill = negative ? 0xff : 0;
    const out = column.bytes;
    const slot = row * width;
    let approximate = negative ? -1 : 0;
    for (let i = start; i < end; i++) approximate = approximate * 256 + (buf[i] as number);
    if (length > width) {
      // Bytes above the width must be the sign's extension, and the sign must survive the cut.
      for (let i = start; i < end - width; i++) if (buf[i] !== fill) throw this.tooWide(column, start, end);
      if (((buf[end - width] as number) >= 0x80) !== negative) throw this.tooWide(column, start, end);
    }
    for (let k = 0; k < width; k++) {
      const i = end - 1 - k;
      out[slot + k] = i >= start ? (buf[i] as number) : fill;
    }
    // The double is exact below 2^53 and within a few units in 2^-53 above: only near the limit
    // does the exact (BigInt) comparison decide.
    if (Math.abs(approximate) >= limit * (1 - 1e-9)) {
      const raw = bytesToUnscaled(buf.subarray(start, end));
      const unscaled = typeof raw === 'bigint' ? raw : BigInt(raw);
      const exactLimit = 10n ** BigInt(column.type.kind === 'decimal' ? column.type.precision : 0);
      if (unscaled >= exactLimit || unscaled <= -exactLimit) throw this.tooWide(column, start, end);
    }
  }

  private copyFixed(column: ColumnBuffer, row: number, width: number): void {
    const end = this.pos + width;
    if (end > this.buf.length) throw this.overrun();
    this.buf.copy(column.bytes, row * width, this.pos, end);
    this.pos = end;
  }

  private tooWide(column: ColumnBuffer, start: number, end: number): ValueError {
    const type = column.type;
    if (type.kind !== 'decimal') return new ValueError(`column ${column.name}: not a decimal column`);
    const text = decimalBytesToText(Buffer.from(this.buf.subarray(start, end)), type.scale);
    return new ValueError(`column ${column.name}: ${text} has more than ${type.precision} digits, it does not fit decimal(${type.precision},${type.scale})`);
  }

  private overrun(): AvroDecodeError {
    return new AvroDecodeError('a record runs past the end of its block');
  }
}

function isAscii(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if ((buf[i] as number) >= 0x80) return false;
  return true;
}

function notUtf8(name: string): ValueError {
  return new ValueError(`column ${name}: the text is not valid UTF-8 (a damaged or foreign part) — re-run the extractor for this run`);
}

/** Bytes per row of a column's vector (DuckDB's physical types). */
function physicalWidth(type: CanonicalType): number {
  switch (type.kind) {
    case 'boolean': return 1;
    case 'date':
    case 'float32': return 4;
    case 'int64':
    case 'float64':
    case 'datetime':
    case 'timestamp': return 8;
    case 'decimal': return type.precision <= 4 ? 2 : type.precision <= 9 ? 4 : type.precision <= 18 ? 8 : 16;
    case 'string':
    case 'json':
    case 'interval':
    case 'bytes': return STRING_T_BYTES;
  }
}

function opFor(type: CanonicalType): Op {
  switch (type.kind) {
    case 'boolean': return Op.Boolean;
    case 'int64':
    case 'datetime':
    case 'timestamp': return Op.Long;
    case 'date': return Op.Int;
    case 'float32': return Op.Float;
    case 'float64': return Op.Double;
    case 'decimal': return Op.Decimal;
    case 'string':
    case 'json':
    case 'interval': return Op.Text;
    case 'bytes': return Op.Bytes;
  }
}

/**
 * The writer's fields, each tied to the model column of its name, or null unless the writer has
 * exactly the model's columns, each of exactly the AVRO type DataPipe writes for it (nullable or not).
 */
function planFields(model: TableModel, writerSchema: unknown): FieldPlan[] | null {
  const schema = writerSchema as { type?: unknown; fields?: unknown };
  if (schema?.type !== 'record' || !Array.isArray(schema.fields) || schema.fields.length !== model.columns.length) return null;
  const byName = new Map(model.columns.map((c, i) => [c.name, i]));
  const plans: FieldPlan[] = [];
  const seen = new Set<number>();
  for (const field of schema.fields as { name?: unknown; type?: unknown }[]) {
    const column = typeof field.name === 'string' ? byName.get(field.name) : undefined;
    if (column === undefined || seen.has(column)) return null;
    seen.add(column);
    const type = (model.columns[column] as TableModel['columns'][number]).type;
    const nullable = Array.isArray(field.type) && field.type.length === 2 && field.type[0] === 'null';
    const value: unknown = nullable ? (field.type as unknown[])[1] : field.type;
    if (!sameAvroType(value, avroValueType(type))) return null;
    plans.push({ op: opFor(type), nullable, column });
  }
  return plans;
}

function sameAvroType(writer: unknown, expected: unknown): boolean {
  if (typeof expected === 'string') return writer === expected;
  if (typeof writer !== 'object' || writer === null) return false;
  const w = writer as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  return ['type', 'logicalType', 'precision', 'scale'].every((key) => w[key] === e[key]);
}
