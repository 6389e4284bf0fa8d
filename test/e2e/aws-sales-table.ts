/**
 * What the `aws` end-to-end suite reads and compares: the fidelity table of pipeline.e2e.test.ts
 * (same columns, same edge rows) plus the double-precision edges PostgreSQL holds (-0.0, NaN,
 * ±Infinity) and the bigint limits as keys; the redshift-text values of a staged part turned back
 * into the canonical row values (docs/encodings.md, "The text forms, exactly"); and the Redshift
 * twin's table (the FAKE Data API's PostgreSQL database) read back into the same values.
 */
import { decimalTextToBytes } from '../../shared/avro/decimal.js';
import type { AvroValue, Column, Row, TableModel } from '../../shared/model/column.js';
import { dateTextToDays, datetimeTextToMicros, timestampTextToMicros } from '../../shared/model/temporal.js';
import { canonicalText } from '../../shared/pipeline/reconcile.js';

export const SALES_TABLE = 'VENTAS_CABECERA';

export const CREATE_SALES = `
CREATE TABLE "VENTAS_CABECERA" (
  "ID_VENTA"      bigint PRIMARY KEY,
  "MONTO"         numeric(38,10),
  "PRECIO"        numeric(18,2) NOT NULL,
  "FECHA_VENTA"   timestamp(6) NOT NULL,
  "FECHA_ENTREGA" date,
  "VIGENTE_HASTA" timestamp(6),
  "INSTANTE"      timestamptz,
  "CLIENTE"       text,
  "DOCUMENTO"     bytea,
  "ACTIVO"        boolean,
  "RATIO"         double precision,
  "CANTIDAD"      integer,
  "DETALLE"       jsonb
)`;

/**
 * pipeline.e2e.test.ts's three edge rows (38-digit decimals, 0001-01-01 and 9999-12-31 to the
 * microsecond, an instant off UTC, text beyond the BMP, '' beside NULL, empty bytes, integer
 * limits, jsonb), then -0.0, NaN and ±Infinity, each on a key at a bigint limit or near it.
 */
export const SALES_EDGE_ROWS = `
INSERT INTO "VENTAS_CABECERA" VALUES
 (1, 9999999999999999999999999999.9999999999, -0.05, '2026-01-01 10:00:00.123456', '9999-12-31', '9999-12-31 23:59:59.999999',
  '2026-03-01 12:00:00.000001+05:30', 'Ñandú — 東京 😀', '\\x00ff00', true, 0.1, -2147483648, '{"a": [1, 2]}'),
 (2, NULL, 0.00, '2026-01-01 10:00:00.123457', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (3, -0.0000000001, 1234567890123456.89, '2026-01-02 00:00:00', '0001-01-01', '0001-01-01 00:00:00',
  '0001-01-01 00:00:00+00', '', '\\x', false, -1.5e300, 2147483647, '"texto"'),
 (4, -9999999999999999999999999999.9999999999, 9999999999999999.99, '2026-01-02 00:00:00.000001', NULL, NULL,
  '9999-12-31 23:59:59.999999+00', ' ', '\\x00', NULL, '-0', 0, '[]'),
 (5, 0.0000000001, -9999999999999999.99, '2026-01-02 00:00:00.000002', NULL, NULL, NULL, NULL, NULL, NULL, 'NaN', NULL, 'null'),
 (9223372036854775807, 0, 0.01, '2026-01-02 00:00:00.000003', NULL, NULL, NULL, NULL, NULL, NULL, 'Infinity', NULL, NULL),
 (-9223372036854775808, NULL, -0.01, '2026-01-02 00:00:00.000004', NULL, NULL, NULL, NULL, NULL, NULL, '-Infinity', NULL, NULL)`;

export const SALES_EDGE_COUNT = 7;

/** Sales `from`..`to`, one a `step` after `stamp` (plus g microseconds); pipeline.e2e.test.ts loads them too. */
export const salesRows = (from: number, to: number, stamp: string, step: string) => `
INSERT INTO "VENTAS_CABECERA"
SELECT g, g * 1.0000000001, round(g * 0.37, 2), TIMESTAMP '${stamp}' + g * interval '${step}' + g * interval '1 microsecond',
       DATE '2026-01-01' + (g % 365), NULL, TIMESTAMPTZ '2026-01-01 00:00:00+00' + g * interval '1 minute',
       'cliente ' || g || ' café', decode(lpad(to_hex(g), 8, '0'), 'hex'), g % 2 = 0, g / 7.0, g % 1000, NULL
FROM generate_series(${from}, ${to}) g`;

