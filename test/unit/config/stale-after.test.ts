import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config/load-config.js';
import { longestScheduleGapMs } from '../../../shared/config/schedule-interval.js';
import { formatDuration, parseDurationMs, staleAfterMs } from '../../../shared/config/stale-after.js';
import { ConfigError } from '../../../shared/config/config-error.js';
import { writeConfig } from './config-files.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('the schedule\'s longest gap between two runs', () => {
  it.each([
    ['daily', DAY],
    ['hourly', HOUR],
    ['0 2 * * *', DAY],
    ['*/15 * * * *', 15 * MINUTE],
    ['0 2 * * 1-5', 3 * DAY],
    ['0 2,14 * * *', 12 * HOUR],
    ['30 6 * * MON', 7 * DAY],
    ['0 0 1 * *', 31 * DAY],
    ['0 0 29 2 *', (4 * 365 + 1) * DAY],
    ['0 8 1 * 1', 7 * DAY],
  ])('%s → %d ms', (schedule, gap) => {
    expect(longestScheduleGapMs(schedule)).toBe(gap);
  });

  it('asks for stale_after when it cannot reckon the schedule', () => {
    expect(() => longestScheduleGapMs('0 2 L * *')).toThrow('schedule "0 2 L * *": cannot tell how far apart its runs are (its day of month field has "L") — set stale_after: in config.yaml (e.g. stale_after: 2d)');
    expect(() => longestScheduleGapMs('0 0 31 2 *')).toThrow(/it runs at most once in eight years/);
  });
});

describe('stale_after', () => {
  it('defaults to two schedule intervals and takes the configured duration over it', () => {
    expect(staleAfterMs({ schedule: 'daily' })).toBe(2 * DAY);
    expect(staleAfterMs({ schedule: 'hourly' })).toBe(2 * HOUR);
    expect(staleAfterMs({ schedule: 'daily', stale_after: '36h' })).toBe(36 * HOUR);
    expect(parseDurationMs('45s')).toBe(45_000);
    expect(parseDurationMs('90m')).toBe(90 * MINUTE);
  });

  it('is written for people', () => {
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(2 * DAY)).toBe('2d');
    expect(formatDuration(DAY + 5 * HOUR + 7 * MINUTE)).toBe('1d 5h');
    expect(formatDuration(90 * MINUTE)).toBe('1h 30m');
  });

  it('is validated like every field: one line naming the file, line, field and the fix', async () => {
    const base = `project: { name: ventas }
source: { type: postgres, connection: { host: h, database: d, user: u, password: p } }
destination: { cloud: local, local: { path: s, warehouse: w.duckdb } }
schedule: daily
stale_after: tomorrow
tables:
  - { name: T, load_mode: full }
`;
    const path = await writeConfig(base);
    const error = await loadConfig(path, {}).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(`${path}:5: stale_after: is not a duration — write a whole number and a unit, e.g. 36h, 2d, 90m or 45s (default: two schedule intervals)`);
    for (const good of ['2d', '36h', ' 90m ', '45s']) {
      const ok = await loadConfig(await writeConfig(base.replace('tomorrow', `"${good}"`)), {});
      expect(ok.config.stale_after).toBe(good.trim());
    }
    for (const bad of ['0h', '2', '1.5d', '2w', '-1d']) {
      await expect(loadConfig(await writeConfig(base.replace('tomorrow', `"${bad}"`)), {})).rejects.toThrow(/stale_after: is not a duration/);
    }
  });
});
