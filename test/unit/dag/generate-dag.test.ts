import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../support/cli.js';
import { FIXTURE_ENV, GOLDEN_DIR, fixtureWorkspace } from './dag-fixtures.js';

/** `datapipe generate dag`, run as a user runs it: the compiled CLI, from the workspace root. */
function generate(cwd: string, ...args: string[]) {
  return run('datapipe', ['generate', 'dag', ...args], { cwd, env: { ...FIXTURE_ENV } });
}

describe('datapipe generate dag', () => {
  it('--all writes dags/dag_<cloud>_<table>.py per table, byte-identical to the golden files, and again on a re-run', async () => {
    const root = await fixtureWorkspace();
    const first = await generate(root, '--all', '--config', 'gcp/config.yaml');
    expect(first).toMatchObject({ code: 0, stderr: '', stdout: 'wrote dags/dag_gcp_ventas_cabecera.py\nwrote dags/dag_gcp_ventas_detalle.py\n' });
    const texts = await Promise.all(['dag_gcp_ventas_cabecera.py', 'dag_gcp_ventas_detalle.py'].map((f) => readFile(join(root, 'dags', f), 'utf8')));
    expect(texts).toEqual(await Promise.all(['dag_gcp_ventas_cabecera.py', 'dag_gcp_ventas_detalle.py'].map((f) => readFile(join(GOLDEN_DIR, f), 'utf8'))));

    const again = await generate(root, 'ventas_detalle', '--config', 'gcp/config.yaml');
    expect(again).toMatchObject({ code: 0, stdout: 'wrote dags/dag_gcp_ventas_detalle.py\n' });
    expect(await readFile(join(root, 'dags', 'dag_gcp_ventas_detalle.py'), 'utf8')).toBe(texts[1]);
  });

  it('--out names the workspace root; the config path in the DAG is relative to it', async () => {
    const root = await fixtureWorkspace();
    const outcome = await generate(join(root, 'aws'), '--all', '--config', 'config.yaml', '--out', '..');
    expect(outcome).toMatchObject({ code: 0, stdout: 'wrote ../dags/dag_aws_orders_hist.py\n' });
    expect(await readFile(join(root, 'dags', 'dag_aws_orders_hist.py'), 'utf8')).toBe(await readFile(join(GOLDEN_DIR, 'dag_aws_orders_hist.py'), 'utf8'));
  });

  it('usage and config mistakes are one line and exit 2', async () => {
    const root = await fixtureWorkspace();
    expect(await generate(root, '--config', 'gcp/config.yaml')).toMatchObject({ code: 2, stdout: '', stderr: 'datapipe: generate dag: name a table or pass --all\n' });
    expect(await generate(root, 'NOPE', '--config', 'gcp/config.yaml')).toMatchObject({
      code: 2, stderr: 'datapipe: table NOPE is not in gcp/config.yaml — use one of: VENTAS_CABECERA, VENTAS_DETALLE\n',
    });
    const outside = await generate(join(root, 'gcp'), '--all', '--config', 'config.yaml', '--out', 'nested');
    expect(outside).toMatchObject({ code: 2, stdout: '' });
    expect(outside.stderr).toBe(`datapipe: ${join(root, 'gcp', 'config.yaml')}: the images bake config.yaml and <folder>/config.yaml of the workspace root (${join(root, 'gcp', 'nested')}) only — move the config to <folder>/config.yaml there, or pass --out <workspace root>\n`);
    expect(await readdir(join(root))).not.toContain('dags');
  });

  it('validates the config first, naming an unset variable (any value will do: none reaches a DAG)', async () => {
    const root = await fixtureWorkspace();
    const unset = await run('datapipe', ['generate', 'dag', '--all', '--config', 'azure/config.yaml'], {
      cwd: root, env: { ORACLE_TNS: 'x', ORACLE_USER: 'x', ORACLE_PASSWORD: 'x' },
    });
    expect(unset).toMatchObject({ code: 2, stdout: '' });
    expect(unset.stderr).toContain('azure/config.yaml:11: destination.azure.databricks.token: environment variable DATABRICKS_TOKEN is not set — export it or add it to .env');
  });

  it('refuses to overwrite a DAG generated from another config, or a file it did not write', async () => {
    const root = await fixtureWorkspace();
    await mkdir(join(root, 'copy'));
    await writeFile(join(root, 'copy', 'config.yaml'), await readFile(join(root, 'gcp', 'config.yaml')));
    expect((await generate(root, 'VENTAS_CABECERA', '--config', 'gcp/config.yaml')).code).toBe(0);
    const clash = await generate(root, 'VENTAS_CABECERA', '--config', 'copy/config.yaml');
    expect(clash).toMatchObject({
      code: 2,
      stderr: `datapipe: ${join(root, 'dags', 'dag_gcp_ventas_cabecera.py')} was generated from gcp/config.yaml, not copy/config.yaml — two configs define table VENTAS_CABECERA for gcp; rename one, or delete the file if that config no longer has the table\n`,
    });
    await writeFile(join(root, 'dags', 'dag_gcp_ventas_detalle.py'), '# my own DAG\n');
    const handWritten = await generate(root, 'VENTAS_DETALLE', '--config', 'gcp/config.yaml');
    expect(handWritten).toMatchObject({
      code: 2,
      stderr: `datapipe: ${join(root, 'dags', 'dag_gcp_ventas_detalle.py')} exists and was not written by datapipe generate dag — move it away, then re-run\n`,
    });
    expect(await readFile(join(root, 'dags', 'dag_gcp_ventas_detalle.py'), 'utf8')).toBe('# my own DAG\n');
  });
});
