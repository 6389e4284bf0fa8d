/**
 * Names on Databricks: backquoted identifiers, Unity Catalog's three-level `catalog.schema.table`,
 * and the SQL warehouse id inside `http_path`.
 * https://learn.microsoft.com/azure/databricks/sql/language-manual/sql-ref-identifiers
 */
import { TerminalError } from '../../errors.js';
import { PLAIN_IDENTIFIER } from '../sql/sql-dialect.js';

/** `` `name` ``, after checking the name is a plain identifier (nothing to escape, nothing to inject). */
export function quoteIdentifier(name: string): string {
  if (!PLAIN_IDENTIFIER.test(name)) {
    throw new TerminalError(`"${name}" is not a valid table or column name for Databricks: use letters, digits and _`);
  }
  return `\`${name}\``;
}

/** The catalog and schema the tables live in (destination.azure.databricks). */
export interface SchemaRef {
  catalog: string;
  schema: string;
}

/** The configured catalog and schema, checked to be plain names (the loader quotes them). */
export function checkSchemaRef(ref: SchemaRef): SchemaRef {
  for (const key of ['catalog', 'schema'] as const) {
    if (!PLAIN_IDENTIFIER.test(ref[key])) {
      throw new TerminalError(`destination.azure.databricks.${key} "${ref[key]}" is not a plain name — use letters, digits and _ (Unity Catalog stores names lowercased)`);
    }
  }
  return ref;
}

/** `` `catalog`.`schema`.`table` ``. */
export function tableRef(ref: SchemaRef, table: string): string {
  return `${quoteIdentifier(ref.catalog)}.${quoteIdentifier(ref.schema)}.${quoteIdentifier(table)}`;
}

/** `catalog.schema.table` for messages. */
export function tableLabel(ref: SchemaRef, table: string): string {
  return `${ref.catalog}.${ref.schema}.${table}`;
}

const HTTP_PATH = /^\/sql\/1\.0\/(?:warehouses|endpoints)\/([A-Za-z0-9_-]+)\/?$/;

/**
 * The SQL warehouse id of `http_path` (`/sql/1.0/warehouses/<id>`; `endpoints` is the older name of
 * the same thing). The Statement Execution API takes the id, not the path.
 */
export function warehouseIdOf(httpPath: string): string {
  const id = HTTP_PATH.exec(httpPath.trim())?.[1];
  if (!id) {
    throw new TerminalError(`destination.azure.databricks.http_path ${httpPath} is not a SQL warehouse HTTP path — copy it from the warehouse's connection details (/sql/1.0/warehouses/<id>); clusters are not supported`);
  }
  return id;
}
