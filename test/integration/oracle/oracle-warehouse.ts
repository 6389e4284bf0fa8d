/**
 * Reading what the Oracle pipeline left behind — DuckDB tables as canonical text
 * (services/cli/commands/dev-oracle-sample.ts), manifests, the committed schemas — and comparing
 * it with the sample's expected values.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { z } from 'zod';
import { avscToModel } from '../../../shared/avro/avsc-schema.js';
import { parseCanonicalType } from '../../../shared/config/canonical-type-text.js';
import { loadConfig } from '../../../shared/config/load-config.js';
import { silentLogger } from '../../../shared/log.js';
import { targetName, type Column, type TableModel } from '../../../shared/model/column.js';
import { manifestSchema, parseStored, type Manifest } from '../../../shared/pipeline/manifest.js';
import { reconcile, type Reconciliation } from '../../../shared/pipeline/reconcile.js';
import { openSource } from '../../../shared/sources/registry.js';
import { readDuckDbRows } from '../../../shared/warehouses/duckdb/duckdb-readback.js';
import type { Canonical, SampleTable } from '../../../services/cli/commands/dev-oracle-sample.js';

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** DuckDB SQL rendering one column as canonical text (numbers and booleans stay JS values). */
function render(column: SampleTable['columns'][number]): string {
  const name = quote(targetName(column.name));
  const type = parseCanonicalType(column.type);
  switch (type.kind) {
    case 'int64':
    case 'decimal': return `CAST(${name} AS VARCHAR)`;
    case 'bytes': return `hex(${name})`;
    case 'datetime': return `strftime(${name}, '%Y-%m-%dT%H:%M:%S.%f')`;
    // epoch_us is the instant; make_timestamp(µs) renders it without any session time zone.
    case 'timestamp': return `strftime(make_timestamp(epoch_us(${name})), '%Y-%m-%dT%H:%M:%S.%f') || 'Z'`;
    case 'date': return `strftime(${name}, '%Y-%m-%d')`;
    default: return name;
  }
}

/** DuckDB writes DECIMAL(5,5) 0.00999 as `.00999`; canonical text keeps the leading zero. */
function canonicalDecimal(text: string): string {
  return text.replace(/^(-?)\./, '$10.');
}

/** Every row of the table's target, by primary key, keyed by Oracle column name. */
export async function warehouseRows(path: string, table: SampleTable): Promise<Record<string, Canonical>[]> {
  const select = table.columns.map((c) => `${render(c)} AS ${quote(c.name)}`).join(', ');
  const order = table.primaryKey.map((k) => quote(targetName(k))).join(', ');
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const rows = (await connection.runAndReadAll(`SELECT ${select} FROM main.${quote(targetName(table.name))} ORDER BY ${order}`)).getRowObjectsJS();
    return rows.map((row) => Object.fromEntries(table.columns.map((c) => {
      const value = row[c.name] as Canonical | undefined;
      const decimal = parseCanonicalType(c.type).kind === 'decimal' && typeof value === 'string';
      return [c.name, decimal ? canonicalDecimal(value) : value ?? null];
    })));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The first differences between expected and actual rows (same order), as readable lines. */
export function differences(table: SampleTable, expected: Record<string, Canonical>[], actual: Record<string, Canonical>[], max = 8): string[] {
  const found: string[] = [];
  const key = (row: Record<string, Canonical> | undefined): string => table.primaryKey.map((k) => `${k}=${String(row?.[k])}`).join(',');
  if (expected.length !== actual.length) found.push(`${expected.length} rows expected, ${actual.length} in the warehouse`);
  for (let i = 0; i < Math.max(expected.length, actual.length) && found.length < max; i++) {
    const want = expected[i];
    const got = actual[i];
    if (!want || !got) {
      found.push(`row ${i}: expected ${key(want)}, warehouse ${key(got)}`);
      continue;
    }
    for (const column of table.columns) {
      if (!Object.is(want[column.name], got[column.name]) && found.length < max) {
        const show = (v: Canonical | undefined) => (typeof v === 'string' && v.length > 80 ? `${JSON.stringify(v.slice(0, 80))}… (${v.length} chars)` : JSON.stringify(v));
        found.push(`${key(want)} ${column.name}: expected ${show(want[column.name])}, warehouse ${show(got[column.name])}`);
      }
    }
  }
  return found;
}

/** The committed model of a table (`<cwd>/schemas/<table>.avsc`). */
export async function committedModel(cwd: string, table: string): Promise<TableModel & { avsc: unknown }> {
  const avsc: unknown = JSON.parse(await readFile(join(cwd, 'schemas', `${table.toLowerCase()}.avsc`), 'utf8'));
  return { ...avscToModel(avsc), avsc };
}

/** What `generate schema` must have written for a sample table, in the model's terms. */
export function expectedColumns(table: SampleTable): Column[] {
  return table.columns.map((c) => {
    const column: Column = { name: targetName(c.name), sourceName: c.name, sourceType: c.sourceType, type: parseCanonicalType(c.type), nullable: c.nullable };
    if (c.decision !== undefined) column.decision = c.decision;
    return column;
  });
}

/** The staging folder of one table's run, under the sample config's `.datapipe/staging`. */
export function runFolder(configDir: string, table: string, runId: string): string {
  return join(configDir, '.datapipe', 'staging', 'ventas-oracle', table.toLowerCase(), `run=${runId}`);
}

/** A run's manifest (`_manifest.json`, or `_manifest-000i.json` for chunk i of a chunked run). */
export async function readManifest(configDir: string, table: string, runId: string, chunk?: number): Promise<Manifest> {
  const name = chunk === undefined ? '_manifest.json' : `_manifest-${String(chunk).padStart(4, '0')}.json`;
  const path = join(runFolder(configDir, table, runId), name);
  return parseStored(manifestSchema, await readFile(path), path);
}

/**
 * The SCN in a chunked run's snapshot token (`source.snapshot`: the Oracle source's JSON
 * `{"oracle":1,"scn":"…","chunks":n,…}`, shared/sources/oracle/oracle-snapshot.ts).
 */
export function snapshotScn(manifest: Manifest): string {
  const token = manifest.source.snapshot;
  if (token === undefined) throw new Error(`run ${manifest.runId} chunk ${manifest.chunk.index + 1}/${manifest.chunk.count}: the manifest records no snapshot`);
  return z.object({ scn: z.string().regex(/^\d+$/) }).parse(JSON.parse(token)).scn;
}

/** The warehouse against a fresh read of the source, every column of every row (shared/pipeline/reconcile.ts). */
export async function reconcileWithSource(configPath: string, warehouse: string, model: TableModel): Promise<Reconciliation> {
  const { config } = await loadConfig(configPath);
  const source = await openSource(config.source, silentLogger);
  try {
    return await reconcile(model, source.read({ model, batchSize: 1000 }), readDuckDbRows(warehouse, model));
  } finally {
    await source.close();
  }
}
