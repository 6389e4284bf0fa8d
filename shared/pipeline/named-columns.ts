/**
 * The columns a table's config names — `partition_column`, `primary_keys`, the keys of
 * `columns:` overrides — checked against the table's model, with the one-line messages a run gives.
 * `datapipe generate schema` calls it on the live model, so a config that `run` would refuse is
 * refused before any schema is written; the extractor calls it on the committed model.
 */
import type { TableSpec } from '../config/config-schema.js';
import { TerminalError } from '../errors.js';
import { findColumn, formatType, isWatermarkKind, type Column, type TableModel } from '../model/column.js';

/** What of a table's config names columns. */
export type NamedColumnsSpec = Pick<TableSpec, 'name' | 'load_mode' | 'partition_column' | 'primary_keys' | 'columns'>;

/** `pick one of A, B, C`: the model's columns as the source spells them. */
function choices(model: TableModel): string {
  return model.columns.map((c) => c.sourceName).join(', ');
}

/**
 * The watermark column of an incremental table: it must be a column of the model, of a watermark
 * kind (integer, date, datetime, timestamp). A full load has none.
 */
export function watermarkColumn(model: TableModel, spec: NamedColumnsSpec): Column | null {
  if (spec.load_mode !== 'incremental') return null;
  const name = spec.partition_column;
  const column = name ? findColumn(model, name) : undefined;
  if (!name || !column) {
    throw new TerminalError(`tables[${spec.name}].partition_column: ${name ?? '(missing)'} is not a column of ${model.sourceName} — pick one of ${choices(model)}`);
  }
  if (!isWatermarkKind(column.type.kind)) {
    throw new TerminalError(`tables[${spec.name}].partition_column: ${column.sourceName} is ${formatType(column.type)}; a watermark must be an integer, date, datetime or timestamp column`);
  }
  return column;
}

/**
 * Checks every column the table's config names against the model; the first problem throws a
 * TerminalError (exit 2) naming the key, the column and the table's columns. A full table's
 * `partition_column` is not a watermark, but a name that is not a column is still a typo.
 */
export function checkNamedColumns(model: TableModel, spec: NamedColumnsSpec): void {
  if (spec.load_mode === 'incremental') {
    watermarkColumn(model, spec);
  } else if (spec.partition_column && !findColumn(model, spec.partition_column)) {
    throw new TerminalError(`tables[${spec.name}].partition_column: ${spec.partition_column} is not a column of ${model.sourceName} — pick one of ${choices(model)}`);
  }
  for (const name of spec.primary_keys ?? []) {
    if (!findColumn(model, name)) {
      throw new TerminalError(`tables[${spec.name}].primary_keys: ${name} is not a column of ${model.sourceName} — columns are ${choices(model)}`);
    }
  }
  for (const name of Object.keys(spec.columns ?? {})) {
    if (!findColumn(model, name)) {
      throw new TerminalError(`tables[${spec.name}].columns.${name}: ${name} is not a column of ${model.sourceName} — pick one of ${choices(model)}`);
    }
  }
}
