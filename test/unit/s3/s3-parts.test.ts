import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { partsOf } from '../../../shared/stores/s3/s3-upload.js';

async function cut(pieces: Buffer[], size: number) {
  const parts: { bytes: string; last: boolean }[] = [];
  for await (const { data, last } of partsOf(Readable.from(pieces), size)) parts.push({ bytes: data.toString(), last });
  return parts;
}

describe('partsOf: a stream cut into parts', () => {
  it('cuts pieces that do not line up with parts into parts of exactly the size, the last shorter', async () => {
    expect(await cut([Buffer.from('abcde'), Buffer.from('fgh'), Buffer.from('ijklmnopq')], 4)).toEqual([
      { bytes: 'abcd', last: false }, { bytes: 'efgh', last: false }, { bytes: 'ijkl', last: false }, { bytes: 'mnop', last: false }, { bytes: 'q', last: true },
    ]);
  });

  it('marks a full part last when the stream ends right after it (no empty trailing part)', async () => {
    expect(await cut([Buffer.from('abcdefgh')], 4)).toEqual([{ bytes: 'abcd', last: false }, { bytes: 'efgh', last: true }]);
    expect(await cut([Buffer.from('ab'), Buffer.from('cd')], 4)).toEqual([{ bytes: 'abcd', last: true }]);
  });

  it('yields one empty last part for an empty stream, and a short one for a small stream', async () => {
    expect(await cut([], 4)).toEqual([{ bytes: '', last: true }]);
    expect(await cut([Buffer.from('ab')], 4)).toEqual([{ bytes: 'ab', last: true }]);
  });

  it('passes the stream\'s own error on', async () => {
    const failing = new Readable({ read() { this.destroy(new Error('source reset')); } });
    const parts = partsOf(failing, 4);
    await expect(parts.next()).rejects.toThrow(new Error('source reset'));
  });
});
