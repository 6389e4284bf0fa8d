import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../shared/log.js';
import { Progress } from '../../../shared/pipeline/progress.js';

describe('Progress', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('logs a progress line with rows and rows/s once per interval, not per batch', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    let text = '';
    const stream = new Writable({ write(chunk: Buffer, _e, done) { text += chunk.toString(); done(); } });
    const progress = new Progress(createLogger({ destination: stream, pretty: false }), 10_000);
    vi.advanceTimersByTime(5_000);
    progress.tick(1_000);
    expect(text).toBe('');
    vi.advanceTimersByTime(5_000);
    progress.tick(2_000);
    vi.advanceTimersByTime(1_000);
    progress.tick(2_500);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ phase: 'read', rows: 2_000, rows_per_s: 200, msg: 'progress' });
    vi.advanceTimersByTime(10_000);
    progress.tick(9_000);
    expect(text.trim().split('\n')).toHaveLength(2);
    expect(progress.rate(10_500)).toBe(500);
    expect(progress.elapsedMs()).toBe(21_000);
  });
});
