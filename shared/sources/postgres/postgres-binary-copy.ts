/**
 * A parser for `COPY … TO STDOUT (FORMAT binary)` output
 * (https://www.postgresql.org/docs/current/sql-copy.html, "Binary Format"): an 11-byte signature,
 * int32 flags, int32 header-extension length and extension, then tuples — int16 field count, and
 * per field an int32 length (-1 = NULL) and that many bytes — and an int16 -1 trailer.
 * Stream chunks split tuples anywhere: the tuple that straddles two chunks is joined alone (not
 * the whole next chunk), a partial one is carried until the chunks that complete it arrive.
 */
import type { Row } from '../../model/column.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8;
const EMPTY = Buffer.alloc(0);

/** Turns one tuple's fields into a row; `lengths[i]` is -1 for NULL. */
export type TupleDecoder = (buf: Buffer, offsets: Int32Array, lengths: Int32Array) => Row;

/**
 * Takes one tuple's fields (`lengths[i]` is -1 for NULL, `offsets[i]` where field i starts in
 * `buf`); returns false to pause parsing after it, e.g. because a batch is full.
 */
export type TupleHandler = (buf: Buffer, offsets: Int32Array, lengths: Int32Array) => boolean;

/**
 * Incremental parser: `feed` a chunk, `parse` it — again while it returns true (the handler
 * paused it) — then feed the next; `end()` after the last chunk.
 */
export class BinaryCopyParser {
  private readonly offsets: Int32Array;
  private readonly lengths: Int32Array;
  /** The chunk being parsed, where the next tuple starts in it, and where its part to parse ends. */
  private buf: Buffer = EMPTY;
  private pos = 0;
  private limit = 0;
  /** The tuple that straddled the previous chunk and this one, joined: parsed first. */
  private joined: Buffer | null = null;
  /** The start of a tuple (or of the header) whose end has not arrived yet. */
  private carried: Buffer[] = [];
  private carriedBytes = 0;
  /** Bytes the carried part needs at least before parsing is worth retrying. */
  private needed = 0;
  private paused = false;
  private headerSeen = false;
  private trailerSeen = false;

  constructor(private readonly fieldCount: number) {
    this.offsets = new Int32Array(fieldCount);
    this.lengths = new Int32Array(fieldCount);
  }

  /**
   * Takes the next stream bytes, `data[start, end)` (a COPY message's payload, read in place);
   * the previous ones must have been parsed to their end.
   */
  feed(data: Buffer, start = 0, end = data.length): void {
    if (this.joined !== null || this.pos < this.limit) throw new Error('BinaryCopyParser: a chunk was fed before the previous one was parsed');
    if (this.carriedBytes === 0) {
      this.buf = data;
      this.pos = start;
      this.limit = end;
      return;
    }
    this.buf = EMPTY;
    this.pos = 0;
    this.limit = 0;
    const chunk = start === 0 && end === data.length ? data : data.subarray(start, end);
    this.carried.push(chunk);
    this.carriedBytes += chunk.length;
    // A large field spans many chunks: look again once it can be complete, not on every chunk.
    if (this.carriedBytes < this.needed) return;
    if (!this.headerSeen) {
      this.buf = Buffer.concat(this.carried, this.carriedBytes);
      this.limit = this.buf.length;
      this.carried = [];
      this.carriedBytes = 0;
      return;
    }
    const head = this.carried.length === 2 ? this.carried[0]! : Buffer.concat(this.carried.slice(0, -1));
    const tupleEnd = straddlingTupleEnd(head, chunk, this.fieldCount);
    if (tupleEnd < 0) {
      this.carried = [head, chunk];
      this.needed = -tupleEnd;
      return;
    }
    const rest = tupleEnd - head.length;
    this.joined = Buffer.concat([head, chunk.subarray(0, rest)], tupleEnd);
    this.buf = chunk;
    this.pos = rest;
    this.limit = chunk.length;
    this.carried = [];
    this.carriedBytes = 0;
  }

