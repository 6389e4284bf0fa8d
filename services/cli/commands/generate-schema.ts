import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { formatAvsc, modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import type { TableSpec } from '../../../shared/config/config-schema.js';
import type { LoadedConfig } from '../../../shared/config/load-config.js';
import type { Logger } from '../../../shared/log.js';
import { formatType } from '../../../shared/model/column.js';
import { checkNamedColumns } from '../../../shared/pipeline/named-columns.js';
import { applyTableSpec, schemaFileName } from '../../../shared/pipeline/table-contract.js';
import { openSource } from '../../../shared/sources/registry.js';
import { warehouseCapabilities } from '../../../shared/warehouses/registry.js';
import { avscEncoding } from '../../../shared/avro/avro-encoding.js';
import { TerminalError } from '../../../shared/errors.js';
import { checkOverrides, readCommittedSchema } from '../../../shared/pipeline/table-contract.js';
import { reportDrift, type ExpectedFile } from '../ci/drift.js';

export interface GenerateSchemaOptions {
  loaded: LoadedConfig;
  tables: TableSpec[];
  /** Workspace root: files go to `<out>/schemas/`. */
  out: string;
  /** Rows sampled when profiling an unconstrained NUMBER / numeric (0 = all). */
  sampleRows: number;
  log: Logger;
}

/**
 * `datapipe generate schema`: reads the source's metadata and writes, per table,
 * `schemas/<table>.avsc` (the contract) and what the cloud's warehouse declares it needs beside it
 * (its capabilities' schemaFiles: the target DDL, and on gcp the BigQuery schema `.json`).
 * Output is deterministic: a re-run over an unchanged table rewrites identical bytes.
 */
export async function generateSchemas(options: GenerateSchemaOptions): Promise<string[]> {
  const { loaded, log } = options;
  const dir = join(options.out, 'schemas');
  await mkdir(dir, { recursive: true });
  const destination = loaded.config.destination;
  const capabilities = await warehouseCapabilities(destination.cloud);
  const source = await openSource(loaded.config.source, log);
  const written: string[] = [];
  try {
    for (const spec of options.tables) {
      const described = await source.describe(spec.name, { profile: true, profileSampleRows: options.sampleRows, overrides: spec.columns });
      // Refuse here what `run` would refuse, before this table's files are written.
      checkNamedColumns(described, spec);
      const model = applyTableSpec(described, spec);
      for (const column of model.columns.filter((c) => c.decision)) {
        log.info({ table: spec.name, column: column.sourceName, type: formatType(column.type), decision: column.decision }, 'type decision');
      }
      const files: [string, string][] = [
        // The parts' encoding is the warehouse's (docs/encodings.md): the extractor follows the file.
        [schemaFileName(spec.name, 'avsc'), formatAvsc(modelToAvsc(model, { encoding: capabilities.encoding }))],
        ...capabilities.schemaFiles(model, spec, destination).map((f): [string, string] => [schemaFileName(spec.name, f.extension), f.text]),
      ];
      for (const [name, text] of files) {
        const path = join(dir, name);
        await writeFile(path, text);
        written.push(relative(process.cwd(), path) || path);
      }
      log.info({ table: spec.name, columns: model.columns.length, primary_keys: model.primaryKeys }, 'schema written');
    }
  } finally {
    await source.close();
  }
  return written;
}

/**
 * `datapipe generate schema --check`: the pipeline's offline drift check. The `.avsc` is the
 * committed contract (only the source can regenerate it); everything derived from it — the
 * warehouse DDL and, on gcp, the BigQuery `.json` — must equal what the committed `.avsc` and the
 * config generate now. No source connection: CI never holds database credentials.
 */
export async function checkSchemas(options: Omit<GenerateSchemaOptions, 'sampleRows' | 'log'> & { shownConfig: string }): Promise<void> {
  const { loaded } = options;
  const dir = join(options.out, 'schemas');
  const destination = loaded.config.destination;
  const capabilities = await warehouseCapabilities(destination.cloud);
  const expected: ExpectedFile[] = [];
  for (const spec of options.tables) {
    const { model, avsc } = await readCommittedSchema(dir, spec.name, loaded.path);
    const avscPath = relative(process.cwd(), join(dir, schemaFileName(spec.name, 'avsc'))) || schemaFileName(spec.name, 'avsc');
    if (avscEncoding(avsc) !== capabilities.encoding) {
      throw new TerminalError(`drift: ${avscPath} is in the ${avscEncoding(avsc)} encoding but ${destination.cloud} loads ${capabilities.encoding} — run \`datapipe generate schema ${spec.name} --config ${options.shownConfig}\` and commit schemas/`);
    }
    checkOverrides(model, spec.columns, avscPath);
    for (const file of capabilities.schemaFiles(model, spec, destination)) {
      expected.push({ path: join(dir, schemaFileName(spec.name, file.extension)), text: file.text });
    }
  }
  await reportDrift({
    expected,
    what: `the schema files of ${options.shownConfig}`,
    fix: `run \`datapipe generate schema --all --config ${options.shownConfig}\` and commit schemas/`,
  });
}
