/**
 * `datapipe verify`'s SQL in BigQuery's dialect, analyzed by ZetaSQL — BigQuery's own SQL front end
 * (test/support/zetasql.ts) — against a table of every canonical kind with the BigQuery types
 * DataPipe creates and the STRING parameters the queries bind: each statement must be valid
 * GoogleSQL and every value it selects a STRING (what the comparison reads). Then what the functions
 * return for the edge values, executed by ZetaSQL's reference evaluator (below); the live suite
 * (bigquery-live.test.ts) asserts the same spelling on real BigQuery, beside DuckDB's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { findColumn, type Column } from '../../../shared/model/column.js';
import { nullableText } from '../../../shared/verify/canonical-sql.js';
import { BIGQUERY_VERIFY } from '../../../shared/warehouses/bigquery/bigquery-verify.js';
import { bigQuerySchema, bigQueryTypeText } from '../../../shared/warehouses/bigquery/bigquery-schema.js';
import { checkDatasetRef, tableRef } from '../../../shared/warehouses/bigquery/bigquery-names.js';
import { bucketRowsSql, bucketsSql, deleteKeysSql, keyRowsSql, profileSql, type BoundSql, type VerifyTable, type WatermarkFilter } from '../../../shared/verify/verify-sql.js';
import { analyzeWithZetaSql, evaluateWithZetaSql, skipWithoutZetaSql, type ZetaSqlValue, type ZetaSqlVerdict } from '../../support/zetasql.js';
import { BIGQUERY_LANGUAGE } from '../../support/zetasql-bigquery.js';
import { everything } from '../databricks/twin-fixtures.js';
import { withoutColumns } from '../../support/model-fixtures.js';

const SKIP = skipWithoutZetaSql('bigquery verify zetasql');
const DATASET = checkDatasetRef({ projectId: 'acme-data', datasetId: 'raw' });
const table: VerifyTable = {
  dialect: BIGQUERY_VERIFY, model: everything, from: tableRef(DATASET, everything.name), column: (c) => BIGQUERY_VERIFY.quote(c.name),
};

/**
 * The same table without its two float columns. ZetaSQL's Java client cannot read back the resolved
 * tree of the deepest query (the float spelling nested inside a bucket filter nested inside two
 * subqueries): "Failed to read message", its protobuf recursion limit, not a GoogleSQL error. That
 * query is analyzed without the floats; the float spelling itself is analyzed in every other one.
 */
const noFloats: VerifyTable = { ...table, model: withoutColumns(everything, 'ratio', 'small') };

const filter = (column: string, value: string): WatermarkFilter => ({ column: findColumn(everything, column)!, value, includeNulls: column === 'day' });

const STATEMENTS: Record<string, BoundSql> = {
  profile: profileSql(table, null),
  'profile up to an int64 watermark': profileSql(table, filter('big', '12345')),
  'profile up to a date watermark, NULLs included': profileSql(table, filter('day', '2024-01-31')),
  'profile up to a datetime watermark': profileSql(table, filter('local_at', '2024-01-31 10:11:12.123456')),
  'profile up to a timestamp watermark': profileSql(table, filter('utc_at', '2024-01-31 10:11:12.123456')),
  'buckets, first pass': bucketsSql(table, 'rows', filter('utc_at', '2024-01-31 10:11:12.123456'), 2),
  'buckets within differing ones': bucketsSql(noFloats, 'rows', null, 4, { depth: 2, prefixes: ['0a', 'ff'] }),
  'key-set buckets': bucketsSql(table, 'keys', null, 2),
  'rows of buckets': bucketRowsSql(table, 'rows', null, 4, ['0a1b', 'ffff']),
  'rows of keys': keyRowsSql(table, ['1', '2']),
  'delete keys': deleteKeysSql(table, ['1', '2'], 500),
};

describe.skipIf(SKIP)('verify SQL in the BigQuery dialect, analyzed by ZetaSQL', () => {
  let verdicts: Map<string, ZetaSqlVerdict>;

  beforeAll(async () => {
    const columns = bigQuerySchema(everything).map((f) => ({ name: f.name, type: bigQueryTypeText(f) }));
    verdicts = await analyzeWithZetaSql(BIGQUERY_LANGUAGE, [{ path: [DATASET.projectId, DATASET.datasetId, everything.name], columns }],
      Object.entries(STATEMENTS).map(([id, { sql, params }]) => ({ id, sql, params: Object.fromEntries(Object.keys(params).map((name) => [name, 'STRING'])) })));
  }, 120_000);

  it.each(Object.keys(STATEMENTS))('%s: valid GoogleSQL, every selected value a STRING', (id) => {
    const verdict = verdicts.get(id)!;
    expect(verdict.error, STATEMENTS[id]!.sql).toBeUndefined();
    expect(verdict.ok).toBe(true);
    const [statement] = verdict.statements;
    if (id === 'delete keys') {
      expect(statement?.kind).toBe('DeleteStmt');
      return;
    }
    expect(statement?.kind).toBe('QueryStmt');
    expect(statement?.output?.length).toBeGreaterThan(0);
    expect(statement!.output!.filter((c) => c.type !== 'STRING')).toEqual([]);
  });

  it('the analyzer refuses what BigQuery refuses (the check can fail): a bare SUM of an INT64 text', async () => {
    const bad = await analyzeWithZetaSql(BIGQUERY_LANGUAGE, [], [{ id: 'bad', sql: "SELECT SUM('12') AS s" }]);
    expect(bad.get('bad')?.ok).toBe(false);
  }, 120_000);
});

