/**
 * `cloudbuild.yaml`: the checks step on every build, then for each gcp config with a `deploy:`
 * block the image, DAG and sync steps, which do their work only when the build is a push of the
 * deploy ref (a pull-request build has `_PR_NUMBER`). Cloud Build runs as the trigger's service
 * account, so there is no identity to pass at all. Only gcp deploys: Cloud Build has no keyless
 * route to ECR or ACR (use --provider github or gitlab there). README, "The deployment pipeline".
 *
 * In `args`, `$NAME` is a Cloud Build substitution (BRANCH_NAME, TAG_NAME, SHORT_SHA, COMMIT_SHA,
 * _PR_NUMBER); the scripts use no shell variable of their own, so nothing needs `$$` escaping.
 */
import { TerminalError } from '../../../shared/errors.js';
import { checkCommands, deployed, headerLines, refText, releaseDagsCommand, releaseDir, type CiConfig, type CiSpec, type DeployTarget } from './ci-spec.js';
import { yamlString } from './yaml-text.js';

const NODE_IMAGE = 'node:20-bookworm';
const DOCKER_IMAGE = 'gcr.io/cloud-builders/docker';
const GCLOUD_IMAGE = 'gcr.io/google.com/cloudsdktool/cloud-sdk:slim';

export function renderCloudBuild(spec: CiSpec): string {
  for (const config of deployed(spec)) {
    if (config.deploy.cloud !== 'gcp') {
      throw new TerminalError(`${config.path}: deploy: targets ${config.deploy.cloud}, and Cloud Build deploys to gcp only (no keyless route to ${config.deploy.cloud === 'aws' ? 'ECR' : 'ACR'}) — use --provider github or --provider gitlab`);
    }
  }
  const lines = [
    ...headerLines(spec),
    '# Use one trigger for pull requests and one for pushes; the deploy steps skip every other build.',
    'substitutions:',
    '  _PR_NUMBER: ""  # set by pull-request triggers',
    'options:',
    '  substitutionOption: ALLOW_LOOSE',
    '  logging: CLOUD_LOGGING_ONLY',
    ...(spec.placeholders.length > 0 ? [
      '  # Placeholders for the ${VAR}s the configs reference: nothing here reads a database, and no value',
      '  # reaches a generated file, so the checks need no credential.',
      '  env:',
      ...spec.placeholders.map(([name, value]) => `    - ${yamlString(`${name}=${value}`)}`),
    ] : []),
    '',
    'steps:',
    ...step('checks', NODE_IMAGE, [
      'npm ci',
      ...spec.configs.flatMap(checkCommands),
      spec.command,
      ...(spec.unitTests ? [spec.unitTests] : []),
    ]),
    ...deployed(spec).flatMap((config) => deploySteps(config)),
  ];
  return `${lines.join('\n')}\n`;
}

function step(id: string, image: string, script: readonly string[]): string[] {
  return [
    `  - id: ${yamlString(id)}`,
    `    name: ${yamlString(image)}`,
    '    entrypoint: bash',
    '    args:',
    '      - -ceu',
    '      - |',
    ...script.map((line) => `        ${line}`),
  ];
}

/** A guard that ends the step, successfully, unless this build deploys. */
function onlyWhenDeploying(deploy: DeployTarget): string {
  const ref = 'branch' in deploy.ref
    ? `[ "$BRANCH_NAME" = ${deploy.ref.branch} ]`
    : `case "$TAG_NAME" in ${deploy.ref.tagPrefix}*) true ;; *) false ;; esac`;
  return `if [ -n "$_PR_NUMBER" ] || ! { ${ref}; }; then echo "not a deploy build (${refText(deploy.ref)} deploy): nothing to do"; exit 0; fi`;
}

function deploySteps(config: CiConfig & { deploy: DeployTarget }): string[] {
  const { deploy } = config;
  const guard = onlyWhenDeploying(deploy);
  // Cloud Build may check out without git history, so the image tag is the commit's SHORT_SHA,
  // passed to make and to the DAGs alike.
  return [
    ...step(`images-${config.project}`, DOCKER_IMAGE, [
      guard,
      'apt-get update -qq && apt-get install -y -qq make >/dev/null',
      'make build VERSION=$SHORT_SHA REVISION=$COMMIT_SHA',
      `make push REGISTRY=${deploy.registry} VERSION=$SHORT_SHA`,
    ]),
    ...step(`dags-${config.project}`, NODE_IMAGE, [guard, releaseDagsCommand(config, '$SHORT_SHA')]),
    ...step(`sync-${config.project}`, GCLOUD_IMAGE, [
      guard,
      `gcloud storage rsync ${releaseDir(config)} ${deploy.dagTarget!} --recursive --delete-unmatched-destination-objects`,
    ]),
  ];
}
