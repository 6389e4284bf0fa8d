/**
 * Oracle as a DataPipe source (docs/architecture.md), over node-oracledb in Thin mode: catalog rows
 * mapped by model/oracle-types.ts (oracle-catalog.ts), rows read by oracle-read.ts, windows,
 * chunks and profiles as SQL (oracle-sql.ts), the run's SCN and chunk boundaries in
 * oracle-snapshot.ts. One session, opened at connect and reopened after a lost connection; the
 * source runs one statement at a time, as the extractor uses it.
 */
import { ContractError, DataPipeError, TerminalError, TransientError } from '../../errors.js';
import { silentLogger, type Logger } from '../../log.js';
import { withRetry } from '../../retry.js';
import { sourceRetryOptions, type SourceRetry } from '../read-retry.js';
import type { Row, TableModel } from '../../model/column.js';
import { ValueError } from '../../model/value-error.js';
import type { DescribeOptions, EncodedBatch, ReadPlan, ReadWindow, RowEstimate, Source } from '../source.js';
import { columnsToProfile, profileOf, tableModelFromCatalog, type AllTabColumnsRow } from './oracle-catalog.js';
import type { OracleBinds, OracleConnectionLike, OracleDriverLike, OracleExecuteOptions } from './oracle-client.js';
import { errorContext, loadOracleDriver, openSession, WHO_AM_I_SQL, type OracleConnectionConfig } from './oracle-connect.js';
import { classifyOracleError, type OracleErrorContext } from './oracle-errors.js';
import { numberTextToInt64 } from './oracle-number.js';
import { readBatches, readEncodedBatches, type OracleReadContext } from './oracle-read.js';
import { takeSnapshot, readScope, type OracleQuery } from './oracle-snapshot.js';
import { columnOf, COLUMNS_SQL, countNullsSql, CURRENT_SCN_SQL, PRIMARY_KEY_SQL, profileSql, windowHighSql } from './oracle-sql.js';
import { qualifiedName, quoteIdent } from './oracle-identifier.js';
import { bindsUsedBy, checkVerifiable, ORACLE_VERIFY } from './oracle-verify.js';
import type { VerifySide } from '../../verify/verify-side.js';
import { newestValueSql, NUM_ROWS_SQL } from './oracle-statistics.js';
import { fetchTypeHandler } from './oracle-values.js';

export interface OracleSourceOptions {
  /** `source.schema`: the owner of the tables; the connected user when absent. */
  schema?: string;
  log?: Logger;
  /** Retries after a lost connection: DATABASE_RETRY (shared/retry.ts) unless set (tests pin sleep and random). */
  retry?: SourceRetry;
}

/**
 * Connects (retrying a refused or lost connection with backoff), checks the session and returns
 * the source. `driver` is node-oracledb unless a test hands in its own.
 */
export async function connectOracle(
  connection: OracleConnectionConfig, schema: string | undefined, log: Logger,
  options: { driver?: OracleDriverLike; retry?: SourceRetry } = {},
): Promise<OracleSource> {
  const source = new OracleSource(options.driver ?? loadOracleDriver(), connection, { schema, log, retry: options.retry });
  try {
    await source.check();
  } catch (error) {
    await source.close().catch(() => undefined);
    throw error;
  }
  return source;
}

/** The Source seam (shared/sources/source.ts) over one Oracle session; see the module comment. */
export class OracleSource implements Source {
  readonly #driver: OracleDriverLike;
  readonly #config: OracleConnectionConfig;
  readonly #context: OracleErrorContext;
  readonly #log: Logger;
  readonly #retry: SourceRetry | undefined;
  readonly #queryOptions: OracleExecuteOptions;
  readonly #readOptions: OracleExecuteOptions;
  readonly #schema: string | undefined;
  #session: OracleConnectionLike | null = null;

