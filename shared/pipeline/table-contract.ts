import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { avscToModel } from '../avro/avsc-schema.js';
import { ContractError, TerminalError } from '../errors.js';
import type { Logger } from '../log.js';
import { formatType, type TableModel } from '../model/column.js';
import { avscEncoding, type AvroEncoding } from '../avro/avro-encoding.js';

/** The folder holding committed schemas: `DATAPIPE_SCHEMAS`, else `schemas/` under the current directory. */
export function schemasDir(explicit?: string): string {
  return resolve(explicit ?? process.env.DATAPIPE_SCHEMAS ?? join(process.cwd(), 'schemas'));
}

/** `schemas/ventas_cabecera.avsc` for table `VENTAS_CABECERA`. */
export function schemaFileName(table: string, extension: 'avsc' | 'json' | 'sql'): string {
  return `${table.toLowerCase()}.${extension}`;
}

/**
 * Reads the committed `.avsc`, the extractor's and loader's contract with the warehouse
 * (docs/run-protocol.md, "The extractor", step 1).
 */
export async function readCommittedSchema(dir: string, table: string, configPath: string): Promise<{ model: TableModel; avsc: unknown }> {
  const path = join(dir, schemaFileName(table, 'avsc'));
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    const shown = relative(process.cwd(), path) || path;
    throw new TerminalError(`${shown} not found — run \`datapipe generate schema ${table} --config ${relative(process.cwd(), configPath) || configPath}\` and commit the result`);
  }
  try {
    const avsc: unknown = JSON.parse(text);
    return { model: avscToModel(avsc), avsc };
  } catch (error) {
    throw new TerminalError(`${path} is not a DataPipe schema (${(error as Error).message}) — regenerate it with \`datapipe generate schema ${table}\``);
  }
}

/**
 * Compares the committed schema with the live source metadata. New source columns are a warning
 * (extracted only after regeneration); missing or retyped columns break the contract (exit 3).
 */
export function checkDrift(committed: TableModel, live: TableModel, log: Logger): void {
  const liveByName = new Map(live.columns.map((c) => [c.sourceName, c]));
  const missing = committed.columns.filter((c) => !liveByName.has(c.sourceName)).map((c) => c.sourceName);
  const retyped = committed.columns.flatMap((c) => {
    const now = liveByName.get(c.sourceName);
    return now && normalizeType(now.sourceType) !== normalizeType(c.sourceType) ? [`${c.sourceName} ${c.sourceType} → ${now.sourceType}`] : [];
  });
  if (missing.length > 0 || retyped.length > 0) {
    const parts = [
      missing.length > 0 ? `missing in the source: ${missing.join(', ')}` : '',
      retyped.length > 0 ? `retyped: ${retyped.join(', ')}` : '',
    ].filter(Boolean);
    throw new ContractError(`${committed.sourceName}: schema drift, ${parts.join('; ')} — review the change, then run \`datapipe generate schema ${committed.sourceName}\` and migrate the target table`);
  }
  const known = new Set(committed.columns.map((c) => c.sourceName));
  const added = live.columns.filter((c) => !known.has(c.sourceName)).map((c) => c.sourceName);
  if (added.length > 0) {
    log.warn({ table: committed.sourceName, columns: added }, `${committed.sourceName}: new source columns ${added.join(', ')} are not extracted until \`datapipe generate schema ${committed.sourceName}\` is re-run`);
  }
}

/** A config override that the committed schema does not reflect means the schema is stale. */
export function checkOverrides(model: TableModel, overrides: Record<string, { type: string }> | undefined, schemaPath: string): void {
  for (const [name, override] of Object.entries(overrides ?? {})) {
    const column = model.columns.find((c) => c.sourceName.toLowerCase() === name.toLowerCase());
    if (!column) {
      throw new TerminalError(`tables[${model.sourceName}].columns.${name}: no such column in ${schemaPath} — fix the name or regenerate the schema`);
    }
    if (formatType(column.type) !== override.type.replace(/\s+/g, '').toLowerCase()) {
      throw new TerminalError(`${schemaPath}: ${name} is ${formatType(column.type)} but the config says ${override.type} — run \`datapipe generate schema ${model.sourceName}\``);
    }
  }
}

/** `NUMBER(18, 2)` and `number(18,2)` are one type: spacing beside `(`, `,` and `)` is not drift. */
function normalizeType(text: string): string {
  return text.replace(/\s*([(),])\s*/g, '$1').replace(/\s+/g, ' ').trim().toLowerCase();
}

/**
 * Applies a table's config to the model read from the source: configured primary keys replace the
 * source's (each must be a column), and an incremental table must have a key to merge on.
 */
export function applyTableSpec(model: TableModel, spec: { name: string; load_mode: string; primary_keys?: string[] | undefined }): TableModel {
  let primaryKeys = model.primaryKeys;
  if (spec.primary_keys && spec.primary_keys.length > 0) {
    primaryKeys = spec.primary_keys.map((name) => {
      const column = model.columns.find((c) => c.sourceName.toLowerCase() === name.toLowerCase() || c.name === name.toLowerCase());
      if (!column) {
        throw new TerminalError(`tables[${spec.name}].primary_keys: ${name} is not a column of ${model.sourceName} — columns are ${model.columns.map((c) => c.sourceName).join(', ')}`);
      }
      return column.name;
    });
  }
  if (spec.load_mode === 'incremental' && primaryKeys.length === 0) {
    throw new TerminalError(`tables[${spec.name}]: ${model.sourceName} has no primary key, and incremental loads merge by key — set primary_keys in the config`);
  }
  return { ...model, primaryKeys };
}

/**
 * The committed `.avsc` must carry the encoding the destination's warehouse reads (docs/encodings.md):
 * a schema generated for another cloud would stage values that warehouse cannot load exactly.
 */
export function checkEncoding(avsc: unknown, expected: AvroEncoding, warehouse: string, table: string): void {
  const found = avscEncoding(avsc);
  if (found === expected) return;
  throw new TerminalError(
    `schemas/${schemaFileName(table, 'avsc')} carries the ${found} AVRO encoding, but ${warehouse} loads the ${expected} one — ` +
      `it was generated for another cloud; run \`datapipe generate schema ${table}\` with this config and commit the result`,
  );
}
