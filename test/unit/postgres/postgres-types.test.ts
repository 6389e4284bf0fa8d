import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../../shared/errors.js';
import {
  applyOverride, decimalFromProfile, mapPostgresType, needsProfile, UNPROFILED_NUMERIC,
  type NumericProfile, type PostgresTypeFacts,
} from '../../../shared/model/postgres-types.js';
import { numericModifier } from '../../../shared/sources/postgres/postgres-catalog.js';

function facts(formatted: string, typeName: string, category = 'X', precision: number | null = null, scale: number | null = null): PostgresTypeFacts {
  return { formatted, typeName, category, precision, scale };
}

describe('PostgreSQL → canonical, plain mappings', () => {
  const table: [PostgresTypeFacts, string][] = [
    [facts('smallint', 'int2', 'N'), 'int64'],
    [facts('integer', 'int4', 'N'), 'int64'],
    [facts('bigint', 'int8', 'N'), 'int64'],
    [facts('real', 'float4', 'N'), 'float32'],
    [facts('double precision', 'float8', 'N'), 'float64'],
    [facts('text', 'text', 'S'), 'string'],
    [facts('character varying(40)', 'varchar', 'S'), 'string'],
    [facts('character(3)', 'bpchar', 'S'), 'string'],
    [facts('name', 'name', 'S'), 'string'],
    [facts('citext', 'citext', 'S'), 'string'],
    [facts('uuid', 'uuid', 'U'), 'string'],
    [facts('bytea', 'bytea', 'U'), 'bytes'],
    [facts('date', 'date', 'D'), 'date'],
    [facts('timestamp without time zone', 'timestamp', 'D'), 'datetime'],
    [facts('timestamp(3) without time zone', 'timestamp', 'D'), 'datetime'],
    [facts('timestamp with time zone', 'timestamptz', 'D'), 'timestamp'],
    [facts('boolean', 'bool', 'B'), 'boolean'],
    [facts('json', 'json', 'U'), 'json'],
    [facts('jsonb', 'jsonb', 'U'), 'json'],
    [facts('interval', 'interval', 'T'), 'interval'],
  ];
  it.each(table)('%o → %s, no decision', (f, kind) => {
    expect(mapPostgresType(f)).toEqual({ type: { kind } });
  });
});

describe('numeric', () => {
  it('numeric(p,s) → decimal(p,s)', () => {
    expect(mapPostgresType(facts('numeric(18,2)', 'numeric', 'N', 18, 2))).toEqual({ type: { kind: 'decimal', precision: 18, scale: 2 } });
    expect(mapPostgresType(facts('numeric(38,10)', 'numeric', 'N', 38, 10))).toEqual({ type: { kind: 'decimal', precision: 38, scale: 10 } });
    expect(mapPostgresType(facts('numeric(9,0)', 'numeric', 'N', 9, 0))).toEqual({ type: { kind: 'decimal', precision: 9, scale: 0 } });
  });

  it('wider than 38 digits → exact text with the reason', () => {
    expect(mapPostgresType(facts('numeric(50,4)', 'numeric', 'N', 50, 4))).toEqual({
      type: { kind: 'string' }, decision: 'numeric(50,4) is wider than decimal(38): read as exact text',
    });
  });

  it('negative scale and scale above precision become the decimal spanning the same values', () => {
    expect(mapPostgresType(facts('numeric(5,-2)', 'numeric', 'N', 5, -2))).toEqual({
      type: { kind: 'decimal', precision: 7, scale: 0 }, decision: 'numeric(5,-2) holds exactly the values of decimal(7,0)',
    });
    expect(mapPostgresType(facts('numeric(2,5)', 'numeric', 'N', 2, 5))).toEqual({
      type: { kind: 'decimal', precision: 5, scale: 5 }, decision: 'numeric(2,5) holds exactly the values of decimal(5,5)',
    });
  });

  it('unconstrained numeric: profiled when asked, else read as text', () => {
    const f = facts('numeric', 'numeric', 'N');
    expect(needsProfile(f)).toBe(true);
    expect(needsProfile(facts('numeric(10,2)', 'numeric', 'N', 10, 2))).toBe(false);
    expect(mapPostgresType(f)).toEqual({ type: { kind: 'string' }, decision: UNPROFILED_NUMERIC });
    const profile: NumericProfile = { rows: 100, values: 90, special: 0, maxIntegerDigits: 6, maxScale: 3 };
    expect(mapPostgresType(f, profile)).toEqual({
      type: { kind: 'decimal', precision: 13, scale: 3 },
      decision: 'unconstrained numeric profiled (90 values in 100 rows profiled): at most 6 integer digits and scale 3, so decimal(13,3) (4 digits of headroom)',
    });
  });

  it('profile rule: headroom shrinks at 38, more than 38 digits, NaN or no values → text', () => {
    expect(decimalFromProfile({ rows: 5, values: 5, special: 0, maxIntegerDigits: 30, maxScale: 6 }).type).toEqual({ kind: 'decimal', precision: 38, scale: 6 });
    expect(decimalFromProfile({ rows: 5, values: 5, special: 0, maxIntegerDigits: 0, maxScale: 4 }).type).toEqual({ kind: 'decimal', precision: 8, scale: 4 });
    expect(decimalFromProfile({ rows: 5, values: 5, special: 0, maxIntegerDigits: 30, maxScale: 9 })).toEqual({
      type: { kind: 'string' },
      decision: 'unconstrained numeric needs 39 digits (30 integer + 9 scale; 5 values in 5 rows profiled), more than decimal(38): read as exact text',
    });
    expect(decimalFromProfile({ rows: 5, values: 4, special: 1, maxIntegerDigits: 2, maxScale: 0 })).toEqual({
      type: { kind: 'string' }, decision: 'unconstrained numeric holds NaN/Infinity (1 of 4 values in 5 rows profiled): read as exact text',
    });
    expect(decimalFromProfile({ rows: 0, values: 0, special: 0, maxIntegerDigits: 0, maxScale: 0 }).type).toEqual({ kind: 'string' });
  });

  it('type modifiers decode precision and (signed) scale', () => {
    expect(numericModifier('numeric', -1)).toEqual({ precision: null, scale: null });
    expect(numericModifier('numeric', ((18 << 16) | 2) + 4)).toEqual({ precision: 18, scale: 2 });
    expect(numericModifier('numeric', ((5 << 16) | (-2 & 0x7ff)) + 4)).toEqual({ precision: 5, scale: -2 });
    expect(numericModifier('varchar', 44)).toEqual({ precision: null, scale: null });
  });
});

