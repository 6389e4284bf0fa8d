/**
 * `.gitlab-ci.yml`: a `checks` job in merge-request and push pipelines, then one deploy job per
 * config with a `deploy:` block, on its branch or tags only. Cloud identity through a GitLab ID
 * token (`id_tokens`) exchanged by each cloud's CLI for short-lived credentials; the identifiers
 * come from CI/CD variables (not masked secrets: they are not secret), never a key.
 * Images are built by Docker-in-Docker. README, "The deployment pipeline".
 */
import {
  checkCommands, deployed, headerLines, IDENTITY_VARIABLES, refText, releaseDagsCommand, releaseDir,
  type CiConfig, type CiSpec, type DeployTarget,
} from './ci-spec.js';
import { yamlString } from './yaml-text.js';

const NODE_IMAGE = 'node:20-bookworm';
const DIND_IMAGE = 'docker:27-dind';
/** Where the job keeps its ID token and credential configuration (gitignored, never an artifact). */
const TOKEN_FILE = '.datapipe/oidc-token';

export function renderGitlabPipeline(spec: CiSpec): string {
  const lines = [
    ...headerLines(spec),
    '# Merge-request pipelines, and push pipelines for branches without an open merge request and for tags.',
    'workflow:',
    '  rules:',
    '    - if: $CI_PIPELINE_SOURCE == "merge_request_event"',
    '    - if: $CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS',
    '      when: never',
    '    - if: $CI_PIPELINE_SOURCE == "push"',
    '',
    'stages:',
    '  - check',
    '  - deploy',
    '',
    'variables:',
    '  GIT_DEPTH: "0"  # git describe (the image tag) needs the history and tags',
    ...placeholderVariables(spec),
    '',
    ...checksJob(spec),
    ...deployed(spec).flatMap((config) => ['', ...deployJob(config)]),
  ];
  return `${lines.join('\n')}\n`;
}

function placeholderVariables(spec: CiSpec): string[] {
  if (spec.placeholders.length === 0) return [];
  return [
    '  # Placeholders for the ${VAR}s the configs reference: nothing here reads a database, and no value',
    '  # reaches a generated file, so the checks need no credential.',
    ...spec.placeholders.map(([name, value]) => `  ${name}: ${yamlString(value)}`),
  ];
}

function script(lines: readonly string[]): string[] {
  return lines.map((line) => `    - ${yamlString(line)}`);
}

function checksJob(spec: CiSpec): string[] {
  return [
    'checks:',
    '  stage: check',
    `  image: ${NODE_IMAGE}`,
    '  script:',
    ...script([
      'npm ci',
      ...spec.configs.flatMap(checkCommands),
      spec.command,
      ...(spec.unitTests ? [spec.unitTests] : []),
    ]),
  ];
}

function deployJob(config: CiConfig & { deploy: DeployTarget }): string[] {
  const { deploy } = config;
  const rule = 'branch' in deploy.ref
    ? `$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == "${deploy.ref.branch}"`
    : `$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_TAG =~ /^${deploy.ref.tagPrefix.replace(/[.\\/]/g, (c) => `\\${c}`)}/`;
  return [
    `deploy-${config.project}:`,
    '  stage: deploy',
    '  needs: [checks]',
    `  # ${refText(deploy.ref)} only: a merge request never pushes images or syncs DAGs.`,
    '  rules:',
    `    - if: ${yamlString(rule)}`,
    `  environment: ${yamlString(deploy.environment)}`,
    '  # One deploy of this config at a time.',
    `  resource_group: ${yamlString(`datapipe-deploy-${config.project}`)}`,
    `  image: ${NODE_IMAGE}`,
    '  services:',
    `    - ${DIND_IMAGE}`,
    '  variables:',
    '    DOCKER_HOST: tcp://docker:2375',
    '    DOCKER_TLS_CERTDIR: ""',
    '  id_tokens:',
    '    DATAPIPE_ID_TOKEN:',
    `      aud: ${yamlString(AUDIENCE[deploy.cloud])}`,
    '  script:',
    ...script([
      // Debian's docker.io carries the docker CLI; the daemon is the dind service.
      'apt-get update -qq && apt-get install -y -qq docker.io unzip >/dev/null',
      ...cloudCli[deploy.cloud](),
      'npm ci',
      `mkdir -p .datapipe && printf %s "$DATAPIPE_ID_TOKEN" > ${TOKEN_FILE}`,
      ...login(deploy),
      'make build',
      `make push REGISTRY=${deploy.registry}`,
      ...sync(config, deploy),
    ]),
  ];
}

/** The `aud` each cloud's token exchange expects (the provider's default allowed audience). */
const AUDIENCE: Readonly<Record<DeployTarget['cloud'], string>> = {
  gcp: `https://iam.googleapis.com/$${IDENTITY_VARIABLES.gcp[0]}`,
  aws: 'sts.amazonaws.com',
  azure: 'api://AzureADTokenExchange',
};

/** Each cloud's CLI, installed as its vendor documents for Debian. */
const cloudCli: Readonly<Record<DeployTarget['cloud'], () => string[]>> = {
  gcp: () => [
    'curl -fsSL https://dl.google.com/dl/cloudsdk/channels/rapid/google-cloud-cli-linux-x86_64.tar.gz | tar -xz -C /opt',
    'export PATH="/opt/google-cloud-sdk/bin:$PATH"',
  ],
  aws: () => [
    'curl -fsSL https://awscli.amazonaws.com/awscli-exe-linux-x86_64.zip -o /tmp/awscli.zip && unzip -q /tmp/awscli.zip -d /tmp && /tmp/aws/install',
  ],
  azure: () => ['curl -fsSL https://aka.ms/InstallAzureCLIDeb | bash'],
};

function login(deploy: DeployTarget): string[] {
  switch (deploy.cloud) {
    case 'gcp': {
      const [provider, account] = IDENTITY_VARIABLES.gcp;
      return [
        `gcloud iam workload-identity-pools create-cred-config "$${provider}" --service-account="$${account}" --credential-source-file=${TOKEN_FILE} --output-file=.datapipe/gcp-credentials.json`,
        'gcloud auth login --cred-file=.datapipe/gcp-credentials.json --quiet',
        `gcloud auth configure-docker ${deploy.registryHost} --quiet`,
      ];
    }
    case 'aws':
      return [
        `export AWS_ROLE_ARN="$${IDENTITY_VARIABLES.aws[0]}" AWS_WEB_IDENTITY_TOKEN_FILE="$PWD/${TOKEN_FILE}" AWS_REGION=${deploy.registryRegion!}`,
        `aws ecr get-login-password | docker login --username AWS --password-stdin ${deploy.registryHost}`,
      ];
    case 'azure': {
      const [client, tenant, subscription] = IDENTITY_VARIABLES.azure;
      return [
        `az login --service-principal --username "$${client}" --tenant "$${tenant}" --federated-token "$DATAPIPE_ID_TOKEN" --output none`,
        `az account set --subscription "$${subscription}"`,
        `az acr login --name ${deploy.acrName!}`,
      ];
    }
  }
}

function sync(config: CiConfig, deploy: DeployTarget): string[] {
  if (deploy.dagTarget === undefined) return ['echo "the DAGs reach Airflow on AKS through git-sync of this repository, nothing to upload"'];
  return [releaseDagsCommand(config, '"$(make -s version)"'), deploy.cloud === 'gcp'
    ? `gcloud storage rsync ${releaseDir(config)} ${deploy.dagTarget} --recursive --delete-unmatched-destination-objects`
    : `aws s3 sync ${releaseDir(config)} ${deploy.dagTarget} --delete`];
}
