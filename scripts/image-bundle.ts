/**
 * Builds the /app folder of one image (Dockerfile.extractor, Dockerfile.loader):
 *
 *   tsx scripts/image-bundle.ts <extractor|loader> --out <dir> [--local-cloud true|false]
 *
 * writes `<dir>/dist/services/<role>/main.js` and its chunks (esbuild: the entrypoint and every
 * module it reaches, dependencies included, as ES modules split at each `import()`),
 * `<dir>/node_modules` with only the packages the bundle loads at run time (native addons and the
 * few packages loaded by name; copied from this checkout's `npm ci` with their dependencies, at the
 * package-lock versions), and a `<dir>/package.json`.
 *
 * Why a bundler: the images then hold exactly what their entrypoint reaches. A production
 * `node_modules` holds every package of every role, each SDK with its CommonJS, ES and type builds
 * side by side (212 MB, 143 MB of it DuckDB); the bundle of one role is a few MB. New adapters need
 * no change here: whatever the entrypoint imports is bundled.
 *
 * Roles: the extractor leaves out the warehouses; the loader keeps the sources, which `loader verify`
 * and `deletes: detect|propagate` read (docs/verify.md), each loaded only when used. An adapter is a folder
 * `shared/<sources|stores|warehouses>/<name>/`, loaded by its registry with `import()`; a left-out
 * adapter is replaced by a module that throws a TerminalError (exit 2, one line) when imported. A
 * static import of a left-out adapter fails the build: it would pull the adapter in everywhere.
 * An adapter's `<name>-capabilities.ts` is never left out: it declares what the adapter can do and,
 * by contract, loads no driver or SDK (the extractor reads the warehouse's AVRO encoding from it).
 */
import { build, type Metafile, type Plugin } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dependencyClosure, type Lockfile } from './image-bundle-lock.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export type Role = 'extractor' | 'loader';

export interface Adapter {
  kind: 'sources' | 'stores' | 'warehouses';
  name: string;
}

export interface BundleOptions {
  role: Role;
  out: string;
  /** The loader keeps DuckDB (the local cloud's warehouse) only when asked. */
  localCloud: boolean;
  /** The checkout to bundle (default: this one), with its package-lock.json and installed node_modules. */
  root?: string;
}

/** The build argument that puts DuckDB in the loader image (Dockerfile.loader). */
export const LOCAL_CLOUD_FIX = "rebuild it with --build-arg LOCAL_CLOUD=true (make build DOCKER_BUILD_FLAGS='--build-arg LOCAL_CLOUD=true')";

/** Why `role` leaves `adapter` out, as the one line a user would see; null when the image holds it. */
export function leftOut(role: Role, adapter: Adapter, localCloud: boolean): string | null {
  if (role === 'extractor' && adapter.kind === 'warehouses') {
    return `the extractor image holds no warehouse (${adapter.name}): loading is the loader image's job — run datapipe/loader`;
  }
  if (role === 'loader' && adapter.kind === 'warehouses' && adapter.name === 'duckdb' && !localCloud) {
    return `destination.cloud local: this loader image was built without DuckDB, the local cloud's warehouse — ${LOCAL_CLOUD_FIX}`;
  }
  return null;
}

/** Folders beside the adapters that every role shares: the one set of load SQL builders. */
const SHARED_FOLDERS = new Set(['warehouses/sql']);

/** The adapter folder a source file of the checkout at `root` belongs to, if any. */
export function adapterOf(file: string, root = ROOT): Adapter | null {
  const match = /^shared\/(sources|stores|warehouses)\/([^/]+)\//.exec(relative(root, file).split(sep).join('/'));
  if (!match || SHARED_FOLDERS.has(`${match[1]}/${match[2]}`)) return null;
  return { kind: match[1] as Adapter['kind'], name: match[2]! };
}

/**
 * Packages kept out of the bundle and installed beside it, each for a reason a bundle cannot
 * meet. Anything else the entrypoint imports is bundled.
 */
export const EXTERNAL: Readonly<Record<string, string>> = {
  '@duckdb/node-api': 'a native addon (prebuilt per platform in @duckdb/node-bindings-*)',
  '@duckdb/node-bindings': 'the native addon itself (the DuckDB stage writes vectors through it), loaded per platform',
  snappy: 'a native addon (prebuilt per platform in @napi-rs/snappy-*)',
  pino: 'starts its transports in a worker thread from files it resolves at run time',
  yargs: 'reads its locale files and the package.json (for --version) relative to its own folder',
  'pg-native': "pg's optional native binding; never installed, pg falls back to its JavaScript client",
};

/** Packages never installed even when the bundle names them (pg loads pg-native only if present). */
const NEVER_INSTALLED = new Set(['pg-native']);

/**
 * Packages the code loads by name at run time, which no bundler sees, keyed by the module that
 * loads them: installed when that module is in the bundle.
 */
export const LOADED_BY_NAME: Readonly<Record<string, readonly string[]>> = {
  // createRequire(import.meta.url)('oracledb'): Thin mode, pure JavaScript.
  'shared/sources/oracle/oracle-connect.ts': ['oracledb'],
  // pino's transport target on a terminal.
  'shared/log.ts': ['pino-pretty'],
};

/** An adapter's capabilities module (shared/warehouses/capabilities.ts): light, always bundled. */
export function isCapabilities(file: string): boolean {
  return /-capabilities\.ts$/.test(file);
}

