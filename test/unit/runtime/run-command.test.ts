import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import {
  ContractError, PreconditionFailedError, TerminalError, TransientError,
} from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/log.js';
import { runCommand } from '../../../services/runtime/run-command.js';

describe('runCommand', () => {
  let saved: typeof process.exitCode;
  let stderr: MockInstance<typeof process.stderr.write>;

  beforeEach(() => {
    saved = process.exitCode;
    process.exitCode = undefined;
    stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    stderr.mockRestore();
    process.exitCode = saved;
  });

  /** What runCommand printed, one string per write. */
  function written(): string[] {
    return stderr.mock.calls.map(([chunk]) => String(chunk));
  }

  it('exits 0 and prints nothing when the body succeeds', async () => {
    let ran = false;
    await runCommand(silentLogger, async () => {
      ran = true;
    });
    expect(ran).toBe(true);
    expect(process.exitCode).toBe(0);
    expect(written()).toEqual([]);
  });

  it.each([
    ['a transient failure', new TransientError('lost the connection to erp-db:1521 — re-run'), 1, 'lost the connection to erp-db:1521 — re-run'],
    ['a lost race', new PreconditionFailedError('_state.json was advanced by another loader'), 1, '_state.json was advanced by another loader'],
    ['a config error', new TerminalError('config.yaml:3: source.type: missing'), 2, 'config.yaml:3: source.type: missing'],
    ['a broken contract', new ContractError('VENTAS: schema drift, missing in the source: NOTA'), 3, 'VENTAS: schema drift, missing in the source: NOTA'],
    ['an unexpected error', new RangeError('Invalid array length\n    at f (x.js:1:1)'), 1, 'unexpected error: Invalid array length'],
    ['a thrown string', 'plain text', 1, 'unexpected error: plain text'],
  ])('turns %s into exit code %i and one stderr line', async (_what, error, code, line) => {
    await runCommand(silentLogger, () => Promise.reject(error));
    expect(process.exitCode).toBe(code);
    expect(written()).toEqual([`datapipe: ${line}\n`]);
  });

  it('keeps a stack trace and the cause out of stderr', async () => {
    const cause = new Error('ORA-12541: TNS:no listener');
    await runCommand(silentLogger, () => Promise.reject(new TransientError('cannot reach erp-db:1521', { cause })));
    const output = written().join('');
    expect(output).toBe('datapipe: cannot reach erp-db:1521\n');
    expect(output).not.toContain('    at ');
    expect(output).not.toContain('ORA-12541');
  });

  it('catches a body that throws synchronously inside an async function', async () => {
    await runCommand(silentLogger, async () => {
      throw new TerminalError('--chunk "0/8" is not usable');
    });
    expect(process.exitCode).toBe(2);
    expect(written()).toEqual(['datapipe: --chunk "0/8" is not usable\n']);
  });
});
