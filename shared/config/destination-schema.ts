/**
 * `destination:` — where AVRO parts are staged and which warehouse they are merged into
 * (docs/architecture.md, the `--cloud` table). `cloud` picks the block that applies; the other blocks
 * may stay in the file (switching clouds is then one word) and are checked but not used.
 */
import { z } from 'zod';
import { flag, requiredText, wholeNumber } from './schema-primitives.js';

/** The clouds DataPipe targets; `local` is a folder plus a DuckDB file. */
export const CLOUDS = ['local', 'gcp', 'aws', 'azure'] as const;
/** A `--cloud` / `destination.cloud` value. */
export type Cloud = (typeof CLOUDS)[number];

/** Defaults of the `local` block, relative to the config file's folder. */
export const LOCAL_DEFAULTS = { path: '.datapipe/staging', warehouse: '.datapipe/warehouse.duckdb' } as const;

/** A bucket or container name, without a URL scheme (a common copy-paste slip). */
function bucketName(scheme: string, description: string) {
  return requiredText(description).refine((name) => !name.includes('://'), {
    error: `must be the bare name — remove the ${scheme}:// part`,
  });
}

/** The staging prefix inside the bucket; surrounding slashes are dropped (`raw/` and `/raw` mean `raw`). */
const prefix = z
  .string()
  .transform((text) => text.replace(/^\/+|\/+$/g, ''))
  .describe('Folder inside the bucket under which <project.name>/<table>/ is written; none when absent')
  .optional();

const local = z
  .object({
    path: requiredText(`Staging folder, relative to config.yaml's folder (default ${LOCAL_DEFAULTS.path})`).default(LOCAL_DEFAULTS.path),
    warehouse: requiredText(`DuckDB database file, relative to config.yaml's folder (default ${LOCAL_DEFAULTS.warehouse})`).default(LOCAL_DEFAULTS.warehouse),
    memory_limit: z.string()
      .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, { error: 'is not an amount of memory — e.g. 256MB, 1GB or 2GiB' })
      .describe("DuckDB's buffer memory, kept as a hard limit; beyond it loads spill to <warehouse>.tmp, so the loader's memory stays flat whatever the table's length. Absent: sized per load by the table's width (64MB up to 10 columns, 3MB per column beyond) and raised if a load runs out")
      .optional(),
  })
  .strict()
  .describe('Local staging folder and DuckDB warehouse (demos, development, tests)');

const gcp = z
  .object({
    project_id: requiredText('Google Cloud project of the BigQuery dataset'),
    dataset: z.string().regex(/^[A-Za-z0-9_]{1,1024}$/, { error: 'is not a BigQuery dataset name — use letters, digits and _' })
      .describe('BigQuery dataset receiving the tables'),
    bucket: bucketName('gs', 'GCS staging bucket name (without gs://)'),
    prefix,
    location: requiredText('BigQuery location of the dataset, e.g. US or us-central1 (the bucket must be in it)'),
    // No .default(): absent keys stay absent in the parsed config; the warehouse applies the defaults.
    partition_granularity: z.enum(['DAY', 'HOUR', 'MONTH', 'YEAR'])
      .describe(
        'Time-unit partitioning of target tables DataPipe creates, on the partition_column: DAY (default), HOUR, MONTH or YEAR; ' +
          'a DATE column takes DAY instead of HOUR; existing tables keep theirs. BigQuery allows 10,000 partitions per table and ' +
          '4,000 changed by one load, so DAY holds about 27 years and a first load may span about 11, HOUR about 13 months and ' +
          '5 — choose MONTH or YEAR for longer histories',
      )
      .optional(),
    stage_expiration_hours: wholeNumber({ min: 1, max: 720, example: 24, description: 'Hours after which BigQuery deletes a stage table a failed load left behind (default 24)' })
      .optional(),
  })
  .strict()
  .describe('Google Cloud: GCS staging, BigQuery warehouse');

