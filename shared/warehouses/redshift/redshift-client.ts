/**
 * The slice of the Redshift Data API the warehouse calls (style.md §4), and the one place that
 * constructs the SDK's client — loaded with `import()` only when a Redshift warehouse opens, so the
 * CLI and the extractor never load it. Tests hand in the real client pointed at the Redshift
 * Data API fake (test/support/redshift-data-fake.ts).
 *
 * Retries: the SDK's own layer is OFF (`maxAttempts: 1`). Its standard mode would resend
 * throttling and 5xx answers 3 times with jitter, but it sees only HTTP: a statement that FAILED
 * on a lock conflict, or ActiveStatementsExceededException (a 400 the SDK does not retry), must be
 * retried by the warehouse anyway. One loop, shared/retry.ts's, does both, so attempts never
 * multiply (3 SDK tries × 6 of ours) and every retry is logged (redshift-statements.ts).
 */
import { TerminalError } from '../../errors.js';

/** Where a statement runs: a workgroup or cluster with its database and auth, or an open session. */
export interface ConnectionMembers {
  WorkgroupName?: string;
  ClusterIdentifier?: string;
  Database?: string;
  SecretArn?: string;
  DbUser?: string;
  SessionId?: string;
  SessionKeepAliveSeconds?: number;
}

export interface StatementInput extends ConnectionMembers {
  Parameters?: { name: string; value: string }[];
  ClientToken?: string;
}

/** What ExecuteStatement and BatchExecuteStatement answer. */
export interface ExecuteOutput {
  Id?: string;
  SessionId?: string;
}

export type StatementStatus = 'SUBMITTED' | 'PICKED' | 'STARTED' | 'FINISHED' | 'ABORTED' | 'FAILED';

/** A statement or sub-statement as DescribeStatement reports it. */
export interface StatementState {
  Id?: string;
  Status?: StatementStatus | string;
  Error?: string;
  QueryString?: string;
  HasResultSet?: boolean;
  RedshiftQueryId?: number;
}

export interface DescribeOutput extends StatementState {
  SessionId?: string;
  SubStatements?: StatementState[];
}

/** One value of a result row (the Data API's Field union). */
export interface FieldValue {
  isNull?: boolean;
  booleanValue?: boolean;
  longValue?: number;
  doubleValue?: number;
  stringValue?: string;
  blobValue?: Uint8Array;
}

export interface ResultPage {
  Records?: FieldValue[][];
  ColumnMetadata?: { name?: string; label?: string }[];
  NextToken?: string;
}

/** The Redshift Data API client, as far as the warehouse uses it. */
export interface RedshiftDataApi {
  executeStatement(input: StatementInput & { Sql: string }): Promise<ExecuteOutput>;
  batchExecuteStatement(input: StatementInput & { Sqls: string[] }): Promise<ExecuteOutput>;
  describeStatement(input: { Id: string; WaitTimeSeconds?: number }): Promise<DescribeOutput>;
  getStatementResult(input: { Id: string; NextToken?: string }): Promise<ResultPage>;
  cancelStatement(input: { Id: string }): Promise<{ Status?: boolean }>;
  destroy(): void;
}

/**
 * How createRedshiftDataApi reaches the service. Credentials are never an option: the SDK's
 * default provider chain finds them (environment, shared config and SSO, web identity / IRSA,
 * ECS and EC2 roles — https://docs.aws.amazon.com/sdkref/latest/guide/standardized-credentials.html).
 */
export interface RedshiftClientOptions {
  /** destination.aws.region. */
  region: string;
  /**
   * A base URL instead of the regional endpoint (a test fake). Without it the SDK also honours
   * AWS_ENDPOINT_URL_REDSHIFT_DATA, then AWS_ENDPOINT_URL (its service-specific endpoint
   * settings, https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
   */
  endpoint?: string;
}

/** The real client, loaded on first use. */
export async function createRedshiftDataApi(options: RedshiftClientOptions): Promise<RedshiftDataApi> {
  const { RedshiftData } = await import('@aws-sdk/client-redshift-data').catch((error: unknown) => {
    throw new TerminalError('@aws-sdk/client-redshift-data is not installed — run npm ci (the aws cloud needs it)', { cause: error });
  });
  return new RedshiftData({
    region: options.region,
    maxAttempts: 1,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
}