/** Replaces a left-out adapter with a module that throws its TerminalError when imported. */
function rolePlugin(options: BundleOptions, root: string): Plugin {
  const LEFT_OUT = 'datapipe-left-out';
  const again = Symbol('resolving again');
  return {
    name: 'datapipe-role',
    setup(esbuild) {
      esbuild.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.pluginData === again) return undefined;
        const result = await esbuild.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: again });
        if (result.errors.length > 0) return { errors: result.errors };
        const adapter = adapterOf(result.path, root);
        const reason = adapter && !isCapabilities(result.path) && leftOut(options.role, adapter, options.localCloud);
        if (!adapter || !reason) return { path: result.path, sideEffects: result.sideEffects };
        const from = adapterOf(args.importer, root);
        if (from && from.kind === adapter.kind && from.name === adapter.name) return { path: result.path };
        if (args.kind !== 'dynamic-import') {
          return {
            errors: [{
              text: `${relative(root, args.importer)} imports ${relative(root, result.path)} statically, but the ${options.role} image leaves ` +
                `shared/${adapter.kind}/${adapter.name}/ out — load the adapter with import() in its registry`,
            }],
          };
        }
        // Named relative to the checkout: the bundle's comments name no build folder.
        return { path: relative(root, result.path), namespace: LEFT_OUT, pluginData: reason };
      });
      esbuild.onLoad({ filter: /.*/, namespace: LEFT_OUT }, (args) => ({
        contents: `import { TerminalError } from ${JSON.stringify(join(root, 'shared/errors.ts'))};\n`
          + `throw new TerminalError(${JSON.stringify(args.pluginData as string)});\n`,
        loader: 'ts',
        resolveDir: root,
      }));
    },
  };
}

export interface BundleReport {
  role: Role;
  /** Bytes of dist/ (the bundle and its chunks). */
  bundleBytes: number;
  /** Installed packages (lock keys without `node_modules/`), and the bytes of node_modules. */
  packages: string[];
  nodeModulesBytes: number;
}

/** Bundles one role into `options.out` (emptied first). */
export async function bundleImage(options: BundleOptions): Promise<BundleReport> {
  const out = resolve(options.out);
  const root = options.root ?? ROOT;
  rmSync(out, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { [`services/${options.role}/main`]: join(root, `services/${options.role}/main.ts`) },
    outdir: join(out, 'dist'),
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Class and function names stay as written: errors and logs name them.
    keepNames: true,
    legalComments: 'eof',
    external: Object.keys(EXTERNAL),
    // tr46 (under node-fetch 2) requires Node's deprecated `punycode`: Node prints DEP0040 on
    // stderr for such a require outside node_modules, which a bundle is. The userland package is
    // the same code (https://nodejs.org/api/punycode.html).
    alias: { punycode: 'punycode/punycode.js' },
    // Bundled CommonJS calls require() for Node's own modules; ES modules have none of their own.
    banner: { js: "import { createRequire as __datapipeRequire } from 'node:module'; const require = __datapipeRequire(import.meta.url);" },
    plugins: [rolePlugin(options, root)],
    metafile: true,
    logLevel: 'warning',
  });
  const packages = runtimePackages(result.metafile);
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as Lockfile;
  const keys = dependencyClosure(lock, packages, (key) => existsSync(join(root, key, 'package.json')));
  for (const key of keys) {
    const source = join(root, key);
    // Nested node_modules hold other versions; those needed are in `keys` themselves.
    cpSync(source, join(out, key), { recursive: true, dereference: true, filter: (path) => path !== join(source, 'node_modules') });
  }
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; version: string; license?: string };
  writeFileSync(join(out, 'package.json'), `${JSON.stringify({
    name: `${manifest.name}-${options.role}`, version: manifest.version, license: manifest.license, private: true, type: 'module',
  }, null, 2)}\n`);
  return {
    role: options.role,
    bundleBytes: folderBytes(join(out, 'dist')),
    packages: keys.map((key) => key.replace(/^node_modules\//, '')),
    nodeModulesBytes: existsSync(join(out, 'node_modules')) ? folderBytes(join(out, 'node_modules')) : 0,
  };
}

/**
 * The packages the bundle loads at run time: the EXTERNAL ones it imports and those loaded by
 * name. esbuild also leaves external a `require()` inside try/catch of a package that is not
 * installed (node-fetch's optional `encoding`): the code runs without those, and so does the image.
 */
export function runtimePackages(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const output of Object.values(metafile.outputs)) {
    for (const imported of output.imports) {
      if (!imported.external || imported.path.startsWith('node:') || builtinModules.includes(imported.path)) continue;
      const name = packageName(imported.path);
      if (EXTERNAL[name] !== undefined && !NEVER_INSTALLED.has(name)) names.add(name);
    }
  }
  for (const input of Object.keys(metafile.inputs)) {
    for (const name of LOADED_BY_NAME[input.split(sep).join('/')] ?? []) names.add(name);
  }
  return [...names].sort();
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

function parseArgs(argv: readonly string[]): BundleOptions {
  const [role, ...rest] = argv;
  const usage = 'usage: tsx scripts/image-bundle.ts <extractor|loader> --out <dir> [--local-cloud true|false]';
  if (role !== 'extractor' && role !== 'loader') throw new Error(usage);
  let out = '';
  let localCloud = false;
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (flag === '--out' && value) out = value;
    else if (flag === '--local-cloud' && (value === 'true' || value === 'false')) localCloud = value === 'true';
    else throw new Error(`${usage} (not understood: ${flag} ${value ?? ''})`);
  }
  if (!out) throw new Error(usage);
  return { role, out, localCloud };
}

const megabytes = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const options = parseArgs(process.argv.slice(2));
    const report = await bundleImage(options);
    mkdirSync(options.out, { recursive: true });
    console.log(`${report.role}: bundle ${megabytes(report.bundleBytes)}, node_modules ${megabytes(report.nodeModulesBytes)} `
      + `(${report.packages.length} packages: ${report.packages.join(', ')})`);
  } catch (error) {
    console.error(`image-bundle: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