/** A float as text that tells -0 from 0 (String(-0) is "0", so canonicalText alone cannot). */
function floatText(value: number): string {
  return Object.is(value, -0) ? '-0' : String(value);
}

/** The canonical text of a value, -0.0 kept apart from 0.0. */
export function exactText(column: Column, value: AvroValue): string {
  if (value !== null && (column.type.kind === 'float64' || column.type.kind === 'float32')) return floatText(value as number);
  return canonicalText(column, value);
}

/** Every row as `key → {column: exact text, …}`, for comparisons that must fail on any difference. */
export async function exactRows(model: TableModel, batches: AsyncIterable<Row[]>): Promise<Map<string, string>> {
  const rows = new Map<string, string>();
  const keys = model.columns.filter((c) => model.primaryKeys.includes(c.name));
  for await (const batch of batches) {
    for (const row of batch) {
      const key = keys.map((c) => exactText(c, row[c.name] ?? null)).join(',');
      if (rows.has(key)) throw new Error(`key ${key} appears twice`);
      rows.set(key, model.columns.map((c) => `${c.name}: ${exactText(c, row[c.name] ?? null)}`).join(', '));
    }
  }
  return rows;
}

/** The first differences between two row maps (at most `max`), empty when they are equal. */
export function rowDifferences(source: Map<string, string>, target: Map<string, string>, max = 5): string[] {
  const out: string[] = [];
  for (const [key, row] of source) {
    const other = target.get(key);
    if (other === undefined) out.push(`${key}: in the source only`);
    else if (other !== row) out.push(`${key}: source {${row}} ≠ target {${other}}`);
    if (out.length >= max) return out;
  }
  for (const key of target.keys()) {
    if (!source.has(key)) out.push(`${key}: in the target only`);
    if (out.length >= max) return out;
  }
  return out;
}

/** A redshift-text value (or a text read back from the twin in the same form) as the canonical row value. */
export function fromText(column: Column, value: AvroValue): AvroValue {
  if (value === null) return null;
  const type = column.type;
  switch (type.kind) {
    case 'decimal': return decimalTextToBytes(String(value), type.precision, type.scale);
    case 'date': return dateTextToDays(String(value));
    case 'datetime': return datetimeTextToMicros(String(value));
    case 'timestamp': return timestampTextToMicros(String(value));
    case 'bytes': {
      const hex = String(value);
      if (!/^([0-9a-f]{2})*$/.test(hex)) throw new Error(`${column.name}: ${JSON.stringify(hex)} is not lowercase hex`);
      return Buffer.from(hex, 'hex');
    }
    default: return value;
  }
}

/** A record of a redshift-text part as a canonical row. */
export function textRecordToRow(model: TableModel, record: Row): Row {
  return Object.fromEntries(model.columns.map((c) => [c.name, fromText(c, record[c.name] ?? null)]));
}

/**
 * The SELECT that reads the twin's target in the text forms (PostgreSQL's output, the session in
 * UTC): decimals as PostgreSQL's numeric text (always `scale` digits), dates and times through
 * to_char, bytes as hex, floats and integers as text.
 */
export function twinSelect(model: TableModel, table: string): string {
  const q = (name: string) => `"${name}"`;
  const expression = (c: Column): string => {
    switch (c.type.kind) {
      case 'date': return `to_char(${q(c.name)}, 'YYYY-MM-DD')`;
      case 'datetime': return `to_char(${q(c.name)}, 'YYYY-MM-DD HH24:MI:SS.US')`;
      case 'timestamp': return `to_char(${q(c.name)} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'`;
      case 'bytes': return `encode(${q(c.name)}, 'hex')`;
      case 'boolean': return q(c.name);
      default: return `${q(c.name)}::text`;
    }
  };
  return `SELECT ${model.columns.map((c) => `${expression(c)} AS ${q(c.name)}`).join(', ')} FROM ${table}`;
}

/** One row the twin returned (every value text or boolean) as a canonical row. */
export function twinRowToRow(model: TableModel, record: Record<string, unknown>): Row {
  const value = (c: Column): AvroValue => {
    const raw = record[c.name];
    if (raw === null || raw === undefined) return null;
    switch (c.type.kind) {
      case 'int64': {
        const n = BigInt(String(raw));
        return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
      }
      // PostgreSQL's float text is shortest-exact ("-0", "NaN", "Infinity", "1e+300"), which Number reads back exactly.
      case 'float32':
      case 'float64': return Number(String(raw));
      case 'boolean': return raw as boolean;
      default: return fromText(c, raw as string);
    }
  };
  return Object.fromEntries(model.columns.map((c) => [c.name, value(c)]));
}
