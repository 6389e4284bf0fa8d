/**
 * What the statement runner refuses before it calls the Data API (the service's limits, values a
 * parameter cannot carry), and the aws registry entry. The client here only proves no call is
 * made; the runner's calls are tested through the real SDK against the Redshift Data API fake
 * (test/integration/redshift/redshift-warehouse.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../../shared/errors.js';
import { silentLogger } from '../../../shared/log.js';
import type { RedshiftDataApi } from '../../../shared/warehouses/redshift/redshift-client.js';
import { REDSHIFT_CAPABILITIES } from '../../../shared/warehouses/redshift/redshift-capabilities.js';
import { NULL_PARAM } from '../../../shared/warehouses/redshift/redshift-dialect.js';
import { StatementRunner, type StatementRequest } from '../../../shared/warehouses/redshift/redshift-statements.js';
import { openWarehouse, warehouseCapabilities } from '../../../shared/warehouses/registry.js';

const untouched = new Proxy({}, { get: (_, name) => () => { throw new Error(`the Data API was called (${String(name)})`); } }) as RedshiftDataApi;
const runner = new StatementRunner({ client: untouched, log: silentLogger, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
const request = (sqls: string[], params: StatementRequest['params'] = {}): StatementRequest => ({
  sqls, batch: sqls.length > 1, params, origin: 'commit', connection: { WorkgroupName: 'wg', Database: 'dev' },
  context: { doing: 'loading t run r1 into Redshift workgroup wg, database dev', target: 'workgroup wg', schema: 's', iamRole: 'default' },
});

describe('the statement runner refuses what the Data API cannot take, before calling it', () => {
  it('more than 40 statements in a batch', async () => {
    await expect(runner.run(request(Array.from({ length: 41 }, () => 'SELECT 1')))).rejects.toEqual(new TerminalError(
      'loading t run r1 into Redshift workgroup wg, database dev: 41 statements in one batch; the Redshift Data API runs 1 to 40',
    ));
  });

  it('a statement of 100 KB or more, naming it', async () => {
    const wide = `SELECT ${Array.from({ length: 8000 }, (_, i) => `"column_${i}"`).join(', ')} FROM t`;
    await expect(runner.run(request([wide]))).rejects.toThrow(/: a statement of \d{6} bytes \(SELECT "column_0", "column_1", "column_2…\) is over the Redshift Data API's 100 KB per statement/);
  });

  it('an empty value, or one equal to the NULL sentinel: the Data API has no empty value and no NULL', async () => {
    await expect(runner.run(request(['SELECT CAST(:note AS VARCHAR(65535))'], { note: '' }))).rejects.toEqual(new TerminalError(
      'loading t run r1 into Redshift workgroup wg, database dev: parameter note is empty, which the Redshift Data API cannot carry as a value',
    ));
    await expect(runner.run(request(['SELECT CAST(:note AS VARCHAR(65535))'], { note: NULL_PARAM }))).rejects.toThrow('parameter note is "<null>"');
  });
});

describe('the aws registry entry', () => {
  it('answers Redshift\'s capabilities without loading the SDK, and says what is missing to open it', async () => {
    expect(await warehouseCapabilities('aws')).toBe(REDSHIFT_CAPABILITIES);
    await expect(openWarehouse({ cloud: 'aws' }, silentLogger)).rejects.toEqual(new TerminalError('destination.aws: missing — add `aws: { region, bucket, redshift: { … } }`'));
  });
});