  constructor(driver: OracleDriverLike, config: OracleConnectionConfig, options: OracleSourceOptions = {}) {
    this.#driver = driver;
    this.#config = config;
    this.#context = errorContext(config);
    this.#log = options.log ?? silentLogger;
    this.#retry = options.retry;
    this.#schema = options.schema;
    const handler = fetchTypeHandler(driver);
    this.#queryOptions = { outFormat: driver.OUT_FORMAT_OBJECT, fetchTypeHandler: handler };
    this.#readOptions = {
      resultSet: true, outFormat: driver.OUT_FORMAT_ARRAY, fetchArraySize: config.fetch_array_size, fetchTypeHandler: handler,
      ...(config.prefetch_rows === undefined ? {} : { prefetchRows: config.prefetch_rows }),
    };
  }

  /** The owner whose tables are read: `source.schema`, else the connected user. */
  get owner(): string {
    return this.#schema ?? this.#context.user ?? this.#config.user;
  }

  /** Opens the session now, so a wrong host, service or password fails at start; learns the user's name. */
  async check(): Promise<void> {
    await this.#run('connecting', {}, async (query) => {
      const user = (await query<{ USERNAME: string }>(WHO_AM_I_SQL))[0]?.USERNAME;
      if (user) this.#context.user = user;
    });
  }

  async describe(table: string, options: DescribeOptions): Promise<TableModel> {
    return this.#run(`describing ${this.owner}.${table}`, { table: `${this.owner}.${table}` }, async (query) => {
      const found = await this.#findColumns(query, table);
      const binds = { owner: found.owner, table_name: found.table };
      const keys = (await query<{ COLUMN_NAME: string }>(PRIMARY_KEY_SQL, binds)).map((row) => row.COLUMN_NAME);
      const overrides = options.overrides;
      let model = tableModelFromCatalog(found.owner, found.table, found.rows, keys, { overrides });
      const overridden = new Set(Object.keys(overrides ?? {}).map((name) => name.toLowerCase()));
      const toProfile = options.profile ? columnsToProfile(found.rows).filter((name) => !overridden.has(name.toLowerCase())) : [];
      if (toProfile.length > 0) {
        const profile = profileSql(model, toProfile, options.profileSampleRows ?? 0);
        const result = (await query<Record<string, unknown>>(profile.sql, profile.binds))[0] ?? {};
        const profiles = Object.fromEntries(toProfile.map((name, i) => [name, profileOf(result, i)]));
        model = tableModelFromCatalog(found.owner, found.table, found.rows, keys, { overrides, profiles });
      }
      for (const column of model.columns.filter((c) => c.decision)) {
        // generate schema (profiling) reports decisions; the extractor's drift check only repeats them.
        this.#log[options.profile ? 'info' : 'debug']({ table: found.table, column: column.sourceName, decision: column.decision }, `${found.table}.${column.sourceName}: ${column.decision}`);
      }
      return model;
    });
  }

  async windowHigh(model: TableModel, columnName: string): Promise<string | null> {
    const column = columnOf(model, columnName);
    const sql = windowHighSql(model, column);
    const high = await this.#run('reading the window bound', this.#tableContext(model), async (query) => (await query<{ HIGH: string | null }>(sql))[0]?.HIGH ?? null);
    if (high === null || column.type.kind !== 'int64') return high;
    try {
      return numberTextToInt64(high).toString();
    } catch (error) {
      if (!(error instanceof ValueError)) throw error;
      throw new ContractError(`${model.sourceName}.${column.sourceName}: MAX is ${high}: ${error.message} — declare the column as a decimal in config, or pick another partition_column`, { cause: error });
    }
  }

  async countNulls(model: TableModel, columnName: string): Promise<number> {
    const sql = countNullsSql(model, columnOf(model, columnName));
    return this.#run('counting NULL watermarks', this.#tableContext(model), async (query) => Number((await query<{ NULL_ROWS: string }>(sql))[0]?.NULL_ROWS ?? 0));
  }

  /** The run's SCN and chunk boundaries (oracle-snapshot.ts), taken when the extractor claims a chunked run. */
  async snapshot(model: TableModel, chunks: number): Promise<string> {
    return this.#run('taking the snapshot', this.#tableContext(model), (query) => takeSnapshot(query, model, chunks, this.#context.user ?? this.#config.user, this.#log));
  }

  /**
   * NUM_ROWS for a read of the whole table; a bounded window has no estimate here (its share would
   * need the column's histogram), so its live line shows rows and rate without a percentage.
   */
  async estimateRows(model: TableModel, window?: ReadWindow): Promise<RowEstimate | null> {
    if (window && (window.low !== null || window.high !== null)) return null;
    const binds = { owner: model.sourceSchema, table_name: model.sourceName };
    const rows = await this.#run('reading the table statistics', this.#tableContext(model), async (query) => (await query<{ NUM_ROWS: string | null }>(NUM_ROWS_SQL, binds))[0]?.NUM_ROWS ?? null);
    return rows === null ? null : { rows: Number(rows), basis: 'ALL_TABLES.NUM_ROWS' };
  }

  async newestValue(model: TableModel, columnName: string): Promise<string | null> {
    const sql = newestValueSql(model, columnOf(model, columnName));
    return this.#run('reading the newest partition value', this.#tableContext(model), async (query) => (await query<{ NEWEST: string | null }>(sql))[0]?.NEWEST ?? null);
  }

  read(plan: ReadPlan): AsyncIterable<Row[]> {
    return this.#read(plan);
  }

  /** The same rows as read(), transcoded straight to AVRO records: no row object or decimal Buffer per row. */
  readEncoded(plan: ReadPlan): AsyncIterable<EncodedBatch> {
    return this.#readEncoded(plan);
  }

  /** Closes the session; one that already broke has nothing left to close. */
  async close(): Promise<void> {
    await this.#discard();
  }

  async *#read(plan: ReadPlan): AsyncGenerator<Row[]> {
    yield* readBatches(plan, readScope(plan), this.#readContext());
  }

  async *#readEncoded(plan: ReadPlan): AsyncGenerator<EncodedBatch> {
    yield* readEncodedBatches(plan, readScope(plan), this.#readContext());
  }

  #readContext(): OracleReadContext {
    return {
      acquire: () => this.#acquire(),
      discard: () => this.#discard(),
      executeOptions: this.#readOptions,
      context: this.#context,
      retry: this.#retry,
      log: this.#log,
    };
  }

  /** ALL_TAB_COLUMNS rows of the table: owner and name as given, else as unquoted names fold (uppercase). */
  async #findColumns(query: OracleQuery, table: string): Promise<{ owner: string; table: string; rows: AllTabColumnsRow[] }> {
    const tries = [[this.owner, table], [this.owner.toUpperCase(), table.toUpperCase()]] as const;
    for (const [owner, name] of tries) {
      const rows = await query<AllTabColumnsRow>(COLUMNS_SQL, { owner, table_name: name });
      if (rows.length > 0) return { owner, table: name, rows };
    }
    const user = this.#context.user ?? this.#config.user;
    throw new TerminalError(`table ${this.owner}.${table} not found on ${this.#context.target}: ALL_TAB_COLUMNS lists only what ${user} may read — check tables[].name and source.schema (the owner), and GRANT SELECT ON ${this.owner}.${table} TO ${user}`);
  }

  #tableContext(model: TableModel): Partial<OracleErrorContext> {
    return { table: `${model.sourceSchema}.${model.sourceName}` };
  }

  async #acquire(): Promise<OracleConnectionLike> {
    if (this.#session === null) {
      // Declared before openSession returns: the watchdog may fire while the session is set up.
      const opened: { session?: OracleConnectionLike } = {};
      opened.session = await openSession(this.#driver, this.#config, this.#context, () => {
        // The watchdog dropped a stalled session: the next acquire opens a new one.
        if (opened.session !== undefined && this.#session === opened.session) this.#session = null;
      });
      this.#session = opened.session;
    }
    return this.#session;
  }

  /**
   * `datapipe verify`'s source side: every query reads `AS OF SCN` the SCN current when it starts
   * (oracle-verify.ts), on this source's session.
   */
  async verifySession<T>(model: TableModel, work: (side: VerifySide) => Promise<T>): Promise<T> {
    checkVerifiable(model);
    return this.#run(`verifying ${this.owner}.${model.sourceName}`, this.#tableContext(model), async (query) => {
      const [row] = await query<{ CURRENT_SCN: string }>(CURRENT_SCN_SQL);
      const scn = row?.CURRENT_SCN ?? '';
      const from = `${qualifiedName(model.sourceSchema, model.sourceName)} AS OF SCN TO_NUMBER(:scn)`;
      return work({
        table: { dialect: ORACLE_VERIFY, model, from, column: (c) => quoteIdent(c.sourceName) },
        query: (sql, params) => query<Record<string, unknown>>(sql, bindsUsedBy(sql, { ...params, scn })),
      });
    });
  }

  async #discard(): Promise<void> {
    const session = this.#session;
    this.#session = null;
    await session?.close().catch(() => undefined);
  }

  /**
   * Runs catalog work on the session with query() (rows as objects, NUMBER as text), retrying
   * after a lost connection; whatever the driver throws is classified with the table named.
   */
  async #run<T>(what: string, extra: Partial<OracleErrorContext>, work: (query: OracleQuery) => Promise<T>): Promise<T> {
    const context = { ...this.#context, ...extra };
    return withRetry(async () => {
      try {
        const session = await this.#acquire();
        const query: OracleQuery = async <R>(sql: string, binds: OracleBinds = {}) => (await session.execute<R>(sql, binds, this.#queryOptions)).rows ?? [];
        return await work(query);
      } catch (error) {
        const failure = error instanceof DataPipeError ? error : classifyOracleError(error, context);
        if (failure instanceof TransientError) await this.#discard();
        throw failure;
      }
    }, sourceRetryOptions(`Oracle at ${this.#context.target}: ${what}`, this.#log, this.#retry));
  }
}
