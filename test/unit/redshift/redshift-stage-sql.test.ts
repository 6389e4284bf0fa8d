/**
 * The staging statements (shared/warehouses/redshift/redshift-stage-sql.ts), exact text: the COPY
 * manifest of exactly the run's parts, the COPY options (and the ones never used), the raw and
 * typed stage tables, the value checks, and the reasons a refused value is given.
 */
import { describe, expect, it } from 'vitest';
import { ContractError, TerminalError } from '../../../shared/errors.js';
import { valueProblem } from '../../../shared/warehouses/redshift/redshift-session.js';
import {
  badValueCondition, conversionCheckSql, copyManifest, copySql, createRawSql, createStageSql, firstBadValueSql, iamRoleClause, sqlLiteral,
} from '../../../shared/warehouses/redshift/redshift-stage-sql.js';
import { column, lineas, ventas } from '../../support/model-fixtures.js';

const part = (n: number, bytes = 100) => ({ key: `p/proj/t/run=R1/part-0000-a-00000${n}.avro`, uri: `s3://staging/p/proj/t/run=R1/part-0000-a-00000${n}.avro`, rows: 1, bytes });

describe('the COPY manifest', () => {
  it('lists exactly the parts, each mandatory, beside them under a name derived from their URIs', () => {
    const manifest = copyManifest([part(1, 10), part(2, 20)], 'table t, run R1');
    expect(manifest.key).toMatch(/^p\/proj\/t\/run=R1\/_redshift-copy-[0-9a-f]{16}\.manifest$/);
    expect(manifest.url).toBe(`s3://staging/${manifest.key}`);
    expect(JSON.parse(manifest.body)).toEqual({
      entries: [
        { url: 's3://staging/p/proj/t/run=R1/part-0000-a-000001.avro', mandatory: true, meta: { content_length: 10 } },
        { url: 's3://staging/p/proj/t/run=R1/part-0000-a-000002.avro', mandatory: true, meta: { content_length: 20 } },
      ],
    });
    // Same parts, same object; other parts, another object (a run re-extracted never overwrites it).
    expect(copyManifest([part(1, 10), part(2, 20)], 'x').key).toBe(manifest.key);
    expect(copyManifest([part(1, 10)], 'x').key).not.toBe(manifest.key);
  });

  it('refuses parts that are not s3:// objects, and no parts at all', () => {
    expect(() => copyManifest([{ ...part(1), uri: 'gs://staging/x.avro' }], 'table t, run R1')).toThrow(new ContractError(
      "table t, run R1: part p/proj/t/run=R1/part-0000-a-000001.avro is at gs://staging/x.avro; Redshift COPY reads s3:// only — stage with the aws cloud's S3 store",
    ));
    expect(() => copyManifest([], 'table t, run R1')).toThrow(ContractError);
  });
});

describe('COPY and the stage tables', () => {
  it('COPYs by name from the manifest with MAXERROR 0, never TRUNCATECOLUMNS or ACCEPTINVCHARS', () => {
    const sql = copySql(ventas, "s3://staging/it's/m.manifest", 'arn:aws:iam::123456789012:role/copy');
    expect(sql).toBe([
      'COPY "_datapipe_raw" ("id_venta", "monto", "fecha_venta", "tasa", "cliente")',
      "FROM 's3://staging/it''s/m.manifest'",
      "IAM_ROLE 'arn:aws:iam::123456789012:role/copy'",
      "FORMAT AS AVRO 'auto ignorecase'",
      'MANIFEST', 'MAXERROR 0', 'COMPUPDATE OFF', 'STATUPDATE OFF',
    ].join('\n'));
    expect(sql).not.toMatch(/TRUNCATECOLUMNS|ACCEPTINVCHARS|EMPTYASNULL|BLANKSASNULL|ROUNDEC/);
    expect(iamRoleClause('default')).toBe('IAM_ROLE default');
    expect(() => sqlLiteral('a\\b', 'x')).toThrow(TerminalError);
  });

  it('stages text-encoded kinds as VARCHAR and converts them into the target\'s types', () => {
    expect(createRawSql(ventas)).toBe('CREATE TEMP TABLE "_datapipe_raw" (\n  "id_venta" BIGINT,\n  "monto" VARCHAR(65535),\n  "fecha_venta" VARCHAR(65535),\n  "tasa" DOUBLE PRECISION,\n  "cliente" VARCHAR(65535)\n)');
    expect(createStageSql(ventas)).toBe([
      'CREATE TEMP TABLE "_datapipe_stage" AS', 'SELECT',
      '  "id_venta" AS "id_venta",', '  CAST("monto" AS NUMERIC(18,2)) AS "monto",', '  CAST("fecha_venta" AS TIMESTAMP) AS "fecha_venta",',
      '  "tasa" AS "tasa",', '  "cliente" AS "cliente"', 'FROM "_datapipe_raw"',
    ].join('\n'));
  });

  it('checks decimal text for its form, its scale (a cast would round) and its integer digits, in one scan', () => {
    expect(badValueCondition(column('m', { kind: 'decimal', precision: 18, scale: 2 }))).toBe(
      `"m" IS NOT NULL AND ("m" !~ '^-?[0-9]+([.][0-9]+)?$' OR LENGTH(SPLIT_PART("m", '.', 2)) > 2 OR LENGTH(LTRIM(SPLIT_PART(LTRIM("m", '-'), '.', 1), '0')) > 16)`,
    );
    expect(badValueCondition(column('b', { kind: 'bytes' }))).toBe(`"b" IS NOT NULL AND "b" !~ '^([0-9a-f][0-9a-f])*$'`);
    const [importe, cambiado] = [lineas.columns[2]!, lineas.columns[3]!];
    expect(conversionCheckSql(lineas)).toBe([
      'SELECT',
      `  COUNT(CASE WHEN ${badValueCondition(importe)} THEN 1 END) AS "bad_0",`,
      `  COUNT(CASE WHEN ${badValueCondition(cambiado)} THEN 1 END) AS "bad_1"`,
      'FROM "_datapipe_raw"',
    ].join('\n'));
    expect(conversionCheckSql({ ...ventas, columns: ventas.columns.filter((c) => c.type.kind === 'int64') })).toBeNull();
    expect(firstBadValueSql(lineas, lineas.columns[2]!).split('\n')[0]).toBe('SELECT CAST("id_venta" AS VARCHAR(65535)) AS "key_0", CAST("linea" AS VARCHAR(65535)) AS "key_1", "importe" AS "value"');
  });

  it('says why a value was refused', () => {
    const money = column('m', { kind: 'decimal', precision: 18, scale: 2 });
    expect(valueProblem(money, '1.239')).toBe('has 3 digits after the point, more than the scale of decimal(18,2): a cast would round it');
    expect(valueProblem(money, '12345678901234567.5')).toBe('has 17 digits before the point, more than decimal(18,2) holds (16)');
    expect(valueProblem(money, '1e5')).toBe('is not a decimal number');
    expect(valueProblem(column('t', { kind: 'timestamp' }), '2024-01-01')).toBe('is not a UTC timestamp in the form YYYY-MM-DD HH:MM:SS.ffffff+00');
  });
});
