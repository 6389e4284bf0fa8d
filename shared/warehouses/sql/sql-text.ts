/**
 * Text helpers every warehouse's SQL builders share: the column list in model order, a column
 * looked up by target name (a misnamed key or partition column is a config error, exit 2), and
 * the indentation of a nested statement.
 */
import { TerminalError } from '../../errors.js';
import type { Column, TableModel } from '../../model/column.js';

/** The model's columns, quoted by the warehouse's rule, comma-separated in model order. */
export function columnList(model: TableModel, quote: (name: string) => string): string {
  return model.columns.map((c) => quote(c.name)).join(', ');
}

/** The column named `name`; `role` (primary key, partition) names it in the error. */
export function requireColumn(model: TableModel, name: string, role: string): Column {
  const column = model.columns.find((c) => c.name === name);
  if (!column) throw new TerminalError(`table ${model.name}: ${role} column ${name} is not one of its columns`);
  return column;
}

/** `sql` indented by two spaces, line by line (a subquery inside a statement). */
export function indent(sql: string): string {
  return sql.split('\n').map((line) => `  ${line}`).join('\n');
}
