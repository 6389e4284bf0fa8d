import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config/config-error.js';
import { loadConfig } from '../../../shared/config/load-config.js';
import { TerminalError } from '../../../shared/errors.js';
import { SEED_ENV, SEED_YAML, blockConfig, writeConfig } from './config-files.js';

/** The error loadConfig throws for `text` (fails the test when it loads). */
async function configError(text: string, env: Record<string, string> = { PGPASSWORD: 'pg-secret' }): Promise<{ error: ConfigError; file: string }> {
  const file = await writeConfig(text);
  const error = await loadConfig(file, env).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  return { error: error as ConfigError, file };
}

describe('loadConfig — valid configs', () => {
  it('loads the seed example (gcp) with every default applied', async () => {
    const path = await writeConfig(SEED_YAML);
    const loaded = await loadConfig(path, SEED_ENV);
    expect(loaded.path).toBe(path);
    expect(loaded.dir).toBe(dirname(path));
    expect(loaded.config).toEqual({
      project: { name: 'migracion-ventas', environment: 'production' },
      source: {
        type: 'oracle',
        connection: {
          host: 'erp-db.internal', port: 1521, service_name: 'ERP_PROD',
          user: 'etl_reader', password: 'pw-Secreto-123', fetch_array_size: 1000,
        },
        schema: 'VENTAS',
      },
      destination: {
        cloud: 'gcp',
        gcp: { project_id: 'empresa-datalake-prod', dataset: 'raw_ventas', bucket: 'empresa-staging-bucket', location: 'us-central1' },
      },
      staging: { codec: 'deflate', part_size_mb: 128, batch_rows: 10_000, retention_runs: 7 },
      schedule: '0 2 * * *',
      tables: [{
        name: 'VENTAS_CABECERA', load_mode: 'incremental', partition_column: 'FECHA_VENTA',
        primary_keys: ['ID_VENTA'], lookback: '2d', null_watermark: 'fail', chunks: 1, deletes: 'ignore', max_delete_fraction: 0.1, verify: 'never',
        columns: { MONTO: { type: 'decimal(18,2)' } },
      }],
    });
  });

  it('loads a local postgres config: ports and flags from the environment, default paths resolved against the config folder', async () => {
    const path = await writeConfig([
      'project: { name: demo }',
      'source:',
      '  type: postgres',
      '  connection: { host: "${PGHOST:-127.0.0.1}", port: "${PGPORT:-5432}", database: erp, user: etl, ssl: "${PGSSL:-false}" }',
      'destination: { cloud: local }',
      'staging: { codec: null, part_size_mb: "64", batch_rows: 500 }',
      'schedule: hourly',
      'tables: [{ name: orders, load_mode: full }]',
    ].join('\n'));
    const { config, dir } = await loadConfig(path, { PGPORT: '6543' });
    expect(config.source).toEqual({
      type: 'postgres',
      connection: { host: '127.0.0.1', port: 6543, database: 'erp', user: 'etl', ssl: false },
    });
    expect(config.destination).toEqual({
      cloud: 'local',
      local: { path: join(dir, '.datapipe/staging'), warehouse: join(dir, '.datapipe/warehouse.duckdb') },
    });
    expect(config.staging).toEqual({ codec: 'null', part_size_mb: 64, batch_rows: 500, retention_runs: 7 });
    expect(config.schedule).toBe('hourly');
    expect(config.tables).toEqual([{ name: 'orders', load_mode: 'full', null_watermark: 'fail', chunks: 1, deletes: 'ignore', max_delete_fraction: 0.1, verify: 'never' }]);
  });

  it('resolves explicit relative local paths against the config folder and keeps absolute ones', async () => {
    const path = await writeConfig(blockConfig('  - { name: T, load_mode: full }').replace(
      '  cloud: local\n',
      '  cloud: local\n  local: { path: ../staging, warehouse: /var/lib/dw.duckdb }\n',
    ));
    const { config, dir } = await loadConfig(path, { PGPASSWORD: '' });
    expect(config.destination.local).toEqual({ path: join(dirname(dir), 'staging'), warehouse: '/var/lib/dw.duckdb' });
  });

  it('loads aws and azure destinations, keeping other configured blocks for --cloud', async () => {
    const path = await writeConfig(blockConfig('  - { name: T, load_mode: full }').replace('  cloud: local\n', [
      '  cloud: aws',
      '  aws:',
      '    region: eu-west-1',
      '    bucket: acme-staging',
      '    prefix: /raw/',
      '    redshift: { workgroup_name: wg, database: dev, schema: raw, secret_arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dw", iam_role: default }',
      '  azure:',
      '    account_url: https://acme.blob.core.windows.net',
      '    container: staging',
      '    databricks: { host: adb-1.2.azuredatabricks.net, http_path: /sql/1.0/warehouses/abc, token: "${DATABRICKS_TOKEN}", catalog: main, schema: raw }',
      '',
    ].join('\n')));
    const { config } = await loadConfig(path, { PGPASSWORD: 'x', DATABRICKS_TOKEN: 'dapi-123' });
    expect(config.destination).toEqual({
      cloud: 'aws',
      aws: {
        region: 'eu-west-1', bucket: 'acme-staging', prefix: 'raw',
        redshift: { workgroup_name: 'wg', database: 'dev', schema: 'raw', secret_arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dw', iam_role: 'default' },
      },
      azure: {
        account_url: 'https://acme.blob.core.windows.net', container: 'staging',
        databricks: { host: 'adb-1.2.azuredatabricks.net', http_path: '/sql/1.0/warehouses/abc', token: 'dapi-123', catalog: 'main', schema: 'raw' },
      },
    });
  });

  it('accepts an Oracle connect_string instead of host/port/service_name', async () => {
    const path = await writeConfig(SEED_YAML.replace(
      'connection: { host: "${ORACLE_HOST_PROD}", port: 1521, service_name: ERP_PROD,',
      'connection: { connect_string: "${ORACLE_CONNECT}", call_timeout_ms: "60000",',
    ));
    const { config } = await loadConfig(path, { ...SEED_ENV, ORACLE_CONNECT: 'erp-db:1521/ERP_PROD' });
    expect(config.source.connection).toEqual({
      connect_string: 'erp-db:1521/ERP_PROD', user: 'etl_reader', password: 'pw-Secreto-123', fetch_array_size: 1000, call_timeout_ms: 60_000,
    });
  });

  it('lets tables share settings through YAML merge keys', async () => {
    const path = await writeConfig(blockConfig([
      '  - &incremental { name: A, partition_column: UPDATED_AT, lookback: 6h, null_watermark: include }',
      '  - { <<: *incremental, name: B }',
    ].join('\n')));
    const { config } = await loadConfig(path, { PGPASSWORD: 'x' });
    expect(config.tables[1]).toEqual({ name: 'B', load_mode: 'incremental', partition_column: 'UPDATED_AT', lookback: '6h', null_watermark: 'include', chunks: 1, deletes: 'ignore', max_delete_fraction: 0.1, verify: 'never' });
  });

  it('normalises column override types to their canonical spelling', async () => {
    const path = await writeConfig(SEED_YAML.replace('type: "decimal(18,2)"', 'type: "DECIMAL(18, 2)" }, FECHA: { type: Timestamp'));
    const { config } = await loadConfig(path, SEED_ENV);
    expect(config.tables[0]?.columns).toEqual({ MONTO: { type: 'decimal(18,2)' }, FECHA: { type: 'timestamp' } });
  });
});

describe('loadConfig — one line per problem: <file>:<line>: <field>: <what> — <fix>', () => {
  it('reports a missing file with the init command', async () => {
    const file = join(dirname(await writeConfig('')), 'nope.yaml');
    const error = await loadConfig(file, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as Error).message).toBe(`config file not found: ${file} — create one with \`datapipe init <name> --cloud local\``);
  });

  it('reports a folder given as the config', async () => {
    const dir = join(dirname(await writeConfig('')), 'ventas');
    await mkdir(dir);
    await expect(loadConfig(dir, {})).rejects.toThrow(`${dir} is a folder — point --config at the config.yaml inside it`);
  });

  it('reports a YAML syntax error with line and column', async () => {
    const { error, file } = await configError('project:\n  name: ventas\nsource: [oracle\n');
    expect(error.message).toBe(`${file}:4:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ] — fix the YAML syntax there`);
  });

  it('reports a document that is not a mapping', async () => {
    const { error, file } = await configError('- project\n- tables\n');
    expect(error.message).toBe(`${file}:1: expected a mapping (key: value lines), got a list — write a mapping (key: value lines)`);
  });

  it('reports an empty file', async () => {
    const { error, file } = await configError('# nothing yet\n');
    expect(error.message).toBe(`${file}:1: the file is empty — fill it in, or generate a commented one with \`datapipe init <name> --cloud local\``);
  });

  it('names an unknown key, its line and the key it most likely meant', async () => {
    const { error, file } = await configError(blockConfig('  - name: VENTAS\n    load_mod: full\n    partition_column: FECHA'));
    expect(error.message).toBe(`${file}:14: tables[0].load_mod: unknown key "load_mod" (did you mean "load_mode"?) — rename it`);
    expect(error.issues).toEqual([error.message]);
  });

  it('lists the allowed keys when nothing is close', async () => {
    const { error, file } = await configError(blockConfig('  - { name: T, load_mode: full }').replace('  name: ventas\n', '  name: ventas\n  owner: data-team\n'));
    expect(error.message).toBe(`${file}:3: project.owner: unknown key "owner" — remove it (allowed here: name, environment)`);
  });

  it('suggests keys of the chosen source type only', async () => {
    const { error, file } = await configError(blockConfig('  - { name: T, load_mode: full }').replace('    database: erp\n', '    databse: erp\n'));
    expect(error.issues).toEqual([
      `${file}:7: source.connection.databse: unknown key "databse" (did you mean "database"?) — rename it`,
      `${file}:5: source.connection.database: missing — add database: under source.connection`,
    ]);
    expect(error.message).toBe(`${error.issues[0]} (and 1 more)`);
  });

  it('names a wrong enum value, the allowed values and the closest one', async () => {
    const { error, file } = await configError(blockConfig('  - name: VENTAS\n    load_mode: incremantal\n    partition_column: FECHA'));
    expect(error.message).toBe(`${file}:14: tables[0].load_mode: "incremantal" is not allowed here (did you mean "incremental"?) — write incremental or full`);
  });

  it('names an unsupported source type', async () => {
    const { error, file } = await configError(blockConfig('  - { name: T, load_mode: full }').replace('  type: postgres', '  type: mysql'));
    expect(error.message).toBe(`${file}:4: source.type: "mysql" is not allowed here — write oracle or postgres`);
  });

  it('requires the block of the chosen cloud', async () => {
    const { error, file } = await configError(blockConfig('  - { name: T, load_mode: full }').replace('  cloud: local', '  cloud: gcp'));
    expect(error.message).toBe(`${file}:10: destination.gcp: missing (cloud is gcp) — add the gcp: block under destination with project_id, dataset, bucket and location`);
  });

  it('requires partition_column for an incremental table', async () => {
    const { error, file } = await configError(blockConfig('  - name: ORDERS\n    primary_keys: [ID]'));
    expect(error.message).toBe(`${file}:13: tables[0].partition_column: missing (load_mode is incremental) — add partition_column: <a date, timestamp or increasing integer column>, or set load_mode: full`);
  });

  it('names a missing required key and where to add it', async () => {
    const { error, file } = await configError(blockConfig('  - { name: T, load_mode: full }').replace('    user: etl\n', ''));
    expect(error.message).toBe(`${file}:5: source.connection.user: missing — add user: under source.connection`);
  });

  it('names a value of the wrong type and how to write it', async () => {
    const { error, file } = await configError(blockConfig('  - { name: T, load_mode: full }').replace('  name: ventas', '  name: ventas\n  environment: 2024'));
    expect(error.message).toBe(`${file}:3: project.environment: expected text, got a number — put the value in quotes`);
  });

  it('rejects duplicate table names case-insensitively', async () => {
    const { error, file } = await configError(blockConfig('  - { name: Orders, load_mode: full }\n  - { name: ORDERS, load_mode: full }'));
    expect(error.message).toBe(`${file}:14: tables[1].name: repeats tables[0].name (table names are case-insensitive) — keep one entry per table`);
  });

  it('rejects host and connect_string together, and a Redshift target without workgroup or cluster', async () => {
    const { error: oracle, file } = await configError(SEED_YAML.replace('port: 1521,', 'port: 1521, connect_string: erp,'), SEED_ENV);
    expect(oracle.issues).toEqual([
      `${file}:4: source.connection.host: cannot be combined with connect_string — keep either connect_string or host/port/service_name`,
      `${file}:4: source.connection.port: cannot be combined with connect_string — keep either connect_string or host/port/service_name`,
      `${file}:4: source.connection.service_name: cannot be combined with connect_string — keep either connect_string or host/port/service_name`,
    ]);
    const { error: aws, file: awsFile } = await configError(blockConfig('  - { name: T, load_mode: full }').replace('  cloud: local\n', [
      '  cloud: aws',
      '  aws:',
      '    region: us-east-1',
      '    bucket: s3://acme',
      '    redshift:',
      '      database: dev',
      '      schema: raw',
      '      iam_role: my-role',
      '',
    ].join('\n')));
    expect(aws.issues).toEqual([
      `${awsFile}:14: destination.aws.bucket: must be the bare name — remove the s3:// part`,
      `${awsFile}:15: destination.aws.redshift: needs exactly one of workgroup_name (Serverless) and cluster_identifier (provisioned) — keep one`,
      `${awsFile}:18: destination.aws.redshift.iam_role: is not an IAM role — write the role ARN COPY uses (arn:aws:iam::<account>:role/<name>) or default`,
    ]);
  });

  it('joins several problems: the message is the first plus a count, issues and report() hold the lines', async () => {
    const { error, file } = await configError(blockConfig([
      '  - name: A',
      '    load_mode: full',
      '    chunks: 0',
      '    lookback: 2 days',
      '    columns: { MONTO: { type: "decimal(99,2)" } }',
    ].join('\n')).replace('  cloud: local', '  cloud: azure'));
    expect(error.issues).toEqual([
      `${file}:10: destination.azure: missing (cloud is azure) — add the azure: block under destination with account_url, container and databricks`,
      `${file}:15: tables[0].chunks: must be a whole number from 1 to 1024 — write e.g. 4`,
      `${file}:16: tables[0].lookback: is not a duration or a whole number — write a duration like 2d, 6h, 30m or 90s, or a whole number for an integer partition column`,
      `${file}:17: tables[0].columns.MONTO.type: is not a canonical type — use one of boolean, int64, float32, float64, string, bytes, date, datetime, timestamp, json, interval or decimal(p,s) with 1 ≤ p ≤ 76 and 0 ≤ s ≤ p`,
    ]);
    expect(error.message).toBe(`${error.issues[0]} (and 3 more)`);
    expect(error.message.includes('\n')).toBe(false);
    expect(error.report(2)).toBe(`${error.issues[0]}\n${error.issues[1]}\n… and 2 more`);
    expect(error.report()).toBe(error.issues.join('\n'));
  });

  it('finds the line of a path inside flow mappings that span lines', async () => {
    const { error, file } = await configError(SEED_YAML.replace('location: us-central1', 'location: us-central1, region: x'), SEED_ENV);
    expect(error.message).toBe(`${file}:10: destination.gcp.region: unknown key "region" — remove it (allowed here: project_id, dataset, bucket, prefix, location, partition_granularity, stage_expiration_hours)`);
  });
});

