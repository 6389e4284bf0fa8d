/**
 * The output side of the COPY → AVRO transcoder: AVRO's binary encoding
 * (https://avro.apache.org/docs/1.12.0/specification/#binary-encoding) written into one growing
 * Buffer, byte for byte what avsc writes for the same values (test/unit/postgres checks each
 * primitive against avsc). No BigInt and no allocation on the way for safe numbers: a long is
 * zigzag-encoded from its two 32-bit halves, which also covers the whole int64 range.
 */

const TWO_32 = 4_294_967_296;
/** Below 2^30 in magnitude the zigzag value fits a positive int32: the all-integer fast path. */
const SMALL = 1_073_741_824;
/** Up to this many bytes a loop beats Buffer#copy's native call (and the length is one varint byte). */
const COPY_LOOP_BYTES = 48;

/** A growing buffer of AVRO-encoded values; `pos` is where the next one goes. */
export class AvroRecordBuffer {
  buf: Buffer;
  pos = 0;

  /**
   * `capacity`: the bytes a batch usually needs (it grows past that when it must).
   * `headroom`: bytes kept free beyond every reservation — one tuple's fixed-size values, so a
   * tuple transcoder reserves once per tuple and only long variable-length values reserve again.
   */
  constructor(private readonly capacity: number, private readonly headroom: number) {
    this.buf = Buffer.allocUnsafe(capacity + headroom);
  }

  /** Makes room for `bytes` more, plus the headroom. */
  reserve(bytes: number): void {
    if (this.pos + bytes + this.headroom > this.buf.length) this.grow(bytes);
  }

  /**
   * Hands the bytes written so far to the caller and starts over in a fresh buffer of the
   * starting size, so the caller may keep the returned Buffer as long as it likes. (Copying the
   * batch out of one reused buffer instead measured no faster: both allocate a batch's worth.)
   */
  take(): Buffer {
    const taken = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.capacity + this.headroom);
    this.pos = 0;
    return taken;
  }

  /** Already-encoded bytes, as they are. */
  append(encoded: Buffer): void {
    this.reserve(encoded.length);
    this.pos += encoded.copy(this.buf, this.pos);
  }

  /** `int` or `long` of a safe integer: zigzag varint. */
  writeLong(n: number): void {
    if (n >= -SMALL && n < SMALL) {
      const buf = this.buf;
      let p = this.pos;
      let z = (n << 1) ^ (n >> 31);
      while (z > 0x7f) {
        buf[p++] = (z & 0x7f) | 0x80;
        z >>>= 7;
      }
      buf[p++] = z;
      this.pos = p;
      return;
    }
    const hi = Math.floor(n / TWO_32);
    this.writeLongParts(hi, n - hi * TWO_32);
  }

  /** A `long` given as the signed high and unsigned low 32 bits of its two's complement. */
  writeLongParts(hi: number, lo: number): void {
    const sign = hi >> 31;
    // zigzag: (n << 1) ^ (n >> 63), one half at a time.
    let zhi = (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0;
    let zlo = ((lo << 1) ^ sign) >>> 0;
    const buf = this.buf;
    let p = this.pos;
    while (zhi !== 0 || zlo > 0x7f) {
      buf[p++] = (zlo & 0x7f) | 0x80;
      zlo = ((zlo >>> 7) | (zhi << 25)) >>> 0;
      zhi >>>= 7;
    }
    buf[p++] = zlo;
    this.pos = p;
  }

  /** A `long` of either int64 representation (column.ts): a safe number or a bigint. */
  writeLongValue(value: number | bigint): void {
    if (typeof value === 'number') this.writeLong(value);
    else this.writeLongParts(Number(BigInt.asIntN(32, value >> 32n)), Number(BigInt.asUintN(32, value)));
  }

  /** `float`: what avsc writes for the number (`writeFloatLE`, which rounds a double to float32). */
  writeFloat(value: number): void {
    this.buf.writeFloatLE(value, this.pos);
    this.pos += 4;
  }

  /** `double`, little-endian. */
  writeDouble(value: number): void {
    this.buf.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** `bytes` (or a UTF-8 `string`) from a slice of another buffer: varint length, then the bytes. */
  writeBytes(source: Buffer, start: number, end: number): void {
    const length = end - start;
    if (length <= COPY_LOOP_BYTES) {
      // The common short value: a one-byte length, and a loop instead of Buffer#copy's native call.
      if (this.pos + length + 1 + this.headroom > this.buf.length) this.grow(length + 1);
      const buf = this.buf;
      let p = this.pos;
      buf[p++] = length << 1;
      for (let i = start; i < end; i++) buf[p++] = source[i]!;
      this.pos = p;
      return;
    }
    this.reserve(length + 5);
    this.writeLong(length);
    this.pos += source.copy(this.buf, this.pos, start, end);
  }

  /** `string` from a JS string: its UTF-8 length, then its UTF-8 bytes. */
  writeString(text: string): void {
    const length = Buffer.byteLength(text);
    this.reserve(length + 5);
    this.writeLong(length);
    this.pos += this.buf.write(text, this.pos, length, 'utf8');
  }

  /**
   * `decimal` bytes of a safe-integer unscaled value: the minimal big-endian two's complement
   * (1 to 7 bytes), as shared/avro/decimal.ts builds it, after its varint length.
   */
  writeDecimal(unscaled: number): void {
    const buf = this.buf;
    let p = this.pos;
    if (unscaled >= -0x80000000 && unscaled <= 0x7fffffff) {
      const v = unscaled | 0;
      const size = v >= -0x80 && v < 0x80 ? 1 : v >= -0x8000 && v < 0x8000 ? 2 : v >= -0x800000 && v < 0x800000 ? 3 : 4;
      buf[p++] = size << 1;
      for (let shift = 8 * (size - 1); shift >= 0; shift -= 8) buf[p++] = (v >> shift) & 0xff;
    } else {
      const hi = Math.floor(unscaled / TWO_32);
      const lo = unscaled - hi * TWO_32;
      // 5 to 7 bytes: the high part needs 1 to 3 of its own (a safe integer's hi is below 2^21).
      const high = hi >= -0x80 && hi < 0x80 ? 1 : hi >= -0x8000 && hi < 0x8000 ? 2 : 3;
      buf[p++] = (high + 4) << 1;
      for (let shift = 8 * (high - 1); shift >= 0; shift -= 8) buf[p++] = (hi >> shift) & 0xff;
      buf[p++] = lo >>> 24;
      buf[p++] = (lo >>> 16) & 0xff;
      buf[p++] = (lo >>> 8) & 0xff;
      buf[p++] = lo & 0xff;
    }
    this.pos = p;
  }

  private grow(bytes: number): void {
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.pos + bytes + this.headroom));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}
