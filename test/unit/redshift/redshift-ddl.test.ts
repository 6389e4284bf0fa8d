/**
 * Redshift's DDL and types without a connection: the type of each canonical kind (and the
 * documented fallbacks), the target's layout (DISTKEY on the first key, SORTKEY on the partition
 * column), `_datapipe_loads`, the `schemas/<t>.sql` file, and the drift check of an existing target.
 */
import { describe, expect, it } from 'vitest';
import type { DestinationConfig, TableSpec } from '../../../shared/config/config-schema.js';
import { TerminalError } from '../../../shared/errors.js';
import type { CanonicalType } from '../../../shared/model/column.js';
import { REDSHIFT_CAPABILITIES } from '../../../shared/warehouses/redshift/redshift-capabilities.js';
import { createLoadsSql, createTargetSql } from '../../../shared/warehouses/redshift/redshift-ddl.js';
import { targetDrift, type ExistingColumn } from '../../../shared/warehouses/redshift/redshift-target-check.js';
import { conversion, rawType, redshiftType } from '../../../shared/warehouses/redshift/redshift-types.js';
import { column, lineas, tableModel, ventas } from '../../support/model-fixtures.js';

const DESTINATION: DestinationConfig = {
  cloud: 'aws',
  aws: { region: 'eu-west-1', bucket: 'staging', redshift: { workgroup_name: 'wg', database: 'dev', schema: 'raw_ventas', iam_role: 'arn:aws:iam::123456789012:role/copy' } },
};

describe('Redshift types', () => {
  const cases: [CanonicalType, string, string, string][] = [
    // canonical, target, raw stage, conversion of raw "c"
    [{ kind: 'boolean' }, 'BOOLEAN', 'BOOLEAN', '"c"'],
    [{ kind: 'int64' }, 'BIGINT', 'BIGINT', '"c"'],
    [{ kind: 'float32' }, 'REAL', 'REAL', '"c"'],
    [{ kind: 'float64' }, 'DOUBLE PRECISION', 'DOUBLE PRECISION', '"c"'],
    [{ kind: 'decimal', precision: 18, scale: 2 }, 'NUMERIC(18,2)', 'VARCHAR(65535)', 'CAST("c" AS NUMERIC(18,2))'],
    [{ kind: 'decimal', precision: 38, scale: 37 }, 'NUMERIC(38,37)', 'VARCHAR(65535)', 'CAST("c" AS NUMERIC(38,37))'],
    // Past Redshift's DECIMAL (precision 38, scale 37): the exact text, in a VARCHAR that fits sign, point and a leading 0.
    [{ kind: 'decimal', precision: 38, scale: 38 }, 'VARCHAR(41)', 'VARCHAR(65535)', '"c"'],
    [{ kind: 'decimal', precision: 76, scale: 38 }, 'VARCHAR(79)', 'VARCHAR(65535)', '"c"'],
    [{ kind: 'string' }, 'VARCHAR(65535)', 'VARCHAR(65535)', '"c"'],
    [{ kind: 'json' }, 'VARCHAR(65535)', 'VARCHAR(65535)', '"c"'],
    [{ kind: 'interval' }, 'VARCHAR(65535)', 'VARCHAR(65535)', '"c"'],
    [{ kind: 'bytes' }, 'VARBYTE(32767)', 'VARCHAR(65535)', `TO_VARBYTE("c", 'hex')`],
    [{ kind: 'date' }, 'DATE', 'VARCHAR(65535)', 'CAST("c" AS DATE)'],
    [{ kind: 'datetime' }, 'TIMESTAMP', 'VARCHAR(65535)', 'CAST("c" AS TIMESTAMP)'],
    [{ kind: 'timestamp' }, 'TIMESTAMPTZ', 'VARCHAR(65535)', 'CAST("c" AS TIMESTAMPTZ)'],
  ];
  it.each(cases)('%j → %s, staged as %s, converted by %s', (type, target, raw, converted) => {
    expect(redshiftType(type)).toBe(target);
    expect(rawType(type)).toBe(raw);
    expect(conversion(column('c', type), '"c"')).toBe(converted);
  });

  it('refuses decimal types no engine can hold', () => {
    expect(() => redshiftType({ kind: 'decimal', precision: 5, scale: 6 })).toThrow(TerminalError);
    expect(() => redshiftType({ kind: 'decimal', precision: 0, scale: 0 })).toThrow('is not a decimal type Redshift can hold');
  });
});

