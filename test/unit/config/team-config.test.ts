import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../shared/config/load-config.js';
import { ROOT, run } from '../../support/cli.js';

/**
 * The team workflow guide's config.yaml for migracion-ventas, kept byte for byte in
 * test/fixtures/team-config.yaml: it names no `source.type` and no `port`, so DataPipe must read it
 * as an Oracle source on 1521 (the default type and port).
 */
const FIXTURE = join(ROOT, 'test', 'fixtures', 'team-config.yaml');

/** The fixture's SHA-256: editing the file, even a space, fails here rather than weakening the test. */
const FIXTURE_SHA256 = '7dde243f2feb0f7be4c68de155e8b7322f981da450a36f835c3006aac1d962cb';

const ENV = { ORACLE_HOST_PROD: 'erp-db.internal', ORACLE_USER: 'etl_reader', ORACLE_PASSWORD: 'pw-Secreto-123' };

describe("the team workflow guide's config.yaml, verbatim", () => {
  it('is the guide\'s file byte for byte', async () => {
    const bytes = await readFile(FIXTURE);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(FIXTURE_SHA256);
    expect(bytes.toString('utf8')).not.toMatch(/^\s*type:/m);
  });

  it('loads as an Oracle source on port 1521 (type and port defaulted)', async () => {
    const { config } = await loadConfig(FIXTURE, ENV);
    expect(config.source).toEqual({
      type: 'oracle',
      connection: { host: 'erp-db.internal', port: 1521, service_name: 'ERP_PROD', user: 'etl_reader', password: 'pw-Secreto-123', fetch_array_size: 1000 },
    });
    expect(config.destination.cloud).toBe('gcp');
    expect(config.tables.map((t) => [t.name, t.load_mode, t.partition_column, t.primary_keys])).toEqual([
      ['VENTAS_CABECERA', 'incremental', 'FECHA_VENTA', ['ID_VENTA']],
      ['VENTAS_DETALLE', 'incremental', 'FECHA_VENTA', ['ID_VENTA', 'ID_DETALLE']],
    ]);
  });

  it('`datapipe validate` accepts it (exit 0)', async () => {
    const outcome = await run('datapipe', ['validate', '--config', FIXTURE], { cwd: ROOT, env: ENV });
    expect(outcome.stderr).toBe('');
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toBe(`${FIXTURE}: valid — project migracion-ventas, source oracle, destination gcp, 2 table(s): VENTAS_CABECERA (incremental), VENTAS_DETALLE (incremental)\n`);
  });
});
