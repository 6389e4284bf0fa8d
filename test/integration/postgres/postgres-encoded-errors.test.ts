/**
 * readEncoded's errors against a real PostgreSQL server and PGlite over the wire protocol: every
 * value read() refuses fails with read()'s ContractError, word for word, on the COPY and the
 * cursor path; a NULL the .avsc does not allow fails as the part writer fails read()'s row. Text
 * arrives as UTF-8 whatever the database's encoding (the read sets client_encoding).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/log.js';
import type { TableModel } from '../../../shared/model/column.js';
import { connectPostgres, type PostgresSource } from '../../../shared/sources/postgres/postgres-source.js';
import {
  postgresTargets, type PostgresHandle,
} from '../../support/postgres-server.js';
import { GENERATED_ROWS } from './all-types-fixture.js';
import { closeAllTypes, encodedBatches, expectSameAsRead, openAllTypes, rowBatches } from './encoded-comparison.js';

const TARGETS = postgresTargets();

describe.each(TARGETS)('readEncoded errors on $name', ({ start, skip }) => {
  let handle: PostgresHandle;
  let schema: string;
  let copy: PostgresSource;
  let cursor: PostgresSource;
  let model: TableModel;
  let admin: pg.Client;

  beforeAll(async () => {
    if (skip) return;
    ({ handle, schema, copy, cursor, model, admin } = await openAllTypes(start));
  });

  afterAll(async () => {
    if (skip) return;
    await closeAllTypes({ handle, schema, copy, cursor, admin });
  });

  describe.skipIf(skip)('values read() refuses fail with read()\'s ContractError', () => {
    /** A table `name` whose row 2 holds `bad`, read with the column declared as `override` (or as described). */
    async function errors(name: string, declaration: string, good: string, bad: string, override?: string) {
      await admin.query(`CREATE TABLE ${name} ("ID" int PRIMARY KEY, "V" ${declaration})`);
      await admin.query(`INSERT INTO ${name} VALUES (1, ${good}), (2, ${bad})`);
      const narrow = await copy.describe(name, { profile: false, overrides: override ? { V: { type: override } } : undefined });
      const messages: string[] = [];
      // Each path against read() on the same path (the cursor words some values from their text).
      for (const source of [copy, cursor]) {
        const viaRead = await rowBatches(source, { model: narrow, batchSize: 1 }).catch((e: unknown) => e);
        const viaEncoded = await encodedBatches(source, { model: narrow, batchSize: 1 }).catch((e: unknown) => e);
        expect(viaRead).toBeInstanceOf(ContractError);
        expect(viaEncoded).toBeInstanceOf(ContractError);
        expect((viaEncoded as Error).message).toBe((viaRead as Error).message);
        messages.push((viaEncoded as Error).message);
      }
      return messages[0];
    }
    const widen = (column: string) => `widen the column type in config (columns.${column}.type) and regenerate the schema`;
    const asText = `fix the value in the source, or read the column as text (columns.V.type: string) and regenerate the schema`;

    it('a decimal that does not fit its declared precision or scale', async () => {
      expect(await errors('estrecho', 'numeric(12,3)', '1.5', '123456.789', 'decimal(8,2)')).toBe(
        `estrecho.V: value 123456.789 does not fit decimal(8,2): 3 fraction digits, at most 2 (rounding would change the value) (primary key ID=2) — ${widen('V')}`,
      );
      expect(await errors('ancho', 'numeric(20,2)', '1', '12345678901234567.5', 'decimal(18,2)')).toBe(
        `ancho.V: value 12345678901234567.50 does not fit decimal(18,2): 17 integer digits, at most 16 (primary key ID=2) — ${widen('V')}`,
      );
    });

    it('numeric NaN and Infinity', async () => {
      expect(await errors('nan', 'numeric', '1', "'NaN'", 'decimal(10,2)')).toBe(`nan.V: value NaN has no decimal form (primary key ID=2) — ${widen('V')}`);
      expect(await errors('infinito', 'numeric', '1', "'-Infinity'", 'decimal(10,2)')).toBe(`infinito.V: value -Infinity has no decimal form (primary key ID=2) — ${widen('V')}`);
    });

    it('dates and timestamps at infinity or outside 0001..9999', async () => {
      expect(await errors('dia_inf', 'date', "'2024-01-01'", "'infinity'")).toBe(`dia_inf.V: value infinity does not fit date (primary key ID=2) — ${asText}`);
      expect(await errors('dia_ac', 'date', "'2024-01-01'", "'0044-03-15 BC'")).toBe(
        `dia_ac.V: value -735160 days since 1970-01-01 is outside 0001-01-01..9999-12-31, so it does not fit date (primary key ID=2) — ${asText}`,
      );
      expect(await errors('ts_inf', 'timestamp', "'2024-01-01'", "'-infinity'")).toBe(`ts_inf.V: value -infinity does not fit datetime (primary key ID=2) — ${asText}`);
      expect(await errors('tz_lejos', 'timestamptz', "'2024-01-01Z'", "'10000-01-01 00:00:00+00'")).toBe(
        `tz_lejos.V: value 253402300800000000 µs since 1970-01-01 is outside 0001-01-01..9999-12-31, so it does not fit timestamp (primary key ID=2) — ${asText}`,
      );
    });

    it('an int64 read from a numeric must be whole', async () => {
      expect(await errors('entero', 'numeric(10,1)', '3', '1.5', 'int64')).toBe(
        'entero.V: value 1.5 is not a whole number, so it does not fit int64 (primary key ID=2) — declare the column as a decimal in config (columns.V.type) and regenerate the schema',
      );
    });

    it('interval infinity (PostgreSQL 17+)', async (ctx) => {
      const version = Number((await admin.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows[0]!.v);
      if (version < 170000) {
        console.warn(`[postgres integration] interval infinity check skipped: server version ${version} has no infinite intervals`);
        ctx.skip();
      }
      expect(await errors('intervalo', 'interval', "'1 day'", "'infinity'")).toBe(`intervalo.V: value infinity does not fit interval (primary key ID=2) — ${asText}`);
    });

    it('a NULL where the .avsc declares the column required fails as the part writer fails read()\'s row', async () => {
      await admin.query('CREATE TABLE nulo ("ID" int PRIMARY KEY, "V" int)');
      await admin.query('INSERT INTO nulo VALUES (1, 5), (2, NULL)');
      const described = await copy.describe('nulo', { profile: false });
      const required = { ...described, columns: described.columns.map((c) => ({ ...c, nullable: false })) };
      expect((await rowBatches(copy, { model: required, batchSize: 10 })).flat()).toEqual([{ id: 1, v: 5 }, { id: 2, v: null }]);
      for (const source of [copy, cursor]) {
        const error = await encodedBatches(source, { model: required, batchSize: 10 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ContractError);
        expect((error as Error).message).toBe('nulo: field v expects a safe-integer number or a 64-bit bigint, got null');
      }
      expect((await encodedBatches(copy, { model, batchSize: 1000 })).reduce((n, b) => n + b.rows, 0)).toBe(GENERATED_ROWS + 3);
    });
  });

  describe.skipIf(skip)('text encodings', () => {
    /** A database of `encoding` (servers this suite started: PGlite has one UTF8 database). */
    async function database(ctx: { skip(): void }, encoding: string): Promise<{ source: PostgresSource; drop(): Promise<void> } | undefined> {
      if (!handle.passwordRole) {
        console.warn(`[postgres integration] ${encoding} database check skipped: it needs a server started by the test helper (PGlite has one UTF8 database)`);
        ctx.skip();
        return undefined;
      }
      const name = `dp_${encoding.toLowerCase()}_${process.pid}`;
      await admin.query(`CREATE DATABASE ${name} ENCODING '${encoding}' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'`);
      const config = { ...handle.config, database: name };
      const client = new pg.Client(config);
      await client.connect();
      await client.query(`SET client_encoding = '${encoding === 'SQL_ASCII' ? 'SQL_ASCII' : 'UTF8'}'`);
      await client.query(`CREATE TABLE textos (id int PRIMARY KEY, t text)`);
      // Only SQL_ASCII stores bytes that are not text in any encoding (0xE9 alone is not UTF-8).
      const odd = encoding === 'SQL_ASCII' ? "E'caf\\xe9'" : "'x'";
      await client.query(`INSERT INTO textos VALUES (1, 'café ñandú'), (2, ${odd}), (3, 'plain')`);
      await client.end();
      const source = await connectPostgres(config, 'public', silentLogger);
      return {
        source,
        drop: async () => {
          await source.close();
          await admin.query(`DROP DATABASE ${name}`);
        },
      };
    }

    it('a LATIN1 database is read as UTF-8 (the read sets client_encoding)', async (ctx) => {
      const db = await database(ctx, 'LATIN1');
      if (!db) return;
      try {
        const textModel = await db.source.describe('textos', { profile: false });
        expect((await rowBatches(db.source, { model: textModel, batchSize: 10 })).flat().map((r) => r.t)).toEqual(['café ñandú', 'x', 'plain']);
        await expectSameAsRead(db.source, { model: textModel, batchSize: 10 });
      } finally {
        await db.drop();
      }
    });

    it('a SQL_ASCII database may hold bytes that are not UTF-8: both reads stop with the same ContractError', async (ctx) => {
      const db = await database(ctx, 'SQL_ASCII');
      if (!db) return;
      try {
        const textModel = await db.source.describe('textos', { profile: false });
        const viaRead = await rowBatches(db.source, { model: textModel, batchSize: 10 }).catch((e: unknown) => e);
        const viaEncoded = await encodedBatches(db.source, { model: textModel, batchSize: 10 }).catch((e: unknown) => e);
        expect(viaRead).toBeInstanceOf(ContractError);
        expect(viaEncoded).toBeInstanceOf(ContractError);
        expect((viaEncoded as Error).message).toBe((viaRead as Error).message);
        expect((viaRead as Error).message).toBe(
          `PostgreSQL at ${handle.config.host}:${handle.config.port}/dp_sql_ascii_${process.pid}: invalid byte sequence for encoding "UTF8": 0xe9 `
          + '— a text value is not valid in UTF-8 (a SQL_ASCII database stores bytes unchecked); fix the value in the source',
        );
        await db.source.describe('textos', { profile: false }); // the source stays usable
      } finally {
        await db.drop();
      }
    });
  });
});
