import { describe, expect, it } from 'vitest';
import { parseCanonicalType, parseLookback } from '../../../shared/config/config-schema.js';
import { TerminalError } from '../../../shared/errors.js';

describe('parseLookback', () => {
  it('parses durations into microseconds', () => {
    expect(parseLookback('2d')).toEqual({ kind: 'duration', micros: 172_800_000_000n });
    expect(parseLookback('6h')).toEqual({ kind: 'duration', micros: 21_600_000_000n });
    expect(parseLookback('30m')).toEqual({ kind: 'duration', micros: 1_800_000_000n });
    expect(parseLookback('90s')).toEqual({ kind: 'duration', micros: 90_000_000n });
    expect(parseLookback(' 0d ')).toEqual({ kind: 'duration', micros: 0n });
    expect(parseLookback('36500d')).toEqual({ kind: 'duration', micros: 3_153_600_000_000_000n });
  });

  it('parses a plain whole number as a count for integer watermarks, exactly past 2^53', () => {
    expect(parseLookback('500')).toEqual({ kind: 'integer', value: 500n });
    expect(parseLookback('9007199254740993')).toEqual({ kind: 'integer', value: 9_007_199_254_740_993n });
  });

  it('rejects anything else without echoing it', () => {
    for (const text of ['2 days', '-1d', '1.5h', '2w', 'd', '', '2d6h']) {
      expect(() => parseLookback(text)).toThrow(new TerminalError('lookback is not a duration or a whole number — write a duration like 2d, 6h, 30m or 90s, or a whole number for an integer partition column'));
    }
  });
});

describe('parseCanonicalType', () => {
  it('parses every simple kind', () => {
    for (const kind of ['boolean', 'int64', 'float32', 'float64', 'string', 'bytes', 'date', 'datetime', 'timestamp', 'json', 'interval'] as const) {
      expect(parseCanonicalType(kind)).toEqual({ kind });
    }
  });

  it('parses decimals, forgiving case and spaces; decimal(p) is decimal(p,0)', () => {
    expect(parseCanonicalType('decimal(18,2)')).toEqual({ kind: 'decimal', precision: 18, scale: 2 });
    expect(parseCanonicalType(' DECIMAL( 38 , 0 ) ')).toEqual({ kind: 'decimal', precision: 38, scale: 0 });
    expect(parseCanonicalType('decimal(10)')).toEqual({ kind: 'decimal', precision: 10, scale: 0 });
    expect(parseCanonicalType('decimal(76,76)')).toEqual({ kind: 'decimal', precision: 76, scale: 76 });
    expect(parseCanonicalType('Timestamp')).toEqual({ kind: 'timestamp' });
  });

  const hint = 'use one of boolean, int64, float32, float64, string, bytes, date, datetime, timestamp, json, interval or decimal(p,s) with 1 ≤ p ≤ 76 and 0 ≤ s ≤ p';

  it('rejects unknown kinds naming the accepted spellings', () => {
    expect(() => parseCanonicalType('varchar(10)')).toThrow(new TerminalError(`"varchar(10)" is not a canonical type — ${hint}`));
    expect(() => parseCanonicalType('decimal')).toThrow(new TerminalError(`"decimal" is not a canonical type — ${hint}`));
    expect(() => parseCanonicalType('decimal(18,-2)')).toThrow(new TerminalError(`"decimal(18,-2)" is not a canonical type — ${hint}`));
  });

  it('rejects decimals outside 1 ≤ p ≤ 76, 0 ≤ s ≤ p', () => {
    expect(() => parseCanonicalType('decimal(0,0)')).toThrow(new TerminalError(`"decimal(0,0)" is not a valid decimal — ${hint}`));
    expect(() => parseCanonicalType('decimal(77,2)')).toThrow(new TerminalError(`"decimal(77,2)" is not a valid decimal — ${hint}`));
    expect(() => parseCanonicalType('decimal(5,6)')).toThrow(new TerminalError(`"decimal(5,6)" is not a valid decimal — ${hint}`));
  });
});
