/**
 * `deploy:` — where the pipeline `datapipe generate ci` writes pushes the images and syncs the DAGs,
 * and which git ref deploys (README, "The deployment pipeline"; docs/architecture.md, "Deployment").
 * Only identifiers live here: the pipeline's cloud identity comes from CI variables, never a key.
 *
 * What a value must look like depends on `destination.cloud` (gs:// for Composer, s3:// for MWAA,
 * git-sync on AKS), so those checks run over the whole config: checkDeploy, called by config-schema.ts.
 */
import { z } from 'zod';
import type { Cloud } from './destination-schema.js';

/** An image repository prefix: `host[:port]/path` in the lowercase form registries accept. */
const REGISTRY = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/;
/** A git branch name a CI condition can quote as is. */
const BRANCH = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;
/** A tag pattern: a literal prefix and one trailing `*` (`v*`, `release-*`), the form every CI can match. */
const TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}\*$/;
/** A CI environment name (GitHub environments, GitLab environments). */
const ENVIRONMENT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
/** `gs://bucket/path` or `s3://bucket/path`: a bucket and an optional folder. */
const BUCKET_URL = /^(gs|s3):\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/[A-Za-z0-9._-]+)*\/?$/;

/** The one DAG store on AKS: Airflow's git-sync reads dags/ from this repository (no upload step). */
export const GIT_SYNC = 'git-sync';

export const deploySchema = z
  .object({
    registry: z.string().regex(REGISTRY, {
      error: 'is not an image registry — write host/path in lowercase, e.g. us-central1-docker.pkg.dev/acme/datapipe, 123456789012.dkr.ecr.us-east-1.amazonaws.com/datapipe or acme.azurecr.io/datapipe',
    }).describe('Registry the pipeline pushes the images to (make push REGISTRY=…): Artifact Registry on gcp, ECR on aws, ACR on azure'),
    dags: z.string().min(1, { error: 'is empty — write gs://<composer bucket>/dags, s3://<mwaa bucket>/dags or git-sync' })
      .describe('Airflow DAG folder the pipeline syncs this config\'s DAGs into, under <dags>/<project.name>/: gs://<bucket>/dags (Composer, gcp), s3://<bucket>/dags (MWAA, aws), or git-sync (AKS reads dags/ from the repository; the default on azure)')
      .optional(),
    branch: z.string().regex(BRANCH, { error: 'is not a branch name — write e.g. main' })
      .describe('Pushes to this branch deploy (default main); pull requests never deploy').optional(),
    tag: z.string().regex(TAG_PATTERN, { error: 'is not a tag pattern — write a prefix and *, e.g. v*' })
      .describe('Deploy on pushed tags matching this pattern instead of a branch (promotion by tagging), e.g. v*').optional(),
    environment: z.string().regex(ENVIRONMENT, { error: 'is not an environment name — use letters, digits, _, . and -' })
      .describe('CI environment of the deploy job, where its identity variables and approvals live (default project.environment, else production)').optional(),
  })
  .strict()
  .describe('Deployment by the pipeline `datapipe generate ci` writes: image registry, DAG store, the ref that deploys');

/** A validated `deploy:` block. */
export type DeployConfig = z.output<typeof deploySchema>;

/** The registry hosts of each cloud, and what to write instead (README, "The deployment pipeline"). */
export const REGISTRY_HOSTS = {
  gcp: { pattern: /^((?:[a-z0-9-]+-docker\.pkg\.dev)|(?:(?:[a-z]+\.)?gcr\.io))\//, name: 'an Artifact Registry', example: 'us-central1-docker.pkg.dev/<project>/<repository>' },
  aws: { pattern: /^(\d{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?)\//, name: 'an ECR', example: '<account>.dkr.ecr.<region>.amazonaws.com/<repository>' },
  azure: { pattern: /^(([a-z0-9]{5,50})\.azurecr\.io)\//, name: 'an Azure Container Registry', example: '<name>.azurecr.io/<repository>' },
} as const;

/** What `dags` must be per cloud, for the messages. */
const DAG_STORE_HINT: Readonly<Record<Exclude<Cloud, 'local'>, string>> = {
  gcp: 'write the Composer environment\'s DAG folder, gs://<bucket>/dags',
  aws: 'write the MWAA environment\'s DAG folder, s3://<bucket>/dags',
  azure: `write ${GIT_SYNC} (Airflow on AKS reads dags/ from the repository)`,
};

/** A problem `checkDeploy` found: the path under `deploy` and the message. */
export interface DeployIssue {
  path: (string | number)[];
  message: string;
}

/** The cross-field rules of `deploy:` against the destination cloud and `images:`. */
export function checkDeploy(deploy: DeployConfig, cloud: Cloud, imagesRegistry: string | undefined): DeployIssue[] {
  if (cloud === 'local') {
    return [{ path: [], message: 'is not used with destination.cloud local (no registry, no Airflow to deploy to) — remove deploy:; `datapipe generate ci` writes the checks without it' }];
  }
  const issues: DeployIssue[] = [];
  const host = REGISTRY_HOSTS[cloud];
  if (!host.pattern.test(deploy.registry)) {
    issues.push({ path: ['registry'], message: `is not ${host.name} repository (cloud is ${cloud}) — write ${host.example}` });
  }
  const dags = deploy.dags ?? (cloud === 'azure' ? GIT_SYNC : undefined);
  if (dags === undefined) {
    issues.push({ path: ['dags'], message: `missing (cloud is ${cloud}) — ${DAG_STORE_HINT[cloud]}` });
  } else if (cloud === 'azure' ? dags !== GIT_SYNC : !(BUCKET_URL.test(dags) && dags.startsWith(cloud === 'gcp' ? 'gs://' : 's3://'))) {
    issues.push({ path: ['dags'], message: `is not a DAG store for ${cloud} — ${DAG_STORE_HINT[cloud]}` });
  }
  if (deploy.tag !== undefined && deploy.branch !== undefined) {
    issues.push({ path: ['tag'], message: 'and deploy.branch are both set — keep one: a branch deploys on every push to it, a tag pattern on each matching tag' });
  }
  if (imagesRegistry !== undefined && imagesRegistry !== deploy.registry) {
    issues.push({ path: ['registry'], message: 'differs from images.registry — the DAGs would run images the pipeline never pushes; remove images.registry (the deployed DAGs use deploy.registry)' });
  }
  return issues;
}

/** The DAG store URL with the default applied and no trailing slash. */
export function dagStore(deploy: DeployConfig, cloud: Exclude<Cloud, 'local'>): string {
  return (deploy.dags ?? (cloud === 'azure' ? GIT_SYNC : '')).replace(/\/+$/, '');
}
