import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ciWorkspace, datapipe, FIXTURES_DIR } from './ci-fixtures.js';

/** `datapipe validate` on the gcp (or another) fixture with its deploy: block replaced by `deploy`. */
async function validateWith(deploy: string, fixture: 'gcp' | 'aws' | 'azure' | 'local' = 'gcp') {
  const root = await ciWorkspace([]);
  const text = await readFile(join(FIXTURES_DIR, `${fixture}.yaml`), 'utf8');
  const cut = text.indexOf('deploy:');
  await writeFile(join(root, 'config.yaml'), `${cut < 0 ? text : text.slice(0, cut)}${deploy}`);
  return datapipe(root, 'validate', '--config', 'config.yaml');
}

describe('the deploy: block, validated like every other block', () => {
  it('the fixtures are valid, and the team config (no deploy:) stays valid', async () => {
    for (const cloud of ['gcp', 'aws', 'azure', 'local'] as const) {
      const root = await ciWorkspace([cloud]);
      expect((await datapipe(root, 'validate', '--config', `${cloud}/config.yaml`)).code).toBe(0);
    }
  });

  it.each([
    ['deploy:\n  registry: us-docker.pkg.dev/empresa/datapipe\n', 'config.yaml:21: deploy.dags: missing (cloud is gcp) — write the Composer environment\'s DAG folder, gs://<bucket>/dags'],
    ['deploy:\n  registry: us-docker.pkg.dev/empresa/datapipe\n  dags: s3://bucket/dags\n', 'config.yaml:23: deploy.dags: is not a DAG store for gcp — write the Composer environment\'s DAG folder, gs://<bucket>/dags'],
    ['deploy:\n  registry: 123456789012.dkr.ecr.us-east-1.amazonaws.com/datapipe\n  dags: gs://bucket/dags\n', 'config.yaml:22: deploy.registry: is not an Artifact Registry repository (cloud is gcp) — write us-central1-docker.pkg.dev/<project>/<repository>\nconfig.yaml:22: deploy.registry: differs from images.registry — the DAGs would run images the pipeline never pushes; remove images.registry (the deployed DAGs use deploy.registry)'],
    ['deploy:\n  registry: us-docker.pkg.dev/empresa/datapipe\n  dags: gs://bucket/dags\n  branch: main\n  tag: "v*"\n', 'config.yaml:25: deploy.tag: and deploy.branch are both set — keep one: a branch deploys on every push to it, a tag pattern on each matching tag'],
    ['deploy:\n  registry: us-docker.pkg.dev/empresa/datapipe\n  dags: gs://bucket/dags\n  tag: "v1.*.0"\n', 'config.yaml:24: deploy.tag: is not a tag pattern — write a prefix and *, e.g. v*'],
    ['deploy:\n  registry: us-docker.pkg.dev/otra/datapipe\n  dags: gs://bucket/dags\n', 'config.yaml:22: deploy.registry: differs from images.registry — the DAGs would run images the pipeline never pushes; remove images.registry (the deployed DAGs use deploy.registry)'],
    ['deploy:\n  registry: us-docker.pkg.dev/empresa/datapipe\n  dags: gs://bucket/dags\n  bucket: x\n', 'config.yaml:24: deploy.bucket: unknown key "bucket" — remove it (allowed here: registry, dags, branch, tag, environment)'],
  ])('%j → a line per problem naming the field and the fix, exit 2', async (deploy, message) => {
    const outcome = await validateWith(deploy);
    expect(outcome).toMatchObject({ code: 2, stdout: '', stderr: `datapipe: ${message}\n` });
  });

  it('local has nothing to deploy to', async () => {
    const outcome = await validateWith('deploy:\n  registry: us-docker.pkg.dev/empresa/datapipe\n', 'local');
    expect(outcome).toMatchObject({ code: 2, stderr: 'datapipe: config.yaml:12: deploy: is not used with destination.cloud local (no registry, no Airflow to deploy to) — remove deploy:; `datapipe generate ci` writes the checks without it\n' });
  });

  it('an unknown provider and a missing selection are usage errors (exit 2, one line)', async () => {
    const root = await ciWorkspace(['gcp']);
    const unknown = await datapipe(root, 'generate', 'ci', '--provider', 'jenkins', '--all');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Invalid values:');
    expect(unknown.stderr).toContain('"jenkins"');
    expect(await datapipe(root, 'generate', 'ci')).toMatchObject({
      code: 2, stderr: 'datapipe: generate ci: pass --config <path> or --all (every config.yaml and <folder>/config.yaml of the workspace)\n',
    });
    const notWorkspace = await datapipe(join(root, 'gcp'), 'generate', 'ci', '--all');
    expect(notWorkspace).toMatchObject({ code: 2, stderr: `datapipe: generate ci: ${join(root, 'gcp')} is not a DataPipe workspace (no package.json named datapipe beside a Makefile) — run it from the workspace root, or pass --out <workspace root>\n` });
  });

  it('will not overwrite a pipeline file it did not write', async () => {
    const root = await ciWorkspace(['gcp']);
    await writeFile(join(root, '.gitlab-ci.yml'), 'test:\n  script: [make test]\n');
    expect(await datapipe(root, 'generate', 'ci', '--provider', 'gitlab', '--all')).toMatchObject({
      code: 2, stderr: 'datapipe: .gitlab-ci.yml exists and was not written by datapipe generate ci — move it away (or merge its jobs into another file), then re-run\n',
    });
    expect(await readFile(join(root, '.gitlab-ci.yml'), 'utf8')).toBe('test:\n  script: [make test]\n');
  });
});
