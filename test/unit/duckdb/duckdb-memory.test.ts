import { describe, expect, it } from 'vitest';
import { DuckDbMemory, isOutOfMemory, megabytes } from '../../../shared/warehouses/duckdb/duckdb-memory.js';
import { TransientError } from '../../../shared/errors.js';

describe('DuckDbMemory: the local warehouse\'s buffer memory, load by load', () => {
  it('starts at 64MB and grows to 3MB a column, never lowering for a narrower table', () => {
    const memory = new DuckDbMemory(undefined, { ceilingMb: 16_000 });
    expect([memory.limitMb, memory.setting]).toEqual([64, '64MB']);
    expect(memory.fit(21)).toBe(false);
    expect(memory.fit(22)).toBe(true);
    expect(memory.setting).toBe('66MB');
    expect(memory.fit(200)).toBe(true);
    expect(memory.setting).toBe('600MB');
    expect(memory.fit(10)).toBe(false);
    expect(memory.limitMb).toBe(600);
  });

  it('raises four-fold after running out, up to the ceiling, then gives up', () => {
    const memory = new DuckDbMemory(undefined, { ceilingMb: 2_000 });
    expect(memory.raise(64)).toBe(256);
    expect(memory.raise(256)).toBe(1_024);
    expect(memory.raise(1_024)).toBe(2_000);
    expect(memory.raise(2_000)).toBeNull();
  });

  it('retries at a limit another load already raised, without raising it again', () => {
    const memory = new DuckDbMemory(undefined, { ceilingMb: 16_000 });
    expect(memory.raise(64)).toBe(256);
    expect(memory.raise(64)).toBe(256);
  });

  it('never starts above the ceiling', () => {
    const memory = new DuckDbMemory(undefined, { ceilingMb: 50 });
    expect(memory.limitMb).toBe(50);
    expect(memory.fit(100)).toBe(false);
  });

  it('keeps a limit the user set, in their words', () => {
    const memory = new DuckDbMemory('2GiB');
    expect([memory.fixed, memory.setting, memory.limitMb]).toEqual([true, '2GiB', 2_147.483_648]);
    expect(memory.fit(1_000)).toBe(false);
    expect(memory.raise(memory.limitMb)).toBeNull();
  });

  it('keeps the insert in order unless 2MB a column on every thread fits', () => {
    const memory = new DuckDbMemory(undefined, { ceilingMb: 16_000 });
    memory.threads = 2;
    expect(memory.ordered(16)).toBe(false); // 64MB: 16 × 2 × 2 = 64 fits
    expect(memory.ordered(17)).toBe(true);
    memory.threads = 8;
    expect(memory.ordered(10)).toBe(true); // 160 > 64: measured 128MB needed unordered
    memory.fit(200); // 600MB
    expect(memory.ordered(37)).toBe(false);
    expect(memory.ordered(38)).toBe(true);
  });

  it('names the fix when a load does not fit', () => {
    const cause = new Error('Out of Memory Error: could not allocate block of size 256.0 KiB (15.0 MiB/15.2 MiB used)');
    const fixed = new DuckDbMemory('16MB').exhausted('loading t run r1 into DuckDB w.duckdb', 41, cause.message, cause);
    expect(fixed.message).toBe('loading t run r1 into DuckDB w.duckdb: DuckDB ran out of memory (Out of Memory Error: could not allocate block of size '
      + '256.0 KiB (15.0 MiB/15.2 MiB used)) — raise destination.local.memory_limit (now 16MB; a table of 41 columns usually loads in 123MB), '
      + 'or remove it and let the loader size DuckDB\'s memory');
    // Only at the ceiling: below it the load is retried with more (raise).
    const sized = new DuckDbMemory(undefined, { ceilingMb: 64 });
    expect(sized.raise(64)).toBeNull();
    const atCeiling = sized.exhausted('loading t', 2, 'x', cause);
    expect(atCeiling.message).toBe('loading t: DuckDB ran out of memory (x) — DuckDB had 64MB, 80 % of the memory this process may use; run the loader with more memory');
  });
});

describe('megabytes', () => {
  it('reads memory_limit values as DuckDB does: MB is 10^6 bytes, MiB 2^20', () => {
    expect(['256MB', '1GB', '2GiB', '512 KiB', '1.5TB'].map(megabytes)).toEqual([256, 1_000, 2_147.483_648, 0.524_288, 1_500_000]);
    expect(() => megabytes('lots')).toThrow('memory_limit lots: is not an amount of memory — e.g. 256MB, 1GB or 2GiB');
  });
});

describe('isOutOfMemory', () => {
  it('recognises DuckDB\'s three spellings, wrapped or not, and nothing else', () => {
    const wrapped = (text: string) => new TransientError('loading t', { cause: new Error(text) });
    expect(isOutOfMemory(wrapped('Out of Memory Error: failed to pin block of size 256.0 KiB (243.9 MiB/244.1 MiB used)'))).toBe(true);
    expect(isOutOfMemory(wrapped('Failed to append: could not allocate block of size 256.0 KiB (30.3 MiB/30.5 MiB used)'))).toBe(true);
    expect(isOutOfMemory(new Error('Out of Memory Error: could not allocate block of size 256.0 KiB'))).toBe(true);
    expect(isOutOfMemory(wrapped('IO Error: No space left on device'))).toBe(false);
    expect(isOutOfMemory('Out of Memory Error')).toBe(false);
  });
});