describe('Redshift DDL', () => {
  it('creates an incremental target distributed on its first key and sorted on its partition column, keys NOT NULL', () => {
    expect(createTargetSql(lineas, 'raw_ventas', 'cambiado')).toBe([
      'CREATE TABLE IF NOT EXISTS "raw_ventas"."ventas_linea" (',
      '  "id_venta" BIGINT NOT NULL,',
      '  "linea" BIGINT NOT NULL,',
      '  "importe" NUMERIC(38,10),',
      '  "cambiado" TIMESTAMPTZ,',
      '  PRIMARY KEY ("id_venta", "linea")',
      ')',
      'DISTKEY ("id_venta")',
      'SORTKEY ("cambiado")',
    ].join('\n'));
  });

  it('leaves a keyless full table to DISTSTYLE AUTO and SORTKEY AUTO', () => {
    expect(createTargetSql({ ...ventas, primaryKeys: [] }, 's', null).split('\n').slice(-3)).toEqual([')', 'DISTSTYLE AUTO', 'SORTKEY AUTO']);
  });

  it('creates _datapipe_loads with a TIMESTAMPTZ loaded_at', () => {
    expect(createLoadsSql('raw_ventas')).toBe([
      'CREATE TABLE IF NOT EXISTS "raw_ventas"."_datapipe_loads" (',
      '  "table_name" VARCHAR(65535) NOT NULL,', '  "run_id" VARCHAR(65535) NOT NULL,', '  "mode" VARCHAR(65535) NOT NULL,',
      '  "rows_staged" BIGINT NOT NULL,', '  "rows_loaded" BIGINT NOT NULL,', '  "watermark" VARCHAR(65535),', '  "loaded_at" TIMESTAMPTZ NOT NULL', ')',
    ].join('\n'));
  });

  it('writes schemas/<t>.sql as the loader creates the table: sorted on the partition column only for incremental loads', () => {
    const spec = (load_mode: 'incremental' | 'full'): TableSpec => ({ name: 'VENTAS_CABECERA', load_mode, partition_column: 'FECHA_VENTA', primary_keys: ['ID_VENTA'] }) as TableSpec;
    const [incremental] = REDSHIFT_CAPABILITIES.schemaFiles(ventas, spec('incremental'), DESTINATION);
    expect(incremental).toEqual({ extension: 'sql', text: `${createTargetSql(ventas, 'raw_ventas', 'fecha_venta')};\n` });
    expect(REDSHIFT_CAPABILITIES.schemaFiles(ventas, spec('full'), DESTINATION)[0]!.text).toContain('\nSORTKEY AUTO;\n');
    expect(() => REDSHIFT_CAPABILITIES.schemaFiles(ventas, spec('full'), { cloud: 'aws' })).toThrow('destination.aws: missing');
  });

  it('declares what the protocol and the extractor ask', () => {
    expect(REDSHIFT_CAPABILITIES).toMatchObject({
      name: 'Redshift', reads: { from: 'uri', schemes: ['s3'] }, codecs: ['null', 'deflate', 'snappy'], encoding: 'redshift-text', maxDecimalPrecision: 38, transactions: true,
    });
  });
});

describe('the drift check of an existing target', () => {
  const model = tableModel('APP.T', [
    column('id', { kind: 'int64' }, false), column('amount', { kind: 'decimal', precision: 18, scale: 2 }), column('raw', { kind: 'bytes' }),
    column('wide', { kind: 'decimal', precision: 40, scale: 2 }), column('at', { kind: 'timestamp' }),
  ], ['id']);
  const existing = (overrides: Partial<Record<string, Partial<ExistingColumn>>> = {}): ExistingColumn[] => [
    { name: 'id', dataType: 'bigint', numericPrecision: '64', numericScale: '0' },
    { name: 'amount', dataType: 'numeric', numericPrecision: '18', numericScale: '2' },
    { name: 'raw', dataType: 'binary varying', numericPrecision: null, numericScale: null },
    { name: 'wide', dataType: 'character varying', numericPrecision: null, numericScale: null },
    { name: 'at', dataType: 'timestamp with time zone', numericPrecision: null, numericScale: null },
    { name: 'extra', dataType: 'integer', numericPrecision: '32', numericScale: '0' },
  ].map((c) => ({ ...c, ...overrides[c.name] }));

  it('accepts the model\'s types (VARBYTE as Redshift or its PostgreSQL twin reports it) and extra columns', () => {
    expect(targetDrift(model, existing())).toBeNull();
    expect(targetDrift(model, existing({ raw: { dataType: 'bytea' } }))).toBeNull();
  });

  it('names missing and retyped columns, decimals by precision and scale', () => {
    expect(targetDrift(model, existing({ amount: { numericPrecision: '18', numericScale: '4' }, at: { dataType: 'timestamp without time zone' } }).filter((c) => c.name !== 'wide')))
      .toBe('differs from the schema: lacks column wide; amount is numeric(18,4), the schema says NUMERIC(18,2); at is timestamp without time zone, the schema says TIMESTAMPTZ — migrate the table or regenerate the schema');
  });
});
