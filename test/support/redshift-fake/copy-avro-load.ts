/**
 * Emulates `COPY … FORMAT AS AVRO` into a PostgreSQL table the way Redshift's documented AVRO
 * mapping does (https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-format.html#copy-avro):
 * - columns are matched to first-level fields by name ('auto': exactly; 'auto ignorecase': in any
 *   case); a column with no field gets its DEFAULT or NULL (an error if it is NOT NULL);
 * - `["null", T]` is a nullable T; logical types are ignored (avro-container.ts), so a decimal's
 *   bytes and any `bytes` load as their JSON text (each byte one U+0000–U+00FF character: the
 *   Avro JSON encoding) and a timestamp-micros is a plain integer;
 * - every value is turned into text and converted to the column type, PostgreSQL's input
 *   functions standing in for COPY's implicit conversion
 *   (https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-conversion.html), with
 *   Redshift's rules checked first where PostgreSQL differs: VARCHAR/CHAR lengths in UTF-8 bytes,
 *   an error, never a truncation, unless TRUNCATECOLUMNS (r_Character_types.html); CHAR takes only
 *   single-byte characters; TIMESTAMP/TIMESTAMPTZ/DATE in the default formats `YYYY-MM-DD
 *   HH:MI:SS[.ffffff][OF]` / `YYYY-MM-DD` (r_DATEFORMAT_and_TIMEFORMAT_strings.html); DECIMAL
 *   digits beyond the column's scale truncated, as COPY does without ROUNDEC
 *   (copy-parameters-data-conversion.html, ROUNDEC); VARBYTE cannot be loaded from AVRO
 *   (https://docs.aws.amazon.com/redshift/latest/dg/copy-usage-varbyte.html lists CSV, Parquet, ORC).
 * A bad value writes a load-error row and, past MAXERROR, fails the statement with
 * "Load into table 'x' failed. Check 'sys_load_error_detail' system table for details.".
 */
import type pg from 'pg';
import { AvroFileError, readAvroFile } from './avro-container.js';
import type { CopyCommand } from './copy-statement.js';
import { checkValue, issueFromPostgres, render, type Issue, type TargetColumn } from './copy-values.js';
import { LOAD_ERROR, recordLoadErrors, type LoadError } from './load-errors.js';
import type { ObjectReader } from './object-readers.js';

export interface CopyContext {
  /** The statement's connection: the rows land in its transaction. */
  client: pg.ClientBase;
  /** Autocommit connections for the load-error tables. */
  systemPool: pg.Pool;
  reader: ObjectReader;
  query: number;
  session: number;
  database: string;
}

/** A COPY that failed: the statement fails with this text. */
export class CopyFailure extends Error {}

const BATCH_ROWS = 1000;
/** Runs the COPY on ctx.client; returns the rows loaded (the Data API itself reports 0, see statements). */
export async function runAvroCopy(command: CopyCommand, ctx: CopyContext): Promise<number> {
  const table = await resolveTable(ctx.client, command.table);
  const targets = chooseTargets(table.columns, command.columns, table.name);
  const varbyte = targets.find((c) => c.typname === 'bytea');
  if (varbyte) throw new CopyFailure(`ERROR: VARBYTE column "${varbyte.name}" cannot be loaded from AVRO: COPY loads VARBYTE from CSV, Parquet and ORC only`);
  const files = await sourceFiles(command, ctx.reader);
  const startTime = new Date();
  const errors: LoadError[] = [];
  let loaded = 0;
  for (const url of files) {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(url.url);
    const data = match ? await ctx.reader.read(match[1]!, match[2]!) : null;
    if (data === null) {
      if (!url.mandatory) continue;
      throw new CopyFailure(`ERROR: Load file ${url.url} not found: it is mandatory in the manifest (load error 1212, Load file was not found)`);
    }
    let file;
    try {
      file = await readAvroFile(data, url.url);
    } catch (error) {
      if (error instanceof AvroFileError) throw new CopyFailure(`ERROR: ${error.message}`);
      throw error;
    }
    const fieldFor = (column: string): string | undefined => [...file.fieldTypes.keys()].find((field) => (command.ignoreCase ? field.toLowerCase() === column.toLowerCase() : field === column));
    const mapped = targets.map((column) => ({ column, field: fieldFor(column.name) }));
    const present = mapped.filter((m) => m.field !== undefined);
    const rows: { line: number; values: (string | null)[] }[] = [];
    for (let r = 0; r < file.records.length; r++) {
      const record = file.records[r]!;
      let issue: { column: TargetColumn; raw: string; issue: Issue } | null = null;
      const values: (string | null)[] = [];
      for (const { column, field } of mapped) {
        if (field === undefined) {
          if (column.notNull && !table.hasDefault.has(column.name)) issue ??= { column, raw: '', issue: { error: LOAD_ERROR.notNull } };
          continue;
        }
        const text = render(record[field], file.fieldTypes.get(field)!);
        const checked = checkValue(text, column, command.truncateColumns);
        if ('issue' in checked) issue ??= { column, raw: text ?? '', issue: checked.issue };
        else values.push(checked.value);
      }
      if (issue) {
        errors.push(loadError(ctx, table.oid, startTime, url.url, r + 1, issue.column, issue.raw, issue.issue, file.type.toString(record)));
        if (errors.length > command.maxErrors) break;
        continue;
      }
      rows.push({ line: r + 1, values });
    }
    if (errors.length > command.maxErrors) break;
    const inserted = await insertRows(ctx, table.qualified, present.map((m) => m.column), rows, (line, column, raw, issue) => {
      errors.push(loadError(ctx, table.oid, startTime, url.url, line, column, raw, issue, ''));
      return errors.length > command.maxErrors;
    });
    loaded += inserted;
    if (errors.length > command.maxErrors) break;
  }
  if (errors.length > 0) await recordLoadErrors(ctx.systemPool, errors);
  if (errors.length > command.maxErrors) {
    throw new CopyFailure(`ERROR: Load into table '${table.name}' failed. Check 'sys_load_error_detail' system table for details.`);
  }
  return loaded;
}

