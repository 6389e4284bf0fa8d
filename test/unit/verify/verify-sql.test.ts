/**
 * The parts of `datapipe verify` that need no engine: reading canonical text back, the watermark's
 * canonical form, PostgreSQL's named-to-numbered parameters, Oracle's statements (its engine runs
 * only in the Oracle suite), the report's text, and the bucket comparison.
 */
import { describe, expect, it } from 'vitest';
import { bindNamed } from '../../../shared/sources/postgres/postgres-verify.js';
import { bindsUsedBy, checkVerifiable, ORACLE_VERIFY } from '../../../shared/sources/oracle/oracle-verify.js';
import { canonicalWatermark, displayValue, floatDisplay, parseRowText } from '../../../shared/verify/canonical-text.js';
import { differingBuckets } from '../../../shared/verify/compare.js';
import { bucketsSql, profileSql, whereClause, type VerifyTable } from '../../../shared/verify/verify-sql.js';
import { formatReport } from '../../../shared/verify/verify-report.js';
import type { TableVerification } from '../../../shared/verify/verify-table.js';
import { column, tableModel } from '../../support/model-fixtures.js';

const model = tableModel('VENTAS.VENTAS_CABECERA', [
  column('id_venta', { kind: 'int64' }, false),
  column('nota', { kind: 'string' }),
  column('tasa', { kind: 'float64' }),
  column('monto', { kind: 'decimal', precision: 18, scale: 2 }),
  { ...column('fecha', { kind: 'datetime' }), sourceType: 'TIMESTAMP(9)' },
], ['id_venta']);

describe('canonical text, read back', () => {
  it('splits a row by the length prefixes, so | and ~ inside text never confuse it', () => {
    expect(parseRowText('7|5:a|b~c|~|12.5|2024-01-01 00:00:00', model.columns)).toEqual(['7', 'a|b~c', null, '12.5', '2024-01-01 00:00:00']);
    expect(parseRowText('8|2:😀é|~|~|~', model.columns)).toEqual(['8', '😀é', null, null, null]);
  });

  it('shows floats as the shortest decimal of the same double, subnormals and signs included', () => {
    expect(floatDisplay('4503599627370496p-52')).toBe('1');
    expect(floatDisplay('-6755399441055744p-52')).toBe('-1.5');
    expect(floatDisplay('4503599627370496p-1126')).toBe('5e-324');
    expect(floatDisplay('9007199254740991p971')).toBe('1.7976931348623157e+308');
    expect(['-0', 'NaN', 'Inf'].map(floatDisplay)).toEqual(['-0', 'NaN', 'Inf']);
    expect(displayValue(model.columns[1]!, 'x')).toBe('"x"');
    expect(displayValue(model.columns[1]!, null)).toBe('NULL');
  });

  it('spells a committed watermark as the filter compares it: the fraction without trailing zeros', () => {
    expect(canonicalWatermark('datetime', '2024-01-31T10:11:12.123400')).toBe('2024-01-31 10:11:12.1234');
    expect(canonicalWatermark('timestamp', '2024-01-31T10:11:12.000000Z')).toBe('2024-01-31 10:11:12');
    expect(canonicalWatermark('date', '2024-01-31')).toBe('2024-01-31');
    expect(canonicalWatermark('int64', '-12')).toBe('-12');
  });
});

describe('buckets', () => {
  it('differ when a count or a sum differs, or one side lacks the bucket', () => {
    const a = new Map([['00', { rows: 2, sum: '10' }], ['01', { rows: 1, sum: '5' }], ['02', { rows: 1, sum: '7' }]]);
    const b = new Map([['00', { rows: 2, sum: '10' }], ['01', { rows: 1, sum: '6' }], ['03', { rows: 1, sum: '7' }]]);
    expect(differingBuckets(a, b)).toEqual(['01', '02', '03']);
    expect(differingBuckets(a, new Map(a))).toEqual([]);
  });
});

describe('PostgreSQL parameters', () => {
  it('numbers named parameters in order of first use, leaving identifiers and literals alone', () => {
    expect(bindNamed(`SELECT "a$b0", '$k0' FROM t WHERE x IN ($b0, $b1) AND y <= $watermark AND z = $b0`, { b0: 'x', b1: 'y', watermark: 'w', k0: 'unused' }))
      .toEqual({ text: `SELECT "a$b0", '$k0' FROM t WHERE x IN ($1, $2) AND y <= $3 AND z = $1`, values: ['x', 'y', 'w'] });
  });
});

