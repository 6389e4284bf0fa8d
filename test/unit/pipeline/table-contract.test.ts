import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatAvsc, modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { ContractError, TerminalError } from '../../../shared/errors.js';
import { createLogger, silentLogger } from '../../../shared/log.js';
import type { Column, TableModel } from '../../../shared/model/column.js';
import {
  applyTableSpec, checkDrift, checkOverrides, readCommittedSchema, schemaFileName, schemasDir,
} from '../../../shared/pipeline/table-contract.js';

const ID: Column = { name: 'id_venta', sourceName: 'ID_VENTA', sourceType: 'NUMBER(10)', type: { kind: 'int64' }, nullable: false };
const MONTO: Column = { name: 'monto', sourceName: 'MONTO', sourceType: 'NUMBER(18,2)', type: { kind: 'decimal', precision: 18, scale: 2 }, nullable: true };
const FECHA: Column = { name: 'fecha', sourceName: 'FECHA', sourceType: 'TIMESTAMP(6) WITH TIME ZONE', type: { kind: 'timestamp' }, nullable: true };
const NOTA: Column = { name: 'nota', sourceName: 'NOTA', sourceType: 'VARCHAR2(200)', type: { kind: 'string' }, nullable: true };

function model(columns: Column[], primaryKeys: string[] = ['id_venta']): TableModel {
  return { sourceSchema: 'ERP', sourceName: 'VENTAS', name: 'ventas', columns, primaryKeys };
}

const committed = model([ID, MONTO, FECHA, NOTA]);

/** A pino logger writing JSON records into `records`. */
function capturingLogger(): { log: ReturnType<typeof createLogger>; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) records.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ destination, pretty: false, level: 'info' }), records };
}

describe('schema file names', () => {
  it('lowercases the table and appends the extension', () => {
    expect(schemaFileName('VENTAS_CABECERA', 'avsc')).toBe('ventas_cabecera.avsc');
    expect(schemaFileName('Ventas', 'sql')).toBe('ventas.sql');
  });

  it('takes an explicit folder first, then DATAPIPE_SCHEMAS, then ./schemas', () => {
    vi.stubEnv('DATAPIPE_SCHEMAS', '/srv/schemas');
    try {
      expect(schemasDir('/explicit/dir')).toBe('/explicit/dir');
      expect(schemasDir()).toBe('/srv/schemas');
      vi.stubEnv('DATAPIPE_SCHEMAS', undefined);
      expect(schemasDir()).toBe(join(process.cwd(), 'schemas'));
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('readCommittedSchema', () => {
  let root: string;
  let dir: string;
  let configPath: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'datapipe-contract-'));
    dir = join(root, 'schemas');
    configPath = join(root, 'erp', 'config.yaml');
    await mkdir(dir);
    vi.spyOn(process, 'cwd').mockReturnValue(root);
  });

  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(root, { recursive: true, force: true });
  });

  it('reads the model and the raw .avsc of a table', async () => {
    const avsc = modelToAvsc(committed);
    await writeFile(join(dir, 'ventas.avsc'), formatAvsc(avsc));
    const read = await readCommittedSchema(dir, 'VENTAS', configPath);
    expect(read.model).toEqual(committed);
    expect(read.avsc).toEqual(avsc);
  });

  it('says how to generate a missing schema, with paths relative to the current folder', async () => {
    await expect(readCommittedSchema(dir, 'VENTAS', configPath)).rejects.toThrow(new TerminalError(
      'schemas/ventas.avsc not found — run `datapipe generate schema VENTAS --config erp/config.yaml` and commit the result',
    ));
  });

  it('rejects a file that is not JSON, naming the parser error', async () => {
    await writeFile(join(dir, 'ventas.avsc'), '{"type": "record",');
    let parserMessage = '';
    try {
      JSON.parse('{"type": "record",');
    } catch (error) {
      parserMessage = (error as Error).message;
    }
    await expect(readCommittedSchema(dir, 'VENTAS', configPath)).rejects.toThrow(new TerminalError(
      `${join(dir, 'ventas.avsc')} is not a DataPipe schema (${parserMessage}) — regenerate it with \`datapipe generate schema VENTAS\``,
    ));
  });

  it('rejects JSON that is not a DataPipe .avsc, naming what is wrong', async () => {
    await writeFile(join(dir, 'ventas.avsc'), '{"type": "enum", "name": "ventas", "symbols": ["A"]}');
    await expect(readCommittedSchema(dir, 'VENTAS', configPath)).rejects.toThrow(new TerminalError(
      `${join(dir, 'ventas.avsc')} is not a DataPipe schema (not a DataPipe .avsc: the top-level type is "enum", not "record") — regenerate it with \`datapipe generate schema VENTAS\``,
    ));
  });
});

