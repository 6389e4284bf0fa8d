/**
 * The real AWS account the live Redshift suite uses, from DATAPIPE_IT_AWS_* variables, with
 * credentials from the SDK's default provider chain; `available` is false (and the suite says so
 * once, loudly) when a required variable is unset.
 */
import type { AwsDestination } from '../../shared/config/config-schema.js';

export interface LiveAws {
  destination: AwsDestination;
  /** Key prefix of the suite's objects in the bucket. */
  prefix: string;
  available: boolean;
}

export function liveAws(suite: string, what: string): LiveAws {
  const env = process.env;
  const workgroup = env.DATAPIPE_IT_AWS_WORKGROUP ?? '';
  const cluster = env.DATAPIPE_IT_AWS_CLUSTER ?? '';
  const required = {
    DATAPIPE_IT_AWS_REGION: env.DATAPIPE_IT_AWS_REGION ?? '',
    DATAPIPE_IT_AWS_BUCKET: env.DATAPIPE_IT_AWS_BUCKET ?? '',
    'DATAPIPE_IT_AWS_WORKGROUP or DATAPIPE_IT_AWS_CLUSTER': workgroup || cluster,
    DATAPIPE_IT_AWS_IAM_ROLE: env.DATAPIPE_IT_AWS_IAM_ROLE ?? '',
  };
  const missing = Object.entries(required).filter(([, value]) => value === '').map(([name]) => name);
  if (missing.length > 0) {
    console.warn(`[${suite}] SKIPPED: set ${missing.join(', ')} (and DATAPIPE_IT_AWS_DATABASE, default dev; DATAPIPE_IT_AWS_SCHEMA, default public; ` +
      `DATAPIPE_IT_AWS_SECRET_ARN or DATAPIPE_IT_AWS_DB_USER for a cluster), with AWS credentials in the default provider chain, to ${what}`);
  }
  const destination: AwsDestination = {
    region: required.DATAPIPE_IT_AWS_REGION,
    bucket: required.DATAPIPE_IT_AWS_BUCKET,
    redshift: {
      ...(workgroup ? { workgroup_name: workgroup } : { cluster_identifier: cluster }),
      database: env.DATAPIPE_IT_AWS_DATABASE ?? 'dev',
      schema: env.DATAPIPE_IT_AWS_SCHEMA ?? 'public',
      iam_role: required.DATAPIPE_IT_AWS_IAM_ROLE,
      ...(env.DATAPIPE_IT_AWS_SECRET_ARN ? { secret_arn: env.DATAPIPE_IT_AWS_SECRET_ARN } : {}),
      ...(env.DATAPIPE_IT_AWS_DB_USER ? { db_user: env.DATAPIPE_IT_AWS_DB_USER } : {}),
    },
  };
  return { destination, prefix: env.DATAPIPE_IT_AWS_PREFIX ?? 'datapipe-it', available: missing.length === 0 };
}