describe('loadConfig — environment variables', () => {
  it('names the unset variable and the field it is for', async () => {
    const { error, file } = await configError(SEED_YAML, { ORACLE_HOST_PROD: 'db', ORACLE_USER: 'u' });
    expect(error.message).toBe(`${file}:5: source.connection.password: environment variable ORACLE_PASSWORD is not set — export it or add it to .env`);
  });

  it('lists every unset variable, in file order', async () => {
    const { error, file } = await configError(SEED_YAML, {});
    expect(error.issues).toEqual([
      `${file}:4: source.connection.host: environment variable ORACLE_HOST_PROD is not set — export it or add it to .env`,
      `${file}:5: source.connection.user: environment variable ORACLE_USER is not set — export it or add it to .env`,
      `${file}:5: source.connection.password: environment variable ORACLE_PASSWORD is not set — export it or add it to .env`,
    ]);
    expect(error.message).toBe(`${error.issues[0]} (and 2 more)`);
  });

  it('applies ${VAR:-default} and the $${ escape', async () => {
    const path = await writeConfig(blockConfig('  - { name: T, load_mode: full }')
      // A function replacement: a replacement string would turn "$$" into "$".
      .replace('  name: ventas', () => '  name: "${PROJECT:-ventas}"\n  environment: "$${NOT_A_VAR} and ${ENVIRONMENT:-dev}"'));
    const { config } = await loadConfig(path, { PGPASSWORD: 'x', ENVIRONMENT: '' });
    expect(config.project).toEqual({ name: 'ventas', environment: '${NOT_A_VAR} and dev' });
  });

  it('never echoes a value that came from the environment', async () => {
    const secret = 'pw-Secreto-123';
    const text = blockConfig('  - { name: T, load_mode: full }')
      .replace('  cloud: local', '  cloud: "${PGPASSWORD}"')
      .replace('    host: 127.0.0.1', '    host: 127.0.0.1\n    port: "${PGPASSWORD}"\n    ssl: "${PGPASSWORD}"')
      .replace('  name: ventas', '  name: "${PGPASSWORD}"');
    const { error, file } = await configError(text, { PGPASSWORD: secret });
    expect(error.issues).toEqual([
      `${file}:2: project.name: is not a project name — use lowercase letters and digits, words joined by - or _ (e.g. migracion-ventas)`,
      `${file}:7: source.connection.port: must be a whole number from 1 to 65535 — write e.g. 5432`,
      `${file}:8: source.connection.ssl: must be true or false — write true or false`,
      `${file}:13: destination.cloud: the value is not allowed here — write local, gcp, aws or azure`,
    ]);
    expect(error.issues.join('\n')).not.toContain(secret);
    expect(error.message).not.toContain(secret);
  });
});
