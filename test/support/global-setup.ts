import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stopSharedDatabricksFake } from './databricks-fake.js';

/**
 * The end-to-end suites run the compiled entrypoints exactly as the images and `npx datapipe` do,
 * so the TypeScript build runs once before any test. Type errors do not stop the emit (the
 * typecheck step reports them); the e2e suites then test what was built.
 */
export default function setup(): () => Promise<void> {
  const root = resolve(import.meta.dirname, '../..');
  const tsc = resolve(root, 'node_modules/typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) {
    console.warn(`[global-setup] the TypeScript build reported errors (dist/ was still emitted):\n${result.stdout}${result.stderr}`);
  }
  // One Databricks fake (Spark twin) per run, started by the first suite that needs it, stopped here.
  const databricksState = join(tmpdir(), `datapipe-databricks-fake-${process.pid}.json`);
  process.env.DATAPIPE_DATABRICKS_FAKE_STATE = databricksState;
  return () => stopSharedDatabricksFake(databricksState);
}