describe('checkDrift', () => {
  // The captured logger must log at info whatever the developer's shell sets.
  beforeEach(() => {
    vi.stubEnv('DATAPIPE_LOG_LEVEL', undefined);
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('accepts an unchanged source without logging', () => {
    const { log, records } = capturingLogger();
    checkDrift(committed, model([FECHA, NOTA, MONTO, ID]), log);
    expect(records).toEqual([]);
  });

  it('does not count case or whitespace differences in the source type as drift', () => {
    const { log, records } = capturingLogger();
    const live = model([
      { ...ID, sourceType: ' number(10) ' },
      { ...MONTO, sourceType: 'NUMBER(18, 2)' },
      { ...FECHA, sourceType: 'timestamp(6)  with\ttime zone' },
      { ...NOTA, sourceType: 'VARCHAR2( 200 )' },
    ]);
    checkDrift(committed, live, log);
    expect(records).toEqual([]);
  });

  it('fails when a committed column is missing from the source', () => {
    expect(() => checkDrift(committed, model([ID, MONTO]), silentLogger)).toThrow(new ContractError(
      'VENTAS: schema drift, missing in the source: FECHA, NOTA — review the change, then run `datapipe generate schema VENTAS` and migrate the target table',
    ));
  });

  it('fails when a committed column changed type', () => {
    const live = model([ID, { ...MONTO, sourceType: 'NUMBER(18,4)' }, FECHA, { ...NOTA, sourceType: 'CLOB' }]);
    expect(() => checkDrift(committed, live, silentLogger)).toThrow(new ContractError(
      'VENTAS: schema drift, retyped: MONTO NUMBER(18,2) → NUMBER(18,4), NOTA VARCHAR2(200) → CLOB — review the change, then run `datapipe generate schema VENTAS` and migrate the target table',
    ));
  });

  it('lists missing and retyped columns together', () => {
    const live = model([ID, { ...MONTO, sourceType: 'BINARY_DOUBLE' }, FECHA]);
    expect(() => checkDrift(committed, live, silentLogger)).toThrow(new ContractError(
      'VENTAS: schema drift, missing in the source: NOTA; retyped: MONTO NUMBER(18,2) → BINARY_DOUBLE — review the change, then run `datapipe generate schema VENTAS` and migrate the target table',
    ));
  });

  it('matches columns by their source name exactly (a renamed column is missing)', () => {
    const live = model([ID, MONTO, FECHA, { ...NOTA, sourceName: 'Nota' }]);
    expect(() => checkDrift(committed, live, silentLogger)).toThrow(new ContractError(
      'VENTAS: schema drift, missing in the source: NOTA — review the change, then run `datapipe generate schema VENTAS` and migrate the target table',
    ));
  });

  it('warns about new source columns, which are not extracted until the schema is regenerated', () => {
    const { log, records } = capturingLogger();
    const extra: Column = { name: 'canal', sourceName: 'CANAL', sourceType: 'CHAR(1)', type: { kind: 'string' }, nullable: true };
    const other: Column = { name: 'tienda', sourceName: 'TIENDA', sourceType: 'NUMBER(5)', type: { kind: 'int64' }, nullable: true };
    checkDrift(committed, model([ID, extra, MONTO, FECHA, NOTA, other]), log);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      level: 40,
      app: 'datapipe',
      table: 'VENTAS',
      columns: ['CANAL', 'TIENDA'],
      msg: 'VENTAS: new source columns CANAL, TIENDA are not extracted until `datapipe generate schema VENTAS` is re-run',
    });
  });
});

