/**
 * The Data API operations the fake serves, shaped as aws-models/redshift-data.json's outputs:
 * ExecuteStatement, BatchExecuteStatement, DescribeStatement, GetStatementResult, CancelStatement.
 * The statement store, sessions and PostgreSQL pools belong to data-api-fake.ts; this file turns
 * requests into statements and statements into responses.
 */
import { randomUUID } from 'node:crypto';
import { notFound, validation, ApiError } from './api-error.js';
import { epochSeconds, RawNumber } from './json-wire.js';
import { checkClientToken, checkId, checkKeepAlive, checkParameters, checkSqls, checkTarget, checkWaitTime, type ExecuteBody, type FakeTarget } from './request-checks.js';
import type { Session } from './sessions.js';
import type { Statement, SubStatement } from './statements.js';

/** ClientToken is retained 8 hours (https://docs.aws.amazon.com/redshift/latest/mgmt/data-api.html). */
export const CLIENT_TOKEN_MS = 8 * 3600 * 1000;
const TERMINAL = new Set(['FINISHED', 'FAILED', 'ABORTED']);

/** What the operations need from the fake. */
export interface OperationHost {
  target: FakeTarget;
  now(): number;
  pageRows: number;
  maxActiveStatements: number;
  statements: Map<string, Statement>;
  clientTokens: Map<string, { fingerprint: string; id: string; at: number }>;
  session(id: string): Session | undefined;
  /** Opens a session (a dedicated connection) before the response names it. */
  openSession(keepAliveSeconds: number, target: Record<string, string>): Promise<Session>;
  /** Starts the statement in the background; `done` settles when it ends. */
  start(statement: Statement, parameters: Map<string, string>, session: Session | undefined, keepAlive: number | undefined): void;
  cancel(statement: Statement): Promise<void>;
}

function wait(statement: Statement, seconds: number): Promise<void> {
  if (seconds <= 0 || TERMINAL.has(statement.status)) return Promise.resolve();
  return Promise.race([statement.done, new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000).unref())]);
}

/** ExecuteStatement and BatchExecuteStatement. */
export async function execute(host: OperationHost, body: ExecuteBody, batch: boolean): Promise<Record<string, unknown>> {
  const sqls = checkSqls(body, batch);
  checkTarget(body, host.target);
  const parameters = checkParameters(body, sqls);
  const waitSeconds = checkWaitTime(body.WaitTimeSeconds);
  const keepAlive = checkKeepAlive(body.SessionKeepAliveSeconds);
  const token = checkClientToken(body.ClientToken);
  if (batch && body.ExecutionMode !== undefined && body.ExecutionMode !== 'TRANSACTION' && body.ExecutionMode !== 'AUTO_COMMIT') {
    throw validation(`Invalid ExecutionMode: ${String(body.ExecutionMode)}`);
  }
  if (token !== undefined) {
    // Same token and same request within 8 hours: the same statement, not run again.
    const { ClientToken: _token, WaitTimeSeconds: _wait, ...rest } = body;
    const fingerprint = JSON.stringify([batch, rest]);
    const seen = host.clientTokens.get(token);
    if (seen && host.now() - seen.at < CLIENT_TOKEN_MS) {
      if (seen.fingerprint !== fingerprint) throw validation(`ClientToken ${token} was already used with a different request: an idempotent retry must repeat the request exactly`);
      const statement = host.statements.get(seen.id)!;
      await wait(statement, waitSeconds);
      return executeOutput(statement);
    }
  }
  const active = [...host.statements.values()].filter((s) => s.status === 'SUBMITTED' || s.status === 'PICKED' || s.status === 'STARTED').length;
  if (active >= host.maxActiveStatements) throw new ApiError('ActiveStatementsExceededException', `Active statements exceeded the allowed quota (${host.maxActiveStatements}).`);
  let session: Session | undefined;
  if (typeof body.SessionId === 'string') {
    session = host.session(body.SessionId);
    if (!session || session.status === 'CLOSED') throw notFound(`Session ${body.SessionId} is closed or does not exist`, body.SessionId);
    if (session.status === 'BUSY') throw validation(`Session ${body.SessionId} is busy running statement ${session.currentStatementId ?? ''}: a session runs one statement at a time`);
  } else if (keepAlive !== undefined && keepAlive > 0) {
    session = await host.openSession(keepAlive, pickTarget(body as Record<string, unknown>));
  }
  const now = host.now();
  const id = randomUUID();
  const sub = (sql: string, n: number): SubStatement => ({
    id: batch ? `${id}:${n}` : id, sql, status: 'SUBMITTED', createdAt: now, updatedAt: now, durationNs: 0,
    resultRows: -1, resultSize: 0, hasResultSet: false, redshiftQueryId: 0,
  });
  const target = session ? { ...session.target } : pickTarget(body as Record<string, unknown>);
  const statement: Statement = {
    id, batch, subs: sqls.map((sql, i) => sub(sql, i + 1)), status: 'SUBMITTED', createdAt: now, updatedAt: now, target,
    parameters: body.Parameters as Statement['parameters'], statementName: typeof body.StatementName === 'string' ? body.StatementName : undefined,
    executionMode: batch ? (body.ExecutionMode === 'AUTO_COMMIT' ? 'AUTO_COMMIT' : 'TRANSACTION') : undefined,
    sessionId: session?.id, redshiftPid: 0, cancelled: false, done: Promise.resolve(),
  };
  host.statements.set(id, statement);
  if (token !== undefined) {
    const { ClientToken: _token, WaitTimeSeconds: _wait, ...rest } = body;
    host.clientTokens.set(token, { fingerprint: JSON.stringify([batch, rest]), id, at: now });
  }
  host.start(statement, parameters, session, keepAlive);
  await wait(statement, waitSeconds);
  return executeOutput(statement);
}