/**
 * The same spelling executed: BigQuery's canonical text of the fidelity edge values, computed by
 * ZetaSQL's reference evaluator (the semantics BigQuery implements), must be what DuckDB, PostgreSQL,
 * the Redshift twin and the Spark twin write (verify-engines.test.ts, verify-postgres-duckdb.test.ts).
 */
describe.skipIf(SKIP)('verify\'s canonical text in the BigQuery dialect, executed by ZetaSQL\'s reference evaluator', () => {
  const d = BIGQUERY_VERIFY;
  const col = (kind: Column['type']) => ({ name: 'x', sourceName: 'X', sourceType: 'X', type: kind, nullable: true });
  const cases: [string, Column['type'], string, string][] = [
    ['int64 min', { kind: 'int64' }, "CAST('-9223372036854775808' AS INT64)", '-9223372036854775808'],
    ['decimal(38,9) min', { kind: 'decimal', precision: 38, scale: 9 }, "CAST('-99999999999999999999999999999.999999999' AS NUMERIC)", '-99999999999999999999999999999.999999999'],
    ['decimal trailing zeros', { kind: 'decimal', precision: 38, scale: 9 }, "CAST('0.500000000' AS NUMERIC)", '0.5'],
    ['decimal whole', { kind: 'decimal', precision: 18, scale: 2 }, "CAST('3.00' AS NUMERIC)", '3'],
    ['-0.0', { kind: 'float64' }, "CAST('-0' AS FLOAT64)", '-0'],
    ['0.0', { kind: 'float64' }, 'CAST(0 AS FLOAT64)', '0'],
    ['NaN', { kind: 'float64' }, "CAST('nan' AS FLOAT64)", 'NaN'],
    ['+Infinity', { kind: 'float64' }, "CAST('inf' AS FLOAT64)", 'Inf'],
    ['-Infinity', { kind: 'float64' }, "CAST('-inf' AS FLOAT64)", '-Inf'],
    ['smallest subnormal', { kind: 'float64' }, "CAST('4.9e-324' AS FLOAT64)", '4503599627370496p-1126'],
    ['largest double', { kind: 'float64' }, "CAST('1.7976931348623157e308' AS FLOAT64)", '9007199254740991p971'],
    ['smallest normal', { kind: 'float64' }, "CAST('2.2250738585072014e-308' AS FLOAT64)", '4503599627370496p-1074'],
    ['float32 0.1, widened', { kind: 'float32' }, "CAST('0.100000001490116119384765625' AS FLOAT64)", '7205759511166976p-56'],
    ['-1.5', { kind: 'float64' }, "CAST('-1.5' AS FLOAT64)", '-6755399441055744p-52'],
    ['empty string', { kind: 'string' }, "''", '0:'],
    ['text with | and ~', { kind: 'string' }, "'a|b~ñ🎉'", '6:a|b~ñ🎉'],
    ['bytes', { kind: 'bytes' }, "FROM_HEX('00ff10')", '00ff10'],
    ['date 0001-01-01', { kind: 'date' }, "DATE '0001-01-01'", '0001-01-01'],
    ['datetime 9999-12-31 23:59:59.999999', { kind: 'datetime' }, "DATETIME '9999-12-31 23:59:59.999999'", '9999-12-31 23:59:59.999999'],
    ['datetime, no fraction', { kind: 'datetime' }, "DATETIME '2024-01-31 10:11:12'", '2024-01-31 10:11:12'],
    ['timestamp 0001-01-01, UTC', { kind: 'timestamp' }, "TIMESTAMP '0001-01-01 00:00:00+00'", '0001-01-01 00:00:00'],
    ['timestamp from another zone', { kind: 'timestamp' }, "TIMESTAMP '2024-01-31 10:11:12.1+05:00'", '2024-01-31 05:11:12.1'],
    ['boolean', { kind: 'boolean' }, 'TRUE', 'true'],
  ];
  let values: Map<string, ZetaSqlValue>;

  beforeAll(async () => {
    values = await evaluateWithZetaSql(BIGQUERY_LANGUAGE, [
      ...cases.map(([id, type, literal]) => ({ id, sql: nullableText(d, col(type), literal) })),
      { id: 'NULL', sql: nullableText(d, col({ kind: 'string' }), 'CAST(NULL AS STRING)') },
      // The row hash's 60 bits, as every engine computes them from the MD5 of the same text.
      { id: 'hash bits', sql: `CAST(${d.hexToInt(d.substr(d.md5("'héllo'"), 18, 15))} AS STRING)` },
    ]);
  }, 120_000);

  it.each(cases.map(([id, , , expected]) => [id, expected]))('%s → %s', (id, expected) => {
    expect(values.get(id)).toEqual({ id, value: expected, error: undefined });
  });

  it('NULL is ~, and the hash bits are those of MD5(\'héllo\') on every engine', () => {
    expect(values.get('NULL')?.value).toBe('~');
    const md5 = 'be50e8478cf24ff3595bc7307fb91b50';
    expect(values.get('hash bits')?.value).toBe(BigInt(`0x${md5.slice(17, 32)}`).toString());
  });
});
