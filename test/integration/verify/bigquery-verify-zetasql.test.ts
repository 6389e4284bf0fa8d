/**
 * `datapipe verify`'s SQL in BigQuery's dialect, analyzed by ZetaSQL — BigQuery's own SQL front end
 * (test/support/zetasql.ts) — against a table of every canonical kind with the BigQuery types
 * DataPipe creates and the STRING parameters the queries bind: each statement must be valid
 * GoogleSQL and every value it selects a STRING (what the comparison reads). What the functions
 * return for the edge values (FORMAT_TIMESTAMP's %E4Y and %E6S, TO_HEX(MD5()), the 0x cast) is
 * asserted against real BigQuery by the live suite (bigquery-live.test.ts), beside DuckDB's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { findColumn } from '../../../shared/model/column.js';
import { BIGQUERY_VERIFY } from '../../../shared/warehouses/bigquery/bigquery-verify.js';
import { bigQuerySchema, bigQueryTypeText } from '../../../shared/warehouses/bigquery/bigquery-schema.js';
import { checkDatasetRef, tableRef } from '../../../shared/warehouses/bigquery/bigquery-names.js';
import { bucketRowsSql, bucketsSql, deleteKeysSql, keyRowsSql, profileSql, type BoundSql, type VerifyTable, type WatermarkFilter } from '../../../shared/verify/verify-sql.js';
import { analyzeWithZetaSql, skipWithoutZetaSql, type ZetaSqlVerdict } from '../../support/zetasql.js';
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
