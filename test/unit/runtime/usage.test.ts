import { afterEach, describe, expect, it, vi } from 'vitest';
import { usageFailure } from '../../../services/runtime/usage.js';

describe('usageFailure', () => {
  afterEach(() => { vi.restoreAllMocks(); });

  it('prints a multi-line yargs message as one line naming the argument, and exits 2', () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => { written.push(String(chunk)); return true; });
    const exit = vi.spyOn(process, 'exit').mockImplementation(((code?: number) => { throw new Error(`exit ${code}`); }) as never);
    expect(() => usageFailure('extractor')('Invalid values:\n  Argument: cloud, Given: "nope", Choices: "local", "gcp"', null)).toThrow('exit 2');
    expect(exit).toHaveBeenCalledWith(2);
    expect(written).toEqual(['extractor: Invalid values: Argument: cloud, Given: "nope", Choices: "local", "gcp" — see `extractor --help`\n']);
  });
});
