/**
 * A FAKE of the BigQuery REST API (v2), for driving the real @google-cloud/bigquery client without
 * Google Cloud: BigQuery has no emulator that loads AVRO or runs multi-statement transactions
 * (goccy/bigquery-emulator supports neither). It implements only the
 * calls the warehouse makes — datasets.get, tables.get/insert/patch/delete, jobs.insert/get and
 * jobs.getQueryResults — and executes nothing: jobs finish as the test planned them (state, error,
 * outputRows, result rows). Every request is recorded, so tests assert the exact payloads. A load
 * job honours its createDisposition as BigQuery does: CREATE_NEVER into a missing table fails with
 * notFound, CREATE_IF_NEEDED creates the table (with no expiry). Any request can be planned to fail.
 *
 * One piece of state is kept as BigQuery would keep it, because the loader reads it back: the rows
 * of `_datapipe_loads`. A transaction script that finishes without error records its load (the
 * script's `INSERT … WHERE NOT EXISTS` adds one row per table and run; see
 * shared/warehouses/sql/load-sql.ts), and a query for a table's latest load that no test planned
 * is answered from those rows, newest first — what the SQL would return.
 *
 * Responses follow the REST shapes: errors as `{error: {code, message, errors: [{reason,
 * message}]}}`, field types in tables.get as BigQuery reports them (INTEGER, FLOAT, BOOLEAN),
 * query rows as `{f: [{v}]}` with INT64 values as strings.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** The path below the API root (`/projects/p/jobs`), without `/bigquery/v2`. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  /** Whether an Authorization header was sent. */
  authorized: boolean;
}

/** How a job inserted from now on finishes. */
export interface JobPlan {
  /** jobs.get answers RUNNING this many times before DONE (0: DONE in the insert response). */
  runningPolls?: number;
  error?: { reason: string; message: string };
  /** A load job's statistics.load.outputRows. */
  outputRows?: number;
  /** A query job's result rows (numbers are INT64, strings STRING, null a NULL STRING). */
  rows?: Record<string, number | string | null>[];
  /** Create the job, then cut the connection without answering (a response lost on the way). */
  dropResponse?: boolean;
}

/** An error answer: HTTP status, BigQuery's reason and message. */
export interface PlannedFailure {
  code: number;
  reason: string;
  message: string;
}

/** 503 as BigQuery's front end sends it when a backend is briefly unavailable. */
export const UNAVAILABLE: PlannedFailure = { code: 503, reason: 'backendError', message: 'The service is currently unavailable.' };

type JsonLoad = {
  destinationTable?: { projectId: string; datasetId: string; tableId: string };
  sourceUris?: string[];
  writeDisposition?: string;
  schema?: unknown;
  createDisposition?: 'CREATE_IF_NEEDED' | 'CREATE_NEVER';
};

type JsonJob = {
  jobReference: { projectId: string; jobId: string; location: string };
  configuration: { labels?: Record<string, string>; load?: JsonLoad; query?: { query: string; queryParameters?: { name: string; parameterValue: { value?: string } }[] } };
  status: { state: 'PENDING' | 'RUNNING' | 'DONE'; errorResult?: { reason: string; message: string }; errors?: { reason: string; message: string }[] };
  statistics: { load?: { outputRows: string } };
};

interface StoredJob {
  resource: JsonJob;
  plan: JobPlan;
  polls: number;
}

const LEGACY_TYPE: Record<string, string> = { INT64: 'INTEGER', FLOAT64: 'FLOAT', BOOL: 'BOOLEAN' };

export class BigQueryFake {
  readonly requests: RecordedRequest[] = [];
  /** `project:dataset` → location. */
  readonly datasets = new Map<string, { location: string }>();
  /** `project:dataset.table` → the resource as inserted (plus patches). */
  readonly tables = new Map<string, Record<string, unknown>>();
  readonly jobs = new Map<string, StoredJob>();
  /** The `_datapipe_loads` rows of each table, oldest first (see the file comment). */
  readonly loads = new Map<string, Record<string, number | string | null>[]>();
  /** Answer 401 to requests without an Authorization header, as BigQuery does. */
  requireAuth = false;
  /** Called with each request as it arrives, before it is answered (a concurrent actor's move). */
  onRequest: (request: RecordedRequest) => void = () => {};
  private readonly plans: { match: (insert: JsonJob) => boolean; plan: JobPlan; remaining: number }[] = [];
  private readonly failures: { match: (request: RecordedRequest) => boolean; failure: PlannedFailure; remaining: number }[] = [];
  private server!: Server;
  url = '';

