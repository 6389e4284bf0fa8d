import type { AzureDestination } from '../../config/config-schema.js';
import { ContractError, TerminalError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { RetryPolicy } from '../../retry.js';
import type { TableModel } from '../../model/column.js';
import { LOADS_TABLE, type LoadTables } from '../sql/load-sql.js';
import { SqlWarehouse } from '../sql-warehouse.js';
import { paramsUsedBy, type ParamValue, type ResultRow, sessionDoing, type SessionContext, type WarehouseDriver, type WarehouseSession } from '../warehouse-driver.js';
import type { LoadRequest, StagedPart } from '../warehouse.js';
import { EntraTokenSource, OAuthM2MTokenSource, patTokenSource, type EntraCredential, type FetchLike, type TokenSource } from './databricks-auth.js';
import { DATABRICKS_CAPABILITIES } from './databricks-capabilities.js';
import { createLoadsSql, createTargetSql, tableLayout } from './databricks-ddl.js';
import { DATABRICKS_DIALECT } from './databricks-dialect.js';
import { checkSchemaRef, tableLabel, tableRef, warehouseIdOf, type SchemaRef } from './databricks-names.js';
import { readFilesExpression } from './databricks-stage.js';
import { StatementClient, type StatementTimings } from './databricks-statements.js';
import { describedColumns, targetDrift } from './databricks-target-check.js';

/** Client choice and the knobs tests turn; production passes none. */
export interface DatabricksWarehouseOptions {
  /** Where the API is (default `https://<host>`); a fake's `http://127.0.0.1:<port>` in tests. */
  baseUrl?: string;
  fetch?: FetchLike;
  /** The token source; default: the one destination.azure.databricks.auth names. */
  tokens?: TokenSource;
  /** For auth entra-id: the credential (default @azure/identity's DefaultAzureCredential). */
  entraCredential?: EntraCredential;
  retry?: RetryPolicy;
  timings?: Partial<StatementTimings>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * The `azure` cloud's warehouse driver: Azure Databricks, Delta tables in the configured Unity
 * Catalog `catalog.schema`, SQL through the Statement Execution API (databricks-statements.ts).
 * The stage is a read_files expression over the run's parts (databricks-stage.ts), so staging
 * copies nothing and leaves nothing behind. Without multi-statement transactions the protocol's
 * commit statements run one after another: see `DatabricksSession.transaction`.
 */
export class DatabricksDriver implements WarehouseDriver {
  readonly capabilities = DATABRICKS_CAPABILITIES;
  readonly loadsTable: string;
  readonly ref: SchemaRef;
  readonly label: string;
  private loadsReady = false;

  constructor(readonly statements: StatementClient, ref: SchemaRef, private readonly log: Logger) {
    this.ref = checkSchemaRef(ref);
    this.label = `${ref.catalog}.${ref.schema}`;
    this.loadsTable = tableRef(this.ref, LOADS_TABLE);
  }

  tables(model: TableModel, runId: string, parts: readonly StagedPart[] = []): LoadTables {
    return {
      target: tableRef(this.ref, model.name),
      // No parts: a caller that only names the target and loads tables (a stage is never read then).
      stage: parts.length > 0 ? readFilesExpression(model, runId, parts) : '',
      loads: this.loadsTable,
    };
  }

  async ensureTable(model: TableModel): Promise<void> {
    const doing = `creating ${tableLabel(this.ref, model.name)} in Databricks`;
    const { note } = tableLayout(model);
    if (note) this.log.info({ table: model.name }, note);
    const target = tableRef(this.ref, model.name);
    await this.statements.run(createTargetSql(model, target), {}, doing, 'create');
    await this.ensureLoadsTable(doing);
    const described = await this.statements.run(`DESCRIBE TABLE ${target}`, {}, doing, 'describe');
    const drift = targetDrift(model, describedColumns(described.rows));
    if (drift) throw new ContractError(`target ${tableLabel(this.ref, model.name)} ${drift}`);
  }

  async withSession<T>(context: SessionContext, work: (session: WarehouseSession) => Promise<T>): Promise<T> {
    const doing = sessionDoing(context, `Databricks ${this.label}`);
    await this.ensureLoadsTable(doing);
    return work(new DatabricksSession(this, doing));
  }

  /** Nothing to release: no connection or session is held between statements. */
  async close(): Promise<void> {}

  /** `_datapipe_loads`, created once per process. */
  private async ensureLoadsTable(doing: string): Promise<void> {
    if (this.loadsReady) return;
    await this.statements.run(createLoadsSql(this.loadsTable), {}, doing, 'create loads');
    this.loadsReady = true;
  }
}

/** One load's statements: nothing is staged, every statement stands alone. */
class DatabricksSession implements WarehouseSession {
  constructor(private readonly driver: DatabricksDriver, private readonly doing: string) {}

  /**
   * Nothing to load: the stage is the read_files expression `tables()` built from the request's
   * parts (checked there: abfss:// URIs, one folder, plain characters, the glob's length). It must
   * be that expression, so a caller that forgot the parts fails here, not in the stage check.
   */
  async stage(request: LoadRequest, tables: LoadTables): Promise<void> {
    if (tables.stage !== readFilesExpression(request.model, request.runId, request.parts)) {
      throw new TerminalError(`table ${request.model.name}, run ${request.runId}: the stage does not read the request's parts — pass them to tables()`);
    }
  }

  async query(sql: string, params: Record<string, ParamValue>, label: string): Promise<ResultRow[]> {
    return (await this.run(sql, params, label)).rows;
  }

  /**
   * No multi-statement transaction (capabilities.transactions is false): each statement commits
   * alone, in the protocol's order — the continuity check, the MERGE or INSERT OVERWRITE (one
   * atomic statement each), then the loads record (INSERT … WHERE NOT EXISTS). A crash after the
   * change and before the record leaves a merged run unrecorded: the loader then finds the state
   * and the warehouse record both at the previous run, and loading the run again (or a newer
   * extraction continuing the same run) re-merges rows the source holds anyway — idempotent. The
   * record never comes first: a recorded run that was not merged would let the state move past it.
   */
  async transaction(statements: readonly string[], params: Record<string, ParamValue>): Promise<void> {
    for (const sql of statements) await this.run(sql, params, statementLabel(sql));
  }

  /** Nothing was created. */
  async dropStage(): Promise<void> {}

  private run(sql: string, params: Record<string, ParamValue>, label: string) {
    return this.driver.statements.run(sql, paramsUsedBy(sql, params, DATABRICKS_DIALECT.param), this.doing, label);
  }
}

/** `continuity`, `merge`, `replace`, `record`: what a commit statement does, for logs. */
function statementLabel(sql: string): string {
  if (sql.startsWith('MERGE')) return 'merge';
  if (sql.startsWith('INSERT OVERWRITE')) return 'replace';
  if (sql.startsWith('INSERT')) return 'record';
  return 'continuity';
}

/** The azure warehouse: the shared load protocol over Azure Databricks. */
export class DatabricksWarehouse extends SqlWarehouse {
  constructor(readonly databricks: DatabricksDriver, log: Logger) {
    super(databricks, log);
  }
}

/** The token source `destination.azure.databricks.auth` names. */
export function tokenSourceFor(databricks: AzureDestination['databricks'], baseUrl: string, options: Pick<DatabricksWarehouseOptions, 'fetch' | 'entraCredential'> = {}): TokenSource {
  const fetchLike: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  switch (databricks.auth ?? 'pat') {
    case 'pat':
      if (!databricks.token) throw new TerminalError('destination.azure.databricks.token: missing — add token: "${DATABRICKS_TOKEN}"');
      return patTokenSource(databricks.token);
    case 'oauth-m2m':
      if (!databricks.client_id || !databricks.client_secret) {
        throw new TerminalError('destination.azure.databricks: auth oauth-m2m needs client_id and client_secret');
      }
      return new OAuthM2MTokenSource(baseUrl, databricks.client_id, databricks.client_secret, fetchLike);
    case 'entra-id':
      return new EntraTokenSource(options.entraCredential);
  }
}

/** Opens the Databricks warehouse of `destination.azure.databricks`. */
export async function openDatabricksWarehouse(destination: AzureDestination, log: Logger, options: DatabricksWarehouseOptions = {}): Promise<DatabricksWarehouse> {
  const { databricks } = destination;
  // DATAPIPE_DATABRICKS_URL: the Statement Execution API behind a proxy, or a local fake in tests.
  const override = process.env.DATAPIPE_DATABRICKS_URL?.trim().replace(/\/+$/, '');
  const baseUrl = options.baseUrl ?? (override || `https://${databricks.host.trim().replace(/\/+$/, '')}`);
  const tokens = options.tokens ?? tokenSourceFor(databricks, baseUrl, options);
  const ref = checkSchemaRef({ catalog: databricks.catalog, schema: databricks.schema });
  const statements = new StatementClient({
    baseUrl,
    warehouseId: warehouseIdOf(databricks.http_path),
    tokens,
    context: { host: databricks.host, httpPath: databricks.http_path, schema: `${ref.catalog}.${ref.schema}` },
    log,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.timings ? { timings: options.timings } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  return new DatabricksWarehouse(new DatabricksDriver(statements, ref, log), log);
}
