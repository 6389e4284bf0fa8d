import { readFile, writeFile, mkdir, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatAvsc, modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import { loadConfig } from '../../../shared/config/load-config.js';
import { warehouseCapabilities } from '../../../shared/warehouses/registry.js';
import { BIN, run } from '../../support/cli.js';
import { ventas } from '../../support/model-fixtures.js';
import { FIXTURE_ENV } from '../dag/dag-fixtures.js';
import { ciWorkspace, datapipe, FIXTURES_DIR } from './ci-fixtures.js';

/** The checks job's drift commands as the generated workflow runs them, pointed at the compiled CLI. */
async function pipelineDriftCommands(root: string): Promise<string[]> {
  const workflow = await readFile(join(root, '.github/workflows/datapipe.yml'), 'utf8');
  const commands = [...workflow.matchAll(/^\s+(?:run: "?)?(node dist\/services\/cli\/main\.js generate (?:dag|ci) [^"\n]*--check)"?$/gm)].map((m) => m[1]!);
  expect(commands).toEqual([
    'node dist/services/cli/main.js generate dag --all --config gcp/config.yaml --check',
    'node dist/services/cli/main.js generate ci --provider github --all --check',
  ]);
  return commands;
}

/** Runs one pipeline command in `root` as CI would, with the compiled CLI in place of dist/. */
function runPipelineCommand(root: string, command: string) {
  const args = command.replace(/^node dist\/services\/cli\/main\.js /, '').split(' ');
  return run('datapipe', args, { cwd: root, env: { ...FIXTURE_ENV } });
}

/** A workspace whose dags/ and pipeline are exactly what gcp/config.yaml generates. */
async function committedWorkspace(): Promise<string> {
  const root = await ciWorkspace(['gcp']);
  expect((await datapipe(root, 'generate', 'dag', '--all', '--config', 'gcp/config.yaml')).code).toBe(0);
  expect((await datapipe(root, 'generate', 'ci', '--all')).code).toBe(0);
  return root;
}

describe('the drift check the pipeline runs', () => {
  it('passes on a workspace committed as generated: every command exits 0 saying what it checked', async () => {
    const root = await committedWorkspace();
    const outcomes = [];
    for (const command of await pipelineDriftCommands(root)) outcomes.push(await runPipelineCommand(root, command));
    expect(outcomes.map((o) => [o.code, o.stdout, o.stderr])).toEqual([
      [0, 'up to date: the DAGs of gcp/config.yaml (2 files)\n', ''],
      [0, 'up to date: the github pipeline (1 file)\n', ''],
    ]);
    expect(BIN.datapipe).toMatch(/dist\/services\/cli\/main\.js$/);
  });

  it('FAILS, exit 2, naming the file and line, when a committed DAG differs from what the config generates', async () => {
    const root = await committedWorkspace();
    const path = join(root, 'dags', 'dag_gcp_ventas_cabecera.py');
    await writeFile(path, (await readFile(path, 'utf8')).replace('us-docker.pkg.dev/empresa/datapipe/extractor:v1.4.0', 'us-docker.pkg.dev/empresa/datapipe/extractor:hand-edited'));
    const [dagCheck] = await pipelineDriftCommands(root);
    const outcome = await runPipelineCommand(root, dagCheck!);
    expect(outcome.code).toBe(2);
    expect(outcome.stdout).toBe('');
    expect(outcome.stderr).toMatch(/^datapipe: drift: the DAGs of gcp\/config\.yaml are not what the config generates \(dags\/dag_gcp_ventas_cabecera\.py differs from line \d+\) — run `datapipe generate dag --all --config gcp\/config\.yaml` and commit dags\/\n$/);
    const line = Number(/from line (\d+)/.exec(outcome.stderr)![1]);
    expect((await readFile(path, 'utf8')).split('\n')[line - 1]).toContain('hand-edited');
  });

  it('fails when a DAG is missing, and when a DAG of a table the config dropped is still committed', async () => {
    const root = await committedWorkspace();
    const config = join(root, 'gcp', 'config.yaml');
    // Drop VENTAS_DETALLE (the last table) from the config: its committed DAG is now stale.
    const text = await readFile(config, 'utf8');
    await writeFile(config, text.slice(0, text.indexOf('  - name: VENTAS_DETALLE')) + text.slice(text.indexOf('deploy:')));
    await writeFile(join(root, 'dags', 'dag_gcp_ventas_cabecera.py'), '');
    await copyFile(join(root, 'dags', 'dag_gcp_ventas_detalle.py'), join(root, 'dags', 'keep.txt'));
    const outcome = await datapipe(root, 'generate', 'dag', '--all', '--config', 'gcp/config.yaml', '--check');
    expect(outcome).toMatchObject({
      code: 2,
      stderr: 'datapipe: drift: the DAGs of gcp/config.yaml are not what the config generates (dags/dag_gcp_ventas_cabecera.py differs from line 1; dags/dag_gcp_ventas_detalle.py is stale) — run `datapipe generate dag --all --config gcp/config.yaml`, delete the stale files and commit dags/\n',
    });
  });

  it('fails when the committed pipeline file differs from what the configs generate (a config added, a hand edit)', async () => {
    const root = await committedWorkspace();
    await mkdir(join(root, 'aws'));
    await copyFile(join(FIXTURES_DIR, 'aws.yaml'), join(root, 'aws', 'config.yaml'));
    const [, ciCheck] = await pipelineDriftCommands(root);
    const outcome = await runPipelineCommand(root, ciCheck!);
    expect(outcome).toMatchObject({
      code: 2, stdout: '',
      stderr: 'datapipe: drift: the github pipeline are not what the config generates (.github/workflows/datapipe.yml differs from line 1) — run `node dist/services/cli/main.js generate ci --provider github --all` and commit .github/workflows/datapipe.yml\n',
    });
  });

  it('the deploy-time DAGs run <deploy.registry>/<image>:<the pushed tag>, written to --dags-dir; dags/ is untouched', async () => {
    const root = await committedWorkspace();
    const before = await readFile(join(root, 'dags', 'dag_gcp_ventas_cabecera.py'), 'utf8');
    const outcome = await datapipe(root, 'generate', 'dag', '--all', '--config', 'gcp/config.yaml', '--image-tag', 'v1.5.0-3-gabc1234', '--dags-dir', '.datapipe/release/migracion-ventas');
    expect(outcome).toMatchObject({ code: 0, stdout: 'wrote .datapipe/release/migracion-ventas/dag_gcp_ventas_cabecera.py\nwrote .datapipe/release/migracion-ventas/dag_gcp_ventas_detalle.py\n' });
    const release = await readFile(join(root, '.datapipe/release/migracion-ventas/dag_gcp_ventas_cabecera.py'), 'utf8');
    expect(release).toContain('"us-docker.pkg.dev/empresa/datapipe/extractor:v1.5.0-3-gabc1234"');
    expect(release).toContain('"us-docker.pkg.dev/empresa/datapipe/loader:v1.5.0-3-gabc1234"');
    expect(release).toContain('"image_pull_policy": "IfNotPresent",');
    expect(release).not.toContain(':v1.4.0');
    expect(await readFile(join(root, 'dags', 'dag_gcp_ventas_cabecera.py'), 'utf8')).toBe(before);
    const bad = await datapipe(root, 'generate', 'dag', '--all', '--config', 'gcp/config.yaml', '--image-tag', 'bad tag');
    expect(bad).toMatchObject({ code: 2, stderr: 'datapipe: --image-tag is not an image tag — use letters, digits, _, . and - (e.g. the `make -s version` output)\n' });
  });
});

describe('generate schema --check (offline: the DDL from the committed .avsc)', () => {
  it('passes when the DDL matches, fails naming the file when it differs or the .avsc is missing', async () => {
    const root = await ciWorkspace(['gcp']);
    const check = () => datapipe(root, 'generate', 'schema', 'VENTAS_CABECERA', '--config', 'gcp/config.yaml', '--check');
    expect(await check()).toMatchObject({
      code: 2, stderr: 'datapipe: schemas/ventas_cabecera.avsc not found — run `datapipe generate schema VENTAS_CABECERA --config gcp/config.yaml` and commit the result\n',
    });
    await mkdir(join(root, 'schemas'));
    await writeFile(join(root, 'schemas', 'ventas_cabecera.avsc'), formatAvsc(modelToAvsc(ventas, { encoding: 'standard' })));
    // What `generate schema` wrote beside the .avsc, made by the warehouse's own generator.
    const loaded = await loadConfig(join(root, 'gcp', 'config.yaml'), FIXTURE_ENV);
    const table = loaded.config.tables[0]!;
    for (const file of (await warehouseCapabilities('gcp')).schemaFiles(ventas, table, loaded.config.destination)) {
      await writeFile(join(root, 'schemas', `ventas_cabecera.${file.extension}`), file.text);
    }
    expect(await check()).toMatchObject({ code: 0, stderr: '', stdout: 'up to date: the schema files of gcp/config.yaml (2 files)\n' });
    const sql = join(root, 'schemas', 'ventas_cabecera.sql');
    await writeFile(sql, (await readFile(sql, 'utf8')).replace('monto', 'importe'));
    const drift = await check();
    expect(drift.code).toBe(2);
    expect(drift.stderr).toMatch(/^datapipe: drift: the schema files of gcp\/config\.yaml are not what the config generates \(schemas\/ventas_cabecera\.sql differs from line \d+\) — run `datapipe generate schema --all --config gcp\/config\.yaml` and commit schemas\/\n$/);
  });
});
