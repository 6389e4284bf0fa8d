import type { Type } from 'avsc';

/**
 * The records of the AVRO block being filled: one reusable buffer that grows when a record or a
 * batch does not fit, so encoding allocates nothing per record. Rows are encoded in place with
 * avsc's documented `type.encode(value, buffer, pos)`; batches a source already encoded are
 * copied in as they are. `take()` copies the finished block out (the copy goes off to be
 * compressed while this buffer is reused for the next block).
 */
export class BlockBuffer {
  #buffer: Buffer;
  #length = 0;
  #records = 0;

  constructor(initialBytes: number) {
    this.#buffer = Buffer.allocUnsafe(Math.max(initialBytes, 1024));
  }

  /** Encoded bytes so far. */
  get length(): number {
    return this.#length;
  }

  /** Records so far. */
  get records(): number {
    return this.#records;
  }

  /** Encodes one record at the end. Throws what avsc throws for an invalid value, leaving the block as it was. */
  appendValue(type: Type, value: unknown): void {
    for (;;) {
      const end = type.encode(value, this.#buffer, this.#length);
      if (end >= 0) {
        this.#length = end;
        this.#records++;
        return;
      }
      // avsc returns minus the bytes missing (the writes past the end were skipped): grow, encode again.
      this.#reserve(this.#buffer.length - end);
    }
  }

  /** Appends `rows` records already in AVRO binary encoding, concatenated. */
  appendEncoded(records: Buffer, rows: number): void {
    this.#reserve(this.#length + records.length);
    this.#length += records.copy(this.#buffer, this.#length);
    this.#records += rows;
  }

  /** The block's bytes (a copy) and record count; the buffer starts over, keeping its capacity. */
  take(): { data: Buffer; records: number } {
    const data = Buffer.allocUnsafe(this.#length);
    this.#buffer.copy(data, 0, 0, this.#length);
    const records = this.#records;
    this.#length = 0;
    this.#records = 0;
    return { data, records };
  }

  #reserve(bytes: number): void {
    if (bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(bytes, this.#buffer.length * 2));
    this.#buffer.copy(grown, 0, 0, this.#length);
    this.#buffer = grown;
  }
}
