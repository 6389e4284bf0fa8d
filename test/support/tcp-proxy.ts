/**
 * A TCP proxy in front of a real PostgreSQL server that breaks a connection on cue: closes it
 * gracefully (FIN), resets it (RST), or stops forwarding while keeping it open (a stalled peer).
 * It can also pace what the server sends (`pace`), so a read lasts at least a known time whatever
 * the machine's speed.
 * The cue is the server's protocol messages: after the n-th message of a type (`d` CopyData: one
 * row of a COPY; `D` DataRow: one row of a cursor), so a fault lands at a known point of a read.
 * https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export type Fault = 'close' | 'reset' | 'stall';

export interface FaultPlan {
  fault: Fault;
  /** Server message type to count (one character), e.g. `d` for a COPY row. */
  messageType: string;
  /** The fault strikes once this many messages of that type went to the client. */
  after: number;
  /** How many connections it strikes (each counts afresh); later connections pass untouched. */
  times: number;
}

/** Counts the server's messages of one type across chunk boundaries (type byte + int32 length). */
class MessageCounter {
  #header = Buffer.alloc(0);
  #remaining = 0;
  count = 0;

  constructor(private readonly type: number) {}

  /** Feeds server bytes; returns the offset just past the message that reached `limit`, or -1. */
  feed(chunk: Buffer, limit: number): number {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, chunk.length - offset);
        this.#remaining -= take;
        offset += take;
        continue;
      }
      const need = 5 - this.#header.length;
      this.#header = Buffer.concat([this.#header, chunk.subarray(offset, offset + need)]);
      offset += Math.min(need, chunk.length - offset);
      if (this.#header.length < 5) break;
      this.#remaining = this.#header.readInt32BE(1) - 4;
      if (this.#header[0] === this.type && ++this.count === limit) {
        const end = Math.min(chunk.length, offset + this.#remaining);
        this.#remaining -= end - offset;
        this.#header = Buffer.alloc(0);
        return end;
      }
      this.#header = Buffer.alloc(0);
    }
    return -1;
  }
}

export class FaultProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #plan: FaultPlan | null = null;
  #bytesPerSecond: number | null = null;
  /** Connections the plan has struck so far. */
  struck = 0;
  connections = 0;

  private constructor(server: Server, readonly port: number) {
    this.#server = server;
  }

  /** Listens on a free loopback port, forwarding to `target`. */
  static async start(target: { host: string; port: number }): Promise<FaultProxy> {
    const accepting: { proxy?: FaultProxy } = {};
    const server = createServer((client) => accepting.proxy!.accept(client, target));
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy has no TCP port');
    accepting.proxy = new FaultProxy(server, address.port);
    return accepting.proxy;
  }

  /** Arms the fault for the next connections (see FaultPlan); null forwards everything. */
  arm(plan: FaultPlan | null): void {
    this.#plan = plan;
    this.struck = 0;
  }

  /**
   * Forwards the server's bytes at no more than `bytesPerSecond` (null: as fast as they come), for
   * connections accepted from now on: reading N bytes then takes at least N / bytesPerSecond.
   */
  pace(bytesPerSecond: number | null): void {
    this.#bytesPerSecond = bytesPerSecond;
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    this.connections++;
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    const plan = this.#plan && this.struck < this.#plan.times ? this.#plan : null;
    const counter = plan ? new MessageCounter(plan.messageType.charCodeAt(0)) : null;
    let stalled = false;
    client.on('data', (chunk: Buffer) => {
      if (!stalled) upstream.write(chunk);
    });
    const rate = this.#bytesPerSecond;
    upstream.on('data', (chunk: Buffer) => {
      if (stalled) return;
      if (rate !== null) {
        // Hold the next chunk back for as long as this one takes at the paced rate.
        upstream.pause();
        setTimeout(() => upstream.resume(), Math.ceil((chunk.length * 1000) / rate));
      }
      const cut = counter && plan ? counter.feed(chunk, plan.after) : -1;
      if (cut < 0) {
        client.write(chunk);
        return;
      }
      client.write(chunk.subarray(0, cut));
      this.struck++;
      if (plan!.fault === 'close') {
        client.end();
        upstream.destroy();
      } else if (plan!.fault === 'reset') {
        client.resetAndDestroy();
        upstream.destroy();
      } else {
        // Stop forwarding both ways and stop reading from the server; both sockets stay open.
        stalled = true;
        upstream.pause();
      }
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      if (!stalled) client.end();
    });
  }

  /** Closes the listener and every connection still open (a stalled one included). */
  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((closed) => this.#server.close(() => closed()));
  }
}
