import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CopyOutQuery } from '../../../shared/sources/postgres/postgres-copy-out.js';

/** A backend message: type byte, int32 length (counting itself), payload. */
function message(type: string, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(payload.length + 4, 1);
  return Buffer.concat([header, payload]);
}

const copyOutResponse = message('H', Buffer.from([1, 0, 1, 0, 1]));
const notice = message('N', Buffer.from('SNOTICE\0Mhello\0\0'));
const copyDone = message('c');
const commandComplete = message('C', Buffer.from('COPY 3\0'));
const readyForQuery = message('Z', Buffer.from('I'));
const payloads = [Buffer.from('first row'), Buffer.from(''), Buffer.from('x'.repeat(300)), Buffer.from('last')];

/**
 * A socket as pg leaves it (one 'data' listener, which records what pg would parse) and a query
 * submitted on it; `sent` is the SQL the query sent.
 */
function submitted(): { socket: PassThrough; query: CopyOutQuery; pgBytes: () => Buffer; sent: string[] } {
  const socket = new PassThrough();
  const pgChunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => pgChunks.push(chunk));
  const sent: string[] = [];
  const query = new CopyOutQuery('COPY (SELECT 1) TO STDOUT (FORMAT binary)');
  query.submit({ stream: socket, query: (text) => sent.push(text) });
  return { socket, query, pgBytes: () => Buffer.concat(pgChunks), sent };
}

/** Writes `bytes` in chunks of `size` and reads the query to its end: the payloads, joined per message. */
async function readAll(query: CopyOutQuery, socket: PassThrough, bytes: Buffer, size: number): Promise<Buffer> {
  for (let i = 0; i < bytes.length; i += size) socket.write(bytes.subarray(i, i + size));
  const parts: Buffer[] = [];
  while (await query.fill()) {
    while (query.nextData()) parts.push(Buffer.from(query.data.subarray(query.start, query.end)));
  }
  return Buffer.concat(parts);
}

describe('CopyOutQuery', () => {
  it('hands on every CopyData payload however the socket splits the messages, and gives pg the socket back at CopyDone', async () => {
    const copy = Buffer.concat([copyOutResponse, message('d', payloads[0]), notice, ...payloads.slice(1).map((p) => message('d', p)), copyDone]);
    const after = Buffer.concat([commandComplete, readyForQuery]);
    for (const size of [1, 2, 3, 4, 5, 6, 7, 11, 64, copy.length + after.length]) {
      const { socket, query, pgBytes, sent } = submitted();
      expect(sent).toEqual(['COPY (SELECT 1) TO STDOUT (FORMAT binary)']);
      const data = await readAll(query, socket, Buffer.concat([copy, after]), size);
      expect(data.toString(), `chunks of ${size}`).toBe(payloads.join(''));
      // pg reads from the CopyDone on, including what was still buffered in the socket.
      await new Promise((resolve) => setImmediate(resolve));
      expect(pgBytes().equals(Buffer.concat([copyDone, after])), `chunks of ${size}`).toBe(true);
    }
  });

  it('gives pg the socket at an ErrorResponse and fails with the error pg reports', async () => {
    const error = message('E', Buffer.from('SERROR\0C22003\0Mout of range\0\0'));
    const { socket, query, pgBytes } = submitted();
    socket.write(Buffer.concat([copyOutResponse, message('d', payloads[0]), error.subarray(0, 3)]));
    const read = (async () => {
      while (await query.fill()) while (query.nextData());
    })();
    await new Promise((resolve) => setImmediate(resolve));
    socket.write(error.subarray(3));
    await new Promise((resolve) => setImmediate(resolve));
    expect(pgBytes().equals(error)).toBe(true);
    const reported = new Error('out of range');
    query.handleError(reported);
    await expect(read).rejects.toBe(reported);
  });

  it('fails when the connection fails mid-COPY', async () => {
    const { socket, query } = submitted();
    socket.write(Buffer.concat([copyOutResponse, message('d', payloads[0])]));
    const read = (async () => {
      while (await query.fill()) while (query.nextData());
    })();
    const lost = new Error('Connection terminated unexpectedly');
    setImmediate(() => query.handleError(lost));
    await expect(read).rejects.toBe(lost);
  });
});
