/**
 * Every statement the BigQuery warehouse sends, analyzed by ZetaSQL — BigQuery's own SQL front end
 * (test/support/zetasql.ts) — against a catalog of the tables it creates, with the parameter types
 * it binds: a statement BigQuery would refuse fails here with BigQuery's message. The FAKE BigQuery
 * API (bigquery-sent.ts) records what the real warehouse sends; the DuckDB twin
 * (load-sql-duckdb.test.ts) executes the same SQL's spelling; only the live suite runs it on BigQuery.
 *
 * Analyzed: each query job's exact text and typed parameters (the stage check, the commit script
 * `BEGIN TRANSACTION; …; COMMIT TRANSACTION;` statement by statement as one script, the count, the
 * latest load), every tables.insert schema written as the equivalent CREATE TABLE, and the DDL the
 * builders write (`generate schema`'s target DDL at each partitioning, `_datapipe_loads`). Then
 * deliberate mistakes, to show the analyzer refuses what BigQuery refuses.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkDatasetRef, tableRef, type DatasetRef } from '../../../shared/warehouses/bigquery/bigquery-names.js';
import { bigQuerySchema, bigQueryTypeText, tableLayout, type BigQueryField } from '../../../shared/warehouses/bigquery/bigquery-schema.js';
import { bigQueryTableDdl } from '../../../shared/warehouses/bigquery/bigquery-ddl.js';
import { BIGQUERY_DIALECT } from '../../../shared/warehouses/bigquery/bigquery-dialect.js';
import { LOADS_TABLE_INSERT } from '../../../shared/warehouses/bigquery/bigquery-tables.js';
import { createLoadsTableSql, LOADS_TABLE, mustNotBeNull } from '../../../shared/warehouses/sql/load-sql.js';
import { analyzeWithZetaSql, skipWithoutZetaSql, type ZetaSqlColumn, type ZetaSqlStatement, type ZetaSqlTable, type ZetaSqlVerdict } from '../../support/zetasql.js';
import { BIGQUERY_LANGUAGE } from '../../support/zetasql-bigquery.js';
import { DESTINATION, MODELS, recordWhatBigQueryIsSent, type SentQuery, type SentTable } from './bigquery-sent.js';

const SKIP = skipWithoutZetaSql('bigquery zetasql');
const DATASET: DatasetRef = checkDatasetRef({ projectId: DESTINATION.project_id, datasetId: DESTINATION.dataset });
const GRANULARITIES = ['DAY', 'HOUR', 'MONTH', 'YEAR'] as const;

/** The catalog entry of a table as tables.insert created it. */
function catalogTable(table: SentTable): ZetaSqlTable {
  return { path: [DATASET.projectId, DATASET.datasetId, table.tableId], columns: table.fields.map((f) => ({ name: f.name, type: bigQueryTypeText(f) })) };
}

/** A tables.insert schema as the CREATE TABLE it is equivalent to: each field's type text, REQUIRED as NOT NULL. */
function schemaDdl(table: SentTable): string {
  const columns = table.fields.map((f) => `  ${BIGQUERY_DIALECT.quote(f.name)} ${bigQueryTypeText(f)}${f.mode === 'REQUIRED' ? ' NOT NULL' : ''}`);
  return `CREATE TABLE ${tableRef(DATASET, table.tableId)} (\n${columns.join(',\n')}\n)`;
}

/** The columns a CREATE TABLE of these fields must resolve to. */
function resolvedColumns(fields: readonly BigQueryField[]): ZetaSqlColumn[] {
  return fields.map((f) => ({ name: f.name, type: bigQueryTypeText(f), notNull: f.mode === 'REQUIRED' }));
}

/** `sql` with line numbers, to read a failure's `[at line:column]` against. */
function numbered(sql: string): string {
  return sql.split('\n').map((line, i) => `${String(i + 1).padStart(3)}| ${line}`).join('\n');
}

/** What each kind of query must resolve to: the statements in order, and a query's output columns. */
function expectedShape(query: SentQuery): { kinds: string[]; output?: ZetaSqlColumn[] } {
  const model = MODELS.find((m) => m.model.name === query.table)!.model;
  switch (query.kind) {
    case 'check': return {
      kinds: ['QueryStmt'],
      output: [{ name: 'staged', type: 'INT64' }, { name: 'deduplicated', type: 'INT64' }, ...mustNotBeNull(model).map((_, i) => ({ name: `null_${i}`, type: 'INT64' }))],
    };
    case 'commit': return { kinds: ['BeginStmt', 'QueryStmt', query.mode === 'full' ? 'DeleteStmt' : 'MergeStmt', ...(query.mode === 'full' ? ['InsertStmt'] : []), 'InsertStmt', 'CommitStmt'] };
    case 'count': return { kinds: ['QueryStmt'], output: [{ name: 'target_rows', type: 'INT64' }] };
    case 'latest': return {
      kinds: ['QueryStmt'],
      output: [['run_id', 'STRING'], ['mode', 'STRING'], ['rows_staged', 'INT64'], ['rows_loaded', 'INT64'], ['watermark', 'STRING']].map(([name, type]) => ({ name: name!, type: type! })),
    };
    default: throw new Error(`unexpected query job kind ${query.kind} (${query.id})`);
  }
}

