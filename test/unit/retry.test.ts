import { describe, expect, it } from 'vitest';
import { ContractError, PreconditionFailedError, TerminalError, TransientError } from '../../shared/errors.js';
import { silentLogger } from '../../shared/log.js';
import { backoffMs, errorCodes, isTransientSocketError, withRetry, type RetryPolicy } from '../../shared/retry.js';

const POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 250 };

describe('backoffMs', () => {
  it('draws from 0 up to base · 2ⁿ, capped at the maximum (full jitter)', () => {
    expect([0, 1, 2, 3].map((n) => backoffMs(POLICY, n, () => 0.999999))).toEqual([100, 200, 250, 250]);
    expect(backoffMs(POLICY, 5, () => 0)).toBe(0);
    expect(backoffMs(POLICY, 1, () => 0.5)).toBe(100);
  });
});

describe('withRetry', () => {
  function run(failures: unknown[], policy = POLICY) {
    const waits: number[] = [];
    let calls = 0;
    const promise = withRetry(async (n) => {
      calls++;
      const failure = failures[n];
      if (failure) throw failure;
      return `ok after ${n}`;
    }, { policy, what: 'reading', log: silentLogger, sleep: async (ms) => void waits.push(ms), random: () => 0.5 });
    return { promise, waits, calls: () => calls };
  }

  it('retries transient failures with growing waits and returns the first success', async () => {
    const r = run([new TransientError('reset'), new TransientError('reset again')]);
    await expect(r.promise).resolves.toBe('ok after 2');
    expect(r.waits).toEqual([50, 100]);
  });

  it('gives up after the policy\'s attempts, throwing the last failure as it is', async () => {
    const last = new TransientError('still down');
    const r = run([new TransientError('a'), new TransientError('b'), new TransientError('c'), last, new TransientError('never')]);
    await expect(r.promise).rejects.toBe(last);
    expect(r.calls()).toBe(4);
  });

  it.each([
    ['a terminal error', new TerminalError('bad password')],
    ['a contract error', new ContractError('value does not fit')],
    ['a lost conditional write', new PreconditionFailedError('someone else won')],
    ['an unclassified error', new Error('boom')],
  ])('does not retry %s', async (_, failure) => {
    const r = run([failure]);
    await expect(r.promise).rejects.toBe(failure);
    expect(r.calls()).toBe(1);
  });

  it('stops retrying once its signal is aborted', async () => {
    const controller = new AbortController();
    let calls = 0;
    const promise = withRetry(async () => {
      calls++;
      controller.abort();
      throw new TransientError('reset');
    }, { policy: POLICY, what: 'reading', log: silentLogger, signal: controller.signal, sleep: async () => undefined });
    await expect(promise).rejects.toThrow('reset');
    expect(calls).toBe(1);
  });
});

describe('socket error codes', () => {
  it('finds codes through the cause chain, and never counts ENOTFOUND as transient', () => {
    const wrapped = new Error('request failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
    expect(errorCodes(wrapped)).toEqual(['ECONNRESET']);
    expect(isTransientSocketError(wrapped)).toBe(true);
    expect(isTransientSocketError(Object.assign(new Error('getaddrinfo ENOTFOUND db'), { code: 'ENOTFOUND' }))).toBe(false);
  });
});