async function resolveTable(client: pg.ClientBase, written: string) {
  let oid: number;
  try {
    oid = Number((await client.query<{ oid: string }>('SELECT $1::regclass::oid AS oid', [written])).rows[0]!.oid);
  } catch {
    throw new CopyFailure(`ERROR: Cannot COPY into nonexistent table ${written}`);
  }
  const rel = (await client.query<{ name: string; qualified: string }>(
    `SELECT c.relname AS name, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qualified
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1`, [oid])).rows[0]!;
  const columns = (await client.query<TargetColumn & { hasdef: boolean }>(
    `SELECT a.attname AS name, t.typname, format_type(a.atttypid, a.atttypmod) AS formatted, a.atttypmod AS typmod,
            a.attnotnull AS "notNull", a.atthasdef AS hasdef
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, [oid])).rows;
  return { oid, ...rel, columns, hasDefault: new Set(columns.filter((c) => c.hasdef).map((c) => c.name)) };
}

function chooseTargets(columns: TargetColumn[], list: string[] | null, table: string): TargetColumn[] {
  if (list === null) return columns;
  return list.map((name) => {
    const column = columns.find((c) => c.name === name);
    if (!column) throw new CopyFailure(`ERROR: column "${name}" of relation "${table}" does not exist`);
    return column;
  });
}

/** The files to load: the manifest's entries, or every object under the key prefix. */
async function sourceFiles(command: CopyCommand, reader: ObjectReader): Promise<{ url: string; mandatory: boolean }[]> {
  if (!command.manifest) {
    const keys = await reader.list(command.bucket, command.key);
    if (keys.length === 0) throw new CopyFailure(`ERROR: The specified S3 prefix '${command.key}' does not exist`);
    return keys.map((key) => ({ url: `s3://${command.bucket}/${key}`, mandatory: true }));
  }
  // https://docs.aws.amazon.com/redshift/latest/dg/loading-data-files-using-manifest.html
  const text = await reader.read(command.bucket, command.key);
  if (text === null) throw new CopyFailure(`ERROR: Problem reading manifest file - S3ServiceException:The specified key does not exist.,Status 404 (s3://${command.bucket}/${command.key})`);
  let manifest: { entries?: { url?: unknown; mandatory?: unknown }[] };
  try {
    manifest = JSON.parse(text.toString('utf8')) as typeof manifest;
  } catch {
    throw new CopyFailure(`ERROR: Manifest file is not in correct json format: s3://${command.bucket}/${command.key}`);
  }
  if (!Array.isArray(manifest.entries)) throw new CopyFailure(`ERROR: Manifest file has no "entries" array: s3://${command.bucket}/${command.key}`);
  return manifest.entries.map((entry) => {
    if (typeof entry.url !== 'string' || !/^s3:\/\/[^/]+\/.+/.test(entry.url)) {
      throw new CopyFailure(`ERROR: COPY with MANIFEST parameter requires full path of an S3 object (load error 8001): ${String(entry.url)}`);
    }
    return { url: entry.url, mandatory: entry.mandatory === true };
  });
}

/** `text` converted to the column type; character columns take text by assignment (checked above). */
function castOf(column: TargetColumn, index: number): string {
  return column.typname === 'varchar' || column.typname === 'bpchar' || column.typname === 'text' ? `u.c${index}` : `u.c${index}::${column.formatted}`;
}

/**
 * Inserts in batches under a savepoint; a batch PostgreSQL rejects is replayed row by row and field
 * by field to find the row and column to report. `onError` returns true once MAXERROR is exceeded.
 */
async function insertRows(
  ctx: CopyContext, qualified: string, columns: TargetColumn[], rows: { line: number; values: (string | null)[] }[],
  onError: (line: number, column: TargetColumn, raw: string, issue: Issue) => boolean,
): Promise<number> {
  if (columns.length === 0 || rows.length === 0) return columns.length === 0 ? 0 : 0;
  const list = columns.map((c) => `"${c.name.replace(/"/g, '""')}"`).join(', ');
  const casts = columns.map((c, i) => castOf(c, i)).join(', ');
  const params = columns.map((_, i) => `$${i + 1}::text[]`).join(', ');
  const names = columns.map((_, i) => `c${i}`).join(', ');
  const insert = `INSERT INTO ${qualified} (${list}) SELECT ${casts} FROM unnest(${params}) AS u(${names})`;
  const run = async (batch: typeof rows): Promise<void> => {
    await ctx.client.query('SAVEPOINT rsfake_copy_batch');
    try {
      await ctx.client.query(insert, columns.map((_, i) => batch.map((row) => row.values[i] ?? null)));
      await ctx.client.query('RELEASE SAVEPOINT rsfake_copy_batch');
    } catch (error) {
      await ctx.client.query('ROLLBACK TO SAVEPOINT rsfake_copy_batch');
      throw error;
    }
  };
  let loaded = 0;
  for (let start = 0; start < rows.length; start += BATCH_ROWS) {
    const batch = rows.slice(start, start + BATCH_ROWS);
    try {
      await run(batch);
      loaded += batch.length;
      continue;
    } catch {
      // Find the rows and fields PostgreSQL rejects.
    }
    for (const row of batch) {
      try {
        await run([row]);
        loaded++;
      } catch (rowError) {
        const failing = await findFailingField(ctx.client, columns, row.values);
        const column = failing ?? columns[0]!;
        const index = columns.indexOf(column);
        if (onError(row.line, column, row.values[index] ?? '', failing ? await conversionIssue(ctx.client, column, row.values[index] ?? null) : issueFromPostgres(rowError, column))) return loaded;
      }
    }
  }
  return loaded;
}

async function findFailingField(client: pg.ClientBase, columns: TargetColumn[], values: (string | null)[]): Promise<TargetColumn | null> {
  for (let i = 0; i < columns.length; i++) {
    if ((await conversionIssue(client, columns[i]!, values[i] ?? null, true)) !== null) return columns[i]!;
  }
  return null;
}

async function conversionIssue(client: pg.ClientBase, column: TargetColumn, value: string | null, probe?: true): Promise<Issue>;
async function conversionIssue(client: pg.ClientBase, column: TargetColumn, value: string | null, probe: boolean): Promise<Issue | null>;
async function conversionIssue(client: pg.ClientBase, column: TargetColumn, value: string | null, probe = false): Promise<Issue | null> {
  await client.query('SAVEPOINT rsfake_copy_probe');
  try {
    await client.query(`SELECT $1::text::${column.formatted}`, [value]);
    await client.query('RELEASE SAVEPOINT rsfake_copy_probe');
    return probe ? null : { error: LOAD_ERROR.invalidType };
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT rsfake_copy_probe');
    return issueFromPostgres(error, column);
  }
}

function loadError(ctx: CopyContext, tableOid: number, startTime: Date, filename: string, line: number, column: TargetColumn, raw: string, issue: Issue, rawLine: string): LoadError {
  const length = (column.typname === 'varchar' || column.typname === 'bpchar') && column.typmod >= 4 ? String(column.typmod - 4) : '';
  return {
    query: ctx.query, session: ctx.session, tableOid, startTime, database: ctx.database, filename, lineNumber: line,
    colname: column.name, type: column.typname, colLength: length, position: issue.position ?? 0, rawLine, rawFieldValue: raw,
    errCode: issue.error.code, errReason: issue.error.reason,
  };
}
