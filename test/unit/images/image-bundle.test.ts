import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bundleImage, leftOut, LOADED_BY_NAME, LOCAL_CLOUD_FIX, type BundleReport,
} from '../../../scripts/image-bundle.js';
import { dependencyClosure, resolveInLock, type Lockfile } from '../../../scripts/image-bundle-lock.js';
import { ROOT } from '../../support/cli.js';

/**
 * scripts/image-bundle.ts, which builds each image's /app: which packages a bundle installs (the
 * package-lock closure), which adapters each role leaves out, and real bundles of this checkout
 * run with Node from an unrelated folder — as in the images, where nothing else is installed.
 */

describe('the package-lock closure of the runtime packages', () => {
  const lock: Lockfile = {
    packages: {
      '': {},
      'node_modules/a': { dependencies: { b: '^1', c: '^2' }, optionalDependencies: { 'a-linux-x64': '1', 'a-darwin-arm64': '1' } },
      'node_modules/b': {},
      'node_modules/a/node_modules/c': { peerDependencies: { d: '*', e: '*' }, peerDependenciesMeta: { e: { optional: true } } },
      'node_modules/c': {},
      'node_modules/d': {},
      'node_modules/e': {},
      'node_modules/a-linux-x64': {},
      'node_modules/a-darwin-arm64': {},
      'node_modules/broken': { dependencies: { gone: '1' } },
    },
  };
  const installed = (key: string) => key !== 'node_modules/a-darwin-arm64';

  it('resolves names as Node does: the nearest node_modules first, then upwards', () => {
    expect(resolveInLock(lock, 'node_modules/a', 'c')).toBe('node_modules/a/node_modules/c');
    expect(resolveInLock(lock, 'node_modules/a/node_modules/c', 'd')).toBe('node_modules/d');
    expect(resolveInLock(lock, '', 'c')).toBe('node_modules/c');
    expect(resolveInLock(lock, '', 'nothing')).toBeNull();
  });

  it('takes dependencies, installed optional ones and required peers, transitively — nothing else', () => {
    expect(dependencyClosure(lock, ['a'], installed)).toEqual([
      'node_modules/a', 'node_modules/a-linux-x64', 'node_modules/a/node_modules/c', 'node_modules/b', 'node_modules/d',
    ]);
  });

  it('says so when a root is not installed or a required dependency is not in the lock', () => {
    expect(() => dependencyClosure(lock, ['a-darwin-arm64'], installed)).toThrow('a-darwin-arm64 is not installed in node_modules — run npm ci first');
    expect(() => dependencyClosure(lock, ['broken'], installed)).toThrow('node_modules/broken needs gone, which package-lock.json does not hold');
  });
});

describe('what each image leaves out', () => {
  it('the extractor: every warehouse; the loader: DuckDB unless LOCAL_CLOUD=true (it keeps the sources, for verify and deletes)', () => {
    expect(leftOut('extractor', { kind: 'warehouses', name: 'bigquery' }, true))
      .toBe("the extractor image holds no warehouse (bigquery): loading is the loader image's job — run datapipe/loader");
    expect(leftOut('loader', { kind: 'warehouses', name: 'duckdb' }, false))
      .toBe(`destination.cloud local: this loader image was built without DuckDB, the local cloud's warehouse — ${LOCAL_CLOUD_FIX}`);
    expect(LOCAL_CLOUD_FIX).toBe("rebuild it with --build-arg LOCAL_CLOUD=true (make build DOCKER_BUILD_FLAGS='--build-arg LOCAL_CLOUD=true')");
    for (const [role, kind, name] of [['extractor', 'sources', 'oracle'], ['extractor', 'stores', 'gcs'], ['loader', 'stores', 's3'], ['loader', 'warehouses', 'bigquery'], ['loader', 'sources', 'oracle'], ['loader', 'sources', 'postgres']] as const) {
      expect(leftOut(role, { kind, name }, false)).toBeNull();
    }
    expect(leftOut('loader', { kind: 'warehouses', name: 'duckdb' }, true)).toBeNull();
  });
});