/** A statement edited into a mistake: `from` names the statement it was made from. */
type Mistake = ZetaSqlStatement & { from: string; refusal: RegExp };

/**
 * Deliberate mistakes, each a small edit of a statement the warehouse sent, and the message BigQuery's
 * analyzer gives: proof that the analysis above can fail. `catalog` gains a stage whose `doc`
 * column is JSON (as if canonical json were loaded into JSON rather than STRING).
 */
function mistakes(queries: SentQuery[], tables: SentTable[], catalog: ZetaSqlTable[]): Mistake[] {
  const sent = (id: string): SentQuery => queries.find((q) => q.id === id)!;
  const full = sent('ventas_cabecera commit full');
  const incremental = sent('ventas_cabecera commit incremental');
  const typed = sent('tipos commit incremental');
  const stage = tables.find((t) => t.tableId.startsWith('tipos__stage_'))!;
  catalog.push({ ...catalogTable({ ...stage, tableId: 'tipos__stage_json' }), columns: catalogTable(stage).columns.map((c) => (c.name === 'doc' ? { ...c, type: 'JSON' } : c)) });
  const reservedCommit = sent('select commit incremental');
  const tipos = MODELS.find((m) => m.model.name === 'tipos')!.model;
  const tiposDdl = bigQueryTableDdl(tipos, DATASET, tableLayout(tipos, null, 'DAY'));
  return [
    { id: 'mistake: DELETE without WHERE', from: full.id, sql: full.sql.replace(/^(DELETE FROM \S+) WHERE TRUE;$/m, '$1;'), script: true, params: full.params, refusal: /^DELETE must have a WHERE clause \[at 3:1\]$/ },
    // The profile's stricter reading of QUALIFY (zetasql-bigquery.ts): the builders write WHERE TRUE.
    {
      id: 'mistake: QUALIFY without WHERE', from: incremental.id, sql: incremental.sql.replace('\n  WHERE TRUE\n  QUALIFY', '\n  QUALIFY'), script: true, params: incremental.params,
      refusal: /^QUALIFY clause must be used in conjunction with WHERE or GROUP BY or HAVING clause \[at \d+:\d+\]$/,
    },
    {
      id: 'mistake: ORDER BY a JSON column', from: typed.id, sql: typed.sql.replaceAll(stage.tableId, 'tipos__stage_json'), script: true, params: typed.params,
      refusal: /^Ordering by expressions of type JSON is not allowed \[at \d+:\d+\]$/,
    },
    {
      id: 'mistake: rows_staged bound as STRING', from: incremental.id, sql: incremental.sql, script: true, params: { ...incremental.params, rows_staged: 'STRING' },
      refusal: /^Query column 4 has type STRING which cannot be inserted into column rows_staged, which has type INT64 \[at \d+:\d+\]$/,
    },
    {
      id: 'mistake: SET `target` = … with a column named target', from: reservedCommit.id,
      sql: reservedCommit.sql.replace(/^WHEN MATCHED THEN UPDATE SET .*$/m, (set) => set.replaceAll('`target`.`', '`')),
      script: true, params: reservedCommit.params, refusal: /^UPDATE \.\.\. SET does not support updating the entire row \[at \d+:\d+\]$/,
    },
    { id: 'mistake: NUMERIC(38, 10)', from: 'ddl tipos unpartitioned', sql: tiposDdl.replace('BIGNUMERIC(38, 10)', 'NUMERIC(38, 10)'), refusal: /^In NUMERIC\(P, S\), S must be between 0 and 9 \[at \d+:\d+\]$/ },
  ];
}

