/**
 * The config.yaml model (docs/architecture.md, "Configuration"): one zod schema, strict everywhere so a
 * misspelt key is an error rather than a silently ignored setting. Its `.describe()` texts become
 * the JSON Schema editors autocomplete from (json-schema.ts).
 *
 * The sections live beside this file: source-schema.ts, destination-schema.ts, table-schema.ts,
 * airflow-schema.ts (images and generated DAGs), deploy-schema.ts (the generated CI pipeline).
 */
import { z } from 'zod';
import { airflowSchema, imagesSchema } from './airflow-schema.js';
import { checkDeploy, deploySchema } from './deploy-schema.js';
import { destinationSchema } from './destination-schema.js';
import { sourceSchema } from './source-schema.js';
import { staleAfterSchema } from './stale-after.js';
import { PROJECT_NAME_PATTERN, wholeNumber } from './schema-primitives.js';
import { tablesSchema } from './table-schema.js';

export { parseCanonicalType } from './canonical-type-text.js';
export { parseLookback, type Lookback } from './lookback.js';
export {
  CLOUDS, DATABRICKS_AUTH_MODES, LOCAL_DEFAULTS,
  type AwsDestination, type AzureDestination, type Cloud, type DatabricksAuthMode, type DestinationConfig, type GcpDestination, type LocalDestination,
} from './destination-schema.js';
export { oracleConnectString, type OracleConnection, type PostgresConnection, type SourceConfig } from './source-schema.js';
export type { TableSpec } from './table-schema.js';
export { PLATFORMS, type AirflowConfig, type ImagesConfig, type Platform } from './airflow-schema.js';
export { PROJECT_NAME_PATTERN } from './schema-primitives.js';
export { GIT_SYNC, type DeployConfig } from './deploy-schema.js';

const project = z
  .object({
    name: z.string().regex(PROJECT_NAME_PATTERN, {
      error: 'is not a project name — use lowercase letters and digits, words joined by - or _ (e.g. migracion-ventas)',
    }).describe('Project identifier, part of every staging path: <prefix>/<name>/<table>/'),
    environment: z.string().describe('Free label for logs and DAG tags, e.g. production').optional(),
  })
  .strict()
  .describe('What this config is');

/** Committed runs kept in the staging bucket per table (docs/run-protocol.md, "Retention"). */
export const DEFAULT_RETENTION_RUNS = 7;

const staging = z
  .object({
    codec: z
      // YAML reads an unquoted `null` as the null value; here it can only mean the codec.
      .union([z.enum(['deflate', 'snappy', 'null']), z.null()], { error: 'is not a codec — use deflate, snappy or null' })
      .transform((codec) => codec ?? 'null')
      .default('deflate')
      .describe('AVRO block compression: deflate, snappy or null (Redshift reads only these three; default deflate)'),
    part_size_mb: wholeNumber({ min: 1, max: 4096, example: 128, description: 'Start a new AVRO part past this size (default 128)' }).default(128),
    batch_rows: wholeNumber({ min: 1, max: 1_000_000, example: 10_000, description: 'Rows fetched and encoded per batch (default 10000)' }).default(10_000),
    retention_runs: wholeNumber({
      min: 0, max: 100_000, example: 7,
      description: 'Committed runs whose staged files are kept per table; the loader deletes older runs after each commit (default 7; 0 keeps everything, e.g. when a bucket lifecycle rule expires them)',
    }).default(DEFAULT_RETENTION_RUNS),
  })
  .strict()
  .describe('How AVRO parts are written');

/** Cron's five fields, each made of the characters cron uses; the scheduler has the final word. */
const CRON_FIELD = /^[0-9A-Za-z*?,/#-]+$/;

const schedule = z
  .string()
  .refine((text) => {
    if (text === 'daily' || text === 'hourly') return true;
    const fields = text.trim().split(/\s+/);
    return fields.length === 5 && fields.every((field) => CRON_FIELD.test(field));
  }, { error: 'is not a schedule — write daily, hourly, or a five-field cron expression such as "0 2 * * *"' })
  .default('daily')
  .describe('When the generated DAG runs, in airflow.timezone: daily (02:00), hourly (minute 0), or a five-field cron expression (default daily)');

/** The whole config.yaml; parse with loadConfig, which also interpolates and words the errors. */
export const configSchema = z
  .object({
    project,
    source: sourceSchema,
    destination: destinationSchema,
    staging: staging.prefault({}),
    schedule,
    stale_after: staleAfterSchema.optional(),
    images: imagesSchema.optional(),
    airflow: airflowSchema.optional(),
    deploy: deploySchema.optional(),
    tables: tablesSchema,
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.deploy === undefined) return;
    for (const issue of checkDeploy(config.deploy, config.destination.cloud, config.images?.registry)) {
      ctx.addIssue({ code: 'custom', path: ['deploy', ...issue.path], message: issue.message });
    }
  })
  .describe('DataPipe config.yaml: move source tables into a cloud warehouse');

/** A validated config, defaults applied (relative local paths are resolved by loadConfig). */
export type Config = z.output<typeof configSchema>;
/** `staging:` with its defaults applied. */
export type StagingConfig = Config['staging'];