  /**
   * Hands each complete tuple of the current chunk to `handle`. Returns true when the handler
   * paused (call again for the rest of the chunk), false once the chunk is used up — a partial
   * tuple at its end is carried into the next feed.
   */
  parse(handle: TupleHandler): boolean {
    const joined = this.joined;
    if (joined !== null) {
      this.joined = null;
      if (this.scan(joined, 0, joined.length, handle) !== joined.length) throw new Error('BinaryCopyParser: the joined tuple is incomplete');
      if (this.paused) {
        this.paused = false;
        return true;
      }
    }
    const buf = this.buf;
    const end = this.limit;
    let pos = this.pos;
    // Nothing new: an empty chunk, or one held back until the carried tuple can be complete.
    if (pos >= end) return false;
    if (!this.headerSeen) {
      // The stream's first bytes: `pos` is where they start.
      if (end - pos < HEADER_BYTES) return this.carry(pos, HEADER_BYTES);
      if (!buf.subarray(pos, pos + SIGNATURE.length).equals(SIGNATURE)) throw new Error('COPY output is not in PostgreSQL binary format');
      const header = HEADER_BYTES + buf.readInt32BE(pos + SIGNATURE.length + 4);
      if (end - pos < header) return this.carry(pos, header);
      pos += header;
      this.headerSeen = true;
    }
    pos = this.scan(buf, pos, end, handle);
    if (this.paused) {
      this.paused = false;
      this.pos = pos;
      return true;
    }
    if (pos < end) return this.carry(pos, this.needed);
    this.pos = end;
    return false;
  }

  /** Checks the stream ended exactly at the trailer (a cut connection would otherwise lose rows silently). */
  end(): void {
    if (!this.trailerSeen || this.carriedBytes > 0) throw new Error('COPY output ended before its trailer');
  }

  /**
   * Hands tuples from `pos` on to `handle` until it pauses (sets `paused`), `end` is reached, or a
   * tuple is partial (sets `needed`); returns where the next tuple starts.
   */
  private scan(buf: Buffer, from: number, end: number, handle: TupleHandler): number {
    const { offsets, lengths, fieldCount } = this;
    let pos = from;
    while (pos < end) {
      if (this.trailerSeen) throw new Error('COPY output continues after its trailer');
      if (pos + 2 > end) {
        this.needed = 2;
        return pos;
      }
      // Big-endian int16 and int32 by hand: Buffer's readers check bounds already checked here.
      const count = ((buf[pos]! << 24) | (buf[pos + 1]! << 16)) >> 16;
      if (count === -1) {
        this.trailerSeen = true;
        pos += 2;
        continue;
      }
      if (count !== fieldCount) throw new Error(`COPY tuple has ${count} fields, expected ${fieldCount}`);
      let p = pos + 2;
      for (let i = 0; i < fieldCount; i++) {
        if (p + 4 > end) {
          this.needed = p + 4 - pos;
          return pos;
        }
        const length = (buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
        p += 4;
        offsets[i] = p;
        lengths[i] = length;
        if (length > 0) {
          p += length;
          if (p > end) {
            this.needed = p - pos;
            return pos;
          }
        }
      }
      pos = p;
      if (!handle(buf, offsets, lengths)) {
        this.paused = true;
        return pos;
      }
    }
    return pos;
  }

  /** Keeps the current chunk from `from` for the next feed, which must bring it to `needed` bytes. */
  private carry(from: number, needed: number): false {
    this.carried = [this.buf.subarray(from, this.limit)];
    this.carriedBytes = this.limit - from;
    this.needed = needed;
    this.buf = EMPTY;
    this.pos = 0;
    this.limit = 0;
    return false;
  }
}

/**
 * Where the tuple that starts in `head` and continues in `tail` ends, counted from the start of
 * `head`; or, while it is not complete yet, minus the bytes it needs at least. A trailer is a
 * 2-byte tuple; a wrong field count is left for scan() to report.
 */
function straddlingTupleEnd(head: Buffer, tail: Buffer, fieldCount: number): number {
  const total = head.length + tail.length;
  const byte = (at: number): number => (at < head.length ? head[at]! : tail[at - head.length]!);
  const int32 = (at: number): number => (byte(at) << 24) | (byte(at + 1) << 16) | (byte(at + 2) << 8) | byte(at + 3);
  if (total < 2) return -2;
  const count = ((byte(0) << 8) | byte(1)) << 16 >> 16;
  if (count !== fieldCount) return 2;
  let p = 2;
  for (let i = 0; i < fieldCount; i++) {
    if (p + 4 > total) return -(p + 4);
    const length = int32(p);
    p += 4;
    if (length > 0) {
      p += length;
      if (p > total) return -p;
    }
  }
  return p;
}
