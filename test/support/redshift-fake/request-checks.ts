/**
 * Input checks the Data API makes before it accepts a statement, answered as ValidationException
 * (the constraints of aws-models/redshift-data.json and the API reference):
 * - connection members, one of the documented combinations
 *   (https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_ExecuteStatement.html):
 *   Secrets Manager `SecretArn` + `Database` (+ `ClusterIdentifier` or `WorkgroupName`);
 *   serverless `WorkgroupName` + `Database`; a cluster as an IAM identity `ClusterIdentifier` +
 *   `Database`; a cluster as a database user `ClusterIdentifier` + `Database` + `DbUser`.
 *   The fake also requires exactly one of ClusterIdentifier / WorkgroupName (DataPipe's config
 *   always names one) and none of them with `SessionId`, which carries its own connection;
 * - `Sqls` 1–40 statements (SqlList), each statement and `Sql` under 100 KB ("maximum query
 *   statement size is 100 KB", https://docs.aws.amazon.com/redshift/latest/mgmt/data-api.html);
 * - `Parameters`: names `[0-9a-zA-Z_]+`, values of at least one character
 *   (https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_SqlParameter.html), each
 *   referenced by at least one statement ("Each provided parameter must be referenced",
 *   BatchExecuteStatement's Parameters);
 * - `WaitTimeSeconds` 1–30, `SessionKeepAliveSeconds` 0–86400, `ClientToken` 1–64 characters, Ids
 *   `[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\d{0,2})?` (the model's UUID pattern).
 */
import { validation } from './api-error.js';
import { referencedParameters } from './sql-text.js';

export const MAX_STATEMENT_BYTES = 100 * 1024;
export const MAX_BATCH_STATEMENTS = 40;
export const ID_PATTERN = /^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\d{0,2})?$/;

/** The fake's Redshift: the names requests must use. */
export interface FakeTarget {
  database: string;
  workgroupName?: string;
  clusterIdentifier?: string;
}

export interface ExecuteBody {
  Sql?: unknown;
  Sqls?: unknown;
  Database?: unknown;
  ClusterIdentifier?: unknown;
  WorkgroupName?: unknown;
  SecretArn?: unknown;
  DbUser?: unknown;
  Parameters?: unknown;
  SessionId?: unknown;
  SessionKeepAliveSeconds?: unknown;
  WaitTimeSeconds?: unknown;
  ClientToken?: unknown;
  ExecutionMode?: unknown;
  StatementName?: unknown;
  ResultFormat?: unknown;
}

const str = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** The SQL texts of an ExecuteStatement (one) or a BatchExecuteStatement (1–40). */
export function checkSqls(body: ExecuteBody, batch: boolean): string[] {
  let sqls: string[];
  if (batch) {
    if (!Array.isArray(body.Sqls) || body.Sqls.length < 1 || body.Sqls.length > MAX_BATCH_STATEMENTS) {
      throw validation(`1 validation error detected: Value at 'sqls' failed to satisfy constraint: Member must have length between 1 and ${MAX_BATCH_STATEMENTS}`);
    }
    sqls = body.Sqls.map(String);
  } else {
    if (!str(body.Sql)) throw validation("1 validation error detected: Value null at 'sql' failed to satisfy constraint: Member must not be null");
    sqls = [body.Sql];
  }
  for (const sql of sqls) {
    if (Buffer.byteLength(sql, 'utf8') > MAX_STATEMENT_BYTES) {
      throw validation(`The SQL statement is ${Buffer.byteLength(sql, 'utf8')} bytes: the maximum query statement size is 100 KB`);
    }
  }
  return sqls;
}

/** The connection members, checked against the documented combinations and the fake's names. */
export function checkTarget(body: ExecuteBody, target: FakeTarget): void {
  const given = (['ClusterIdentifier', 'WorkgroupName', 'SecretArn', 'DbUser', 'Database'] as const).filter((m) => body[m] !== undefined);
  if (body.SessionId !== undefined) {
    if (!str(body.SessionId) || !ID_PATTERN.test(body.SessionId)) throw validation(`Invalid SessionId: ${String(body.SessionId)}`);
    if (given.length > 0) throw validation(`SessionId cannot be combined with ${given.join(', ')}: the session carries its own connection`);
    return;
  }
  const cluster = body.ClusterIdentifier;
  const workgroup = body.WorkgroupName;
  if (cluster !== undefined && workgroup !== undefined) throw validation('Specify either ClusterIdentifier or WorkgroupName, not both');
  if (cluster === undefined && workgroup === undefined) throw validation('Either ClusterIdentifier or WorkgroupName must be specified');
  if (!str(body.Database)) throw validation('Database must be specified when authenticating with Secrets Manager or temporary credentials');
  if (body.SecretArn !== undefined && body.DbUser !== undefined) throw validation('Specify either SecretArn or DbUser, not both');
  if (workgroup !== undefined && body.DbUser !== undefined) throw validation('DbUser is not supported with WorkgroupName: the database user is derived from the IAM identity');
  if (cluster !== undefined) {
    if (!str(cluster) || !/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(cluster) || cluster.length > 63) throw validation(`Invalid ClusterIdentifier: ${String(cluster)}`);
    if (cluster !== target.clusterIdentifier) throw validation("Redshift endpoint doesn't exist in this region.");
  }
  if (workgroup !== undefined) {
    const name = String(workgroup).replace(/^arn:.*:workgroup\//, '');
    if (name !== target.workgroupName) throw validation(`Workgroup ${String(workgroup)} not found`);
  }
}

/** Parameters as a name → value map, every one referenced by some statement. */
export function checkParameters(body: ExecuteBody, sqls: string[]): Map<string, string> {
  const parameters = new Map<string, string>();
  if (body.Parameters === undefined) return parameters;
  if (!Array.isArray(body.Parameters) || body.Parameters.length === 0) throw validation("1 validation error detected: Value at 'parameters' failed to satisfy constraint: Member must have length greater than or equal to 1");
  const referenced = new Set(sqls.flatMap((sql) => [...referencedParameters(sql)]));
  for (const parameter of body.Parameters as { name?: unknown; value?: unknown }[]) {
    if (!str(parameter.name) || !/^[0-9a-zA-Z_]+$/.test(parameter.name)) throw validation(`Invalid parameter name: ${String(parameter.name)}`);
    if (!str(parameter.value)) throw validation(`Parameter ${parameter.name} needs a value of at least one character`);
    if (!referenced.has(parameter.name)) throw validation(`Parameter ${parameter.name} is not referenced by the SQL statement: each provided parameter must be referenced`);
    parameters.set(parameter.name, parameter.value);
  }
  return parameters;
}

export function checkWaitTime(value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 30) {
    throw validation(`1 validation error detected: Value '${String(value)}' at 'waitTimeSeconds' failed to satisfy constraint: Member must have value between 1 and 30`);
  }
  return value;
}

export function checkKeepAlive(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 86400) {
    throw validation(`1 validation error detected: Value '${String(value)}' at 'sessionKeepAliveSeconds' failed to satisfy constraint: Member must have value between 0 and 86400`);
  }
  return value;
}

export function checkClientToken(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length < 1 || value.length > 64) throw validation('ClientToken must have length between 1 and 64');
  return value;
}

export function checkId(value: unknown): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) throw validation(`1 validation error detected: Value '${String(value)}' at 'id' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}(:\\d{0,2})?`);
  return value;
}
