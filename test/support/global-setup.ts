import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * The end-to-end suites run the compiled entrypoints exactly as the images and `npx datapipe` do,
 * so the TypeScript build runs once before any test. Type errors do not stop the emit (the
 * typecheck step reports them); the e2e suites then test what was built.
 */
export default function setup(): void {
  const root = resolve(import.meta.dirname, '../..');
  const tsc = resolve(root, 'node_modules/typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) {
    console.warn(`[global-setup] the TypeScript build reported errors (dist/ was still emitted):\n${result.stdout}${result.stderr}`);
  }
}
