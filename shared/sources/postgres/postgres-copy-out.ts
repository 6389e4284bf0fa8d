/**
 * `COPY … TO STDOUT` read straight off the socket. During a COPY the server sends one CopyData
 * message per row (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-COPY);
 * pg's own parser would make an object of each, and a generic COPY stream copies each payload
 * out and joins them into new chunks. Here the socket's chunks are read as they come and the
 * CopyData payloads are handed on as ranges of them — no allocation or copy per row.
 *
 * The query takes the connection's socket over the way a pg submittable may: pg's 'data' listener
 * is set aside while the COPY runs and gets the socket back, from the CopyDone or ErrorResponse
 * that ends it on, so pg itself reads CommandComplete, the error and ReadyForQuery, and
 * reports them through the handle… methods below. A connection that fails mid-COPY reaches
 * handleError too (pg errors every active query), which fails the read. This leans on pg's
 * Connection (its `stream` and single 'data' listener), so package.json pins pg exactly: a new pg
 * is taken by updating the pin and running test/unit/postgres/postgres-copy-out.test.ts and the
 * PostgreSQL integration suite.
 */
import type { PostgresSubmittable } from './postgres-client.js';

/** The part of pg's Connection this query uses. */
interface CopyConnection {
  stream: CopySocket;
  query(text: string): void;
}

/** The connection's socket (net.Socket, or a TLSSocket): read in paused mode while the COPY runs. */
interface CopySocket {
  listeners(event: 'data'): unknown[];
  on(event: 'readable' | 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'readable' | 'data', listener: (chunk: Buffer) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  read(): Buffer | null;
}

/** Backend message types (https://www.postgresql.org/docs/current/protocol-message-formats.html). */
const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'
/**
 * Skipped: CopyOutResponse, which starts the COPY, and the asynchronous messages the server may
 * send at any time, also during a COPY (ParameterStatus, NoticeResponse, NotificationResponse).
 * Any other message — CopyDone, ErrorResponse — ends the COPY and goes to pg.
 */
const SKIPPED_MESSAGES = new Set([0x48, 0x53, 0x4e, 0x41]);
const MESSAGE_HEADER_BYTES = 5;

/**
 * The COPY as a pg submittable. Read it with `fill()` (the next socket chunk; false once the
 * COPY is over) and, per chunk, `nextData()` until it returns false: each true leaves the next
 * CopyData payload in `data[start, end)` — part of one when a message straddles two chunks.
 */
export class CopyOutQuery implements PostgresSubmittable {
  /** The current CopyData payload range (valid until the next nextData() or fill()). */
  data: Buffer = Buffer.alloc(0);
  start = 0;
  end = 0;

  #socket: CopySocket | null = null;
  #pgDataListener: ((chunk: Buffer) => void) | null = null;
  /** The socket chunk being walked, and where the next unread byte is in it. */
  #chunk: Buffer = Buffer.alloc(0);
  #pos = 0;
  /** Payload bytes of the current message not read yet, and its type. */
  #remaining = 0;
  #type = 0;
  /** A message header split between two chunks: its first bytes. */
  readonly #header = Buffer.alloc(MESSAGE_HEADER_BYTES);
  #headerBytes = 0;
  /** The socket is pg's again. */
  #handedBack = false;
  /** The COPY is over: CopyDone came, or pg saw the query end. */
  #done = false;
  #failure: unknown = null;
  #wake: (() => void) | null = null;
  readonly #onReadable = (): void => this.#notify();

  constructor(private readonly text: string) {}

  /** Called by pg when the query's turn comes. */
  submit(connection: CopyConnection): void {
    const socket = connection.stream;
    const listeners = socket.listeners('data');
    const listener = listeners[0];
    if (listeners.length !== 1 || typeof listener !== 'function') throw new Error(`CopyOutQuery: the connection's socket has ${listeners.length} 'data' listeners, expected pg's one`);
    this.#pgDataListener = listener as (chunk: Buffer) => void;
    this.#socket = socket;
    socket.off('data', this.#pgDataListener);
    socket.pause();
    socket.on('readable', this.#onReadable);
    connection.query(this.text);
  }

  /** pg: an ErrorResponse, or the connection failed. */
  handleError(error: unknown): void {
    this.#failure ??= error;
    this.#notify();
  }

  /** pg: CommandComplete. The rows are counted as they are parsed; the trailer proves the end. */
  handleCommandComplete(): void {}

  /** pg: the query is over. */
  handleReadyForQuery(): void {
    this.#done = true;
    this.#notify();
  }

  /**
   * Waits for the next chunk from the socket; false once the COPY is over (CopyDone). Rejects with
   * the server's error or the connection's failure.
   */
  async fill(): Promise<boolean> {
    for (;;) {
      if (this.#failure !== null) throw this.#failure;
      if (this.#done) return false;
      // Handed back at an ErrorResponse (or another end): pg reports it through handleError.
      const chunk = this.#socket === null || this.#handedBack ? null : this.#socket.read();
      if (chunk !== null) {
        this.#chunk = chunk;
        this.#pos = 0;
        return true;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  /**
   * Moves to the next CopyData payload (or part of one) in the current chunk; false when the chunk
   * is used up or the COPY is over — fill() tells which.
   */
  nextData(): boolean {
    const chunk = this.#chunk;
    let pos = this.#pos;
    while (pos < chunk.length) {
      if (this.#remaining > 0) {
        const end = Math.min(chunk.length, pos + this.#remaining);
        this.#remaining -= end - pos;
        if (this.#type === COPY_DATA) {
          this.data = chunk;
          this.start = pos;
          this.end = end;
          this.#pos = end;
          return true;
        }
        pos = end;
        continue;
      }
      // A message header: type byte and int32 length (which counts itself), possibly split.
      if (this.#headerBytes === 0) {
        const type = chunk[pos]!;
        if (type !== COPY_DATA && !SKIPPED_MESSAGES.has(type)) {
          this.#handBack(pos, type === COPY_DONE);
          return false;
        }
        if (pos + MESSAGE_HEADER_BYTES <= chunk.length) {
          this.#startMessage(type, chunk.readInt32BE(pos + 1));
          pos += MESSAGE_HEADER_BYTES;
          continue;
        }
      }
      while (this.#headerBytes < MESSAGE_HEADER_BYTES && pos < chunk.length) this.#header[this.#headerBytes++] = chunk[pos++]!;
      if (this.#headerBytes < MESSAGE_HEADER_BYTES) break;
      this.#headerBytes = 0;
      this.#startMessage(this.#header[0]!, this.#header.readInt32BE(1));
    }
    this.#pos = pos;
    return false;
  }

  #startMessage(type: number, length: number): void {
    if (length < 4) throw new Error(`COPY: a message of type ${type} declares ${length} bytes`);
    this.#type = type;
    this.#remaining = length - 4;
  }

  /**
   * Gives the socket back to pg with the bytes from `from` on (pg ignores a CopyDone). The read
   * ends here after CopyDone; after anything else once pg has reported the error or the end.
   */
  #handBack(from: number, copyDone: boolean): void {
    const socket = this.#socket!;
    const listener = this.#pgDataListener!;
    const chunk = this.#chunk;
    this.#handedBack = true;
    if (copyDone) this.#done = true;
    this.#chunk = Buffer.alloc(0);
    this.#pos = 0;
    socket.off('readable', this.#onReadable);
    socket.on('data', listener);
    if (from < chunk.length) listener(chunk.subarray(from));
    // Resumed after pg has seen these bytes: ending the 'readable' mode takes a tick.
    process.nextTick(() => socket.resume());
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