function pickTarget(body: Record<string, unknown>): Statement['target'] {
  const out: Statement['target'] = {};
  for (const key of ['Database', 'ClusterIdentifier', 'WorkgroupName', 'SecretArn', 'DbUser'] as const) {
    if (typeof body[key] === 'string') out[key] = body[key];
  }
  return out;
}

function executeOutput(statement: Statement): Record<string, unknown> {
  return {
    Id: statement.id, CreatedAt: epochSeconds(statement.createdAt), ...statement.target, SessionId: statement.sessionId,
    Status: statement.status, HasResultSet: statement.subs.some((s) => s.hasResultSet),
    RedshiftPid: statement.redshiftPid ? new RawNumber(String(statement.redshiftPid)) : undefined,
  };
}

/** A statement or a batch's sub-statement (`<id>:N`). */
function find(host: OperationHost, id: string): { statement: Statement; sub: SubStatement | null } {
  const [parentId, n] = id.split(':');
  const statement = host.statements.get(parentId!);
  if (!statement) throw notFound(`Query does not exist: ${id}`, id);
  if (n === undefined) return { statement, sub: statement.batch ? null : statement.subs[0]! };
  const sub = statement.batch ? statement.subs[Number(n) - 1] : undefined;
  if (!sub) throw notFound(`Query does not exist: ${id}`, id);
  return { statement, sub };
}

function subData(sub: SubStatement): Record<string, unknown> {
  return {
    Id: sub.id, Status: sub.status, Error: sub.error, QueryString: sub.sql, CreatedAt: epochSeconds(sub.createdAt),
    UpdatedAt: epochSeconds(sub.updatedAt), Duration: new RawNumber(String(sub.durationNs)), HasResultSet: sub.hasResultSet,
    ResultRows: new RawNumber(String(sub.resultRows)), ResultSize: new RawNumber(String(sub.resultSize)),
    RedshiftQueryId: new RawNumber(String(sub.redshiftQueryId)),
  };
}

export async function describe(host: OperationHost, body: { Id?: unknown; WaitTimeSeconds?: unknown }): Promise<Record<string, unknown>> {
  const id = checkId(body.Id);
  const waitSeconds = checkWaitTime(body.WaitTimeSeconds);
  const { statement, sub } = find(host, id);
  await wait(statement, waitSeconds);
  const common = {
    ...statement.target, SessionId: statement.sessionId, QueryParameters: statement.parameters,
    RedshiftPid: new RawNumber(String(statement.redshiftPid)), ResultFormat: 'JSON',
  };
  if (sub) {
    // A single statement reports its own lifecycle (PICKED included); a sub-statement its part of the batch.
    return { ...common, ...subData(sub), ...(statement.batch ? {} : { Status: statement.status, Error: statement.error }) };
  }
  const total = statement.subs.reduce((sum, s) => sum + Math.max(s.resultRows, 0), 0);
  return {
    ...common, Id: statement.id, Status: statement.status, Error: statement.error, CreatedAt: epochSeconds(statement.createdAt),
    UpdatedAt: epochSeconds(statement.updatedAt), Duration: new RawNumber(String(statement.subs.reduce((sum, s) => sum + s.durationNs, 0))),
    HasResultSet: statement.subs.some((s) => s.hasResultSet), ResultRows: new RawNumber(String(total)),
    RedshiftQueryId: new RawNumber('0'), SubStatements: statement.subs.map(subData), ExecutionMode: statement.executionMode,
  };
}

export async function getResult(host: OperationHost, body: { Id?: unknown; NextToken?: unknown; WaitTimeSeconds?: unknown }): Promise<Record<string, unknown>> {
  const id = checkId(body.Id);
  const waitSeconds = checkWaitTime(body.WaitTimeSeconds);
  const { statement, sub } = find(host, id);
  if (!sub) throw validation(`${id} is a batch: fetch each statement's result with its sub-statement Id (${id}:1 … ${id}:${statement.subs.length})`);
  await wait(statement, waitSeconds);
  if (sub.status !== 'FINISHED' || !sub.result) throw notFound('Query does not have result. Please check query status with DescribeStatement.', id);
  let offset = 0;
  if (body.NextToken !== undefined) {
    const token = decodeToken(body.NextToken);
    if (!token || token.id !== id) throw validation('Invalid NextToken');
    offset = token.offset;
  }
  const end = Math.min(offset + host.pageRows, sub.result.records.length);
  return {
    Records: sub.result.records.slice(offset, end), ColumnMetadata: sub.result.columns,
    TotalNumRows: new RawNumber(String(sub.result.records.length)),
    NextToken: end < sub.result.records.length ? Buffer.from(JSON.stringify({ id, offset: end })).toString('base64url') : undefined,
  };
}

function decodeToken(value: unknown): { id: string; offset: number } | null {
  try {
    const token = JSON.parse(Buffer.from(String(value), 'base64url').toString('utf8')) as { id?: unknown; offset?: unknown };
    return typeof token.id === 'string' && typeof token.offset === 'number' ? { id: token.id, offset: token.offset } : null;
  } catch {
    return null;
  }
}

/** "To be canceled, a query must be running" (CancelStatement in the API reference). */
export async function cancel(host: OperationHost, body: { Id?: unknown }): Promise<Record<string, unknown>> {
  const id = checkId(body.Id);
  const { statement } = find(host, id.split(':')[0]!);
  if (TERMINAL.has(statement.status)) throw validation(`Could not cancel a query that is already in ${statement.status} state.`);
  await host.cancel(statement);
  return { Status: true };
}
