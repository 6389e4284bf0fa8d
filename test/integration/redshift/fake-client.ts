/**
 * The real @aws-sdk/client-redshift-data pointed at the Redshift Data API fake, and a helper that
 * runs one statement to its end through the API as the adapter will (execute, long-poll describe).
 */
import {
  DescribeStatementCommand, ExecuteStatementCommand, GetStatementResultCommand, RedshiftDataClient,
  type DescribeStatementCommandOutput, type Field, type GetStatementResultCommandOutput,
} from '@aws-sdk/client-redshift-data';
import type { RedshiftDataFake } from '../../support/redshift-data-fake.js';

/** The connection members of the fake's default serverless workgroup. */
export const WORKGROUP = { WorkgroupName: 'datapipe', Database: 'dev' } as const;

export function fakeClient(fake: RedshiftDataFake, maxAttempts?: number): RedshiftDataClient {
  return new RedshiftDataClient({
    endpoint: fake.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'fake', secretAccessKey: 'fake' },
    ...(maxAttempts ? { maxAttempts } : {}),
  });
}

/** Executes `sql`, waits for its end (WaitTimeSeconds long-polls) and describes it. */
export async function runSql(client: RedshiftDataClient, sql: string, extra: Record<string, unknown> = {}): Promise<DescribeStatementCommandOutput> {
  const { Id } = await client.send(new ExecuteStatementCommand({ ...WORKGROUP, Sql: sql, ...extra }));
  return client.send(new DescribeStatementCommand({ Id, WaitTimeSeconds: 20 }));
}

/** Every page of a statement's result. */
export async function allRecords(client: RedshiftDataClient, id: string): Promise<{ records: Field[][]; pages: GetStatementResultCommandOutput[] }> {
  const pages: GetStatementResultCommandOutput[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new GetStatementResultCommand({ Id: id, NextToken: token }));
    pages.push(page);
    token = page.NextToken;
  } while (token);
  return { records: pages.flatMap((p) => p.Records ?? []), pages };
}

/** A query's rows as plain values (stringValue, longValue, … whichever member is set). */
export async function rowsOf(client: RedshiftDataClient, sql: string): Promise<unknown[][]> {
  const described = await runSql(client, sql);
  if (described.Status !== 'FINISHED') throw new Error(`${sql}: ${described.Status} ${described.Error ?? ''}`);
  const { records } = await allRecords(client, described.Id!);
  return records.map((row) => row.map((field) => (field.isNull ? null : Object.values(field)[0])));
}
