/**
 * `.github/workflows/datapipe.yml`: one `checks` job on every push and pull request, then one
 * deploy job per config with a `deploy:` block, on its branch or tags only. Cloud identity through
 * GitHub's OIDC token (`id-token: write`), exchanged by each cloud's official login action for
 * short-lived credentials; the identifiers come from repository or environment variables (`vars.`),
 * never secrets. README, "The deployment pipeline".
 */
import {
  checkCommands, deployed, headerLines, IDENTITY_VARIABLES, refText, releaseDagsCommand, releaseDir,
  type CiConfig, type CiSpec, type DeployTarget,
} from './ci-spec.js';
import { yamlScript, yamlString } from './yaml-text.js';

/** Action versions: the majors whose inputs the steps below use. */
const ACTIONS = {
  checkout: 'actions/checkout@v4',
  setupNode: 'actions/setup-node@v4',
  gcpAuth: 'google-github-actions/auth@v2',
  setupGcloud: 'google-github-actions/setup-gcloud@v2',
  awsCredentials: 'aws-actions/configure-aws-credentials@v4',
  ecrLogin: 'aws-actions/amazon-ecr-login@v2',
  azureLogin: 'azure/login@v2',
} as const;

export function renderGithubWorkflow(spec: CiSpec): string {
  const lines = [
    ...headerLines(spec),
    'name: datapipe',
    '',
    'on: [push, pull_request]',
    '',
    '# Jobs get only what they need; the deploy jobs add id-token: write for their cloud login.',
    'permissions:',
    '  contents: read',
    '',
    ...placeholderEnv(spec),
    'jobs:',
    ...checksJob(spec),
    ...deployed(spec).flatMap((config) => ['', ...deployJob(config)]),
  ];
  return `${lines.join('\n')}\n`;
}

function placeholderEnv(spec: CiSpec): string[] {
  if (spec.placeholders.length === 0) return [];
  return [
    '# Placeholders for the ${VAR}s the configs reference: nothing here reads a database, and no value',
    '# reaches a generated file, so the checks need no credential.',
    'env:',
    ...spec.placeholders.map(([name, value]) => `  ${name}: ${yamlString(value)}`),
    '',
  ];
}

function setupSteps(fetchTags: boolean): string[] {
  return [
    `      - uses: ${ACTIONS.checkout}`,
    ...(fetchTags ? ['        with:', '          fetch-depth: 0  # git describe (the image tag) needs the history and tags'] : []),
    `      - uses: ${ACTIONS.setupNode}`,
    '        with:',
    '          node-version: 20',
    '          cache: npm',
    '      - name: npm ci',
    '        run: npm ci',
  ];
}

function checksJob(spec: CiSpec): string[] {
  const steps = spec.configs.flatMap((config) => [
    `      - name: ${yamlString(`${config.path}: valid, schemas/ and dags/ as it generates them`)}`,
    yamlScript('run', checkCommands(config), 8),
  ]);
  return [
    '  checks:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    ...setupSteps(false),
    ...steps,
    '      - name: this workflow as the configs generate it',
    `        run: ${yamlString(`${spec.command}`)}`,
    ...(spec.unitTests ? ['      - name: unit tests', `        run: ${yamlString(spec.unitTests)}`] : []),
  ];
}

function deployJob(config: CiConfig & { deploy: DeployTarget }): string[] {
  const { deploy } = config;
  const condition = 'branch' in deploy.ref
    ? `github.event_name == 'push' && github.ref == 'refs/heads/${deploy.ref.branch}'`
    : `github.event_name == 'push' && startsWith(github.ref, 'refs/tags/${deploy.ref.tagPrefix}')`;
  return [
    `  deploy-${config.project}:`,
    `    name: ${yamlString(`deploy ${config.project} (${deploy.cloud})`)}`,
    '    needs: checks',
    `    # ${refText(deploy.ref)} only: a pull request never pushes images or syncs DAGs.`,
    `    if: ${condition}`,
    '    runs-on: ubuntu-latest',
    `    environment: ${yamlString(deploy.environment)}`,
    '    # One deploy of this config at a time, never cancelled halfway through a sync.',
    '    concurrency:',
    `      group: ${yamlString(`datapipe-deploy-${config.project}`)}`,
    '      cancel-in-progress: false',
    '    permissions:',
    '      contents: read',
    '      id-token: write',
    '    steps:',
    ...setupSteps(true),
    ...loginSteps(deploy),
    '      - name: build the images and push them, tagged with git describe',
    yamlScript('run', ['make build', `make push REGISTRY=${deploy.registry}`], 8),
    ...syncSteps(config, deploy),
  ];
}

function identity(name: string): string {
  return `\${{ vars.${name} }}`;
}

function loginSteps(deploy: DeployTarget): string[] {
  switch (deploy.cloud) {
    case 'gcp': {
      const [provider, account] = IDENTITY_VARIABLES.gcp;
      return [
        '      - name: Google Cloud identity (workload identity federation, no key)',
        `        uses: ${ACTIONS.gcpAuth}`,
        '        with:',
        `          workload_identity_provider: ${yamlString(identity(provider))}`,
        `          service_account: ${yamlString(identity(account))}`,
        `      - uses: ${ACTIONS.setupGcloud}`,
        '      - name: Artifact Registry login',
        `        run: ${yamlString(`gcloud auth configure-docker ${deploy.registryHost} --quiet`)}`,
      ];
    }
    case 'aws':
      return [
        '      - name: AWS identity (OIDC role, no key)',
        `        uses: ${ACTIONS.awsCredentials}`,
        '        with:',
        `          role-to-assume: ${yamlString(identity(IDENTITY_VARIABLES.aws[0]))}`,
        `          aws-region: ${yamlString(deploy.registryRegion!)}`,
        '      - name: ECR login',
        `        uses: ${ACTIONS.ecrLogin}`,
      ];
    case 'azure': {
      const [client, tenant, subscription] = IDENTITY_VARIABLES.azure;
      return [
        '      - name: Azure identity (federated credential, no secret)',
        `        uses: ${ACTIONS.azureLogin}`,
        '        with:',
        `          client-id: ${yamlString(identity(client))}`,
        `          tenant-id: ${yamlString(identity(tenant))}`,
        `          subscription-id: ${yamlString(identity(subscription))}`,
        '      - name: ACR login',
        `        run: ${yamlString(`az acr login --name ${deploy.acrName!}`)}`,
      ];
    }
  }
}

function syncSteps(config: CiConfig, deploy: DeployTarget): string[] {
  if (deploy.dagTarget === undefined) {
    return ['      # No DAG upload: Airflow on AKS reads dags/ of this repository with git-sync (README, "The deployment pipeline").'];
  }
  const sync = deploy.cloud === 'gcp'
    ? `gcloud storage rsync ${releaseDir(config)} ${deploy.dagTarget} --recursive --delete-unmatched-destination-objects`
    : `aws s3 sync ${releaseDir(config)} ${deploy.dagTarget} --delete`;
  return [
    '      - name: the DAGs, running the images just pushed',
    `        run: ${yamlString(releaseDagsCommand(config, '"$(make -s version)"'))}`,
    `      - name: ${yamlString(`sync the DAGs to ${deploy.dagTarget}`)}`,
    `        run: ${yamlString(sync)}`,
  ];
}
