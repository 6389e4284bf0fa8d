/**
 * A PostgreSQL result as GetStatementResult returns it: ColumnMetadata with Redshift type names
 * and Records as arrays of Field unions typed the way the Data API types them — integers as
 * longValue, REAL/DOUBLE as doubleValue, BOOLEAN as booleanValue, DECIMAL and every date/time and
 * character type as stringValue (the JDBC type mapping of
 * https://docs.aws.amazon.com/redshift/latest/mgmt/data-api.html, "Mapping JDBC data types"),
 * VARBYTE as blobValue (base64 on the wire, like a JDBC VARBINARY), NULL as isNull.
 * Values are PostgreSQL's text output (sessions run with DateStyle ISO and TimeZone UTC, which
 * is also Redshift's output format: `9999-12-31 23:59:59.999999`, `2024-05-01 10:00:00+00`).
 */
import type pg from 'pg';
import { RawNumber } from './json-wire.js';

export type FieldValue =
  | { isNull: true }
  | { longValue: RawNumber }
  | { doubleValue: RawNumber | string }
  | { booleanValue: boolean }
  | { stringValue: string }
  | { blobValue: string };

export interface ColumnMetadataOut {
  isCaseSensitive: boolean;
  isCurrency: boolean;
  isSigned: boolean;
  label: string;
  name: string;
  nullable: number;
  precision: number;
  scale: number;
  schemaName: string;
  tableName: string;
  typeName: string;
  length: number;
}

export interface ResultSet {
  columns: ColumnMetadataOut[];
  records: FieldValue[][];
}

/** PostgreSQL names Redshift reports differently (https://docs.aws.amazon.com/redshift/latest/dg/c_Supported_data_types.html). */
const REDSHIFT_TYPE: Record<string, string> = { bytea: 'varbyte', text: 'varchar', name: 'varchar', unknown: 'varchar' };
const SIGNED = new Set(['int2', 'int4', 'int8', 'numeric', 'float4', 'float8']);
const CHARACTER = new Set(['varchar', 'bpchar', 'text', 'name', 'unknown']);

/** What the fake needs to know about the types and tables a result refers to. */
export interface CatalogLookup {
  typeNames(oids: number[]): Promise<Map<number, string>>;
  /** `tableOid:attnum` → the table's schema and name and the column's NOT NULL. */
  columnsOf(keys: { table: number; column: number }[]): Promise<Map<string, { schema: string; table: string; notNull: boolean }>>;
}

/** Converts one query result (fetched with every type parser returning PostgreSQL's text). */
export async function toResultSet(result: pg.QueryResult, catalog: CatalogLookup): Promise<ResultSet> {
  const fields = result.fields;
  const types = await catalog.typeNames([...new Set(fields.map((f) => f.dataTypeID))]);
  const owners = await catalog.columnsOf(fields.filter((f) => f.tableID !== 0).map((f) => ({ table: f.tableID, column: f.columnID })));
  const typnames = fields.map((f) => types.get(f.dataTypeID) ?? 'unknown');
  const columns = fields.map((field, i): ColumnMetadataOut => {
    const typname = typnames[i]!;
    const owner = owners.get(`${field.tableID}:${field.columnID}`);
    const { precision, scale, length } = sizeOf(typname, field.dataTypeModifier);
    return {
      isCaseSensitive: CHARACTER.has(typname),
      isCurrency: false,
      isSigned: SIGNED.has(typname),
      label: field.name,
      name: field.name,
      nullable: owner?.notNull ? 0 : 1,
      precision,
      scale,
      schemaName: owner?.schema ?? '',
      tableName: owner?.table ?? '',
      typeName: REDSHIFT_TYPE[typname] ?? typname,
      length,
    };
  });
  const rows = result.rows as unknown[][];
  const records = rows.map((row) => row.map((value, i) => toField(value, typnames[i]!)));
  return { columns, records };
}

function toField(value: unknown, typname: string): FieldValue {
  if (value === null || value === undefined) return { isNull: true };
  const text = String(value);
  switch (typname) {
    case 'int2':
    case 'int4':
    case 'int8':
      return { longValue: new RawNumber(text) };
    case 'float4':
    case 'float8':
      // awsJson writes non-finite doubles as the strings "NaN", "Infinity", "-Infinity".
      return { doubleValue: /^-?Infinity$|^NaN$/.test(text) ? text : new RawNumber(text) };
    case 'bool':
      return { booleanValue: text === 't' };
    case 'bytea':
      return { blobValue: Buffer.from(text.replace(/^\\x/, ''), 'hex').toString('base64') };
    default:
      return { stringValue: text };
  }
}

/** JDBC-style precision/scale/length: numeric's from its typmod, character types' declared length. */
function sizeOf(typname: string, typmod: number): { precision: number; scale: number; length: number } {
  if (typname === 'numeric' && typmod >= 4) {
    return { precision: ((typmod - 4) >> 16) & 0xffff, scale: (typmod - 4) & 0xffff, length: 0 };
  }
  if ((typname === 'varchar' || typname === 'bpchar') && typmod >= 4) return { precision: typmod - 4, scale: 0, length: typmod - 4 };
  const fixed: Record<string, number> = { int2: 5, int4: 10, int8: 19, float4: 8, float8: 17, bool: 1, date: 13, timestamp: 29, timestamptz: 35 };
  return { precision: fixed[typname] ?? 0, scale: typname === 'timestamp' || typname === 'timestamptz' ? 6 : 0, length: 0 };
}

/** The approximate size in bytes of the result (DescribeStatement ResultSize). */
export function resultSize(set: ResultSet): number {
  let bytes = 0;
  for (const record of set.records) {
    for (const field of record) {
      const value = Object.values(field)[0] as unknown;
      bytes += value instanceof RawNumber ? value.text.length : String(value).length;
    }
  }
  return bytes;
}

/** Catalog lookups on `pool` (type names cached: they never change under a running fake). */
export function postgresCatalog(pool: pg.Pool): CatalogLookup {
  const types = new Map<number, string>();
  return {
    typeNames: async (oids) => {
      const missing = oids.filter((oid) => !types.has(oid));
      if (missing.length > 0) {
        const rows = (await pool.query<{ oid: number; typname: string }>('SELECT oid::int AS oid, typname FROM pg_type WHERE oid = ANY($1)', [missing])).rows;
        for (const row of rows) types.set(row.oid, row.typname);
      }
      return types;
    },
    columnsOf: async (keys) => {
      const out = new Map<string, { schema: string; table: string; notNull: boolean }>();
      if (keys.length === 0) return out;
      const rows = (await pool.query<{ key: string; schema: string; table: string; notnull: boolean }>(
        `SELECT c.oid::int || ':' || a.attnum AS key, n.nspname AS schema, c.relname AS table, a.attnotnull AS notnull
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE (a.attrelid, a.attnum) IN (SELECT * FROM unnest($1::oid[], $2::int2[]))`,
        [keys.map((k) => k.table), keys.map((k) => k.column)])).rows;
      for (const row of rows) out.set(row.key, { schema: row.schema, table: row.table, notNull: row.notnull });
      return out;
    },
  };
}
