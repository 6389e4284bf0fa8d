import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../shared/log.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  let text = '';
  const stream = new Writable({ write(chunk: Buffer, _encoding, done) { text += chunk.toString(); done(); } });
  return { stream, lines: () => text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('the logger', () => {
  it('writes JSON lines with the fields a run adds', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream, pretty: false }).child({ table: 'VENTAS', run_id: 'r1' });
    log.info({ phase: 'extract', rows: 10, rows_per_s: 5 }, 'extracted');
    expect(out.lines()).toEqual([expect.objectContaining({ level: 30, app: 'datapipe', table: 'VENTAS', run_id: 'r1', phase: 'extract', rows: 10, rows_per_s: 5, msg: 'extracted' })]);
  });

  it('redacts secrets by path, at any of the depths a config or connection puts them', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream, pretty: false });
    log.info({ password: 'p1', connection: { password: 'p2', token: 't1' }, source: { connection: { password: 'p3' } }, config: { source: { connection: { user: 'u', password: 'p4' } } } }, 'connecting');
    const [line] = out.lines();
    const text = JSON.stringify(line);
    for (const secret of ['p1', 'p2', 'p3', 'p4', 't1']) expect(text).not.toContain(`"${secret}"`);
    expect(line).toMatchObject({ password: '[redacted]', connection: { password: '[redacted]', token: '[redacted]' }, source: { connection: { password: '[redacted]' } } });
  });

  it('takes its level from DATAPIPE_LOG_LEVEL', () => {
    const out = capture();
    process.env.DATAPIPE_LOG_LEVEL = 'warn';
    try {
      const log = createLogger({ destination: out.stream, pretty: false });
      log.info('hidden');
      log.warn('shown');
    } finally {
      delete process.env.DATAPIPE_LOG_LEVEL;
    }
    expect(out.lines().map((l) => l.msg)).toEqual(['shown']);
  });
});
