import { describe, expect, it } from 'vitest';
import { liveLineText, type LiveState } from '../../../services/cli/terminal/live-line.js';
import { isCi, wantsLiveLine } from '../../../services/cli/terminal/output-mode.js';
import { failureLine, windowText } from '../../../services/cli/terminal/run-summary.js';
import { ContractError, TerminalError, TransientError } from '../../../shared/errors.js';

const T0 = 1_000_000;

function state(partial: Partial<LiveState>): LiveState {
  return { table: 'VENTAS', phase: 'extract', total: null, rows: 0, bytes: 0, startedAt: T0, ...partial };
}

describe('the live line', () => {
  it('shows an estimated total as an estimate, with the percentage, rate, bytes and ETA', () => {
    const text = liveLineText(state({ total: { rows: 3_000_000, estimate: true }, rows: 1_200_000, bytes: 41_200_000 }), T0 + 4_000);
    expect(text).toBe('VENTAS  extract ████████░░░░░░░░░░░░ 40% of ~3,000,000 rows (estimate) · 1,200,000 rows · 300,000 rows/s · 41.2 MB · ETA 6s');
  });

  it('shows a counted total (staging) without the word estimate', () => {
    const text = liveLineText(state({ phase: 'stage', total: { rows: 1000, estimate: false }, rows: 500, bytes: 2048 }), T0 + 1_000);
    expect(text).toBe('VENTAS  stage   ██████████░░░░░░░░░░ 50% of 1,000 rows · 500 rows · 500 rows/s · 2.0 kB · ETA 1s');
  });

  it('without a total shows rows, rate, bytes and time; past an estimate it stops promising an ETA', () => {
    expect(liveLineText(state({ rows: 10_000, bytes: 999 }), T0 + 2_000)).toBe('VENTAS  extract 10,000 rows · 5,000 rows/s · 999 B · 2.0s');
    expect(liveLineText(state({ total: { rows: 100, estimate: true }, rows: 150 }), T0 + 1_000)).toBe('VENTAS  extract ████████████████████ 100% of ~100 rows (estimate) · 150 rows · 150 rows/s · 0 B · 1.0s');
  });

  it('a merge shows its rows and the time it has taken', () => {
    expect(liveLineText(state({ phase: 'merge', total: { rows: 5003, estimate: false } }), T0 + 2_500)).toBe('VENTAS  merge   5,003 rows · 2.5s');
  });
});

describe('when the live line is drawn', () => {
  it('only at a terminal (stderr), with the format left to DataPipe, outside CI', () => {
    expect(wantsLiveLine('auto', {}, true)).toBe(true);
    expect(wantsLiveLine('auto', {}, false)).toBe(false);
    expect(wantsLiveLine('json', {}, true)).toBe(false);
    expect(wantsLiveLine('pretty', {}, true)).toBe(false);
    expect(wantsLiveLine('auto', { CI: 'true' }, true)).toBe(false);
    expect(wantsLiveLine('auto', { CI: '1' }, true)).toBe(false);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({ CI: '' })).toBe(false);
  });
});

describe('the closing summary', () => {
  it('words the window and the meaning of a failure\'s exit code', () => {
    const window = { column: 'f', low: null, high: '2026-06-10T00:00:00.000000', includeNulls: false, baseState: null, maxSeen: null };
    expect(windowText({ mode: 'incremental', window })).toBe('up to 2026-06-10T00:00:00.000000');
    expect(windowText({ mode: 'incremental', window: { ...window, low: '2026-06-08T00:00:00.000000' } })).toBe('2026-06-08T00:00:00.000000 → 2026-06-10T00:00:00.000000');
    expect(windowText({ mode: 'full', window: { ...window, column: null, high: null } })).toBe('whole table');
    expect(failureLine('VENTAS', new TransientError('x'), 1_234)).toBe('✗ VENTAS · failed after 1.2s · exit 1: failed, safe to retry');
    expect(failureLine('VENTAS', new TerminalError('x'), 10)).toBe('✗ VENTAS · failed after 0.0s · exit 2: usage or config error, retrying will not help — fix the input');
    expect(failureLine('VENTAS', new ContractError('x'), 10)).toMatch(/exit 3: data contract broken — fix the data or the schema$/);
  });
});
