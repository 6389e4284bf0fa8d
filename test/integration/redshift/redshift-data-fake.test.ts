/**
 * The Redshift Data API FAKE (test/support/redshift-data-fake.ts) driven by the real
 * @aws-sdk/client-redshift-data 3.1178.0: the wire protocol, statement lifecycle, batches,
 * idempotency, sessions, validation and fault injection, with the SQL executed for real on
 * PostgreSQL. COPY is proved in redshift-fake-copy.test.ts.
 */
import {
  BatchExecuteStatementCommand, CancelStatementCommand, DescribeStatementCommand, ExecuteStatementCommand,
  GetStatementResultCommand, type RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithoutRedshiftFake, startRedshiftDataFake, type RedshiftDataFake } from '../../support/redshift-data-fake.js';
import { allRecords, fakeClient, rowsOf, runSql, WORKGROUP } from './fake-client.js';

const SUITE = 'redshift data api fake';
const skip = skipWithoutRedshiftFake(SUITE);

describe.skipIf(skip)('Redshift Data API fake, through the real SDK', () => {
  let fake: RedshiftDataFake;
  let client: RedshiftDataClient;
  let stop: () => Promise<void>;
  let clock = Date.now();

  beforeAll(async () => {
    ({ fake, stop } = await startRedshiftDataFake({ now: () => clock, pageRows: 2 }));
    client = fakeClient(fake);
  });
  afterAll(async () => {
    client?.destroy();
    await stop?.();
  });

  it('executes asynchronously and returns exact values typed as the Data API types them', async () => {
    const ddl = await runSql(client, `CREATE TABLE typed (
      id BIGINT NOT NULL ENCODE az64 DISTKEY, amount DECIMAL(38,10), at TIMESTAMP, day DATE, raw VARBYTE(16),
      note VARCHAR(MAX), ratio DOUBLE PRECISION, flag BOOLEAN, PRIMARY KEY (id)) DISTSTYLE KEY COMPOUND SORTKEY (id, at) BACKUP NO`);
    expect(ddl.Status, ddl.Error).toBe('FINISHED');
    const insert = await client.send(new ExecuteStatementCommand({
      ...WORKGROUP,
      Sql: `INSERT INTO typed VALUES
        (9007199254740993, 1234567890123456789012345678.1234567890, '9999-12-31 23:59:59.999999', '0001-01-01', TO_VARBYTE('deadbeef', 'hex'), 'ñandú ✓', 0.1, true),
        (:id, :amount, '0001-01-01 00:00:00', '9999-12-31', NULL, NULL, NULL, NULL)`,
      Parameters: [{ name: 'id', value: '2' }, { name: 'amount', value: '-0.0000000001' }],
    }));
    // Execute answers at once; the statement finishes later (DescribeStatement long-polls).
    expect(insert.Status).toBe('SUBMITTED');
    expect(insert.Id).toMatch(/^[a-z0-9]{8}(-[a-z0-9]{4}){3}-[a-z0-9]{12}$/);
    const described = await client.send(new DescribeStatementCommand({ Id: insert.Id, WaitTimeSeconds: 10 }));
    expect(described).toMatchObject({ Status: 'FINISHED', ResultRows: 2, HasResultSet: false, WorkgroupName: 'datapipe', Database: 'dev' });
    expect(described.Duration).toBeGreaterThan(0);
    expect(described.CreatedAt).toBeInstanceOf(Date);
    expect(described.QueryParameters).toEqual([{ name: 'id', value: '2' }, { name: 'amount', value: '-0.0000000001' }]);

    const select = await runSql(client, 'SELECT id, amount, at, day, raw, note, ratio, flag FROM typed ORDER BY id DESC');
    expect(select).toMatchObject({ Status: 'FINISHED', HasResultSet: true, ResultRows: 2 });
    const { records, pages } = await allRecords(client, select.Id!);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.TotalNumRows).toBe(2);
    expect(pages[0]!.ColumnMetadata!.map((c) => c.typeName)).toEqual(['int8', 'numeric', 'timestamp', 'date', 'varbyte', 'varchar', 'float8', 'bool']);
    expect(pages[0]!.ColumnMetadata![1]).toMatchObject({ name: 'amount', precision: 38, scale: 10, tableName: 'typed', schemaName: 'public' });
    expect(pages[0]!.ColumnMetadata![0]).toMatchObject({ nullable: 0, isSigned: true });
    const [first, second] = records;
    // The service writes an int8 with all its digits; the SDK's JSON.parse rounds past 2^53, as with the real service.
    expect(first![0]).toEqual({ longValue: 9007199254740992 });
    expect(first!.slice(1)).toEqual([
      { stringValue: '1234567890123456789012345678.1234567890' }, { stringValue: '9999-12-31 23:59:59.999999' },
      { stringValue: '0001-01-01' }, { blobValue: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) }, { stringValue: 'ñandú ✓' },
      { doubleValue: 0.1 }, { booleanValue: true },
    ]);
    expect(second).toEqual([
      { longValue: 2 }, { stringValue: '-0.0000000001' }, { stringValue: '0001-01-01 00:00:00' }, { stringValue: '9999-12-31' },
      { isNull: true }, { isNull: true }, { isNull: true }, { isNull: true },
    ]);
    // Redshift never enforces PRIMARY KEY: a duplicate key is accepted.
    expect((await runSql(client, 'INSERT INTO typed (id) VALUES (2)')).Status).toBe('FINISHED');
    // A CAST to VARCHAR reads an int8 back exactly.
    expect(await rowsOf(client, "SELECT CAST(id AS VARCHAR(20)) FROM typed WHERE id > 1000")).toEqual([['9007199254740993']]);
  });

  it('pages GetStatementResult with NextToken', async () => {
    const described = await runSql(client, 'SELECT g FROM generate_series(1, 5) AS g ORDER BY g');
    const { records, pages } = await allRecords(client, described.Id!);
    expect(pages.map((p) => p.Records!.length)).toEqual([2, 2, 1]);
    expect(records.map((r) => r[0]!.longValue)).toEqual([1, 2, 3, 4, 5]);
  });

  it('runs a batch as one transaction: a failure in statement 2 rolls back statement 1', async () => {
    await runSql(client, 'CREATE TABLE batch_target (id BIGINT)');
    const { Id } = await client.send(new BatchExecuteStatementCommand({
      ...WORKGROUP, Sqls: ['INSERT INTO batch_target VALUES (1)', 'INSERT INTO no_such_table VALUES (2)', 'INSERT INTO batch_target VALUES (3)'],
    }));
    const described = await client.send(new DescribeStatementCommand({ Id, WaitTimeSeconds: 10 }));
    expect(described.Status).toBe('FAILED');
    expect(described.Error).toBe('ERROR: relation "no_such_table" does not exist');
    expect(described.SubStatements!.map((s) => [s.Id, s.Status])).toEqual([[`${Id}:1`, 'FINISHED'], [`${Id}:2`, 'FAILED'], [`${Id}:3`, 'ABORTED']]);
    expect(described.SubStatements![1]).toMatchObject({ Error: 'ERROR: relation "no_such_table" does not exist', QueryString: 'INSERT INTO no_such_table VALUES (2)' });
    expect(await fake.query('SELECT count(*)::int AS n FROM batch_target')).toEqual([{ n: 0 }]);

    const ok = await client.send(new BatchExecuteStatementCommand({ ...WORKGROUP, Sqls: ['INSERT INTO batch_target VALUES (1), (2)', 'SELECT count(*) AS n FROM batch_target'] }));
    const done = await client.send(new DescribeStatementCommand({ Id: ok.Id, WaitTimeSeconds: 10 }));
    expect(done).toMatchObject({ Status: 'FINISHED', HasResultSet: true });
    expect(done.SubStatements!.map((s) => [s.ResultRows, s.HasResultSet])).toEqual([[2, false], [1, true]]);
    const result = await client.send(new GetStatementResultCommand({ Id: `${ok.Id}:2` }));
    expect(result.Records).toEqual([[{ longValue: 2 }]]);
    await expect(client.send(new GetStatementResultCommand({ Id: ok.Id }))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(client.send(new GetStatementResultCommand({ Id: `${ok.Id}:1` }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', message: 'Query does not have result. Please check query status with DescribeStatement.',
    });
  });

  it('commits at a TRUNCATE inside a batch, as Redshift does', async () => {
    await runSql(client, 'CREATE TABLE truncated (id BIGINT)');
    await runSql(client, 'INSERT INTO truncated VALUES (1), (2)');
    const { Id } = await client.send(new BatchExecuteStatementCommand({ ...WORKGROUP, Sqls: ['TRUNCATE truncated', 'INSERT INTO truncated VALUES (3)', 'SELECT nope FROM truncated'] }));
    expect((await client.send(new DescribeStatementCommand({ Id, WaitTimeSeconds: 10 }))).Status).toBe('FAILED');
    // The TRUNCATE committed before the failure; only the INSERT after it rolled back.
    expect(await fake.query('SELECT count(*)::int AS n FROM truncated')).toEqual([{ n: 0 }]);
  });

  it('answers the same ClientToken and request with the same statement for 8 hours, without running it again', async () => {
    await runSql(client, 'CREATE TABLE idempotent (id BIGINT)');
    const request = { ...WORKGROUP, Sql: 'INSERT INTO idempotent VALUES (1)', ClientToken: 'load-run-42' };
    const first = await client.send(new ExecuteStatementCommand(request));
    const again = await client.send(new ExecuteStatementCommand({ ...request, WaitTimeSeconds: 5 }));
    expect(again.Id).toBe(first.Id);
    expect(again.Status).toBe('FINISHED');
    expect(fake.executedSql().filter((sql) => sql === request.Sql)).toHaveLength(1);
    await expect(client.send(new ExecuteStatementCommand({ ...request, Sql: 'INSERT INTO idempotent VALUES (2)' }))).rejects.toMatchObject({
      name: 'ValidationException', $metadata: { httpStatusCode: 400 },
    });
    clock += 8 * 3600 * 1000;
    const later = await client.send(new ExecuteStatementCommand({ ...request, WaitTimeSeconds: 5 }));
    expect(later.Id).not.toBe(first.Id);
    expect(await fake.query('SELECT count(*)::int AS n FROM idempotent')).toEqual([{ n: 2 }]);
    // Without one, the SDK sends a fresh ClientToken (the model's idempotencyToken trait).
    const auto = fake.requests.filter((r) => r.operation === 'ExecuteStatement').at(-1)!;
    expect(auto.signed).toBe(true);
    await client.send(new ExecuteStatementCommand({ ...WORKGROUP, Sql: 'SELECT 1' }));
    expect(fake.requests.at(-1)!.body.ClientToken).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps a session\'s temporary tables for the next call on it, and closes it after its keep-alive', async () => {
    const opened = await client.send(new ExecuteStatementCommand({
      ...WORKGROUP, Sql: 'CREATE TEMP TABLE stage AS SELECT 1::bigint AS id', SessionKeepAliveSeconds: 60, WaitTimeSeconds: 10,
    }));
    expect(opened).toMatchObject({ Status: 'FINISHED', WorkgroupName: 'datapipe' });
    expect(opened.SessionId).toMatch(/^[a-z0-9-]{36}$/);
    const onSession = await client.send(new ExecuteStatementCommand({ Sql: 'SELECT id FROM stage', SessionId: opened.SessionId, WaitTimeSeconds: 10 }));
    expect(onSession).toMatchObject({ Status: 'FINISHED', SessionId: opened.SessionId, Database: 'dev' });
    expect((await client.send(new GetStatementResultCommand({ Id: onSession.Id }))).Records).toEqual([[{ longValue: 1 }]]);
    const elsewhere = await runSql(client, 'SELECT id FROM stage');
    expect(elsewhere).toMatchObject({ Status: 'FAILED', Error: 'ERROR: relation "stage" does not exist' });
    await expect(client.send(new ExecuteStatementCommand({ ...WORKGROUP, Sql: 'SELECT 1', SessionId: opened.SessionId }))).rejects.toMatchObject({ name: 'ValidationException' });
    clock += 61_000;
    await expect(client.send(new ExecuteStatementCommand({ Sql: 'SELECT id FROM stage', SessionId: opened.SessionId }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 },
    });
  });

  it('validates requests as the service does (ValidationException, HTTP 400)', async () => {
    const rejected = (input: Record<string, unknown>) => expect(client.send(new ExecuteStatementCommand(input as never))).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    await rejected({ ...WORKGROUP, Sql: 'SELECT :a', Parameters: [{ name: 'a', value: '1' }, { name: 'unused', value: '2' }] });
    await rejected({ ...WORKGROUP, Sql: `SELECT '${'x'.repeat(100 * 1024)}'` });
    await rejected({ Database: 'dev', Sql: 'SELECT 1' });
    await rejected({ ...WORKGROUP, DbUser: 'loader', Sql: 'SELECT 1' });
    await rejected({ ...WORKGROUP, ClusterIdentifier: 'other', Sql: 'SELECT 1' });
    await rejected({ WorkgroupName: 'datapipe', Sql: 'SELECT 1' });
    await rejected({ WorkgroupName: 'nope', Database: 'dev', Sql: 'SELECT 1' });
    await rejected({ ...WORKGROUP, Sql: 'SELECT 1', WaitTimeSeconds: 31 });
    await expect(client.send(new BatchExecuteStatementCommand({ ...WORKGROUP, Sqls: Array.from({ length: 41 }, () => 'SELECT 1') })))
      .rejects.toMatchObject({ name: 'ValidationException' });
    await expect(client.send(new DescribeStatementCommand({ Id: '00000000-0000-0000-0000-000000000000' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    // Secrets Manager: SecretArn + Database with the workgroup is a documented combination.
    expect(await runSql(client, 'SELECT 1', { SecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:loader-AbCdEf' })).toMatchObject({ Status: 'FINISHED' });
    await rejected({ ...WORKGROUP, SecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x', DbUser: 'loader', Sql: 'SELECT 1' });
    // A wrong Database is found when the statement connects: it fails, like any SQL error.
    expect(await runSql(client, 'SELECT 1', { Database: 'prod' })).toMatchObject({ Status: 'FAILED', Error: 'FATAL: database "prod" does not exist' });
  });

  it('fails statements outside the Redshift ∩ PostgreSQL subset, and runs Redshift-only syntax rewritten', async () => {
    const qualify = await runSql(client, 'SELECT g FROM generate_series(1, 3) AS g QUALIFY ROW_NUMBER() OVER (ORDER BY g) = 1');
    expect(qualify.Status).toBe('FAILED');
    expect(qualify.Error).toMatch(/^ERROR: QUALIFY is refused/);
    await runSql(client, 'CREATE TABLE merge_target (id BIGINT, v VARCHAR)');
    const subquery = await runSql(client, 'MERGE INTO merge_target USING (SELECT 1 AS id) s ON merge_target.id = s.id WHEN MATCHED THEN DELETE');
    expect(subquery.Error).toBe('ERROR: MERGE source must be a table: Redshift MERGE cannot read a subquery or a view');
    expect(await rowsOf(client, "SELECT FROM_VARBYTE(TO_VARBYTE('00ff', 'hex'), 'hex'), GETDATE() <= localtimestamp")).toEqual([['00ff', true]]);
    const multiple = await runSql(client, 'SELECT 1; SELECT 2');
    expect(multiple).toMatchObject({ Status: 'FAILED', Error: 'ERROR: cannot insert multiple commands into a prepared statement' });
  });

  it('keeps a statement STARTED when planned, and cancels it (ABORTED)', async () => {
    fake.holdStatements(/pg_sleep\(0\)/, 5_000);
    const { Id } = await client.send(new ExecuteStatementCommand({ ...WORKGROUP, Sql: 'SELECT pg_sleep(0)' }));
    let status: string | undefined;
    for (let i = 0; i < 100 && status !== 'STARTED'; i++) {
      status = (await client.send(new DescribeStatementCommand({ Id }))).Status;
      if (status !== 'STARTED') await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe('STARTED');
    expect(await client.send(new CancelStatementCommand({ Id }))).toMatchObject({ Status: true });
    expect((await client.send(new DescribeStatementCommand({ Id, WaitTimeSeconds: 5 }))).Status).toBe('ABORTED');
    await expect(client.send(new CancelStatementCommand({ Id }))).rejects.toMatchObject({ name: 'ValidationException', message: 'Could not cancel a query that is already in ABORTED state.' });

    // A query running on PostgreSQL is cancelled there (pg_cancel_backend).
    const running = await client.send(new ExecuteStatementCommand({ ...WORKGROUP, Sql: 'SELECT pg_sleep(30)' }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await client.send(new CancelStatementCommand({ Id: running.Id }));
    expect((await client.send(new DescribeStatementCommand({ Id: running.Id, WaitTimeSeconds: 5 }))).Status).toBe('ABORTED');

    fake.failStatements(/^SELECT 42$/, 'ERROR: Disk Full');
    expect(await runSql(client, 'SELECT 42')).toMatchObject({ Status: 'FAILED', Error: 'ERROR: Disk Full' });
  });

  it('answers planned throttling, which the SDK retries by itself with the same ClientToken', async () => {
    fake.failNext('ExecuteStatement', 'ThrottlingException', 2, 'Rate exceeded');
    const before = fake.requests.length;
    const started = performance.now();
    const { Id } = await client.send(new ExecuteStatementCommand({ ...WORKGROUP, Sql: 'SELECT 7 AS seven' }));
    const elapsed = performance.now() - started;
    const calls = fake.requests.slice(before);
    // Standard retry mode: 3 attempts; THROTTLING errors back off with full jitter from a 1 s base.
    expect(calls.map((c) => [c.operation, c.status])).toEqual([['ExecuteStatement', 400], ['ExecuteStatement', 400], ['ExecuteStatement', 200]]);
    expect(new Set(calls.map((c) => c.body.ClientToken)).size).toBe(1);
    expect(fake.executedSql().filter((sql) => sql === 'SELECT 7 AS seven')).toHaveLength(1);
    console.info(`[${SUITE}] two ThrottlingExceptions then success through the SDK's retry: ${elapsed.toFixed(0)} ms`);
    expect((await client.send(new DescribeStatementCommand({ Id, WaitTimeSeconds: 5 }))).Status).toBe('FINISHED');

    fake.failNext('DescribeStatement', 'InternalServerException', 1);
    expect((await client.send(new DescribeStatementCommand({ Id }))).Status).toBe('FINISHED');
    expect(fake.requests.slice(-2).map((c) => c.status)).toEqual([500, 200]);

    // Not retryable by the SDK: the caller classifies it.
    fake.failNext('ExecuteStatement', 'ActiveStatementsExceededException', 1);
    await expect(client.send(new ExecuteStatementCommand({ ...WORKGROUP, Sql: 'SELECT 1' }))).rejects.toMatchObject({
      name: 'ActiveStatementsExceededException', $fault: 'client', $metadata: { httpStatusCode: 400, attempts: 1 },
    });
    fake.failNext('ExecuteStatement', 'ThrottlingException', 3);
    await expect(client.send(new ExecuteStatementCommand({ ...WORKGROUP, Sql: 'SELECT 1' }))).rejects.toMatchObject({
      name: 'ThrottlingException', $metadata: { attempts: 3 },
    });
  });

  it('measures each call\'s latency', async () => {
    const timings: Record<string, number[]> = { ExecuteStatement: [], 'DescribeStatement (wait)': [], GetStatementResult: [], 'ExecuteStatement (WaitTimeSeconds)': [] };
    const time = async <T>(name: string, call: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const result = await call();
      timings[name]!.push(performance.now() - started);
      return result;
    };
    for (let i = 0; i < 20; i++) {
      const { Id } = await time('ExecuteStatement', () => client.send(new ExecuteStatementCommand({ ...WORKGROUP, Sql: `SELECT ${i} AS i` })));
      await time('DescribeStatement (wait)', () => client.send(new DescribeStatementCommand({ Id, WaitTimeSeconds: 5 })));
      await time('GetStatementResult', () => client.send(new GetStatementResultCommand({ Id })));
      await time('ExecuteStatement (WaitTimeSeconds)', () => client.send(new ExecuteStatementCommand({ ...WORKGROUP, Sql: `SELECT ${i} AS i`, WaitTimeSeconds: 5 })));
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    for (const [name, values] of Object.entries(timings)) {
      console.info(`[${SUITE}] ${name}: median ${median(values).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms over ${values.length} calls`);
      expect(median(values)).toBeLessThan(500);
    }
  });
});