describe.skipIf(SKIP)('every statement the BigQuery warehouse sends, analyzed by ZetaSQL (BigQuery\'s SQL front end)', () => {
  let queries: SentQuery[];
  let tables: SentTable[];
  let verdicts: Map<string, ZetaSqlVerdict>;
  const statements: ZetaSqlStatement[] = [];
  const loadsRef = tableRef(DATASET, LOADS_TABLE);

  /** The verdict on statement `id`, failing with ZetaSQL's message and the numbered text when it was refused. */
  function accepted(id: string): ZetaSqlVerdict {
    const verdict = verdicts.get(id);
    const sql = statements.find((s) => s.id === id)?.sql ?? '';
    expect(verdict, `no verdict for ${id}`).toBeDefined();
    expect(verdict!.error ?? null, `ZetaSQL refused ${id}:\n${numbered(sql)}\n`).toBeNull();
    expect(verdict!.ok).toBe(true);
    return verdict!;
  }

  beforeAll(async () => {
    ({ queries, tables } = await recordWhatBigQueryIsSent());
    const catalog = tables.filter((t, i) => tables.findIndex((u) => u.tableId === t.tableId) === i).map(catalogTable);
    for (const query of queries) {
      statements.push({ id: query.id, sql: query.sql, script: query.kind === 'commit', params: query.params });
    }
    for (const [i, table] of tables.entries()) statements.push({ id: `tables.insert ${i} ${table.tableId}`, sql: schemaDdl(table) });
    statements.push({ id: 'ddl _datapipe_loads', sql: createLoadsTableSql(loadsRef, BIGQUERY_DIALECT) });
    for (const { model, partitionColumn } of MODELS) {
      for (const granularity of partitionColumn === null ? [] : GRANULARITIES) {
        statements.push({ id: `ddl ${model.name} ${granularity}`, sql: bigQueryTableDdl(model, DATASET, tableLayout(model, partitionColumn, granularity)) });
      }
      statements.push({ id: `ddl ${model.name} unpartitioned`, sql: bigQueryTableDdl(model, DATASET, tableLayout(model, null, 'DAY')) });
    }
    statements.push(...mistakes(queries, tables, catalog));
    verdicts = await analyzeWithZetaSql(BIGQUERY_LANGUAGE, catalog, statements);
  }, 300_000);

  it('recorded the stage check, the commit, the count of every load and the latest-load query of every table', () => {
    const expected = MODELS.flatMap(({ model, modes }) => [
      ...modes.flatMap((mode) => ['check', 'commit', 'count'].map((kind) => `${model.name} ${kind} ${mode}`)),
      `${model.name} latest`,
    ]);
    expect(queries.map((q) => q.id)).toEqual(expected);
  });

  it('analyzes every query job as BigQuery would: each resolves, to the statements and columns the protocol reads', () => {
    for (const query of queries) {
      const verdict = accepted(query.id);
      const shape = expectedShape(query);
      expect(verdict.statements.map((s) => s.kind), query.id).toEqual(shape.kinds);
      expect(verdict.scriptStatements, query.id).toBe(query.kind === 'commit' ? shape.kinds.length : undefined);
      if (shape.output) expect(verdict.statements[0]?.output, query.id).toEqual(shape.output);
    }
  });

  it('binds the parameters as queryParams types them: INT64 for the row counts, STRING for the rest (NULL included)', () => {
    const commit = queries.find((q) => q.kind === 'commit' && q.mode === 'full')!;
    expect(commit.params).toEqual({
      table_name: 'STRING', run_id: 'STRING', base_run_id: 'STRING', mode: 'STRING', rows_staged: 'INT64', rows_loaded: 'INT64', watermark: 'STRING',
    });
    expect(queries.find((q) => q.kind === 'latest')!.params).toEqual({ table_name: 'STRING' });
  });

  it('refuses what BigQuery refuses, with BigQuery\'s message: each mistake is one small edit of a sent statement', () => {
    const tried = statements.filter((st): st is Mistake => 'refusal' in st);
    expect(tried).toHaveLength(6);
    for (const mistake of tried) {
      // Made from a statement that analyzes cleanly, and really edited (the JSON stage and the STRING parameter change the catalog and the binding, not the text).
      accepted(mistake.from);
      const original = statements.find((st) => st.id === mistake.from)!;
      expect([mistake.sql !== original.sql, mistake.params !== original.params].some(Boolean), mistake.id).toBe(true);
      const verdict = verdicts.get(mistake.id)!;
      expect(verdict.ok, `${mistake.id} was accepted:\n${numbered(mistake.sql)}`).toBe(false);
      expect(verdict.error, mistake.id).toMatch(mistake.refusal);
    }
  });

  it('analyzes every table tables.insert created (targets, stages, _datapipe_loads) as its CREATE TABLE', () => {
    const ids = new Set(tables.map((t) => t.tableId));
    expect(ids.has(LOADS_TABLE)).toBe(true);
    expect([...ids].filter((id) => id.includes('__stage_'))).toHaveLength(MODELS.reduce((n, m) => n + m.modes.length, 0));
    for (const [i, table] of tables.entries()) {
      const verdict = accepted(`tables.insert ${i} ${table.tableId}`);
      expect(verdict.statements[0]?.columns, table.tableId).toEqual(resolvedColumns(table.fields));
    }
  });

  it('analyzes the DDL the builders write: generate schema\'s target at every partitioning, and _datapipe_loads, as tables.insert creates them', () => {
    expect(accepted('ddl _datapipe_loads').statements[0]?.columns).toEqual(resolvedColumns(LOADS_TABLE_INSERT.schema.fields as BigQueryField[]));
    for (const { model, partitionColumn } of MODELS) {
      for (const granularity of [...(partitionColumn === null ? [] : GRANULARITIES), 'unpartitioned']) {
        const verdict = accepted(`ddl ${model.name} ${granularity}`);
        expect(verdict.statements[0]?.columns, `${model.name} ${granularity}`).toEqual(resolvedColumns(bigQuerySchema(model)));
      }
    }
  });
});
