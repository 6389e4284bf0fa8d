/**
 * A fault-injecting HTTP proxy for the object-store tests: it sits between a client and an emulator
 * (fake-gcs-server, Azurite, moto), records every request, and on request answers chosen ones itself (a
 * 503, a 401…: with a GCS-style JSON error body unless the fault brings its own body and headers),
 * drops their connection, or alters bytes of their body or of the answer's body on the way.
 * Everything else passes through unchanged, except `Location` headers, rewritten so GCS resumable
 * uploads keep going through the proxy.
 *
 * An injected answer's body is GCS's JSON error shape unless the fault gives its own `body` and
 * `headers` (S3 tests send S3's XML `<Error>` document).
 *
 * With `answerStatusQueries` it also answers a GCS resumable upload's status query itself, as GCS
 * documents it (308 with `Range: bytes=0-<last byte persisted>`): fake-gcs-server 1.56.1 takes
 * the query (Content-Range `bytes *` of an unknown total) for the end of a streamed upload and
 * publishes what it has, so a client resuming after a failed request could not be tested on it.
 * https://cloud.google.com/storage/docs/performing-resumable-uploads#status-check
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The status the client saw; 0 when the connection was dropped. */
  status: number;
  /** When it arrived (performance.now(), ms). */
  at: number;
}

/** What to do to a matching request. */
export type Fault =
  | { respond: number; message?: string; body?: string; headers?: Record<string, string> }
  | { drop: true }
  | { dropAfterBytes: number }
  | { corrupt: { find: string; replace: string } }
  | { corruptAnswer: { find: string; replace: string } };

interface Rule {
  when: (request: ProxiedRequest) => boolean;
  fault: Fault;
  remaining: number;
}

export class FaultProxy {
  readonly requests: ProxiedRequest[] = [];
  readonly #server: Server;
  readonly #target: URL;
  readonly #answerStatusQueries: boolean;
  /** Bytes the server acknowledged so far, per resumable upload session. */
  readonly #persisted = new Map<string, number>();
  #rules: Rule[] = [];

  private constructor(target: string, answerStatusQueries: boolean) {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#target = new URL(target);
    this.#answerStatusQueries = answerStatusQueries;
  }

  /** A proxy on a free loopback port in front of `target` (`http://host:port`). */
  static async start(target: string, options: { answerStatusQueries?: boolean } = {}): Promise<FaultProxy> {
    const proxy = new FaultProxy(target, options.answerStatusQueries ?? false);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Applies `fault` to the next `times` requests that match (every one when times is omitted). */
  inject(when: (request: ProxiedRequest) => boolean, fault: Fault, times = Number.POSITIVE_INFINITY): void {
    this.#rules.push({ when, fault, remaining: times });
  }

  /** Forgets rules and recorded requests. */
  reset(): void {
    this.#rules = [];
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#target);
    const seen: ProxiedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, status: 0, at: performance.now() };
    this.requests.push(seen);
    const rule = this.#rules.find((r) => r.remaining > 0 && r.when(seen));
    if (rule) rule.remaining--;
    const fault = rule?.fault;

    if (fault && 'dropAfterBytes' in fault) {
      // Cut the connection once that much of the request body has arrived: the client is mid-send.
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= fault.dropAfterBytes) req.socket.destroy();
      });
      req.on('end', () => req.socket.destroy());
      return;
    }
    const body = await readBody(req);
    if (fault && 'respond' in fault) {
      seen.status = fault.respond;
      if (fault.body !== undefined) {
        res.writeHead(fault.respond, fault.headers ?? {});
        res.end(fault.body);
        return;
      }
      const message = fault.message ?? `injected ${fault.respond}`;
      res.writeHead(fault.respond, { 'content-type': 'application/json', ...fault.headers });
      res.end(JSON.stringify({ error: { code: fault.respond, message, errors: [{ domain: 'global', reason: 'injected', message }] } }));
      return;
    }
    if (fault && 'drop' in fault) {
      req.socket.destroy();
      return;
    }
    const session = url.searchParams.get('upload_id');
    if (this.#answerStatusQueries && session && req.method === 'PUT' && body.length === 0 && /^bytes \*\//.test(req.headers['content-range'] ?? '')) {
      seen.status = 308;
      const persisted = this.#persisted.get(session) ?? 0;
      res.writeHead(308, persisted > 0 ? { range: `bytes=0-${persisted - 1}` } : {});
      res.end();
      return;
    }
    const sent = fault && 'corrupt' in fault ? corrupted(body, fault.corrupt.find, fault.corrupt.replace) : body;
    // The body is forwarded whole, so a client's `Expect: 100-continue` has been answered already.
    const { expect: _expect, ...forwarded } = req.headers;
    const upstream = request(url, { method: req.method, headers: { ...forwarded, host: this.#target.host, 'content-length': String(sent.length) } }, (answer) => {
      seen.status = answer.statusCode ?? 0;
      const range = /^bytes=0-(\d+)$/.exec(answer.headers.range ?? '');
      if (session && seen.status === 308 && range) this.#persisted.set(session, Number(range[1]) + 1);
      const headers = { ...answer.headers };
      if (typeof headers.location === 'string') headers.location = headers.location.replace(this.#target.origin, this.endpoint);
      res.writeHead(seen.status, headers);
      if (fault && 'corruptAnswer' in fault) {
        void readBody(answer).then((data) => res.end(corrupted(data, fault.corruptAnswer.find, fault.corruptAnswer.replace)));
      } else {
        answer.pipe(res);
      }
    });
    upstream.on('error', () => res.destroy());
    upstream.end(sent);
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `body` with the first `find` replaced by `replace` (same length, so Content-Length holds). */
function corrupted(body: Buffer, find: string, replace: string): Buffer {
  if (find.length !== replace.length) throw new Error('a corruption must keep the length');
  const at = body.indexOf(find);
  if (at < 0) return body;
  const copy = Buffer.from(body);
  copy.write(replace, at);
  return copy;
}
