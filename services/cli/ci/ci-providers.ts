/**
 * The CI systems `datapipe generate ci` writes for: where each keeps its pipeline file and how it
 * is rendered. Adding one is one entry here and one renderer beside it.
 */
import type { CiProvider, CiSpec } from './ci-spec.js';
import { renderCloudBuild } from './cloud-build.js';
import { renderGithubWorkflow } from './github-workflow.js';
import { renderGitlabPipeline } from './gitlab-pipeline.js';

export interface ProviderEntry {
  /** The pipeline file, relative to the workspace root. */
  file: string;
  render(spec: CiSpec): string;
}

export const CI_PROVIDERS = {
  github: { file: '.github/workflows/datapipe.yml', render: renderGithubWorkflow },
  gitlab: { file: '.gitlab-ci.yml', render: renderGitlabPipeline },
  cloudbuild: { file: 'cloudbuild.yaml', render: renderCloudBuild },
} as const satisfies Record<CiProvider, ProviderEntry>;

export const CI_PROVIDER_NAMES = Object.keys(CI_PROVIDERS) as CiProvider[];
