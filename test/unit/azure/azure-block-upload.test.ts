import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../../shared/errors.js';
import { MAX_BLOCKS, uploadInBlocks, type BlockTarget } from '../../../shared/stores/azure/azure-block-upload.js';

const md5 = (data: Buffer) => createHash('md5').update(data).digest();
const tick = () => new Promise((ok) => setImmediate(ok));

/** A target whose block requests wait until the test settles them, recording what it was sent. */
function heldTarget() {
  const staged: { id: string; block: Buffer; md5: Buffer; signal: AbortSignal; settle(error?: Error): void; settled: boolean }[] = [];
  const commits: { ids: string[]; md5: Buffer }[] = [];
  const wholes: { body: Buffer; md5: Buffer }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const target: BlockTarget = {
    stage: (id, block, blockMd5, signal) => new Promise<void>((resolve, reject) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // As the SDK does: an aborted request rejects — here a little later, as a socket takes time to close.
      const onAbort = () => setTimeout(() => entry.settle(Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' })), 20);
      const entry = {
        id, block, md5: blockMd5, signal, settled: false,
        settle(error?: Error) {
          if (entry.settled) return;
          entry.settled = true;
          inFlight--;
          signal.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve();
        },
      };
      signal.addEventListener('abort', onAbort);
      staged.push(entry);
    }),
    commit: async (ids, wholeMd5) => void commits.push({ ids, md5: wholeMd5 }),
    putWhole: async (body, wholeMd5) => void wholes.push({ body, md5: wholeMd5 }),
  };
  return { target, staged, commits, wholes, maxInFlight: () => maxInFlight };
}

/** A body of `chunks` chunks of `size` bytes, produced on demand and counted. */
function countedBody(chunks: number, size: number, fail?: { after: number; error: Error }) {
  const state = { pulled: 0 };
  const stream = new Readable({
    objectMode: true,
    highWaterMark: 1,
    read() {
      if (fail && state.pulled === fail.after) {
        this.destroy(fail.error);
        return;
      }
      if (state.pulled === chunks) {
        this.push(null);
        return;
      }
      this.push(Buffer.alloc(size, state.pulled++ % 251));
    },
  });
  return { stream, state };
}

describe('uploadInBlocks', () => {
  it('keeps at most `concurrency` blocks in flight and stops reading the body meanwhile (bounded memory)', async () => {
    const { target, staged, commits, maxInFlight } = heldTarget();
    const { stream, state } = countedBody(12, 10);
    const done = uploadInBlocks(stream, target, { blockBytes: 10, concurrency: 3 });
    for (let i = 0; i < 20; i++) await tick();
    expect(staged).toHaveLength(3);
    // Three blocks in flight, at most one more being filled and one in the stream's buffer.
    expect(state.pulled).toBeLessThanOrEqual(5);
    while (commits.length === 0) {
      staged.find((s) => !s.settled)?.settle();
      await tick();
    }
    await done;
    expect(maxInFlight()).toBe(3);
    expect(staged).toHaveLength(12);
    const body = Buffer.concat(staged.map((s) => s.block));
    expect(body).toEqual(Buffer.concat(Array.from({ length: 12 }, (_, i) => Buffer.alloc(10, i))));
    for (const s of staged) expect(s.md5).toEqual(md5(s.block));
    expect(commits).toEqual([{ ids: staged.map((s) => s.id), md5: md5(body) }]);
  });

  it('names blocks with ids of one length, unique to the upload and in body order', async () => {
    const first = heldTarget();
    const second = heldTarget();
    const uploads = [first, second].map(({ target, staged }) => {
      const done = uploadInBlocks(Readable.from([Buffer.alloc(35, 1)]), target, { blockBytes: 10, concurrency: 8 });
      return (async () => {
        for (let i = 0; i < 10; i++) await tick();
        for (const s of staged) s.settle();
        await done;
      })();
    });
    await Promise.all(uploads);
    const ids = first.commits[0]!.ids;
    expect(ids).toHaveLength(4);
    expect(new Set(ids.map((id) => id.length)).size).toBe(1);
    expect(ids.map((id) => Buffer.from(id, 'base64').toString().split('-')[1])).toEqual(['000000', '000001', '000002', '000003']);
    expect(second.commits[0]!.ids.filter((id) => ids.includes(id))).toEqual([]);
    expect(first.staged.map((s) => s.block.length)).toEqual([10, 10, 10, 5]);
  });

  it('sends a body shorter than one block (or empty) whole, in one request', async () => {
    const { target, staged, wholes, commits } = heldTarget();
    expect(await uploadInBlocks(Readable.from([Buffer.from('abc'), Buffer.from('de')]), target, { blockBytes: 10, concurrency: 2 })).toEqual({ bytes: 5, blocks: 0 });
    expect(await uploadInBlocks(Readable.from([]), target, { blockBytes: 10, concurrency: 2 })).toEqual({ bytes: 0, blocks: 0 });
    expect(wholes).toEqual([{ body: Buffer.from('abcde'), md5: md5(Buffer.from('abcde')) }, { body: Buffer.alloc(0), md5: md5(Buffer.alloc(0)) }]);
    expect([staged, commits]).toEqual([[], []]);
  });

  it('on a failed block: calls the others off, waits for them to settle, then rejects with the first error; nothing is committed', async () => {
    const { target, staged, commits } = heldTarget();
    const { stream } = countedBody(10, 10);
    let rejected = false;
    const done = uploadInBlocks(stream, target, { blockBytes: 10, concurrency: 3 }).finally(() => (rejected = true));
    for (let i = 0; i < 10; i++) await tick();
    expect(staged).toHaveLength(3);
    // The other blocks' requests are never answered; only being called off ends them.
    const rejectedWhenCalledOff: boolean[] = [];
    staged[1]!.signal.addEventListener('abort', () => rejectedWhenCalledOff.push(rejected));
    staged[0]!.settle(new Error('HTTP 403'));
    await expect(done).rejects.toThrow(new Error('HTTP 403'));
    expect(rejectedWhenCalledOff).toEqual([false]);
    expect(staged.every((s) => s.settled && s.signal.aborted)).toBe(true);
    expect(commits).toEqual([]);
    // The body is not read any further.
    expect(stream.destroyed).toBe(true);
  });

  it('on a failed body: rejects with the body\'s own error, after the blocks in flight were called off', async () => {
    const { target, staged, commits } = heldTarget();
    const { stream } = countedBody(10, 10, { after: 2, error: new Error('source cursor lost') });
    await expect(uploadInBlocks(stream, target, { blockBytes: 10, concurrency: 4 })).rejects.toThrow(new Error('source cursor lost'));
    expect(staged).toHaveLength(2);
    expect(staged.every((s) => s.settled && s.signal.aborted)).toBe(true);
    expect(commits).toEqual([]);
  });

  it('refuses a body of more blocks than a block blob holds, before committing anything', async () => {
    let stagedCount = 0;
    const target: BlockTarget = { stage: async () => void stagedCount++, commit: async () => expect.fail('committed'), putWhole: async () => expect.fail('put') };
    await expect(uploadInBlocks(Readable.from([Buffer.alloc(MAX_BLOCKS + 1)]), target, { blockBytes: 1, concurrency: 64 })).rejects.toThrow(new TerminalError(
      `the part is larger than ${MAX_BLOCKS} blocks of 1 bytes, the most a block blob holds — lower the part size`,
    ));
    expect(stagedCount).toBe(MAX_BLOCKS);
  });
});