describe('packages loaded by name, which no bundler sees', () => {
  it('every createRequire(…)(\'x\') and pino transport target in the images\' code is in LOADED_BY_NAME', async () => {
    const found: Record<string, string[]> = {};
    for (const folder of ['shared', 'services/runtime', 'services/extractor', 'services/loader']) {
      for (const entry of await readdir(join(ROOT, folder), { recursive: true, withFileTypes: true })) {
        if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
        const file = join(entry.parentPath, entry.name);
        const text = await readFile(file, 'utf8');
        const names = [
          ...(text.includes('createRequire(') ? [...text.matchAll(/\brequire\('([^']+)'\)/g)].map((m) => m[1]!) : []),
          ...[...text.matchAll(/transport:\s*\{\s*target:\s*'([^']+)'/g)].map((m) => m[1]!),
        ];
        if (names.length > 0) found[relative(ROOT, file)] = names;
      }
    }
    expect(found).toEqual(LOADED_BY_NAME);
  });
});

describe('bundles of this checkout', () => {
  const out: Record<'extractor' | 'loader' | 'local', string> = { extractor: '', loader: '', local: '' };
  const reports: Partial<Record<keyof typeof out, BundleReport>> = {};

  beforeAll(async () => {
    const base = await mkdtemp(join(tmpdir(), 'datapipe-bundle-'));
    for (const [name, role, localCloud] of [['extractor', 'extractor', false], ['loader', 'loader', false], ['local', 'loader', true]] as const) {
      out[name] = join(base, name);
      reports[name] = await bundleImage({ role, out: out[name], localCloud });
    }
  });

  const node = (args: string[], cwd = tmpdir()) => spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { PATH: process.env.PATH } });

  it('install only what the bundle loads at run time', () => {
    const { extractor, loader, local } = reports as Record<keyof typeof out, BundleReport>;
    for (const report of [extractor, loader, local]) {
      expect(report.packages).toEqual(expect.arrayContaining(['pino', 'pino-pretty', 'snappy', 'yargs']));
      expect(report.packages.filter((p) => /^(@electric-sql|@types|@google-cloud|@aws-sdk|@azure|pg|esbuild|typescript|vitest)(\/|$)/.test(p))).toEqual([]);
    }
    expect(extractor.packages).toContain('oracledb');
    // The loader reads the source for `loader verify` and deletes: the Oracle Thin driver, no DuckDB.
    expect(loader.packages).toContain('oracledb');
    expect(loader.packages.filter((p) => p.startsWith('@duckdb/'))).toEqual([]);
    expect(local.packages).toEqual(expect.arrayContaining(['@duckdb/node-api', '@duckdb/node-bindings']));
    expect(extractor.packages.filter((p) => p.startsWith('@duckdb/'))).toEqual([]);
  });

  it('require none of Node\'s deprecated built-ins (a bundle is outside node_modules: Node would warn on stderr)', async () => {
    for (const dir of Object.values(out)) {
      for (const entry of await readdir(join(dir, 'dist'), { recursive: true, withFileTypes: true })) {
        if (entry.isFile()) expect(await readFile(join(entry.parentPath, entry.name), 'utf8')).not.toMatch(/require\("(node:)?punycode"\)/);
      }
    }
    console.log(`[image-bundle] ${Object.entries(reports).map(([name, r]) => `${name}: bundle ${(r.bundleBytes / 1e6).toFixed(1)} MB + node_modules ${(r.nodeModulesBytes / 1e6).toFixed(1)} MB`).join('; ')}`);
  });

  it('run from any folder with nothing else installed, and report the package version', async () => {
    const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const [name, role] of [['extractor', 'extractor'], ['loader', 'loader']] as const) {
      const outcome = node([join(out[name], `dist/services/${role}/main.js`), '--version']);
      expect({ status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr }).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  it('keep every warehouse\'s capabilities in the extractor: the encoding check reads them, and they load no driver', async () => {
    const chunks = (await readdir(join(out.extractor, 'dist/chunks'))).filter((f) => /-capabilities-/.test(f));
    expect(chunks.map((f) => f.replace(/-[A-Z0-9]+\.js$/, '')).sort()).toEqual(expect.arrayContaining(['bigquery-capabilities', 'duckdb-capabilities']));
    for (const chunk of chunks) {
      const outcome = node(['--input-type=module', '-e', 'import(process.argv[1]).then((m) => console.log(Object.keys(m).length > 0 ? "loaded" : "empty"), (e) => console.log(e.message))', join(out.extractor, 'dist/chunks', chunk)]);
      expect(outcome.stdout).toBe('loaded\n');
    }
  });

  it('replace a left-out adapter by a module that throws its TerminalError when imported', async () => {
    const chunks = async (name: keyof typeof out, prefix: string) => (await readdir(join(out[name], 'dist/chunks'))).filter((f) => f.startsWith(prefix));
    const importing = (name: keyof typeof out, chunk: string) => node(['--input-type=module', '-e',
      'import(process.argv[1]).then(() => console.log("loaded"), (e) => console.log(`${e.name}: ${e.message}`))', join(out[name], 'dist/chunks', chunk)]);
    const [bigquery] = await chunks('extractor', 'bigquery-warehouse-');
    expect(importing('extractor', bigquery!).stdout).toBe("TerminalError: the extractor image holds no warehouse (bigquery): loading is the loader image's job — run datapipe/loader\n");
    // The loader keeps the source drivers (`loader verify`, deletes): its oracle chunk is the driver itself.
    const [oracle] = await chunks('loader', 'oracle-source-');
    expect(importing('loader', oracle!).stdout).toBe('loaded\n');
    const [duckdb] = await chunks('loader', 'duckdb-warehouse-');
    expect(importing('loader', duckdb!).stdout).toBe(`TerminalError: destination.cloud local: this loader image was built without DuckDB, the local cloud's warehouse — ${LOCAL_CLOUD_FIX}\n`);
    const [kept] = await chunks('local', 'duckdb-warehouse-');
    expect(importing('local', kept!).stdout).toBe('loaded\n');
  });

  it('refuse a static import of an adapter the image leaves out: it would pull the adapter into every image', async () => {
    const root = await mkdtemp(join(tmpdir(), 'datapipe-bundle-root-'));
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'datapipe', version: '0.0.0' }),
      'package-lock.json': JSON.stringify({ packages: { '': {} } }),
      'services/extractor/main.ts': "import { openDuckDbWarehouse } from '../../shared/warehouses/duckdb/duckdb-warehouse.js';\nconsole.log(openDuckDbWarehouse);\n",
      'shared/warehouses/duckdb/duckdb-warehouse.ts': 'export const openDuckDbWarehouse = 1;\n',
    };
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(root, path, '..'), { recursive: true });
      await writeFile(join(root, path), text);
    }
    await copyFile(join(ROOT, 'shared/errors.ts'), join(root, 'shared/errors.ts'));
    await expect(bundleImage({ role: 'extractor', out: join(root, 'out'), localCloud: false, root })).rejects.toThrow(
      'services/extractor/main.ts imports shared/warehouses/duckdb/duckdb-warehouse.ts statically, but the extractor image leaves '
      + 'shared/warehouses/duckdb/ out — load the adapter with import() in its registry',
    );
  });
});
