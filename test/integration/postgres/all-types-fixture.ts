/**
 * A table with every type the PostgreSQL source maps, edge values in three rows, and 200
 * ordinary rows for windows and chunks; plus the model and rows the source must produce.
 */
import pg from 'pg';
import { decimalTextToBytes } from '../../../shared/avro/decimal.js';
import type { Column, Row, TableModel } from '../../../shared/model/column.js';
import type { PostgresHandle } from '../../support/postgres-server.js';

export const GENERATED_ROWS = 200;

/** Creates a fresh schema holding `tipos_todos`; returns its name. */
export async function createAllTypes(handle: PostgresHandle): Promise<string> {
  const schema = `dp_it_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const client = new pg.Client(handle.config);
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`SET search_path TO ${schema}`);
    await client.query(`CREATE TABLE tipos_todos (
      id integer PRIMARY KEY,
      c_int2 smallint, c_int8 bigint,
      c_num numeric(38,10), c_neg numeric(12,2),
      c_real real, c_double double precision,
      c_text text NOT NULL DEFAULT '', c_varchar varchar(20), c_char char(5),
      c_bytea bytea, c_date date, c_ts timestamp, c_tstz timestamptz, c_bool boolean,
      c_json json, c_jsonb jsonb, c_uuid uuid, c_interval interval, c_arr text[], c_free numeric
    )`);
    await client.query(`INSERT INTO tipos_todos VALUES
      (1, 32767, 9223372036854775807, 9999999999999999999999999999.9999999999, -1234567890.12,
       3.4028235e38, 1.7976931348623157e308, 'café ñandú 🎉', '', 'ab',
       '\\x00ff0001', '9999-12-31', '9999-12-31 23:59:59.999999', '2024-01-31 10:11:12.123456-05', true,
       '{"a": [1, 2.50, "x"]}', '{"b": 1, "a": "ü"}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
       '1 year 2 mons 3 days 04:05:06.5', '{a,"b c"}', 123.4500),
      (2, -32768, -9223372036854775807, -9999999999999999999999999999.9999999999, -0.01,
       -1.5, 5e-324, '', NULL, NULL,
       '\\x', '0001-01-01', '0001-01-01 00:00:00', '0001-01-01 00:00:00+00', false,
       'null', '[]', NULL, '-1 year -2 mons -0.25 seconds', '{}', -0.000001),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, DEFAULT, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL)`);
    await client.query(`INSERT INTO tipos_todos (id, c_int8, c_neg, c_text, c_date, c_ts, c_tstz)
      SELECT 100 + g, g, g / 4.0, 'fila ' || g, DATE '2024-01-01' + g,
             TIMESTAMP '2024-01-01 00:00:00' + g * interval '1 hour',
             TIMESTAMPTZ '2024-01-01 00:00:00+00' + g * interval '1 hour'
        FROM generate_series(1, ${GENERATED_ROWS}) g`);
  } finally {
    await client.end();
  }
  return schema;
}

export async function dropSchema(handle: PostgresHandle, schema: string): Promise<void> {
  const client = new pg.Client(handle.config);
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

const c = (sourceName: string, sourceType: string, type: Column['type'], extra: Partial<Column> = {}): Column =>
  ({ name: sourceName, sourceName, sourceType, type, nullable: true, ...extra });

/** What describe must return, with profiling (c_free has two values: 123.45 and -0.000001). */
export function expectedModel(schema: string): TableModel {
  return {
    sourceSchema: schema, sourceName: 'tipos_todos', name: 'tipos_todos', primaryKeys: ['id'],
    columns: [
      c('id', 'integer', { kind: 'int64' }, { nullable: false }),
      c('c_int2', 'smallint', { kind: 'int64' }),
      c('c_int8', 'bigint', { kind: 'int64' }),
      c('c_num', 'numeric(38,10)', { kind: 'decimal', precision: 38, scale: 10 }),
      c('c_neg', 'numeric(12,2)', { kind: 'decimal', precision: 12, scale: 2 }),
      c('c_real', 'real', { kind: 'float32' }),
      c('c_double', 'double precision', { kind: 'float64' }),
      c('c_text', 'text', { kind: 'string' }, { nullable: false }),
      c('c_varchar', 'character varying(20)', { kind: 'string' }),
      c('c_char', 'character(5)', { kind: 'string' }),
      c('c_bytea', 'bytea', { kind: 'bytes' }),
      c('c_date', 'date', { kind: 'date' }),
      c('c_ts', 'timestamp without time zone', { kind: 'datetime' }),
      c('c_tstz', 'timestamp with time zone', { kind: 'timestamp' }),
      c('c_bool', 'boolean', { kind: 'boolean' }),
      c('c_json', 'json', { kind: 'json' }),
      c('c_jsonb', 'jsonb', { kind: 'json' }),
      c('c_uuid', 'uuid', { kind: 'string' }),
      c('c_interval', 'interval', { kind: 'interval' }),
      c('c_arr', 'text[]', { kind: 'string' }, { decision: 'text[] is an array: read as its PostgreSQL text (::text)' }),
      c('c_free', 'numeric', { kind: 'decimal', precision: 13, scale: 6 }, {
        decision: `unconstrained numeric profiled (2 values in ${GENERATED_ROWS + 3} rows profiled): at most 3 integer digits and scale 6, so decimal(13,6) (4 digits of headroom)`,
      }),
    ],
  };
}

const NULLS: Row = Object.fromEntries(expectedModel('x').columns.map((col) => [col.name, null]));

/** The three edge rows, exactly as AVRO values. */
export const EDGE_ROWS: Row[] = [
  {
    id: 1, c_int2: 32767, c_int8: 9223372036854775807n,
    c_num: decimalTextToBytes('9999999999999999999999999999.9999999999', 38, 10),
    c_neg: decimalTextToBytes('-1234567890.12', 12, 2),
    c_real: Math.fround(3.4028235e38), c_double: 1.7976931348623157e308,
    c_text: 'café ñandú 🎉', c_varchar: '', c_char: 'ab   ',
    c_bytea: Buffer.from([0x00, 0xff, 0x00, 0x01]),
    c_date: 2_932_896, c_ts: 253_402_300_799_999_999n,
    c_tstz: 1_706_713_872_123_456, // 2024-01-31T15:11:12.123456Z
    c_bool: true, c_json: '{"a": [1, 2.50, "x"]}', c_jsonb: '{"a": "ü", "b": 1}',
    c_uuid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', c_interval: 'P1Y2M3DT4H5M6.5S', c_arr: '{a,"b c"}',
    c_free: decimalTextToBytes('123.45', 13, 6),
  },
  {
    id: 2, c_int2: -32768, c_int8: -9223372036854775807n,
    c_num: decimalTextToBytes('-9999999999999999999999999999.9999999999', 38, 10),
    c_neg: Buffer.from([0xff]), // -0.01 → unscaled -1
    c_real: -1.5, c_double: 5e-324, c_text: '', c_varchar: null, c_char: null,
    c_bytea: Buffer.alloc(0), c_date: -719_162, c_ts: -62_135_596_800_000_000n, c_tstz: -62_135_596_800_000_000n,
    c_bool: false, c_json: 'null', c_jsonb: '[]', c_uuid: null, c_interval: 'P-1Y-2MT-0.25S', c_arr: '{}',
    c_free: decimalTextToBytes('-0.000001', 13, 6),
  },
  { ...NULLS, id: 3, c_text: '' },
];

/** An ordinary row g (1..GENERATED_ROWS). */
export function generatedRow(g: number): Row {
  const hourMicros = 3_600_000_000;
  return {
    ...NULLS, id: 100 + g, c_int8: g, c_neg: decimalTextToBytes((g / 4).toFixed(2), 12, 2), c_text: `fila ${g}`,
    c_date: 19_723 + g, // 2024-01-01 is day 19723
    c_ts: 1_704_067_200_000_000 + g * hourMicros, c_tstz: 1_704_067_200_000_000 + g * hourMicros,
  };
}

export function allRows(): Row[] {
  return [...EDGE_ROWS, ...Array.from({ length: GENERATED_ROWS }, (_, i) => generatedRow(i + 1))];
}

/** Rows from every batch, ordered by id. */
export async function collect(batches: AsyncIterable<Row[]>): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const batch of batches) rows.push(...batch);
  return rows.sort((a, b) => Number(a.id) - Number(b.id));
}