describe('checkOverrides', () => {
  const path = 'schemas/ventas.avsc';

  it('accepts no overrides, and overrides the schema already reflects (names case-insensitive)', () => {
    expect(() => checkOverrides(committed, undefined, path)).not.toThrow();
    expect(() => checkOverrides(committed, {}, path)).not.toThrow();
    expect(() => checkOverrides(committed, { monto: { type: 'decimal(18,2)' }, NOTA: { type: 'string' } }, path)).not.toThrow();
    expect(() => checkOverrides(committed, { MONTO: { type: 'DECIMAL(18, 2)' } }, path)).not.toThrow();
  });

  it('rejects an override of a column the schema does not have', () => {
    expect(() => checkOverrides(committed, { IMPORTE: { type: 'decimal(18,2)' } }, path)).toThrow(new TerminalError(
      'tables[VENTAS].columns.IMPORTE: no such column in schemas/ventas.avsc — fix the name or regenerate the schema',
    ));
  });

  it('rejects an override the committed schema does not reflect', () => {
    expect(() => checkOverrides(committed, { MONTO: { type: 'decimal(18,4)' } }, path)).toThrow(new TerminalError(
      'schemas/ventas.avsc: MONTO is decimal(18,2) but the config says decimal(18,4) — run `datapipe generate schema VENTAS`',
    ));
    expect(() => checkOverrides(committed, { ID_VENTA: { type: 'string' } }, path)).toThrow(new TerminalError(
      'schemas/ventas.avsc: ID_VENTA is int64 but the config says string — run `datapipe generate schema VENTAS`',
    ));
  });
});

describe('applyTableSpec', () => {
  const keyless = model([ID, MONTO, FECHA, NOTA], []);

  it('keeps the source primary key when the config names none', () => {
    expect(applyTableSpec(committed, { name: 'VENTAS', load_mode: 'incremental' })).toEqual(committed);
    expect(applyTableSpec(committed, { name: 'VENTAS', load_mode: 'incremental', primary_keys: [] })).toEqual(committed);
  });

  it('replaces the key with the configured columns, as target names in the configured order', () => {
    const result = applyTableSpec(committed, { name: 'VENTAS', load_mode: 'incremental', primary_keys: ['FECHA', 'id_venta', 'Monto'] });
    expect(result).toEqual({ ...committed, primaryKeys: ['fecha', 'id_venta', 'monto'] });
    expect(committed.primaryKeys).toEqual(['id_venta']);
  });

  it('finds a configured key by its target name', () => {
    const odd: Column = { name: 'monto_', sourceName: 'Monto$', sourceType: 'NUMBER', type: { kind: 'string' }, nullable: false };
    const table = model([ID, odd], []);
    expect(applyTableSpec(table, { name: 'VENTAS', load_mode: 'full', primary_keys: ['MONTO_'] }).primaryKeys).toEqual(['monto_']);
    expect(applyTableSpec(table, { name: 'VENTAS', load_mode: 'full', primary_keys: ['monto$'] }).primaryKeys).toEqual(['monto_']);
  });

  it('rejects a configured key that is not a column, listing the columns', () => {
    expect(() => applyTableSpec(committed, { name: 'ventas', load_mode: 'incremental', primary_keys: ['ID_VENTA', 'FOLIO'] })).toThrow(new TerminalError(
      'tables[ventas].primary_keys: FOLIO is not a column of VENTAS — columns are ID_VENTA, MONTO, FECHA, NOTA',
    ));
  });

  it('rejects an incremental table without any key', () => {
    expect(() => applyTableSpec(keyless, { name: 'ventas', load_mode: 'incremental' })).toThrow(new TerminalError(
      'tables[ventas]: VENTAS has no primary key, and incremental loads merge by key — set primary_keys in the config',
    ));
  });

  it('accepts a full-load table without a key, and a keyless table given one', () => {
    expect(applyTableSpec(keyless, { name: 'ventas', load_mode: 'full' })).toEqual(keyless);
    expect(applyTableSpec(keyless, { name: 'ventas', load_mode: 'incremental', primary_keys: ['ID_VENTA'] }).primaryKeys).toEqual(['id_venta']);
  });
});
