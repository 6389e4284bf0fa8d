import type { AwsDestination } from '../../config/config-schema.js';
import { ContractError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { TableModel } from '../../model/column.js';
import type { RetryPolicy } from '../../retry.js';
import { LOADS_TABLE, type LoadTables } from '../sql/load-sql.js';
import { SqlWarehouse } from '../sql-warehouse.js';
import { sessionDoing, type SessionContext, type WarehouseDriver, type WarehouseSession } from '../warehouse-driver.js';
import { REDSHIFT_CAPABILITIES } from './redshift-capabilities.js';
import { createRedshiftDataApi, type ConnectionMembers, type RedshiftClientOptions, type RedshiftDataApi } from './redshift-client.js';
import { createLoadsSql, createTargetSql, describeTargetSql, tableRef } from './redshift-ddl.js';
import type { FailureContext } from './redshift-errors.js';
import { RedshiftSession, type SessionHost } from './redshift-session.js';
import { DEDUP_TABLE, STAGE_TABLE } from './redshift-stage-sql.js';
import { StatementRunner } from './redshift-statements.js';
import { targetDrift } from './redshift-target-check.js';

/**
 * How long a load's Data API session outlives each statement: far longer than any gap between two
 * statements of a load (the retry backoff caps at a minute), short enough that a crashed loader's
 * temporary tables go within minutes.
 */
export const DEFAULT_SESSION_KEEP_ALIVE_SECONDS = 600;

/** Client choice and the knobs tests turn; production passes only putObject (the registry does). */
export interface RedshiftWarehouseOptions extends Pick<RedshiftClientOptions, 'endpoint'> {
  /** A ready client (tests); otherwise one is created from the destination and the options above. */
  client?: RedshiftDataApi;
  /** Writes a small object to the staging bucket (the staging store's `put`): the COPY manifest. */
  putObject?: (key: string, body: string) => Promise<void>;
  retry?: RetryPolicy;
  /** How long one statement may run before it is cancelled (redshift-statements.ts). */
  statementDeadlineMs?: number;
  sessionKeepAliveSeconds?: number;
  pollBackoffMs?: number;
  clientToken?: () => string;
}

/**
 * The `aws` cloud's warehouse driver: Redshift (Serverless workgroup or provisioned cluster)
 * through the Data API, tables in `destination.aws.redshift.schema`. A load stages the run's AVRO
 * parts with COPY into temporary tables of its own Data API session (redshift-session.ts); the
 * protocol's checks and its transaction (one BatchExecuteStatement) follow (../sql-warehouse.ts).
 */
export class RedshiftDriver implements WarehouseDriver {
  readonly capabilities = REDSHIFT_CAPABILITIES;
  readonly loadsTable: string;
  readonly runner: StatementRunner;
  readonly connection: ConnectionMembers;
  /** "Redshift workgroup wg, database dev". */
  readonly label: string;
  private readonly host: Omit<SessionHost, 'runner'>;
  private loadsReady = false;

  constructor(readonly destination: AwsDestination, private readonly client: RedshiftDataApi, private readonly log: Logger, options: RedshiftWarehouseOptions = {}) {
    const r = destination.redshift;
    this.loadsTable = tableRef(r.schema, LOADS_TABLE);
    this.connection = {
      ...(r.workgroup_name ? { WorkgroupName: r.workgroup_name } : { ClusterIdentifier: r.cluster_identifier }),
      Database: r.database,
      ...(r.secret_arn ? { SecretArn: r.secret_arn } : {}),
      ...(r.db_user ? { DbUser: r.db_user } : {}),
    };
    const target = r.workgroup_name ? `workgroup ${r.workgroup_name}` : `cluster ${r.cluster_identifier ?? ''}`;
    this.label = `Redshift ${target}, database ${r.database}`;
    this.runner = new StatementRunner({
      client, log, retry: options.retry, deadlineMs: options.statementDeadlineMs, pollBackoffMs: options.pollBackoffMs, clientToken: options.clientToken,
    });
    this.host = {
      connection: this.connection, keepAliveSeconds: options.sessionKeepAliveSeconds ?? DEFAULT_SESSION_KEEP_ALIVE_SECONDS, iamRole: r.iam_role,
      failure: { target, schema: r.schema, iamRole: r.iam_role }, putObject: options.putObject, log,
    };
  }

  tables(model: TableModel): LoadTables {
    return { target: tableRef(this.destination.redshift.schema, model.name), stage: STAGE_TABLE, loads: this.loadsTable, dedup: DEDUP_TABLE };
  }

  async ensureTable(model: TableModel, partitionColumn: string | null): Promise<void> {
    const { schema } = this.destination.redshift;
    const context = this.context(`creating ${model.name} in ${this.label}`);
    const ddl = [...(this.loadsReady ? [] : [createLoadsSql(schema)]), createTargetSql(model, schema, partitionColumn)];
    await this.runner.run({ sqls: ddl, batch: ddl.length > 1, origin: 'ddl', params: {}, connection: this.connection, context });
    this.loadsReady = true;
    const described = await this.runner.run({
      sqls: [describeTargetSql()], batch: false, origin: 'ddl', params: { schema_name: schema, table_name: model.name }, connection: this.connection, context,
    });
    const rows = await this.runner.results(described.id, context);
    const drift = targetDrift(model, rows.map((row) => ({
      name: String(row.column_name), dataType: String(row.data_type),
      numericPrecision: row.numeric_precision === null ? null : String(row.numeric_precision),
      numericScale: row.numeric_scale === null ? null : String(row.numeric_scale),
    })));
    if (drift) throw new ContractError(`target ${schema}.${model.name} in ${this.label} ${drift}`);
  }

  async withSession<T>(context: SessionContext, work: (session: WarehouseSession) => Promise<T>): Promise<T> {
    const doing = sessionDoing(context, this.label);
    const session = new RedshiftSession({ ...this.host, runner: this.runner }, doing);
    try {
      return await work(session);
    } finally {
      await session.close();
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  private context(doing: string): Omit<FailureContext, 'origin'> {
    return { ...this.host.failure, doing };
  }
}

/** The aws warehouse: the shared load protocol over Redshift. */
export class RedshiftWarehouse extends SqlWarehouse {
  constructor(readonly redshift: RedshiftDriver, log: Logger) {
    super(redshift, log);
  }
}

/**
 * Opens the Redshift warehouse of `destination.aws`: credentials from the SDK's default provider
 * chain only, the region from `destination.aws.region`, the endpoint from `options.endpoint` or
 * the SDK's AWS_ENDPOINT_URL_REDSHIFT_DATA. Nothing is contacted until the first statement.
 */
export async function openRedshiftWarehouse(destination: AwsDestination, log: Logger, options: RedshiftWarehouseOptions = {}): Promise<RedshiftWarehouse> {
  const client = options.client ?? await createRedshiftDataApi({
    region: destination.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  return new RedshiftWarehouse(new RedshiftDriver(destination, client, log, options), log);
}
