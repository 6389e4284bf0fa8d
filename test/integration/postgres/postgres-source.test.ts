/**
 * PostgresSource against a real PostgreSQL server and against PGlite over the wire protocol:
 * catalog → model, and every value of every type read exactly, by COPY and by cursor.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractError, TerminalError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/log.js';
import type { TableModel } from '../../../shared/model/column.js';
import { connectPostgres, type PostgresSource } from '../../../shared/sources/postgres/postgres-source.js';
import {
  postgresTargets, type PostgresHandle,
} from '../../support/postgres-server.js';
import { allRows, collect, createAllTypes, dropSchema, EDGE_ROWS, expectedModel, GENERATED_ROWS } from './all-types-fixture.js';

const TARGETS = postgresTargets();

describe.each(TARGETS)('PostgresSource on $name', ({ start, skip }) => {
  let handle: PostgresHandle;
  let schema: string;
  let copy: PostgresSource;
  let cursor: PostgresSource;
  let model: TableModel;
  let target: string;

  beforeAll(async () => {
    if (skip) return;
    handle = await start();
    schema = await createAllTypes(handle);
    copy = await connectPostgres(handle.config, schema, silentLogger);
    cursor = await connectPostgres(handle.config, schema, silentLogger, 'cursor');
    model = await copy.describe('TIPOS_TODOS', { profile: true });
    target = `${handle.config.host}:${handle.config.port}/${handle.config.database}`;
  });

  afterAll(async () => {
    if (skip) return;
    await copy?.close();
    await cursor?.close();
    if (schema) await dropSchema(handle, schema);
    await handle?.stop();
  });

  describe.skipIf(skip)('describe', () => {
    it('maps the catalog into the model exactly (case-insensitive table name, profiled numeric)', () => {
      expect(model).toEqual(expectedModel(schema));
    });

    it('without profiling an unconstrained numeric is text, and says why', async () => {
      const plain = await copy.describe('tipos_todos', { profile: false });
      expect(plain.columns.find((col) => col.name === 'c_free')).toEqual({
        name: 'c_free', sourceName: 'c_free', sourceType: 'numeric', type: { kind: 'string' }, nullable: true,
        decision: 'unconstrained numeric, not profiled: read as text (generate schema profiles it into a decimal)',
      });
    });

    it('applies overrides by column name in any case', async () => {
      const overridden = await copy.describe('tipos_todos', { profile: false, overrides: { C_NEG: { type: 'decimal(20,4)' } } });
      expect(overridden.columns.find((col) => col.name === 'c_neg')).toEqual({
        name: 'c_neg', sourceName: 'c_neg', sourceType: 'numeric(12,2)', type: { kind: 'decimal', precision: 20, scale: 4 }, nullable: true,
        decision: 'config override columns.C_NEG.type = decimal(20,4) (source numeric(12,2), default decimal(12,2))',
      });
      await expect(copy.describe('tipos_todos', { profile: false, overrides: { NOPE: { type: 'string' } } }))
        .rejects.toThrow(/^tables\[tipos_todos\]\.columns\.NOPE: tipos_todos has no such column/);
    });

    it('names an unknown table, the schema and the server', async () => {
      const error = await copy.describe('VENTAS_X', { profile: false }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TerminalError);
      expect((error as Error).message).toBe(`table VENTAS_X not found in schema ${schema} on ${target} — check tables[].name in the config`);
    });

    it('prefers an exact spelling; two case variants without one are ambiguous; colliding column names are refused', async () => {
      const client = new pg.Client(handle.config);
      await client.connect();
      await client.query(`CREATE TABLE ${schema}."Dup" (a int)`);
      await client.query(`CREATE TABLE ${schema}."DUP" (b int)`);
      await client.query(`CREATE TABLE ${schema}.pares ("Monto" int, "MONTO" int)`);
      await client.end();
      expect((await copy.describe('DUP', { profile: false })).columns.map((col) => col.sourceName)).toEqual(['b']);
      await expect(copy.describe('dup', { profile: false }))
        .rejects.toThrow(`table dup is ambiguous in schema ${schema} on ${target} (${schema}."Dup", ${schema}."DUP") — spell tables[].name exactly as one of them`);
      await expect(copy.describe('pares', { profile: false }))
        .rejects.toThrow('pares: columns Monto and MONTO both become monto in the target — rename one of them in the source');
    });
  });

  describe.skipIf(skip)('read', () => {
    it('COPY yields every value exactly', async () => {
      const rows = await collect(copy.read({ model, batchSize: 64 }));
      expect(rows.slice(0, 3)).toEqual(EDGE_ROWS);
      expect(rows).toEqual(allRows());
    });

    it('the cursor path yields identical rows', async () => {
      const viaCopy = await collect(copy.read({ model, batchSize: 1000 }));
      const viaCursor = await collect(cursor.read({ model, batchSize: 7 }));
      expect(viaCursor).toEqual(viaCopy);
    });

    it('batches hold batchSize rows, the last one the rest', async () => {
      const sizes: number[] = [];
      for await (const batch of copy.read({ model, batchSize: 50 })) sizes.push(batch.length);
      expect(sizes).toEqual([50, 50, 50, 50, 3]);
    });

    it('a consumer that stops early releases the read; the next read sees everything', async () => {
      for (const source of [copy, cursor]) {
        for await (const batch of source.read({ model, batchSize: 10 })) {
          expect(batch).toHaveLength(10);
          break;
        }
        expect(await collect(source.read({ model, batchSize: 100 }))).toHaveLength(GENERATED_ROWS + 3);
      }
    });

    it('a value that does not fit its declared type is a ContractError naming the key; the source stays usable', async () => {
      const client = new pg.Client(handle.config);
      await client.connect();
      await client.query(`CREATE TABLE ${schema}."VENTAS_CABECERA" ("ID_VENTA" int PRIMARY KEY, "MONTO" numeric(12,3))`);
      await client.query(`INSERT INTO ${schema}."VENTAS_CABECERA" VALUES (41, 1.5), (42, 123456.789), (43, 2)`);
      await client.end();
      const narrow = await copy.describe('VENTAS_CABECERA', { profile: true, overrides: { MONTO: { type: 'decimal(8,2)' } } });
      for (const source of [copy, cursor]) {
        const error = await collect(source.read({ model: narrow, batchSize: 1 })).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ContractError);
        expect((error as Error).message).toBe(
          'VENTAS_CABECERA.MONTO: value 123456.789 does not fit decimal(8,2): 3 fraction digits, at most 2 (rounding would change the value) '
          + '(primary key ID_VENTA=42) — widen the column type in config (columns.MONTO.type) and regenerate the schema',
        );
      }
      expect(await collect(copy.read({ model, batchSize: 500 }))).toHaveLength(GENERATED_ROWS + 3);
    });
  });
});
