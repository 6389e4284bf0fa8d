/**
 * The Redshift Data API fake's text-level rewrites (test/support/redshift-fake/sql-text.ts) and its
 * COPY parser, offline: each rewrite does what the fake's header lists, and nothing inside string
 * literals, quoted identifiers or comments is touched.
 */
import { describe, expect, it } from 'vitest';
import { parseCopy } from '../../support/redshift-fake/copy-statement.js';
import { referencedParameters, translate } from '../../support/redshift-fake/sql-text.js';

const none = new Map<string, string>();
const sqlOf = (sql: string, parameters = none) => {
  const out = translate(sql, parameters);
  if (out.kind !== 'sql') throw new Error(`not rewritten: ${JSON.stringify(out)}`);
  return out;
};

describe('Redshift → PostgreSQL rewrites of the Redshift fake', () => {
  it('strips table attributes and unenforced keys from CREATE TABLE, maps VARBYTE and VARCHAR sizes', () => {
    expect(sqlOf(`CREATE TABLE t (id BIGINT NOT NULL ENCODE az64 DISTKEY, raw VARBYTE(16), note VARCHAR(MAX), v VARCHAR, PRIMARY KEY (id))
      DISTSTYLE KEY COMPOUND SORTKEY (id, note) BACKUP NO`).text.replace(/\s+/g, ' ').trim())
      .toBe('CREATE TABLE t (id BIGINT NOT NULL , raw bytea, note varchar(65535), v varchar(256) )');
    expect(sqlOf('CREATE TABLE u (id BIGINT PRIMARY KEY, code VARCHAR(3) UNIQUE)').text).toBe('CREATE TABLE u (id BIGINT  , code VARCHAR(3)  )');
  });

  it('rewrites TO_VARBYTE / FROM_VARBYTE hex, nested, and GETDATE()', () => {
    expect(sqlOf("SELECT FROM_VARBYTE(TO_VARBYTE(h, 'HEX'), 'hex'), GETDATE()").text)
      .toBe("SELECT encode(decode(h, 'hex'), 'hex'), date_trunc('second', localtimestamp)");
    expect(sqlOf("SELECT TO_VARBYTE(h, 'binary')").text).toBe("SELECT TO_VARBYTE(h, 'binary')");
    expect(sqlOf("SELECT SYSDATE, sysdate_col, 'SYSDATE'").text).toBe("SELECT localtimestamp, sysdate_col, 'SYSDATE'");
  });

  it('leaves literals, quoted identifiers and comments alone', () => {
    const sql = `SELECT 'DISTKEY(x) :a GETDATE()', "sortkey" FROM t -- QUALIFY :b\n/* VARBYTE */ WHERE x = 'it''s'`;
    expect(sqlOf(sql).text).toBe(`SELECT 'DISTKEY(x) :a GETDATE()', "sortkey" FROM t  \n  WHERE x = 'it''s'`);
    expect(referencedParameters(sql)).toEqual(new Set());
  });

  it('binds :name parameters as $n in order of first use, leaving casts alone', () => {
    const out = sqlOf('SELECT :b::int, :a, :b FROM t WHERE c::text = :a', new Map([['a', 'x'], ['b', '2']]));
    expect(out).toEqual({ kind: 'sql', text: 'SELECT $1::int, $2, $1 FROM t WHERE c::text = $2', values: ['2', 'x'] });
  });

  it('refuses QUALIFY and MERGE forms Redshift lacks; hands COPY to the emulation', () => {
    expect(translate('SELECT * FROM t QUALIFY ROW_NUMBER() OVER () = 1', none).kind).toBe('refused');
    expect(translate('MERGE INTO t USING (SELECT 1) s ON true WHEN MATCHED THEN DELETE', none).kind).toBe('refused');
    expect(translate('WITH s AS (SELECT 1) MERGE INTO t USING s ON true WHEN MATCHED THEN DELETE', none).kind).toBe('refused');
    expect(translate('MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE', none).kind).toBe('sql');
    expect(translate("  copy t from 's3://b/k' iam_role 'r' format as avro 'auto'", none).kind).toBe('copy');
  });
});

describe('COPY parsing of the Redshift fake', () => {
  it('reads the table, columns, source and options DataPipe uses', () => {
    expect(parseCopy(`COPY "s"."T" (a, "B") FROM 's3://bucket/run=1/_manifest.json' IAM_ROLE 'arn:aws:iam::1:role/r'
      FORMAT AS AVRO 'auto ignorecase' MANIFEST COMPUPDATE OFF STATUPDATE OFF MAXERROR AS 3 REGION AS 'eu-west-1';`)).toEqual({
      table: '"s"."T"', columns: ['a', 'B'], bucket: 'bucket', key: 'run=1/_manifest.json', manifest: true, ignoreCase: true, maxErrors: 3, truncateColumns: false,
    });
    expect(parseCopy("COPY t FROM 's3://b/p/' CREDENTIALS 'aws_iam_role=r' AVRO 'auto' TRUNCATECOLUMNS")).toMatchObject({ manifest: false, ignoreCase: false, truncateColumns: true, key: 'p/' });
  });

  it('refuses formats and options it does not emulate, naming them', () => {
    expect(() => parseCopy("COPY t FROM 's3://b/k' IAM_ROLE 'r' FORMAT AS PARQUET")).toThrow(/only FORMAT AS AVRO \(got PARQUET\)/);
    expect(() => parseCopy("COPY t FROM 's3://b/k' IAM_ROLE 'r' FORMAT AS AVRO 's3://b/jsonpaths.json'")).toThrow(/not a JSONPaths file/);
    expect(() => parseCopy("COPY t FROM 's3://b/k' IAM_ROLE 'r' FORMAT AS AVRO 'auto' DATEFORMAT 'auto'")).toThrow(/COPY option DATEFORMAT/);
    expect(() => parseCopy("COPY t FROM 's3://b/k' FORMAT AS AVRO 'auto'")).toThrow(/IAM_ROLE or CREDENTIALS/);
    expect(() => parseCopy("COPY t FROM '/local/file' IAM_ROLE 'r' FORMAT AS AVRO 'auto'")).toThrow(/only FROM 's3:\/\/bucket\/key'/);
  });
});