describe('types without a canonical equivalent read as text, with a decision', () => {
  it.each([
    [facts('text[]', '_text', 'A'), 'text[] is an array: read as its PostgreSQL text (::text)'],
    [facts('mood', 'mood', 'E'), 'mood is an enum: read as its PostgreSQL text (::text)'],
    [facts('inet', 'inet', 'I'), 'inet is a type without a canonical equivalent: read as its PostgreSQL text (::text)'],
    [facts('time without time zone', 'time', 'D'), 'time without time zone is a type without a canonical equivalent: read as its PostgreSQL text (::text)'],
    [facts('money', 'money', 'N'), 'money is read as its locale-formatted text; override as decimal(19,2) to read money::numeric'],
  ])('%o', (f, decision) => {
    expect(mapPostgresType(f)).toEqual({ type: { kind: 'string' }, decision });
  });
});

describe('config overrides', () => {
  const amount = facts('numeric(18,2)', 'numeric', 'N', 18, 2);
  it('replace the decision and say so', () => {
    expect(applyOverride('MONTO', amount, mapPostgresType(amount), 'decimal(20, 4)')).toEqual({
      type: { kind: 'decimal', precision: 20, scale: 4 },
      decision: 'config override columns.MONTO.type = decimal(20,4) (source numeric(18,2), default decimal(18,2))',
    });
    const big = facts('bigint', 'int8', 'N');
    expect(applyOverride('ID', big, mapPostgresType(big), 'string').type).toEqual({ kind: 'string' });
    const money = facts('money', 'money', 'N');
    expect(applyOverride('PRECIO', money, mapPostgresType(money), 'decimal(19,2)').type).toEqual({ kind: 'decimal', precision: 19, scale: 2 });
  });

  it('refuse conversions that cannot be read exactly', () => {
    const ts = facts('timestamp without time zone', 'timestamp', 'D');
    expect(() => applyOverride('FECHA', ts, mapPostgresType(ts), 'date')).toThrow(TerminalError);
    expect(() => applyOverride('FECHA', ts, mapPostgresType(ts), 'date'))
      .toThrow('columns.FECHA.type: timestamp without time zone cannot be read as date — use one of string, datetime');
    expect(() => applyOverride('MONTO', amount, mapPostgresType(amount), 'decimal(x)')).toThrow(/^columns\.MONTO\.type: /);
  });
});