const redshift = z
  .object({
    workgroup_name: requiredText('Redshift Serverless workgroup (or cluster_identifier for a provisioned cluster)').optional(),
    cluster_identifier: requiredText('Provisioned cluster identifier (or workgroup_name for Serverless)').optional(),
    database: requiredText('Database name'),
    schema: requiredText('Schema receiving the tables'),
    secret_arn: z.string().regex(/^arn:/, { error: 'is not an ARN — write the Secrets Manager secret ARN (arn:aws:secretsmanager:…)' })
      .describe('Secrets Manager secret with the database credentials').optional(),
    db_user: requiredText('Database user for temporary credentials (provisioned clusters only)').optional(),
    iam_role: z.string().regex(/^(default|arn:.+)$/, { error: 'is not an IAM role — write the role ARN COPY uses (arn:aws:iam::<account>:role/<name>) or default' })
      .describe('IAM role ARN that COPY uses to read the bucket, or default'),
  })
  .strict()
  .superRefine((r, ctx) => {
    if ((r.workgroup_name === undefined) === (r.cluster_identifier === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: r.workgroup_name === undefined ? [] : ['cluster_identifier'],
        message: 'needs exactly one of workgroup_name (Serverless) and cluster_identifier (provisioned) — keep one',
      });
    }
    if (r.secret_arn !== undefined && r.db_user !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['db_user'], message: 'cannot be combined with secret_arn — keep one way to authenticate' });
    }
    if (r.db_user !== undefined && r.workgroup_name !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['db_user'], message: 'applies to provisioned clusters only — remove it, or use secret_arn (Serverless maps the IAM identity to a user)' });
    }
  })
  .describe('Redshift Data API target');

const aws = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: 'is not an AWS region — write e.g. us-east-1' }).describe('AWS region of the bucket and Redshift'),
    bucket: bucketName('s3', 'S3 staging bucket name (without s3://)'),
    prefix,
    endpoint: z.string()
      .regex(/^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/, { error: 'is not an http(s) URL — write e.g. https://s3.example.internal:9000, or remove it to use AWS S3' })
      .describe('S3-compatible endpoint URL used instead of AWS S3 (an emulator such as moto, or a MinIO/Ceph gateway); it must support S3 checksums (x-amz-checksum-crc32); leave out for AWS')
      .optional(),
    force_path_style: flag('Address the bucket in the URL path (https://host/bucket/key) instead of the host name (https://bucket.host/key); most S3-compatible endpoints and emulators need true (default false)')
      .optional(),
    redshift,
  })
  .strict()
  .describe('AWS: S3 staging, Redshift warehouse');

/** How the loader signs in to the Databricks workspace (databricks-auth.ts in the warehouse adapter). */
export const DATABRICKS_AUTH_MODES = ['pat', 'oauth-m2m', 'entra-id'] as const;
/** One of DATABRICKS_AUTH_MODES. */
export type DatabricksAuthMode = (typeof DATABRICKS_AUTH_MODES)[number];

const databricks = z
  .object({
    host: requiredText('Workspace host name, e.g. adb-1234567890123456.7.azuredatabricks.net (no https://)')
      .refine((host) => !host.includes('://'), { error: 'must be the bare host name — remove the https:// part' }),
    http_path: z.string().regex(/^\/sql\/1\.0\/(warehouses|endpoints)\/[A-Za-z0-9_-]+\/?$/, {
      error: 'is not a SQL warehouse HTTP path — copy it from the SQL warehouse\'s connection details (/sql/1.0/warehouses/<id>); clusters are not supported',
    })
      .describe('SQL warehouse HTTP path, /sql/1.0/warehouses/<id>'),
    auth: z.enum(DATABRICKS_AUTH_MODES)
      .describe('pat (default): a personal access token in token; oauth-m2m: a Databricks service principal\'s client_id and client_secret; ' +
        'entra-id: a Microsoft Entra ID token from the environment (AKS workload identity, managed identity, az login)')
      .optional(),
    token: requiredText('Personal access token (auth: pat) — always "${DATABRICKS_TOKEN}", never the literal value').optional(),
    client_id: requiredText('Service principal application (client) id (auth: oauth-m2m), e.g. "${DATABRICKS_CLIENT_ID}"').optional(),
    client_secret: requiredText('Service principal OAuth secret (auth: oauth-m2m) — always "${DATABRICKS_CLIENT_SECRET}", never the literal value').optional(),
    catalog: requiredText('Unity Catalog catalog'),
    schema: requiredText('Schema receiving the tables'),
  })
  .strict()
  .superRefine((d, ctx) => {
    const auth = d.auth ?? 'pat';
    const needs = { pat: ['token'], 'oauth-m2m': ['client_id', 'client_secret'], 'entra-id': [] }[auth] as ('token' | 'client_id' | 'client_secret')[];
    const add = { token: 'add token: "${DATABRICKS_TOKEN}", or choose auth: oauth-m2m or entra-id', client_id: 'add client_id: "${DATABRICKS_CLIENT_ID}"', client_secret: 'add client_secret: "${DATABRICKS_CLIENT_SECRET}"' };
    for (const key of needs) {
      if (d[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `missing (auth ${auth}) — ${add[key]}` });
    }
    for (const key of ['token', 'client_id', 'client_secret'] as const) {
      if (d[key] !== undefined && !needs.includes(key)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `is not used with auth ${auth} — remove it${key === 'token' ? '' : ', or set auth: oauth-m2m'}` });
      }
    }
  })
  .describe('Azure Databricks SQL warehouse (read_files over the staged AVRO, MERGE INTO a Delta table)');

