/**
 * Windows, chunks, the window's upper bound, NULL counts and connection failures, against a real
 * PostgreSQL server and PGlite over the wire protocol.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalError, TransientError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/log.js';
import type { Row, TableModel } from '../../../shared/model/column.js';
import type { ReadWindow } from '../../../shared/sources/source.js';
import { connectPostgres, type PostgresSource } from '../../../shared/sources/postgres/postgres-source.js';
import { freePort } from '../../support/free-port.js';
import {
  postgresTargets, type PostgresHandle,
} from '../../support/postgres-server.js';
import { allRows, collect, createAllTypes, dropSchema, GENERATED_ROWS } from './all-types-fixture.js';

const TARGETS = postgresTargets();

const ids = (rows: Row[]) => rows.map((r) => Number(r.id));
/** Ids of generated rows g in [from, to]. */
const generated = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => 100 + from + i);

describe.each(TARGETS)('windows and chunks on $name', ({ start, skip }) => {
  let handle: PostgresHandle;
  let schema: string;
  let sources: PostgresSource[];
  let model: TableModel;

  beforeAll(async () => {
    if (skip) return;
    handle = await start();
    schema = await createAllTypes(handle);
    sources = [
      await connectPostgres(handle.config, schema, silentLogger),
      await connectPostgres(handle.config, schema, silentLogger, 'cursor'),
    ];
    model = await sources[0]!.describe('tipos_todos', { profile: true });
  });

  afterAll(async () => {
    if (skip) return;
    for (const source of sources ?? []) await source.close();
    if (schema) await dropSchema(handle, schema);
    await handle?.stop();
  });

  const read = async (source: PostgresSource, window?: ReadWindow, chunk?: { index: number; count: number }) =>
    ids(await collect(source.read({ model, batchSize: 37, window, chunk })));

  describe.skipIf(skip)('windows', () => {
    it('datetime bounds are inclusive; includeNulls adds the NULL rows', async () => {
      for (const source of sources) {
        const window = { column: 'c_ts', low: '2024-01-01T05:00:00.000000', high: '2024-01-01T10:00:00.000000', includeNulls: false };
        expect(await read(source, window)).toEqual(generated(5, 10));
        expect(await read(source, { ...window, includeNulls: true })).toEqual([3, ...generated(5, 10)]);
        expect(await read(source, { ...window, low: '2024-01-01T05:00:00.000001' })).toEqual(generated(6, 10));
      }
    });

    it('timestamp bounds are UTC instants; open bounds are omitted', async () => {
      for (const source of sources) {
        expect(await read(source, { column: 'c_tstz', low: '2024-01-01T07:00:00.000000Z', high: '2024-01-01T08:00:00.000000Z', includeNulls: false }))
          .toEqual(generated(7, 8));
        expect(await read(source, { column: 'c_tstz', low: '2024-01-09T00:00:00.000000Z', high: null, includeNulls: false }))
          .toEqual([1, ...generated(192, GENERATED_ROWS)]);
        expect(await read(source, { column: 'c_tstz', low: null, high: '2000-01-01T00:00:00.000000Z', includeNulls: false })).toEqual([2]);
      }
    });

    it('int64 and date bounds', async () => {
      for (const source of sources) {
        expect(await read(source, { column: 'C_INT8', low: '50', high: '60', includeNulls: false })).toEqual(generated(50, 60));
        expect(await read(source, { column: 'c_date', low: '2024-01-02', high: '2024-01-04', includeNulls: true })).toEqual([3, ...generated(1, 3)]);
      }
    });
  });

  describe.skipIf(skip)('chunks', () => {
    it('split the table into disjoint chunks whose union is every row', async () => {
      const all = ids(allRows());
      for (const source of sources) {
        const chunks = [];
        for (let index = 0; index < 3; index++) chunks.push(await read(source, undefined, { index, count: 3 }));
        expect(chunks.every((chunk) => chunk.length > 20)).toBe(true);
        expect(chunks.flat().sort((a, b) => a - b)).toEqual(all);
      }
    });

    it('combine with a window', async () => {
      const parts = [];
      for (let index = 0; index < 2; index++) {
        parts.push(await read(sources[0]!, { column: 'c_int8', low: '10', high: '30', includeNulls: false }, { index, count: 2 }));
      }
      expect(parts.flat().sort((a, b) => a - b)).toEqual(generated(10, 30));
    });
  });

  describe.skipIf(skip)('window high and NULL counts', () => {
    it('int64: MAX as text; null for an empty table', async () => {
      expect(await sources[0]!.windowHigh(model, 'c_int8')).toBe('9223372036854775807');
      const client = new pg.Client(handle.config);
      await client.connect();
      await client.query(`CREATE TABLE ${schema}.vacia (n bigint)`);
      await client.end();
      const empty = await sources[0]!.describe('vacia', { profile: false });
      expect(await sources[0]!.windowHigh(empty, 'n')).toBeNull();
    });

    it('timestamp: the database clock in UTC; datetime and date: its wall clock', async () => {
      const before = Date.now();
      const instant = await sources[0]!.windowHigh(model, 'c_tstz');
      expect(instant).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(Math.abs(Date.parse(instant!) - before)).toBeLessThan(60_000);
      expect(await sources[0]!.windowHigh(model, 'c_ts')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
      expect(await sources[0]!.windowHigh(model, 'c_date')).toMatch(/^\d{4}-\d\d-\d\d$/);
      await expect(sources[0]!.windowHigh(model, 'c_text')).rejects.toThrow('tipos_todos.c_text is string; a window needs an integer, date, datetime or timestamp column');
    });

    it('counts NULLs of a column', async () => {
      expect(await sources[0]!.countNulls(model, 'c_ts')).toBe(1);
      expect(await sources[0]!.countNulls(model, 'c_uuid')).toBe(GENERATED_ROWS + 2);
    });
  });

  describe.skipIf(skip)('a session zone other than UTC', () => {
    it('changes no value, and datetime/date windows follow the database wall clock', async (ctx) => {
      if (handle.kind === 'server' && process.env.DATAPIPE_PG_URL) {
        console.warn('[postgres integration] session-zone check skipped: it would change settings of the shared DATAPIPE_PG_URL server');
        ctx.skip();
      }
      const admin = new pg.Client(handle.config);
      await admin.connect();
      // A server applies the role setting to new sessions; PGlite has one session, shared by every connection.
      await admin.query(`ALTER ROLE ${handle.config.user} SET TimeZone = 'Asia/Kolkata'`);
      if (handle.kind === 'pglite') await admin.query(`SET TimeZone = 'Asia/Kolkata'`);
      try {
        const zoned = [
          await connectPostgres(handle.config, schema, silentLogger),
          await connectPostgres(handle.config, schema, silentLogger, 'cursor'),
        ];
        for (const source of zoned) {
          expect(await collect(source.read({ model, batchSize: 100 }))).toEqual(allRows());
        }
        const wall = await zoned[0]!.windowHigh(model, 'c_ts');
        const utc = await zoned[0]!.windowHigh(model, 'c_tstz');
        const offset = Date.parse(`${wall}Z`) - Date.parse(utc!);
        expect(Math.abs(offset - 5.5 * 3_600_000)).toBeLessThan(60_000);
        for (const source of zoned) await source.close();
      } finally {
        await admin.query(`ALTER ROLE ${handle.config.user} RESET TimeZone`);
        if (handle.kind === 'pglite') await admin.query('RESET TimeZone');
        await admin.end();
      }
    });
  });

  describe.skipIf(skip)('connection failures', () => {
    it('a refused connection is transient and names host:port/database', async () => {
      const port = await freePort();
      const error = await connectPostgres({ ...handle.config, port }, schema, silentLogger).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toBe(`cannot reach PostgreSQL at 127.0.0.1:${port}/${handle.config.database}: connection refused — is the server up and reachable? (retrying may help)`);
    });

    it('a wrong password is terminal and never repeats the password (servers this suite started)', async (ctx) => {
      if (!handle.passwordRole) {
        console.warn('[postgres integration] wrong-password check skipped: no password-only role on this server (the helper\'s own servers have one; for DATAPIPE_PG_URL set DATAPIPE_PG_PASSWORD_ROLE=user:password)');
        ctx.skip();
      }
      const role = handle.passwordRole!;
      const error = await connectPostgres({ ...handle.config, user: role.user, password: 'wrong-Pa55word' }, schema, silentLogger).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TerminalError);
      expect((error as Error).message).not.toContain('wrong-Pa55word');
      expect((error as Error).message).toBe(
        `cannot log in to PostgreSQL at ${handle.config.host}:${handle.config.port}/${handle.config.database} as ${role.user}: password authentication failed — check source.connection.user and source.connection.password`,
      );
      const good = await connectPostgres({ ...handle.config, user: role.user, password: role.password }, schema, silentLogger);
      await good.close();
    });

    it('a missing privilege is terminal and names the GRANT (servers this suite started: PGlite has one superuser session)', async (ctx) => {
      if (!handle.passwordRole) {
        console.warn('[postgres integration] privilege check skipped: it needs a server where roles may be created (the helper\'s own, or DATAPIPE_PG_URL with DATAPIPE_PG_PASSWORD_ROLE set)');
        ctx.skip();
      }
      const admin = new pg.Client(handle.config);
      await admin.connect();
      await admin.query(`DROP ROLE IF EXISTS datapipe_reader; CREATE ROLE datapipe_reader LOGIN`);
      await admin.query(`GRANT USAGE ON SCHEMA ${schema} TO datapipe_reader`);
      const reader = await connectPostgres({ ...handle.config, user: 'datapipe_reader' }, schema, silentLogger);
      try {
        const target = `${handle.config.host}:${handle.config.port}/${handle.config.database}`;
        await expect(reader.describe('tipos_todos', { profile: false })).rejects.toThrow(
          `datapipe_reader may not read ${schema}.tipos_todos on ${target} — GRANT USAGE ON SCHEMA "${schema}" TO datapipe_reader; GRANT SELECT ON "${schema}"."tipos_todos" TO datapipe_reader`,
        );
        // A model from a committed schema skips describe: the read itself is refused, just as clearly.
        const error = await collect(reader.read({ model, batchSize: 10 })).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TerminalError);
        expect((error as Error).message).toBe(
          `PostgreSQL at ${target}: permission denied for table tipos_todos (user datapipe_reader) — grant the user USAGE on the schema and SELECT on the table`,
        );
        await admin.query(`GRANT SELECT ON ${schema}.tipos_todos TO datapipe_reader`);
        expect(await collect(reader.read({ model, batchSize: 100 }))).toEqual(allRows());
      } finally {
        await reader.close();
        await admin.query(`DROP OWNED BY datapipe_reader; DROP ROLE datapipe_reader`);
        await admin.end();
      }
    });

    it('an unknown database is terminal (servers only: PGlite has one database)', async (ctx) => {
      if (handle.kind !== 'server') {
        console.warn('[postgres integration] unknown-database check skipped: PGlite serves any database name');
        ctx.skip();
      }
      const error = await connectPostgres({ ...handle.config, database: 'no_such_db' }, schema, silentLogger).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TerminalError);
      expect((error as Error).message).toBe(`database no_such_db does not exist on ${handle.config.host}:${handle.config.port} — check source.connection.database`);
    });
  });
});
