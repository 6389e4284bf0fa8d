/**
 * The HTTP side of the Redshift Data API fake: awsJson1_1 over `POST /` with
 * `X-Amz-Target: RedshiftData.<Operation>` and `Content-Type: application/x-amz-json-1.1`
 * (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html), every request recorded,
 * planned failures answered before the operation runs, and the PostgreSQL database that stands
 * for the Redshift database: created on start, dropped on close.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { ApiError, type ErrorName } from './api-error.js';
import { toJson } from './json-wire.js';
import { CREATE_LOAD_ERROR_TABLES, SYSTEM_SCHEMA } from './load-errors.js';
import { REDSHIFT_FUNCTIONS } from './redshift-functions.js';
import { folderObjectReader, type ObjectReader } from './object-readers.js';
import { cancel, describe, execute, getResult, type OperationHost } from './operations.js';
import { postgresCatalog, type CatalogLookup } from './result-set.js';
import { SessionStore, type Session } from './sessions.js';
import { runStatement, type Statement, type StatementPlan } from './statements.js';
import type { FakeTarget } from './request-checks.js';

export interface PostgresServerConfig {
  host: string;
  port: number;
  user: string;
  password?: string;
  /** A database to connect to for CREATE/DROP DATABASE (`postgres`). */
  database: string;
}

export interface RedshiftDataFakeOptions {
  /** A PostgreSQL ≥ 15 server (MERGE) where the fake may create and drop a database. */
  postgres: PostgresServerConfig;
  /** The Database requests name (default `dev`). */
  database?: string;
  /** The serverless workgroup requests name (default `datapipe`), and/or a provisioned cluster. */
  workgroupName?: string;
  clusterIdentifier?: string;
  /** Schemas to create besides `public`. */
  schemas?: string[];
  /** Where COPY reads `s3://` objects (default: nothing exists). */
  reader?: ObjectReader;
  /** The clock for ClientToken retention and session expiry (default Date.now). */
  now?: () => number;
  /** Rows per GetStatementResult page (default 1000). */
  pageRows?: number;
  /** ActiveStatementsExceededException past this many SUBMITTED/PICKED/STARTED statements (default 200, the documented quota). */
  maxActiveStatements?: number;
}

export type Operation = 'ExecuteStatement' | 'BatchExecuteStatement' | 'DescribeStatement' | 'GetStatementResult' | 'CancelStatement';

export interface RecordedRequest {
  operation: string;
  /**
   * The JSON body as sent. The Data API carries no secret values: credentials travel in the SigV4
   * Authorization header, which is not recorded (SecretArn only names a secret).
   */
  body: Record<string, unknown>;
  /** The HTTP status answered. */
  status: number;
  /** Whether the request was SigV4-signed. */
  signed: boolean;
}

export interface ExecutedSql {
  statementId: string;
  /** The SQL as sent (Redshift dialect). */
  sql: string;
  /** What PostgreSQL ran after the rewrites; null for an emulated COPY or a planned failure. */
  postgresSql: string | null;
}

const HANDLERS: Record<Operation, (host: OperationHost, body: Record<string, unknown>) => Promise<Record<string, unknown>>> = {
  ExecuteStatement: (host, body) => execute(host, body, false),
  BatchExecuteStatement: (host, body) => execute(host, body, true),
  DescribeStatement: describe,
  GetStatementResult: getResult,
  CancelStatement: cancel,
};

export class RedshiftDataFake implements OperationHost {
  readonly requests: RecordedRequest[] = [];
  readonly executions: ExecutedSql[] = [];
  readonly statements = new Map<string, Statement>();
  readonly clientTokens = new Map<string, { fingerprint: string; id: string; at: number }>();
  readonly target: FakeTarget;
  readonly pageRows: number;
  readonly maxActiveStatements: number;
  readonly now: () => number;
  /** `http://127.0.0.1:<port>`: the client's `endpoint`. */
  endpoint = '';
  /** The PostgreSQL database standing for the Redshift database. */
  readonly postgresDatabase = `rsfake_${randomBytes(6).toString('hex')}`;
  readonly sessions: SessionStore;
  reader: ObjectReader;
  #server!: Server;
  #pool!: pg.Pool;
  #systemPool!: pg.Pool;
  #queryId = 1000;
  readonly #failures: { operation: string; error: ErrorName; message: string; remaining: number }[] = [];
  readonly #plans: StatementPlan[] = [];
  #catalog!: CatalogLookup;

