/**
 * The stage of a Databricks load is not a table: it is a `read_files(…)` table expression over
 * exactly the parts the run's manifests list, read again by the stage check and by the MERGE.
 * Nothing is copied first, so nothing is left behind by a crash.
 * https://learn.microsoft.com/azure/databricks/sql/language-manual/functions/read_files
 *
 * - The path names the parts themselves: the one file, or `<run folder>/{part-a.avro,part-b.avro}`
 *   (a glob of exact names, never the folder or `*`: parts of another attempt of the run may sit
 *   in the same folder, listed by no manifest).
 * - `format => 'avro'`: nothing is inferred from file names.
 * - `datetimeRebaseMode => 'CORRECTED'`: the parts hold proleptic-Gregorian days and microseconds;
 *   under Spark's default (EXCEPTION) a date or timestamp before 1582, e.g. Oracle's 0001-01-01,
 *   fails the read (https://learn.microsoft.com/azure/databricks/query/formats/avro).
 * - `schema => '…'`: the model's columns with the target's types, so no file (an empty part, a
 *   part whose fields come in another order) can change a column's type; a field that cannot be
 *   read as its column's type fails the statement. (A part written with another schema never gets
 *   here: the loader checks every manifest's schema fingerprint first.)
 *
 * The URI is part of the statement text, not a parameter (read_files takes a constant), so every
 * character of it is checked instead of escaped.
 */
import { TerminalError } from '../../errors.js';
import type { TableModel } from '../../model/column.js';
import type { StagedPart } from '../warehouse.js';
import { quoteIdentifier } from './databricks-names.js';
import { databricksType } from './databricks-types.js';

/**
 * The longest glob DataPipe writes into a statement: it appears three times (the stage check reads
 * the files twice, the MERGE once) in statements of at most 16 MiB. About 30,000 parts.
 */
export const MAX_GLOB_CHARS = 1024 * 1024;

const ABFSS = /^abfss:\/\/([a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])?)@([a-z0-9]{3,24}\.dfs\.[a-z0-9.-]+)\/(.+)$/;
/** Path characters that are neither glob syntax (`*?[]{}\,`) nor a quote: letters, digits, `._-=+/`. */
const SAFE_PATH = /^[A-Za-z0-9._=+/-]+$/;

/** The read_files expression of the run's parts (see the file comment). */
export function readFilesExpression(model: TableModel, runId: string, parts: readonly Pick<StagedPart, 'key' | 'uri'>[]): string {
  const options = [
    `format => 'avro'`,
    `datetimeRebaseMode => 'CORRECTED'`,
    `schema => '${readSchema(model)}'`,
  ];
  return `read_files('${partsGlob(model.name, runId, parts)}', ${options.join(', ')})`;
}

/**
 * The parts' URIs as one path: the only part's URI, or their folder and `{name,name,…}`. Every
 * part must be an `abfss://` URI in one folder, of plain characters.
 */
export function partsGlob(table: string, runId: string, parts: readonly Pick<StagedPart, 'key' | 'uri'>[]): string {
  const where = `table ${table}, run ${runId}`;
  if (parts.length === 0) throw new TerminalError(`${where}: no parts to read`);
  const folders = new Set<string>();
  const names = new Set<string>();
  for (const part of parts) {
    const match = ABFSS.exec(part.uri);
    if (!match) {
      // A part staged anywhere else means the loader runs with another cloud's store: configuration.
      throw new TerminalError(`${where}: part ${part.key} is at ${part.uri}; Databricks reads the azure cloud's abfss:// staging only — stage with destination.cloud azure`);
    }
    const path = match[3]!;
    const cut = path.lastIndexOf('/');
    const folder = `abfss://${match[1]}@${match[2]}/${path.slice(0, cut + 1)}`;
    const name = path.slice(cut + 1);
    if (!SAFE_PATH.test(path) || name === '') {
      throw new TerminalError(
        `${where}: part ${part.uri} has characters read_files would take for glob syntax or a quote — ` +
          'use letters, digits and . _ - = + in destination.azure.prefix and container',
      );
    }
    folders.add(folder);
    names.add(name);
  }
  if (folders.size > 1) throw new TerminalError(`${where}: the manifests list parts in ${folders.size} folders (${[...folders].join(', ')}); a run's parts share its run folder`);
  const [folder] = folders;
  const list = [...names];
  const glob = list.length === 1 ? `${folder}${list[0]}` : `${folder}{${list.join(',')}}`;
  if (glob.length > MAX_GLOB_CHARS) {
    throw new TerminalError(`${where}: its ${list.length} parts make a read_files path of ${glob.length} characters (at most ${MAX_GLOB_CHARS}) — raise staging.part_size_mb so the run has fewer, larger parts`);
  }
  return glob;
}

/** The model's columns as a DDL column list (`` `id` BIGINT, `monto` DECIMAL(18,2), … ``), for `schema =>`. */
export function readSchema(model: TableModel): string {
  return model.columns.map((c) => `${quoteIdentifier(c.name)} ${databricksType(c.type)}`).join(', ');
}