  static async start(): Promise<BigQueryFake> {
    const fake = new BigQueryFake();
    fake.server = createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next `times` inserted jobs that `match` finish as `plan`; unplanned jobs succeed at once with no rows. */
  plan(match: (insert: JsonJob) => boolean, plan: JobPlan, times = 1): void {
    this.plans.push({ match, plan, remaining: times });
  }

  /** Plans query jobs whose SQL matches `pattern`. */
  answer(pattern: RegExp, plan: JobPlan, times = 1): void {
    this.plan((job) => pattern.test(job.configuration.query?.query ?? ''), plan, times);
  }

  /** The next `times` requests that `match` are answered with `failure` instead (they are still recorded). */
  failRequests(match: (request: RecordedRequest) => boolean, failure: PlannedFailure, times = 1): void {
    this.failures.push({ match, failure, remaining: times });
  }

  /** A job some earlier process inserted. */
  addJob(projectId: string, jobId: string, location: string, state: 'RUNNING' | 'DONE', labels: Record<string, string>, plan: JobPlan = {}): void {
    const resource = jobResource({ jobReference: { projectId, jobId, location }, configuration: { labels, load: {} } }, plan);
    resource.status.state = state;
    this.jobs.set(jobId, { resource, plan: { ...plan, runningPolls: state === 'DONE' ? 0 : plan.runningPolls ?? 1 }, polls: 0 });
  }

  /** The bodies of every jobs.insert, in order. */
  jobInserts(): JsonJob[] {
    return this.requests.filter((r) => r.method === 'POST' && /\/jobs$/.test(r.path)).map((r) => r.body as JsonJob);
  }

  /** `METHOD path` of every request, in order (query strings left out). */
  calls(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/^\/bigquery\/v2/, '');
    const text = await readBody(req);
    const body: unknown = text === '' ? undefined : JSON.parse(text);
    const authorized = typeof req.headers.authorization === 'string';
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path, query: Object.fromEntries(url.searchParams), body, authorized };
    this.requests.push(recorded);
    this.onRequest(recorded);
    const failing = this.failures.find((f) => f.remaining > 0 && f.match(recorded));
    if (failing) {
      failing.remaining--;
      const { code, reason, message } = failing.failure;
      return send(res, code, apiError(code, reason, message, code === 503 ? 'UNAVAILABLE' : undefined));
    }
    if (this.requireAuth && !authorized) {
      return send(res, 401, apiError(401, 'required', 'Request is missing required authentication credential. Expected OAuth 2 access token.', 'UNAUTHENTICATED'));
    }
    const route = matchRoute(req.method ?? 'GET', path);
    if (!route) return send(res, 404, apiError(404, 'notFound', `Not found: URL ${path}`));
    const { kind, project, dataset, id } = route;
    const datasetKey = `${project}:${dataset}`;
    switch (kind) {
      case 'dataset.get': {
        const found = this.datasets.get(datasetKey);
        if (!found) return send(res, 404, datasetMissing(datasetKey));
        return send(res, 200, { kind: 'bigquery#dataset', id: datasetKey, datasetReference: { projectId: project, datasetId: dataset }, location: found.location });
      }
      case 'table.insert': {
        if (!this.datasets.has(datasetKey)) return send(res, 404, datasetMissing(datasetKey));
        const insert = body as { tableReference: { tableId: string } };
        const key = `${datasetKey}.${insert.tableReference.tableId}`;
        if (this.tables.has(key)) return send(res, 409, apiError(409, 'duplicate', `Already Exists: Table ${key}`, 'ALREADY_EXISTS'));
        this.tables.set(key, structuredClone(insert) as Record<string, unknown>);
        return send(res, 200, reported(this.tables.get(key)!));
      }
      case 'table.get':
      case 'table.patch':
      case 'table.delete': {
        if (!this.datasets.has(datasetKey)) return send(res, 404, datasetMissing(datasetKey));
        const key = `${datasetKey}.${id}`;
        const table = this.tables.get(key);
        if (!table) return send(res, 404, apiError(404, 'notFound', `Not found: Table ${key}`));
        if (kind === 'table.delete') {
          this.tables.delete(key);
          return send(res, 204, undefined);
        }
        if (kind === 'table.patch') Object.assign(table, body);
        return send(res, 200, reported(table));
      }
      case 'job.insert': {
        const insert = body as JsonJob;
        const jobId = insert.jobReference.jobId;
        if (this.jobs.has(jobId)) {
          return send(res, 409, apiError(409, 'duplicate', `Already Exists: Job ${project}:${insert.jobReference.location}.${jobId}`, 'ALREADY_EXISTS'));
        }
        const plan = insert.configuration.load ? this.loadDestination(insert.configuration.load) ?? this.takePlan(insert) : this.queryPlan(insert);
        const resource = jobResource(insert, plan);
        this.jobs.set(jobId, { resource, plan, polls: 0 });
        if (plan.dropResponse) {
          req.socket.destroy();
          return;
        }
        return send(res, 200, resource);
      }
      case 'job.get': {
        const job = this.jobs.get(id);
        if (!job) return send(res, 404, apiError(404, 'notFound', `Not found: Job ${project}:${id}`));
        return send(res, 200, this.poll(job));
      }
      case 'job.results': {
        const job = this.jobs.get(id);
        if (!job) return send(res, 404, apiError(404, 'notFound', `Not found: Job ${project}:${id}`));
        const resource = job.resource;
        if (resource.status.errorResult) return send(res, 400, apiError(400, resource.status.errorResult.reason, resource.status.errorResult.message));
        if (resource.status.state !== 'DONE') return send(res, 200, { kind: 'bigquery#getQueryResultsResponse', jobReference: resource.jobReference, jobComplete: false });
        return send(res, 200, queryResults(resource, job.plan.rows ?? []));
      }
    }
  }

  /** A query's plan: what the test planned, else the recorded loads for a latest-load query. */
  private queryPlan(insert: JsonJob): JobPlan {
    const planned = this.takePlan(insert);
    const sql = insert.configuration.query?.query ?? '';
    const params = Object.fromEntries((insert.configuration.query?.queryParameters ?? []).map((p) => [p.name, p.parameterValue.value ?? null]));
    if (/^BEGIN TRANSACTION;/.test(sql) && !planned.error && params.table_name && params.run_id) {
      const rows = this.loads.get(params.table_name) ?? [];
      if (!rows.some((r) => r.run_id === params.run_id)) {
        rows.push({ run_id: params.run_id, mode: params.mode ?? null, rows_staged: Number(params.rows_staged), rows_loaded: Number(params.rows_loaded), watermark: params.watermark ?? null });
      }
      this.loads.set(params.table_name, rows);
    }
    if (Object.keys(planned).length === 0 && /_datapipe_loads` WHERE `table_name` = @table_name ORDER BY `loaded_at` DESC/.test(sql) && params.table_name) {
      return { rows: (this.loads.get(params.table_name) ?? []).slice(-1) };
    }
    return planned;
  }

  private takePlan(insert: JsonJob): JobPlan {
    const entry = this.plans.find((p) => p.remaining > 0 && p.match(insert));
    if (!entry) return {};
    entry.remaining--;
    return entry.plan;
  }

  /**
   * A load into a missing table: CREATE_NEVER fails the job with notFound (REST reference,
   * JobConfigurationLoad.createDisposition); otherwise the table is created, without an expiry.
   */
  private loadDestination(load: JsonLoad): JobPlan | null {
    if (!load.destinationTable) return null;
    const { projectId, datasetId, tableId } = load.destinationTable;
    const key = `${projectId}:${datasetId}.${tableId}`;
    if (this.tables.has(key)) return null;
    if (load.createDisposition === 'CREATE_NEVER') return { error: { reason: 'notFound', message: `Not found: Table ${key}` } };
    this.tables.set(key, { tableReference: { projectId, datasetId, tableId }, schema: load.schema });
    return null;
  }

  /** Each jobs.get moves a running job one poll closer to DONE. */
  private poll(job: StoredJob): JsonJob {
    if (job.resource.status.state !== 'DONE') {
      job.polls++;
      if (job.polls >= (job.plan.runningPolls ?? 0)) finish(job.resource, job.plan);
    }
    return job.resource;
  }
}

function jobResource(insert: Pick<JsonJob, 'jobReference' | 'configuration'>, plan: JobPlan): JsonJob {
  const resource: JsonJob = {
    jobReference: insert.jobReference,
    configuration: insert.configuration,
    status: { state: 'RUNNING' },
    statistics: {},
  };
  if ((plan.runningPolls ?? 0) === 0) finish(resource, plan);
  return resource;
}

function finish(resource: JsonJob, plan: JobPlan): void {
  resource.status = { state: 'DONE', ...(plan.error ? { errorResult: plan.error, errors: [plan.error] } : {}) };
  if (resource.configuration.load && !plan.error) resource.statistics = { load: { outputRows: String(plan.outputRows ?? 0) } };
}

function queryResults(resource: JsonJob, rows: Record<string, number | string | null>[]) {
  const names = rows.length > 0 ? Object.keys(rows[0]!) : [];
  const fields = names.map((name) => ({ name, type: typeof rows[0]![name] === 'number' ? 'INTEGER' : 'STRING', mode: 'NULLABLE' }));
  return {
    kind: 'bigquery#getQueryResultsResponse',
    jobReference: resource.jobReference,
    jobComplete: true,
    schema: { fields },
    totalRows: String(rows.length),
    rows: rows.map((row) => ({ f: names.map((n) => ({ v: row[n] === null ? null : String(row[n]) })) })),
  };
}

/** A table as tables.get reports it: legacy type names, the reference and type filled in. */
function reported(table: Record<string, unknown>): Record<string, unknown> {
  const schema = table.schema as { fields?: { type: string }[] } | undefined;
  const fields = schema?.fields?.map((f) => ({ ...f, type: LEGACY_TYPE[f.type] ?? f.type }));
  return { kind: 'bigquery#table', type: 'TABLE', ...table, ...(fields ? { schema: { fields } } : {}) };
}

type Route = { kind: 'dataset.get' | 'table.insert' | 'table.get' | 'table.patch' | 'table.delete' | 'job.insert' | 'job.get' | 'job.results'; project: string; dataset: string; id: string };

function matchRoute(method: string, path: string): Route | null {
  const parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  if (parts[0] !== 'projects' || parts[1] === undefined) return null;
  const project = parts[1];
  const [, , collection, a, sub, b] = parts;
  if (collection === 'datasets' && a !== undefined) {
    if (sub === undefined && method === 'GET') return { kind: 'dataset.get', project, dataset: a, id: '' };
    if (sub === 'tables' && b === undefined && method === 'POST') return { kind: 'table.insert', project, dataset: a, id: '' };
    if (sub === 'tables' && b !== undefined) {
      const kind = method === 'GET' ? 'table.get' : method === 'PATCH' ? 'table.patch' : method === 'DELETE' ? 'table.delete' : null;
      return kind ? { kind, project, dataset: a, id: b } : null;
    }
  }
  if (collection === 'jobs' && a === undefined && method === 'POST') return { kind: 'job.insert', project, dataset: '', id: '' };
  if (collection === 'jobs' && a !== undefined && sub === undefined && method === 'GET') return { kind: 'job.get', project, dataset: '', id: a };
  if (collection === 'queries' && a !== undefined && method === 'GET') return { kind: 'job.results', project, dataset: '', id: a };
  return null;
}

function apiError(code: number, reason: string, message: string, status: string = code === 404 ? 'NOT_FOUND' : 'INVALID_ARGUMENT') {
  return { error: { code, message, errors: [{ message, domain: 'global', reason }], status } };
}

function datasetMissing(datasetKey: string) {
  return apiError(404, 'notFound', `Not found: Dataset ${datasetKey}`);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
