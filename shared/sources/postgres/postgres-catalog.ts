/**
 * Catalog reads for `describe`: the table (found by exact or unambiguous case-insensitive name),
 * its columns with their types, its primary key, and the profile of unconstrained numerics.
 * pg_catalog rather than information_schema: it shows columns the user can read whatever their
 * grants on other objects, and gives type modifiers and domain base types directly.
 */
import { TerminalError } from '../../errors.js';
import type { NumericProfile, PostgresTypeFacts } from '../../model/postgres-types.js';
import type { PostgresPoolClient } from './postgres-client.js';
import { quoteIdent } from './postgres-sql.js';

/** A table found in the catalog, spelled as PostgreSQL spells it. */
export interface CatalogTable {
  oid: string;
  schema: string;
  name: string;
  /** The connected user may read it (USAGE on the schema and SELECT on the table). */
  readable: boolean;
}

/** A column as the catalog describes it. */
export interface CatalogColumn {
  name: string;
  notNull: boolean;
  facts: PostgresTypeFacts;
}

/**
 * Finds `table` in `schema`. Unquoted names fold to lowercase in PostgreSQL, so a configured
 * `VENTAS_CABECERA` matches `ventas_cabecera`; an exact spelling wins, and two tables differing
 * only in case with neither spelled exactly are ambiguous. The schema matches the same way.
 */
export async function findTable(client: PostgresPoolClient, schema: string, table: string, target: string, user?: string): Promise<CatalogTable> {
  const { rows } = await client.query<CatalogTable>(
    `SELECT c.oid::text AS oid, n.nspname AS schema, c.relname AS name,
            has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT') AS readable
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
        AND lower(n.nspname) = lower($1) AND lower(c.relname) = lower($2)`,
    [schema, table],
  );
  const exactSchema = rows.some((r) => r.schema === schema) ? rows.filter((r) => r.schema === schema) : rows;
  const exact = exactSchema.filter((r) => r.name === table);
  const candidates = exact.length > 0 ? exact : exactSchema;
  const [found] = candidates;
  if (found && candidates.length === 1) {
    if (found.readable) return found;
    const who = user ?? 'the connected user';
    throw new TerminalError(`${who} may not read ${found.schema}.${found.name} on ${target} — GRANT USAGE ON SCHEMA ${quoteIdent(found.schema)} TO ${who}; GRANT SELECT ON ${quoteIdent(found.schema)}.${quoteIdent(found.name)} TO ${who}`);
  }
  if (candidates.length === 0) {
    throw new TerminalError(`table ${table} not found in schema ${schema} on ${target} — check tables[].name in the config`);
  }
  const names = candidates.map((r) => `${r.schema}.${quoteIdent(r.name)}`).join(', ');
  throw new TerminalError(`table ${table} is ambiguous in schema ${schema} on ${target} (${names}) — spell tables[].name exactly as one of them`);
}

interface ColumnRow {
  name: string;
  formatted: string;
  not_null: boolean;
  type_name: string;
  category: string;
  typmod: number;
}

/** Columns in ordinal order; a domain is described by its base type (and its own NOT NULL). */
export async function tableColumns(client: PostgresPoolClient, table: CatalogTable): Promise<CatalogColumn[]> {
  const { rows } = await client.query<ColumnRow>(
    `SELECT a.attname AS name,
            format_type(b.oid, CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END) AS formatted,
            (a.attnotnull OR t.typnotnull) AS not_null,
            b.typname AS type_name, b.typcategory AS category,
            CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod
       FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
       JOIN pg_catalog.pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
      WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [table.oid],
  );
  return rows.map((r) => ({
    name: r.name,
    notNull: r.not_null,
    facts: { formatted: r.formatted, typeName: r.type_name, category: r.category, ...numericModifier(r.type_name, r.typmod) },
  }));
}

/**
 * numeric's precision and scale from its type modifier: `((p << 16) | s) + 4`, the scale an 11-bit
 * signed field since PostgreSQL 15 (numeric(5,-2)). -1 means unconstrained.
 */
export function numericModifier(typeName: string, typmod: number): { precision: number | null; scale: number | null } {
  if (typeName !== 'numeric' || typmod < 4) return { precision: null, scale: null };
  const packed = typmod - 4;
  return { precision: (packed >> 16) & 0xffff, scale: ((packed & 0x7ff) ^ 0x400) - 0x400 };
}

/** Primary-key column names in key order (empty when the table has none). */
export async function primaryKey(client: PostgresPoolClient, table: CatalogTable): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT a.attname AS name
       FROM pg_catalog.pg_constraint con
       CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
      WHERE con.conrelid = $1::oid AND con.contype = 'p'
      ORDER BY k.ord`,
    [table.oid],
  );
  return rows.map((r) => r.name);
}

/**
 * Profiles unconstrained numeric columns in one scan of the table (or of its first `sampleRows`
 * rows): per column, the values, the NaN/Infinity count, the most integer digits and the largest
 * scale actually needed (min_scale ignores trailing zeros; before PostgreSQL 13 scale() counts them).
 */
export async function profileNumerics(client: PostgresPoolClient, table: CatalogTable, columns: string[], sampleRows: number | undefined): Promise<Map<string, NumericProfile>> {
  const result = new Map<string, NumericProfile>();
  if (columns.length === 0) return result;
  const version = await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
  const scaleFn = Number(version.rows[0]?.v ?? 0) >= 130000 ? 'min_scale' : 'scale';
  const items = columns.map((name, i) => {
    const c = quoteIdent(name);
    const finite = `${c}::text NOT IN ('NaN', 'Infinity', '-Infinity')`;
    return [
      `count(${c}) FILTER (WHERE ${finite}) AS v${i}`,
      `count(${c}) FILTER (WHERE NOT (${finite})) AS s${i}`,
      `max(CASE WHEN abs(${c}) < 1 THEN 0 ELSE length(trunc(abs(${c}))::text) END) FILTER (WHERE ${finite}) AS d${i}`,
      `max(${scaleFn}(${c})) FILTER (WHERE ${finite}) AS f${i}`,
    ].join(', ');
  });
  const from = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  const source = sampleRows && sampleRows > 0
    ? `(SELECT ${columns.map(quoteIdent).join(', ')} FROM ${from} LIMIT ${Math.floor(sampleRows)}) AS sample`
    : from;
  const { rows } = await client.query<Record<string, string | number | null>>(`SELECT count(*) AS n, ${items.join(', ')} FROM ${source}`);
  const row = rows[0] ?? {};
  const num = (key: string) => Number(row[key] ?? 0);
  columns.forEach((name, i) => {
    result.set(name, { rows: num('n'), values: num(`v${i}`), special: num(`s${i}`), maxIntegerDigits: num(`d${i}`), maxScale: num(`f${i}`) });
  });
  return result;
}