describe('Oracle statements (executed in the Oracle suite only)', () => {
  const table: VerifyTable = {
    dialect: ORACLE_VERIFY, model, from: '"VENTAS"."VENTAS_CABECERA" AS OF SCN TO_NUMBER(:scn)', column: (c) => ORACLE_VERIFY.quote(c.sourceName),
  };

  it('read at the SCN, hash with STANDARD_HASH, truncate TIMESTAMP(9) to microseconds, and bind only what they name', () => {
    const profile = profileSql(table, { column: model.columns[4]!, value: '2024-01-31 10:11:12', includeNulls: false });
    expect(profile.sql).toContain(`FROM "VENTAS"."VENTAS_CABECERA" AS OF SCN TO_NUMBER(:scn) WHERE RTRIM(RTRIM(TO_CHAR("FECHA", 'YYYY-MM-DD HH24:MI:SS') || '.' || SUBSTR(TO_CHAR("FECHA", 'FF9'), 1, 6), '0'), '.') <= :watermark`);
    // Decimals, min/max and sums alike, get their leading zero back (TM9 spells 0.5 as .5).
    expect(profile.sql).toContain(`REGEXP_REPLACE(TO_CHAR(MIN("MONTO"), 'TM9'), '^(-?)\\.', '\\10.')`);
    expect(profile.sql).toContain(`REGEXP_REPLACE(TO_CHAR(SUM("MONTO"), 'TM9'), '^(-?)\\.', '\\10.')`);
    const buckets = bucketsSql(table, 'rows', null, 2, { depth: 2, prefixes: ['0a'] });
    expect(buckets.sql).toContain(`LOWER(RAWTOHEX(STANDARD_HASH("kt", 'MD5')))`);
    expect(buckets.sql).toContain(`SUM(TO_NUMBER(SUBSTR("h", 18, 15), 'XXXXXXXXXXXXXXX'))`);
    expect(buckets.sql).toContain(`WHERE SUBSTR("k", 1, 2) IN (:b0)`);
    expect(bindsUsedBy(buckets.sql, { ...buckets.params, scn: '42', k0: 'x' })).toEqual({ b0: '0a', scn: '42' });
  });

  it('refuses, with one line, a table whose LOBs or intervals it cannot spell yet', () => {
    const withClob = { ...model, columns: [...model.columns, { ...column('cuerpo', { kind: 'string' }), sourceType: 'CLOB' }] };
    expect(() => checkVerifiable(withClob)).toThrow('VENTAS_CABECERA.CUERPO: CLOB columns cannot be verified against Oracle yet');
    expect(() => checkVerifiable(model)).not.toThrow();
  });
});

describe('the filter', () => {
  it('compares an int64 watermark as a number, the others as canonical text, NULL stamps when included', () => {
    const params = {};
    const int = { ...column('n', { kind: 'int64' }) };
    expect(whereClause({ ...tableFor(), model }, { column: int, value: '5', includeNulls: true }, params)).toBe(' WHERE ("n" IS NULL OR "n" <= TO_NUMBER(:watermark))');
    expect(params).toEqual({ watermark: '5' });
  });
  function tableFor(): VerifyTable {
    return { dialect: ORACLE_VERIFY, model, from: 't', column: (c) => `"${c.name}"` };
  }
});

describe('the report', () => {
  const base: TableVerification = {
    table: 'ventas_cabecera', level: 2, watermark: '2026-01-04T11:20:00.000000', sourceRows: 10, targetRows: 9, columns: 5, profile: [],
    differences: 2, deletedAtSource: 1, deletes: 'ignore', changedSinceLoad: 1, shown: [
      { kind: 'values', key: { id_venta: '4' }, columns: [{ column: 'nota', source: '"a"', target: '"b"' }] },
    ], partial: false, equal: false, passes: 2, seconds: 0.42,
  };

  it('one line per table, then the differing rows side by side', () => {
    expect(formatReport([base, { ...base, table: 'clientes', equal: true, differences: 0, shown: [], deletedAtSource: 0, changedSinceLoad: 0, sourceRows: 3, targetRows: 3 }])).toBe([
      'table            source rows  warehouse rows  columns  differences   time  result',
      'ventas_cabecera           10               9        5            2  0.4 s  DIFFERENT',
      'clientes                   3               3        5            0  0.4 s  equal',
      '',
      'ventas_cabecera (rows up to the committed watermark 2026-01-04T11:20:00.000000):',
      '  1 rows changed at the source since the last load (not differences: the next load takes them)',
      '  1 rows deleted at the source are still in the warehouse (kept: deletes: ignore)',
      '  id_venta=4: values differ',
      '    nota: source "a" | warehouse "b"',
      '  … 1 more (--show N lists more)',
      '',
    ].join('\n'));
  });
});
