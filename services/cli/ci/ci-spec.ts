/**
 * Everything a generated pipeline says, resolved from the workspace's configs: the plain data the
 * provider renderers (github-workflow.ts, gitlab-pipeline.ts, cloud-build.ts) write out. No I/O.
 * README, "The deployment pipeline"; docs/architecture.md, "Deployment".
 */
import type { Config, DeployConfig } from '../../../shared/config/config-schema.js';
import { dagStore, REGISTRY_HOSTS } from '../../../shared/config/deploy-schema.js';
import { TerminalError } from '../../../shared/errors.js';

/** How the pipeline runs the CLI: the workspace is a DataPipe checkout, `npm ci` builds dist/. */
export const DATAPIPE = 'node dist/services/cli/main.js';

/** The folder the deploy job renders a config's release DAGs into (gitignored: `.datapipe/`). */
export const RELEASE_DIR = '.datapipe/release';

/** Names of the CI variables holding the pipeline's cloud identity: identifiers, never keys. */
export const IDENTITY_VARIABLES = {
  gcp: ['DATAPIPE_GCP_WORKLOAD_IDENTITY_PROVIDER', 'DATAPIPE_GCP_SERVICE_ACCOUNT'],
  aws: ['DATAPIPE_AWS_ROLE_ARN'],
  azure: ['DATAPIPE_AZURE_CLIENT_ID', 'DATAPIPE_AZURE_TENANT_ID', 'DATAPIPE_AZURE_SUBSCRIPTION_ID'],
} as const;

/** The git ref whose pushes deploy. */
export type DeployRef = { branch: string } | { tagPrefix: string };

/** One config's deploy job. */
export interface DeployTarget {
  cloud: 'gcp' | 'aws' | 'azure';
  /** `make push REGISTRY=…`. */
  registry: string;
  /** The registry's host, for the login step. */
  registryHost: string;
  /** aws: the ECR region; azure: the ACR name. */
  registryRegion?: string;
  acrName?: string;
  /** `gs://…/dags/<project>` or `s3://…/dags/<project>`; absent on azure (git-sync). */
  dagTarget?: string;
  ref: DeployRef;
  environment: string;
}

/** One config the pipeline checks (and maybe deploys). */
export interface CiConfig {
  /** Workspace-relative, `/`-separated: `migracion-ventas/config.yaml`. */
  path: string;
  project: string;
  cloud: Config['destination']['cloud'];
  deploy?: DeployTarget;
}

export type CiProvider = 'github' | 'gitlab' | 'cloudbuild';

export interface CiSpec {
  provider: CiProvider;
  /** The command that regenerates the file, as the header and the drift step show it. */
  command: string;
  configs: CiConfig[];
  /** Placeholder values for the `${VAR}`s the configs reference (the checks read no database). */
  placeholders: [string, string][];
  /** The framework's offline test command, when the workspace carries one. */
  unitTests?: string;
}

/** A config's deploy job, or a TerminalError naming the config and the field when its registry is not the cloud's. */
export function deployTarget(config: Config, deploy: DeployConfig, shownPath: string): DeployTarget {
  const cloud = config.destination.cloud;
  if (cloud === 'local') throw new TerminalError(`${shownPath}: deploy: is not used with destination.cloud local — remove it`);
  const host = REGISTRY_HOSTS[cloud];
  const match = host.pattern.exec(deploy.registry);
  // loadConfig has refused such a registry already (checkDeploy); kept for callers that build configs by hand.
  if (!match) throw new TerminalError(`${shownPath}: deploy.registry is not ${host.name} repository (cloud is ${cloud}) — write ${host.example}`);
  const store = dagStore(deploy, cloud);
  return {
    cloud,
    registry: deploy.registry,
    registryHost: match[1]!,
    ...(cloud === 'aws' ? { registryRegion: match[2]! } : {}),
    ...(cloud === 'azure' ? { acrName: match[2]! } : {}),
    ...(cloud !== 'azure' ? { dagTarget: `${store}/${config.project.name}` } : {}),
    ref: deploy.tag !== undefined ? { tagPrefix: deploy.tag.slice(0, -1) } : { branch: deploy.branch ?? 'main' },
    environment: deploy.environment ?? config.project.environment ?? 'production',
  };
}

/** The CLI line that regenerates or checks one config's files. */
export function checkCommands(config: CiConfig): string[] {
  return [
    `${DATAPIPE} validate --config ${config.path}`,
    `${DATAPIPE} generate schema --all --config ${config.path} --check`,
    `${DATAPIPE} generate dag --all --config ${config.path} --check`,
  ];
}

/** The release DAG folder of a config. */
export function releaseDir(config: CiConfig): string {
  return `${RELEASE_DIR}/${config.project}`;
}

/** `generate dag` writing the DAGs the deploy job ships, pinned to the tag `make push` pushed. */
export function releaseDagsCommand(config: CiConfig, tag: string): string {
  return `${DATAPIPE} generate dag --all --config ${config.path} --image-tag ${tag} --dags-dir ${releaseDir(config)}`;
}

/** A sentence for comments: which ref deploys. */
export function refText(ref: DeployRef): string {
  return 'branch' in ref ? `pushes to ${ref.branch}` : `pushed tags ${ref.tagPrefix}*`;
}

/** The configs with a deploy job. */
export function deployed(spec: CiSpec): (CiConfig & { deploy: DeployTarget })[] {
  return spec.configs.filter((c): c is CiConfig & { deploy: DeployTarget } => c.deploy !== undefined);
}

/** The header every generated pipeline starts with: what wrote it, from what, how to regenerate. */
export function headerLines(spec: CiSpec): string[] {
  const deploys = deployed(spec);
  return [
    `# Generated by \`datapipe generate ci\` from ${spec.configs.map((c) => c.path).join(', ')}.`,
    `# Regenerate with \`${spec.command.replace(/ --check$/, '')}\` after changing a config; do not edit by hand:`,
    '# the checks fail while this file differs from what the configs generate. README: "The deployment pipeline".',
    `# Every push and pull request: npm ci, validate, drift of schemas/ and dags/${spec.unitTests ? ', unit tests' : ''}.`,
    ...(deploys.length === 0
      ? ['# No config has a deploy: block, so nothing is built or deployed.']
      : deploys.map((c) => `# ${c.path}: ${refText(c.deploy.ref)} build, push to ${c.deploy.registry} and ${c.deploy.dagTarget ? `sync the DAGs to ${c.deploy.dagTarget}` : 'leave the DAGs to git-sync'}.`)),
    '',
  ];
}