  private constructor(private readonly options: RedshiftDataFakeOptions) {
    this.target = { database: options.database ?? 'dev', workgroupName: options.workgroupName ?? (options.clusterIdentifier ? undefined : 'datapipe'), clusterIdentifier: options.clusterIdentifier };
    this.pageRows = options.pageRows ?? 1000;
    this.maxActiveStatements = options.maxActiveStatements ?? 200;
    this.now = options.now ?? Date.now;
    this.sessions = new SessionStore(this.now);
    this.reader = options.reader ?? folderObjectReader('/nonexistent');
  }

  static async start(options: RedshiftDataFakeOptions): Promise<RedshiftDataFake> {
    const fake = new RedshiftDataFake(options);
    await fake.#createDatabase();
    fake.#server = createServer((req, res) => void fake.#handle(req, res));
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.endpoint = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  /** The next `times` calls of `operation` answer `error` (HTTP status as the service sends it). */
  failNext(operation: Operation, error: ErrorName, times = 1, message = `${error} (planned by the test)`): void {
    this.#failures.push({ operation, error, message, remaining: times });
  }

  /** The next `times` statements whose SQL matches fail with `errorText` as their Error, without running. */
  failStatements(match: RegExp, errorText: string, times = 1): void {
    this.#plans.push({ match: (sql) => match.test(sql), error: errorText, remaining: times });
  }

  /** The next `times` statements whose SQL matches stay STARTED for `ms` before running. */
  holdStatements(match: RegExp, ms: number, times = 1): void {
    this.#plans.push({ match: (sql) => match.test(sql), holdMs: ms, remaining: times });
  }

  /** Every SQL text executed, in order (Redshift dialect, as sent). */
  executedSql(): string[] {
    return this.executions.map((e) => e.sql);
  }

  /** The operations called, in order. */
  calls(): string[] {
    return this.requests.map((r) => r.operation);
  }

  /** Runs SQL directly on the database (PostgreSQL dialect), for a test's setup or assertions. */
  async query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<R[]> {
    return (await this.#pool.query<R>(sql, values)).rows;
  }

  session(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  async openSession(keepAliveSeconds: number, target: Record<string, string>): Promise<Session> {
    return this.sessions.open(randomUUID(), keepAliveSeconds, target, async () => {
      const client = new pg.Client(this.#config());
      await client.connect();
      return client;
    });
  }

  start(statement: Statement, parameters: Map<string, string>, session: Session | undefined, keepAlive: number | undefined): void {
    if (session) this.sessions.claim(session, statement.id);
    statement.done = (async () => {
      await new Promise((resolve) => setImmediate(resolve));
      let pooled: pg.PoolClient | undefined;
      try {
        if (statement.target.Database !== undefined && statement.target.Database !== this.target.database) {
          for (const sub of statement.subs) sub.status = 'ABORTED';
          statement.error = `FATAL: database "${statement.target.Database}" does not exist`;
          statement.status = 'FAILED';
          return;
        }
        const client = session ? session.client : (pooled = await this.#pool.connect());
        await runStatement(statement, client, parameters, this.#runContext());
      } catch (error) {
        statement.error = `ERROR: ${(error as Error).message}`;
        statement.status = 'FAILED';
      } finally {
        statement.updatedAt = this.now();
        pooled?.release();
        if (session) this.sessions.release(session, statement.sessionId === session.id ? keepAlive : undefined);
      }
    })();
  }

  async cancel(statement: Statement): Promise<void> {
    statement.cancelled = true;
    statement.wake?.();
    if (statement.status !== 'STARTED' || !statement.redshiftPid) return;
    await this.#cancelBackend(statement.redshiftPid);
    // A cancel that reached PostgreSQL just before the query did is lost: repeat until the statement ends.
    let ended = false;
    void statement.done.finally(() => (ended = true));
    void (async () => {
      for (let i = 0; i < 50 && !ended; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (!ended) await this.#cancelBackend(statement.redshiftPid).catch(() => undefined);
      }
    })();
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const statement of this.statements.values()) await this.cancel(statement).catch(() => undefined);
    await Promise.allSettled([...this.statements.values()].map((s) => s.done));
    await this.sessions.closeAll();
    await this.#pool.end();
    await this.#systemPool.end();
    const admin = new pg.Client(this.options.postgres);
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${this.postgresDatabase} WITH (FORCE)`);
    await admin.end();
  }

  #config(): pg.ClientConfig {
    return { ...this.options.postgres, database: this.postgresDatabase };
  }

  async #createDatabase(): Promise<void> {
    const admin = new pg.Client(this.options.postgres);
    await admin.connect();
    try {
      const version = Number((await admin.query<{ v: string }>('SELECT current_setting(\'server_version_num\') AS v')).rows[0]!.v);
      if (version < 150000) throw new Error(`the Redshift Data API fake needs PostgreSQL 15 or later (MERGE); the server is ${version}`);
      await admin.query(`CREATE DATABASE ${this.postgresDatabase} ENCODING 'UTF8' TEMPLATE template0`);
      // Redshift sessions run in UTC with ISO dates; the load-error tables are on every search_path.
      await admin.query(`ALTER DATABASE ${this.postgresDatabase} SET timezone = 'UTC'`);
      await admin.query(`ALTER DATABASE ${this.postgresDatabase} SET datestyle = 'ISO, MDY'`);
      await admin.query(`ALTER DATABASE ${this.postgresDatabase} SET search_path = "$user", public, ${SYSTEM_SCHEMA}`);
    } finally {
      await admin.end();
    }
    const setup = new pg.Client(this.#config());
    await setup.connect();
    try {
      await setup.query(CREATE_LOAD_ERROR_TABLES);
      await setup.query(REDSHIFT_FUNCTIONS);
      for (const schema of this.options.schemas ?? []) await setup.query(`CREATE SCHEMA IF NOT EXISTS "${schema.replace(/"/g, '""')}"`);
    } finally {
      await setup.end();
    }
    this.#pool = new pg.Pool({ ...this.#config(), max: 10 });
    this.#systemPool = new pg.Pool({ ...this.#config(), max: 2 });
    // An idle client terminated under the pool (DROP DATABASE … WITH (FORCE) on close) is no
    // statement's failure; without a listener the pool's 'error' event would crash the test run.
    for (const pool of [this.#pool, this.#systemPool]) pool.on('error', () => undefined);
    this.#catalog = postgresCatalog(this.#systemPool);
  }

  #runContext() {
    return {
      catalog: this.#catalog,
      copy: { systemPool: this.#systemPool, reader: this.reader, database: this.target.database },
      now: this.now,
      nextQueryId: () => ++this.#queryId,
      takePlan: (sql: string) => {
        const plan = this.#plans.find((p) => p.remaining > 0 && p.match(sql));
        if (plan) plan.remaining--;
        return plan;
      },
      onExecute: (entry: ExecutedSql) => void this.executions.push(entry),
      cancelBackend: (pid: number) => this.#cancelBackend(pid),
    };
  }

  async #cancelBackend(pid: number): Promise<void> {
    await this.#systemPool.query('SELECT pg_cancel_backend($1)', [pid]);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('RedshiftData.') ? target.slice('RedshiftData.'.length) : target;
    const recorded: RecordedRequest = { operation, body: {}, status: 0, signed: String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256') };
    this.requests.push(recorded);
    const answer = await this.#answer(req, operation, Buffer.concat(chunks).toString('utf8'), recorded);
    recorded.status = answer.status;
    const text = toJson(answer.body);
    res.writeHead(answer.status, {
      'content-type': 'application/x-amz-json-1.1', 'content-length': Buffer.byteLength(text), 'x-amzn-requestid': randomUUID(),
    }).end(text);
  }

  async #answer(req: IncomingMessage, operation: string, text: string, recorded: RecordedRequest): Promise<{ status: number; body: Record<string, unknown> }> {
    if (req.method !== 'POST' || !String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) {
      return { status: 400, body: { __type: 'SerializationException', message: 'Expected POST / with Content-Type application/x-amz-json-1.1' } };
    }
    try {
      recorded.body = JSON.parse(text || '{}') as Record<string, unknown>;
    } catch {
      return { status: 400, body: { __type: 'SerializationException', message: 'The request body is not valid JSON' } };
    }
    const handler = HANDLERS[operation as Operation];
    if (!handler) return { status: 400, body: { __type: 'UnknownOperationException', message: `The Redshift Data API fake does not implement ${operation}` } };
    try {
      const failure = this.#failures.find((f) => f.remaining > 0 && f.operation === operation);
      if (failure) {
        failure.remaining--;
        throw new ApiError(failure.error, failure.message, failure.error.endsWith('StatementException') ? { StatementId: randomUUID() } : {});
      }
      return { status: 200, body: await handler(this, recorded.body) };
    } catch (error) {
      if (error instanceof ApiError) return { status: error.status, body: error.body() };
      return { status: 500, body: { __type: 'InternalServerException', message: String((error as Error).message ?? error) } };
    }
  }
}
