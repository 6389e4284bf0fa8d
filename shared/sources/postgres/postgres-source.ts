/**
 * PostgreSQL as a DataPipe source (docs/architecture.md): catalog metadata mapped by
 * model/postgres-types.ts, rows by binary COPY (postgres-copy-read.ts) or cursor — or AVRO records
 * transcoded straight from COPY (postgres-encoded-read.ts) — windows and chunks as SQL
 * (postgres-sql.ts). Built on a structural pool, so tests hand in any `pg` pool.
 */
import { DataPipeError, TerminalError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log.js';
import { withRetry } from '../../retry.js';
import { sourceRetryOptions, type SourceRetry } from '../read-retry.js';
import { targetName, type Column, type Row, type TableModel } from '../../model/column.js';
import { applyOverride, mapPostgresType, needsProfile } from '../../model/postgres-types.js';
import type { DescribeOptions, EncodedBatch, ReadPlan, ReadWindow, RowEstimate, Source } from '../source.js';
import { findTable, primaryKey, profileNumerics, tableColumns } from './postgres-catalog.js';
import type { PostgresPool, PostgresPoolClient } from './postgres-client.js';
import { checkConnection, createPostgresPool, errorContext, type PostgresConnection } from './postgres-connect.js';
import { classifyPostgresError, type PostgresErrorContext } from './postgres-errors.js';
import { readEncodedBatches, readRows, type ReadPath } from './postgres-read.js';
import { columnOf, qualifiedTable, quoteIdent, windowHighSql } from './postgres-sql.js';
import { estimateRows, newestValueSql } from './postgres-statistics.js';
import { wholeNumber } from './postgres-binary-values.js';
import { withPostgresSide } from './postgres-verify.js';
import type { VerifySide } from '../../verify/verify-side.js';

export interface PostgresSourceOptions {
  /** Schema holding the tables; `public` when absent. */
  schema?: string;
  /** Names the server in messages: `host:port/database`, and the user. */
  context: PostgresErrorContext;
  /** `copy` (binary COPY, default) or `cursor` (pg-cursor, text rows). */
  readPath?: ReadPath;
  log?: Logger;
  /** Retry settings (tests pin sleep and random); DATABASE_RETRY by default. */
  retry?: SourceRetry;
}

/**
 * Connects to the configured server (checking the connection now, retrying a refused or lost one)
 * and returns the source. The read path defaults to binary COPY; `DATAPIPE_PG_READ_PATH=cursor`
 * switches a deployment to the cursor path (e.g. behind a proxy that does not pass COPY through)
 * without a rebuild.
 */
export async function connectPostgres(
  connection: PostgresConnection, schema: string | undefined, log: Logger,
  readPath: ReadPath = process.env.DATAPIPE_PG_READ_PATH === 'cursor' ? 'cursor' : 'copy',
  retry?: SourceRetry,
): Promise<PostgresSource> {
  const pool = createPostgresPool(connection, log);
  const context = errorContext(connection);
  try {
    await checkConnection(pool, context, log, retry);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return new PostgresSource(pool, { schema, context, log, readPath, retry });
}

/** The Source seam (shared/sources/source.ts) over a PostgreSQL pool; see the module comment. */
export class PostgresSource implements Source {
  readonly schema: string;
  private readonly context: PostgresErrorContext;
  private readonly readPath: ReadPath;
  private readonly log: Logger;
  private readonly retry: SourceRetry | undefined;

  constructor(private readonly pool: PostgresPool, options: PostgresSourceOptions) {
    this.schema = options.schema ?? 'public';
    this.context = options.context;
    this.readPath = options.readPath ?? 'copy';
    this.log = options.log ?? silentLogger;
    this.retry = options.retry;
  }

  async describe(table: string, options: DescribeOptions): Promise<TableModel> {
    return this.withClient(`describing ${this.schema}.${table}`, async (client) => {
      const found = await findTable(client, this.schema, table, this.context.target, this.context.user);
      const columns = await tableColumns(client, found);
      const overrides = new Map(Object.entries(options.overrides ?? {}).map(([name, o]) => [name.toLowerCase(), { name, type: o.type }]));
      for (const { name } of overrides.values()) {
        if (!columns.some((c) => c.name.toLowerCase() === name.toLowerCase())) {
          throw new TerminalError(`tables[${table}].columns.${name}: ${found.name} has no such column — pick one of ${columns.map((c) => c.name).join(', ')}`);
        }
      }
      const toProfile = options.profile
        ? columns.filter((c) => needsProfile(c.facts) && !overrides.has(c.name.toLowerCase())).map((c) => c.name)
        : [];
      const profiles = await profileNumerics(client, found, toProfile, options.profileSampleRows);
      const modelColumns = columns.map((c): Column => {
        const mapped = mapPostgresType(c.facts, profiles.get(c.name));
        const override = overrides.get(c.name.toLowerCase());
        const decided = override ? applyOverride(override.name, c.facts, mapped, override.type) : mapped;
        const column: Column = { name: targetName(c.name), sourceName: c.name, sourceType: c.facts.formatted, type: decided.type, nullable: !c.notNull };
        if (decided.decision) {
          column.decision = decided.decision;
          // generate schema (profiling) reports decisions; the extractor's drift check only repeats them.
          const level = options.profile ? 'info' : 'debug';
          this.log[level]({ table: found.name, column: c.name, decision: decided.decision }, `${found.name}.${c.name}: ${decided.decision}`);
        }
        return column;
      });
      assertUniqueNames(found.name, modelColumns);
      const keys = await primaryKey(client, found);
      return { sourceSchema: found.schema, sourceName: found.name, name: targetName(found.name), columns: modelColumns, primaryKeys: keys.map(targetName) };
    });
  }

  async windowHigh(model: TableModel, columnName: string): Promise<string | null> {
    const column = columnOf(model, columnName);
    const sql = windowHighSql(model, column);
    const high = await this.withClient('reading the window bound', async (client) => (await client.query<{ high: string | null }>(sql)).rows[0]?.high ?? null);
    // max() of a numeric read as int64 may print `12.00`; the watermark is its integer text.
    return high !== null && column.type.kind === 'int64' ? wholeNumber(high).toString() : high;
  }

  async countNulls(model: TableModel, columnName: string): Promise<number> {
    const column = columnOf(model, columnName);
    const sql = `SELECT count(*)::text AS n FROM ${qualifiedTable(model)} WHERE ${quoteIdent(column.sourceName)} IS NULL`;
    return this.withClient('counting NULL watermarks', async (client) => Number((await client.query<{ n: string }>(sql)).rows[0]?.n ?? 0));
  }

  estimateRows(model: TableModel, window?: ReadWindow): Promise<RowEstimate | null> {
    return this.withClient('estimating rows', (client) => estimateRows(client, model, window));
  }

  async newestValue(model: TableModel, columnName: string): Promise<string | null> {
    const sql = newestValueSql(model, columnOf(model, columnName));
    return this.withClient('reading the newest partition value', async (client) => (await client.query<{ newest: string | null }>(sql)).rows[0]?.newest ?? null);
  }

  read(plan: ReadPlan): AsyncIterable<Row[]> {
    return readRows(this.pool, plan, this.readPath, this.readContext());
  }

  /**
   * The fast path: read()'s rows as AVRO records, byte-identical to encoding them, with read()'s
   * checks and errors. By COPY each tuple is transcoded without building a row; by cursor the
   * rows are built and encoded.
   */
  readEncoded(plan: ReadPlan): AsyncIterable<EncodedBatch> {
    return readEncodedBatches(this.pool, plan, this.readPath, this.readContext());
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private readContext() {
    return { context: this.context, log: this.log, retry: this.retry };
  }

  /**
   * Runs `work` on a pooled connection, classifying whatever the driver throws; a lost, reset or
   * stalled connection is retried on a new one (catalog reads change nothing).
   */
  /** `datapipe verify`'s source side: every query in one REPEATABLE READ snapshot (postgres-verify.ts). */
  verifySession<T>(model: TableModel, work: (side: VerifySide) => Promise<T>): Promise<T> {
    return this.withClient(`verifying ${this.schema}.${model.sourceName}`, (client) => withPostgresSide(client, model, work));
  }

  private async withClient<T>(what: string, work: (client: PostgresPoolClient) => Promise<T>): Promise<T> {
    return withRetry(async () => {
      let client: PostgresPoolClient | undefined;
      try {
        client = await this.pool.connect();
        const result = await work(client);
        client.release();
        client = undefined;
        return result;
      } catch (error) {
        // A driver error may leave the session unusable; our own (a missing table) does not.
        client?.release(error instanceof DataPipeError ? undefined : true);
        throw classifyPostgresError(error, this.context);
      }
    }, sourceRetryOptions(`PostgreSQL at ${this.context.target}: ${what}`, this.log, this.retry));
  }
}

/** Two source columns that map to one target name (`Monto`, `MONTO`) cannot both be loaded. */
function assertUniqueNames(table: string, columns: Column[]): void {
  const seen = new Map<string, string>();
  for (const column of columns) {
    const other = seen.get(column.name);
    if (other !== undefined) {
      throw new TerminalError(`${table}: columns ${other} and ${column.sourceName} both become ${column.name} in the target — rename one of them in the source`);
    }
    seen.set(column.name, column.sourceName);
  }
}
