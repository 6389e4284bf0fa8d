/**
 * Oracle identifiers in generated SQL. Every table, owner and column name is validated and
 * double-quoted, so it is taken exactly as the dictionary spells it (case kept, `$` and `#` allowed)
 * and can never close the quote: Oracle quoted identifiers may contain any character except the
 * double quotation mark and the null character, at most 128 bytes since 12.2 (Oracle SQL Reference,
 * "Database Object Names and Qualifiers").
 */
import { TerminalError } from '../../errors.js';

/** The longest identifier Oracle accepts (12.2 and later), in bytes. */
export const MAX_IDENTIFIER_BYTES = 128;

/** `VENTAS` → `"VENTAS"`; a name with `"`, NUL, no characters or more than 128 bytes is refused. */
export function quoteIdent(name: string): string {
  if (name.length === 0 || name.includes('"') || name.includes('\0') || Buffer.byteLength(name, 'utf8') > MAX_IDENTIFIER_BYTES) {
    throw new TerminalError(`${JSON.stringify(name)} is not a valid Oracle identifier — names must be 1 to ${MAX_IDENTIFIER_BYTES} bytes without double quotes`);
  }
  return `"${name}"`;
}

/** `"OWNER"."TABLE"`. */
export function qualifiedName(owner: string, table: string): string {
  return `${quoteIdent(owner)}.${quoteIdent(table)}`;
}
