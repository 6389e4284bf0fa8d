/**
 * A parser for `COPY … TO STDOUT (FORMAT binary)` output
 * (https://www.postgresql.org/docs/current/sql-copy.html, "Binary Format"): an 11-byte signature,
 * int32 flags, int32 header-extension length and extension, then tuples — int16 field count, and
 * per field an int32 length (-1 = NULL) and that many bytes — and an int16 -1 trailer.
 * Stream chunks split tuples anywhere; a partial tuple is carried to the next chunk.
 */
import type { Row } from '../../model/column.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;

/** Turns one tuple's fields into a row; `lengths[i]` is -1 for NULL. */
export type TupleDecoder = (buf: Buffer, offsets: Int32Array, lengths: Int32Array) => Row;

/** Incremental parser: feed it chunks in order, collect rows, then call end(). */
export class BinaryCopyParser {
  private readonly offsets: Int32Array;
  private readonly lengths: Int32Array;
  private carried: Buffer[] = [];
  private carriedBytes = 0;
  /** Bytes the carried tuple needs at least before parsing is worth retrying. */
  private needed = 0;
  private headerSeen = false;
  private trailerSeen = false;

  constructor(private readonly fieldCount: number, private readonly decode: TupleDecoder) {
    this.offsets = new Int32Array(fieldCount);
    this.lengths = new Int32Array(fieldCount);
  }

  /** Parses every complete tuple now available and appends its row to `rows`. */
  feed(chunk: Buffer, rows: Row[]): void {
    let buf = chunk;
    if (this.carriedBytes > 0) {
      this.carried.push(chunk);
      this.carriedBytes += chunk.length;
      // A large field spans many chunks: join them once it can be complete, not on every chunk.
      if (this.carriedBytes < this.needed) return;
      buf = Buffer.concat(this.carried, this.carriedBytes);
      this.carried = [];
      this.carriedBytes = 0;
    }
    let pos = 0;
    if (!this.headerSeen) {
      if (buf.length < HEADER_BYTES) return this.carry(buf, 0, HEADER_BYTES);
      if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('COPY output is not in PostgreSQL binary format');
      const header = HEADER_BYTES + buf.readInt32BE(SIGNATURE.length + 4);
      if (buf.length < header) return this.carry(buf, 0, header);
      pos = header;
      this.headerSeen = true;
    }
    const end = buf.length;
    const { offsets, lengths, fieldCount } = this;
    while (pos < end && !this.trailerSeen) {
      if (pos + 2 > end) return this.carry(buf, pos, 2);
      const count = buf.readInt16BE(pos);
      if (count === -1) {
        this.trailerSeen = true;
        pos += 2;
        break;
      }
      if (count !== fieldCount) throw new Error(`COPY tuple has ${count} fields, expected ${fieldCount}`);
      let p = pos + 2;
      let complete = true;
      for (let i = 0; i < fieldCount; i++) {
        if (p + 4 > end) { complete = false; p += 4; break; }
        const length = buf.readInt32BE(p);
        p += 4;
        offsets[i] = p;
        lengths[i] = length;
        if (length > 0) {
          p += length;
          if (p > end) { complete = false; break; }
        }
      }
      if (!complete) return this.carry(buf, pos, p - pos);
      rows.push(this.decode(buf, offsets, lengths));
      pos = p;
    }
    if (pos < end && this.trailerSeen) throw new Error('COPY output continues after its trailer');
  }

  /** Checks the stream ended exactly at the trailer (a cut connection would otherwise lose rows silently). */
  end(): void {
    if (!this.trailerSeen || this.carriedBytes > 0) throw new Error('COPY output ended before its trailer');
  }

  private carry(buf: Buffer, from: number, needed: number): void {
    this.carried = [buf.subarray(from)];
    this.carriedBytes = buf.length - from;
    this.needed = needed;
  }
}
