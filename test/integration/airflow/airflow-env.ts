/**
 * Real Apache Airflow for the DAG import tests: a virtualenv per major version, made (once) by
 * test/tools/airflow-venv.sh under ${DATAPIPE_CI_CACHE:-~/.cache/datapipe-ci}/airflow<major>,
 * and test/tools/check_dags.py run in it against a folder of generated DAGs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../support/cli.js';

export type AirflowMajor = 2 | 3;

/** The virtualenv's python, or why there is none. */
export type AirflowPython = { python: string } | { reason: string };

/**
 * Creates the virtualenv if absent (minutes, the first time; pip needs PyPI) and returns its
 * python. Synchronous on purpose: it runs while the test file is collected, before skipIf decides.
 */
export function airflowPython(major: AirflowMajor): AirflowPython {
  const result = spawnSync('bash', [join(ROOT, 'test/tools/airflow-venv.sh'), String(major)], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20 * 60_000,
  });
  const python = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status === 0 && python !== '') return { python };
  const detail = (result.error?.message ?? result.stderr).trim().split('\n').slice(-3).join(' | ');
  return { reason: `cannot make the Airflow ${major} virtualenv (test/tools/airflow-venv.sh ${major} exited ${result.status}): ${detail}` };
}

/** What check_dags.py reports (see its docstring). */
export interface AirflowFacts {
  airflow_version: string;
  import_errors: Record<string, string>;
  warnings: string[];
  airflow_home: string[];
  dags: Record<string, unknown>;
}

/** Parses `dagsDir` with the virtualenv's Airflow, in a fresh AIRFLOW_HOME, examples off. */
export async function checkDags(python: string, dagsDir: string): Promise<AirflowFacts> {
  const home = await mkdtemp(join(tmpdir(), 'datapipe-airflow-home-'));
  const output = join(await mkdtemp(join(tmpdir(), 'datapipe-airflow-facts-')), 'facts.json');
  const result = spawnSync(python, [join(ROOT, 'test/tools/check_dags.py'), dagsDir, output], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, AIRFLOW_HOME: home, AIRFLOW__CORE__LOAD_EXAMPLES: 'False', TZ: 'UTC' },
    timeout: 5 * 60_000,
  });
  if (result.status !== 0) throw new Error(`check_dags.py failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(await readFile(output, 'utf8')) as AirflowFacts;
}
