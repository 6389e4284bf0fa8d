/**
 * The configs the DAG tests generate from (fixtures/<name>.yaml), each standing in a workspace as
 * `<name>/config.yaml` — the layout `make build` bakes and the DAGs' `--config` names.
 */
import { copyFile, mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type LoadedConfig } from '../../../shared/config/load-config.js';
import { dagSpec, type DagSpec } from '../../../services/cli/dag/dag-spec.js';
import { secretVariables } from '../../../services/cli/dag/secret-variables.js';

export const FIXTURES = ['gcp', 'aws', 'azure', 'local'] as const;
export type Fixture = (typeof FIXTURES)[number];

export const FIXTURES_DIR = join(import.meta.dirname, 'fixtures');
export const GOLDEN_DIR = join(import.meta.dirname, 'golden');

/**
 * Values for every variable the fixtures reference. Each is distinctive, so a test can assert
 * that none of them reaches a generated file.
 */
export const FIXTURE_ENV: Readonly<Record<string, string>> = {
  ORACLE_HOST_PROD: 'erp-db.secret-host.internal', ORACLE_USER: 'etl_reader_SECRET', ORACLE_PASSWORD: 'pw-Secreto-123',
  ORACLE_TNS: '(DESCRIPTION=(ADDRESS=(HOST=secret-tns)))',
  PGHOST: 'pg.secret-host.internal', PGUSER: 'pg_user_SECRET', PGPASSWORD: 'pg-Secreto-456',
  REDSHIFT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:SECRET-dw',
  DATABRICKS_TOKEN: 'dapi-SECRET-token',
};

/** The config of a fixture, loaded as the generator loads it. */
export async function loadFixture(name: Fixture): Promise<{ loaded: LoadedConfig; text: string }> {
  const path = join(FIXTURES_DIR, `${name}.yaml`);
  return { loaded: await loadConfig(path, FIXTURE_ENV), text: await readFile(path, 'utf8') };
}

/** The DagSpec of every table of a fixture, with the config at `<name>/config.yaml`. */
export async function fixtureSpecs(name: Fixture): Promise<DagSpec[]> {
  const { loaded, text } = await loadFixture(name);
  const variables = secretVariables(text);
  return loaded.config.tables.map((table) => dagSpec({ config: loaded.config, table, configPath: `${name}/config.yaml`, secretVariables: variables }));
}

/** A fresh workspace holding every fixture as `<name>/config.yaml`. */
export async function fixtureWorkspace(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'datapipe-dags-'));
  for (const name of FIXTURES) {
    await mkdir(join(root, name));
    await copyFile(join(FIXTURES_DIR, `${name}.yaml`), join(root, name, 'config.yaml'));
  }
  return root;
}
