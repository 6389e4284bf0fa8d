/**
 * The Databricks fake's SQL rewrites (test/tools/databricks_fake_sql.py), without Spark: what the
 * twin runs must be the client's statement with only the listed spans changed — never text inside
 * string literals or comments, never column references.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '../../tools/databricks_fake_sql.py');

interface Translation {
  sql?: string;
  read_files?: { path: string; options: Record<string, string> }[];
  error?: string;
}

function translate(statement: string, extra: Record<string, unknown> = {}): Translation {
  const run = spawnSync('python3', [SCRIPT], { input: JSON.stringify({ statement, ...extra }), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`databricks_fake_sql.py failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Translation;
}

describe('Databricks fake SQL rewrites', () => {
  it('binds :name markers as string literals, CAST to the given type; leaves ::, strings and unbound markers', () => {
    const { sql } = translate("SELECT :a, :b, :n, x::int, ':a', :unbound", {
      parameters: [{ name: 'a', value: "it's \\ ok" }, { name: 'b', value: '1.50', type: 'DECIMAL(10,2)' }, { name: 'n', type: 'DATE' }],
    });
    expect(sql).toBe("SELECT 'it\\'s \\\\ ok', CAST('1.50' AS DECIMAL(10,2)), CAST(NULL AS DATE), x::int, ':a', :unbound");
    expect(translate('SELECT :a', { parameters: [{ name: 'a', value: '1', type: 'INT) --' }] }).error).toMatch(/is not a SQL type name/);
  });

  it('replaces read_files(…) calls with views, taking the path and named literal options', () => {
    const out = translate(
      "SELECT * FROM read_files('abfss://c@acct.dfs.core.windows.net/t/run=1/{a,b}.avro', format => 'avro', datetimeRebaseMode => \"CORRECTED\", mergeSchema => false) s -- read_files('x')",
    );
    expect(out.sql).toBe("SELECT * FROM `__dp_read_files_0` s -- read_files('x')");
    expect(out.read_files).toEqual([{
      path: 'abfss://c@acct.dfs.core.windows.net/t/run=1/{a,b}.avro',
      options: { format: 'avro', datetimeRebaseMode: 'CORRECTED', mergeSchema: 'false' },
    }]);
    expect(translate("SELECT 'read_files(1)'").sql).toBe("SELECT 'read_files(1)'");
    expect(translate("SELECT * FROM read_files('p', 'avro')").error).toMatch(/options are passed by name/);
    expect(translate("SELECT * FROM read_files('p', format => lower('AVRO'))").error).toMatch(/only literal option values/);
  });

  it('maps Unity Catalog names to one Spark database per catalog and schema, and nothing else', () => {
    const schemas = { main: ['sales'] };
    expect(translate('SELECT t.id, main.sales.t.id FROM main.sales.t AS t JOIN `main`.`sales`.`u` ON t.id = u.id', { schemas }).sql)
      .toBe('SELECT t.id, `main__sales`.`t`.`id` FROM `main__sales`.`t` AS t JOIN `main__sales`.`u` ON t.id = u.id');
    expect(translate('SELECT * FROM sales.t JOIN other.s.t', { schemas }).sql).toBe('SELECT * FROM `main__sales`.`t` JOIN other.s.t');
    expect(translate('CREATE SCHEMA IF NOT EXISTS main.new_one').sql).toBe('CREATE SCHEMA IF NOT EXISTS `main__new_one`');
    expect(translate('SHOW TABLES IN main.sales').sql).toBe('SHOW TABLES IN `main__sales`');
    expect(translate("SELECT 'main.sales.t' AS name").sql).toBe("SELECT 'main.sales.t' AS name");
  });

  it('turns QUALIFY into a filtered subquery, innermost first, keeping ORDER BY outside', () => {
    expect(translate('MERGE INTO t USING (SELECT id, v FROM s QUALIFY ROW_NUMBER() OVER (PARTITION BY id ORDER BY v DESC) = 1) AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET *').sql)
      .toBe('MERGE INTO t USING (SELECT * EXCEPT (__dp_qualify) FROM (SELECT id, v, (ROW_NUMBER() OVER (PARTITION BY id ORDER BY v DESC) = 1) AS __dp_qualify FROM s) AS __dp_qualified WHERE __dp_qualify ) AS s ON t.id = s.id WHEN MATCHED THEN UPDATE SET *');
    expect(translate('SELECT a, rank() OVER (ORDER BY a) r FROM x WHERE a > 0 QUALIFY r < 3 ORDER BY a LIMIT 2').sql)
      .toBe('SELECT * EXCEPT (__dp_qualify) FROM (SELECT a, rank() OVER (ORDER BY a) r, (r < 3) AS __dp_qualify FROM x WHERE a > 0) AS __dp_qualified WHERE __dp_qualify ORDER BY a LIMIT 2');
    expect(translate("SELECT 'qualify' AS word FROM x").sql).toBe("SELECT 'qualify' AS word FROM x");
  });
});