const azure = z
  .object({
    // Azurite (tests, local development) serves one account per path: http://127.0.0.1:<port>/<account>.
    account_url: z.string().regex(/^(https:\/\/[^/\s]+|http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/[a-z0-9]{3,24})\/?$/, {
      error: 'is not a storage account URL — write https://<account>.blob.core.windows.net (Azurite: http://127.0.0.1:10000/devstoreaccount1)',
    })
      .describe('Storage account URL, https://<account>.blob.core.windows.net (Azurite: http://127.0.0.1:10000/devstoreaccount1)'),
    container: bucketName('abfss', 'Blob container name'),
    prefix,
    databricks,
  })
  .strict()
  .describe('Azure: Blob / ADLS Gen2 staging, Azure Databricks warehouse');

/** `destination.local` with defaults applied (loadConfig makes both paths absolute). */
export type LocalDestination = z.output<typeof local>;
/** `destination.gcp`: GCS staging, BigQuery warehouse. */
export type GcpDestination = z.output<typeof gcp>;
/** `destination.aws`: S3 staging, Redshift through the Data API. */
export type AwsDestination = z.output<typeof aws>;
/** `destination.azure`: Blob staging, Azure Databricks. */
export type AzureDestination = z.output<typeof azure>;

/**
 * The validated destination. The block `cloud` names is always present (`local` gets its defaults);
 * other configured blocks are kept, so `--cloud` can pick one of them at run time.
 */
export interface DestinationConfig {
  cloud: Cloud;
  local?: LocalDestination;
  gcp?: GcpDestination;
  aws?: AwsDestination;
  azure?: AzureDestination;
}

const CLOUD_BLOCK_HINT: Record<Exclude<Cloud, 'local'>, string> = {
  gcp: 'project_id, dataset, bucket and location',
  aws: 'region, bucket and redshift',
  azure: 'account_url, container and databricks',
};

/** `destination:` — the chosen cloud must have its block; yields a DestinationConfig. */
export const destinationSchema = z
  .object({
    cloud: z.enum(CLOUDS).describe('Which cloud to stage and load into; its block below is required (local has defaults)'),
    local: local.optional(),
    gcp: gcp.optional(),
    aws: aws.optional(),
    azure: azure.optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.cloud !== 'local' && d[d.cloud] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [d.cloud],
        message: `missing (cloud is ${d.cloud}) — add the ${d.cloud}: block under destination with ${CLOUD_BLOCK_HINT[d.cloud]}`,
      });
    }
  })
  .transform((d): DestinationConfig => {
    const destination: DestinationConfig = { cloud: d.cloud };
    if (d.local !== undefined || d.cloud === 'local') destination.local = d.local ?? { ...LOCAL_DEFAULTS };
    if (d.gcp !== undefined) destination.gcp = d.gcp;
    if (d.aws !== undefined) destination.aws = d.aws;
    if (d.azure !== undefined) destination.azure = d.azure;
    return destination;
  })
  .describe('Where parts are staged and which warehouse they are loaded into');
