/**
 * The VENTAS sample that `datapipe dev oracle` creates, as data: each table's columns (the DDL and
 * what `generate schema` must make of them) and each seeded value beside what the warehouse must
 * hold. The Oracle integration suite seeds from the same statements and compares against the same
 * expectations, so the sample a user explores is the one the tests prove.
 *
 * Canonical text (what a warehouse holds, written by hand from docs/types.md): int64 and decimal as
 * exact digits at the column's scale (`0.50` for decimal(18,2)), datetime as
 * `YYYY-MM-DDTHH:MM:SS.ffffff`, timestamp the same in UTC with `Z`, bytes as upper-case hex,
 * intervals as ISO-8601, float32 / float64 as the JS number of the stored binary value,
 * boolean as a boolean, NULL as null.
 */

/** A value as the warehouse must hold it (see the module comment). */
export type Canonical = string | number | boolean | null;

/** A bind value; `lob` binds a string or Buffer as a temporary CLOB / BLOB (any size). */
export interface SeedBind {
  value: string | Buffer;
  lob?: 'clob' | 'blob';
}

/** One statement of the seed: SQL text and its bind values. */
export interface SeedStatement {
  sql: string;
  binds?: Record<string, SeedBind | number | string>;
}

/** A column of a sample table. */
export interface SampleColumn {
  /** The Oracle column name (unquoted, upper case). */
  name: string;
  /** The type as written in CREATE TABLE. */
  declared: string;
  /** The type as the source reports it from ALL_TAB_COLUMNS (`NUMBER(*,0)` for INTEGER). */
  sourceType: string;
  /** The canonical type `generate schema` writes into the .avsc (`decimal(15,6)`, `datetime`). */
  type: string;
  nullable: boolean;
  /** The decision text the .avsc records, when the type is not a plain mapping. */
  decision?: string;
}

export interface SampleTable {
  name: string;
  primaryKey: readonly string[];
  columns: readonly SampleColumn[];
}

/** One seeded value: a SQL expression or a bind, and what the warehouse must hold. */
export interface SampleCell {
  sql?: string;
  bind?: SeedBind;
  expected: Canonical;
}

/** A seeded row: its values by column name; a column left out is NULL. */
export interface SampleRow {
  cells: Record<string, SampleCell>;
}

/** A column: `NOT NULL` columns pass `nullable: false`. */
export function column(name: string, declared: string, sourceType: string, type: string, extra: { nullable?: boolean; decision?: string } = {}): SampleColumn {
  const spec: SampleColumn = { name, declared, sourceType, type, nullable: extra.nullable ?? true };
  if (extra.decision !== undefined) spec.decision = extra.decision;
  return spec;
}

/** A value written as SQL. */
export function sql(text: string, expected: Canonical): SampleCell {
  return { sql: text, expected };
}

/** A value bound as a string, Buffer or LOB. */
export function bound(value: string | Buffer, expected: Canonical, lob?: 'clob' | 'blob'): SampleCell {
  return { bind: lob ? { value, lob } : { value }, expected };
}

/** `CREATE TABLE` for a sample table, its primary key named `<TABLE>_PK`. */
export function createTableSql(table: SampleTable): string {
  const columns = table.columns.map((c) => `  ${c.name} ${c.declared}${c.nullable ? '' : ' NOT NULL'}`);
  return `CREATE TABLE ${table.name} (\n${columns.join(',\n')},\n  CONSTRAINT ${table.name}_PK PRIMARY KEY (${table.primaryKey.join(', ')})\n)`;
}

/** One INSERT per row: SQL cells inline, bound cells as `:b<i>`, absent columns NULL. */
export function insertRowSql(table: SampleTable, row: SampleRow): SeedStatement {
  const unknown = Object.keys(row.cells).filter((name) => !table.columns.some((c) => c.name === name));
  if (unknown.length > 0) throw new Error(`${table.name}: the sample row names no such column ${unknown.join(', ')}`);
  const binds: Record<string, SeedBind> = {};
  const values = table.columns.map((c, i) => {
    const cell = row.cells[c.name];
    if (!cell) return 'NULL';
    if (cell.bind) {
      binds[`b${i}`] = cell.bind;
      return `:b${i}`;
    }
    return cell.sql ?? 'NULL';
  });
  const statement: SeedStatement = { sql: `INSERT INTO ${table.name} (${table.columns.map((c) => c.name).join(', ')}) VALUES (${values.join(', ')})` };
  if (Object.keys(binds).length > 0) statement.binds = binds;
  return statement;
}

/** The expected canonical row: every column, NULL where the row leaves it out. */
export function expectedRow(table: SampleTable, row: SampleRow): Record<string, Canonical> {
  return Object.fromEntries(table.columns.map((c) => [c.name, row.cells[c.name]?.expected ?? null]));
}

/** `DROP TABLE … CASCADE CONSTRAINTS PURGE`, quietly doing nothing when the table is absent (ORA-00942). */
export function dropTableIfExistsSql(table: string): string {
  return `BEGIN EXECUTE IMMEDIATE 'DROP TABLE ${table} CASCADE CONSTRAINTS PURGE'; `
    + 'EXCEPTION WHEN OTHERS THEN IF SQLCODE != -942 THEN RAISE; END IF; END;';
}
