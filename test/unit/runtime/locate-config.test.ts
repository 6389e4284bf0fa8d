import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TerminalError } from '../../../shared/errors.js';
import { locateConfig } from '../../../services/runtime/locate-config.js';

/** A config listing `tables`, with variables that are not set in the test's environment. */
function configText(tables: string[]): string {
  return [
    'project: { name: demo }',
    'source:',
    '  type: oracle',
    '  connection:',
    '    host: "${DATAPIPE_TEST_UNSET_HOST}"',
    '    user: ${DATAPIPE_TEST_UNSET_USER}',
    '    password: "${DATAPIPE_TEST_UNSET_PW:-}"',
    'destination: { cloud: local }',
    'tables:',
    ...tables.map((name) => `  - name: ${name}\n    load_mode: full`),
    '',
  ].join('\n');
}

describe('locateConfig', () => {
  let cwd: string;

  async function config(folder: string, tables: string[]): Promise<string> {
    const dir = join(cwd, folder);
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'config.yaml');
    await writeFile(path, configText(tables));
    return path;
  }

  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'datapipe-locate-'));
    vi.stubEnv('DATAPIPE_CONFIG', undefined);
  });

  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(cwd, { recursive: true, force: true });
  });

  it('uses --config first, resolved against the working folder, even when it does not list the table', async () => {
    await config('erp', ['VENTAS']);
    vi.stubEnv('DATAPIPE_CONFIG', '/somewhere/else.yaml');
    expect(await locateConfig('other/config.yaml', 'VENTAS', cwd)).toBe(join(cwd, 'other', 'config.yaml'));
    expect(await locateConfig('/abs/config.yaml', undefined, cwd)).toBe('/abs/config.yaml');
  });

  it('uses DATAPIPE_CONFIG when --config is absent', async () => {
    await config('erp', ['VENTAS']);
    vi.stubEnv('DATAPIPE_CONFIG', 'crm/config.yaml');
    expect(await locateConfig(undefined, 'VENTAS', cwd)).toBe(join(cwd, 'crm', 'config.yaml'));
  });

  it('finds the one config among ./*/config.yaml that lists the table, case-insensitively', async () => {
    const erp = await config('erp', ['VENTAS_CABECERA', 'VENTAS_DETALLE']);
    const crm = await config('crm', ['clientes']);
    expect(await locateConfig(undefined, 'VENTAS_DETALLE', cwd)).toBe(erp);
    expect(await locateConfig(undefined, 'ventas_cabecera', cwd)).toBe(erp);
    expect(await locateConfig(undefined, 'Clientes', cwd)).toBe(crm);
  });

  it('also searches ./config.yaml', async () => {
    const top = await config('.', ['PRODUCTOS']);
    await config('erp', ['VENTAS']);
    expect(await locateConfig(undefined, 'productos', cwd)).toBe(top);
  });

  it('reads configs whose ${VARS} are unset, without interpolating them', async () => {
    const erp = await config('erp', ['VENTAS']);
    expect(process.env.DATAPIPE_TEST_UNSET_HOST).toBeUndefined();
    expect(await locateConfig(undefined, 'VENTAS', cwd)).toBe(erp);
  });

  it('names where it looked when no config lists the table', async () => {
    await config('erp', ['VENTAS']);
    await config('crm', ['CLIENTES']);
    await config('.', ['PRODUCTOS']);
    await expect(locateConfig(undefined, 'FACTURAS', cwd)).rejects.toThrow(new TerminalError(
      `table FACTURAS is not listed in any config under ${cwd} (looked in config.yaml, crm/config.yaml, erp/config.yaml) — pass --config <path> or set DATAPIPE_CONFIG`,
    ));
  });

  it('says so when there is no config at all', async () => {
    await expect(locateConfig(undefined, 'VENTAS', cwd)).rejects.toThrow(new TerminalError(
      `table VENTAS is not listed in any config under ${cwd} — pass --config <path> or set DATAPIPE_CONFIG`,
    ));
  });

  it('lists the candidates when several configs list the table', async () => {
    await config('erp', ['VENTAS']);
    await config('erp_test', ['ventas']);
    await config('crm', ['CLIENTES']);
    await expect(locateConfig(undefined, 'Ventas', cwd)).rejects.toThrow(new TerminalError(
      'table Ventas is listed in several configs (erp/config.yaml, erp_test/config.yaml) — choose one with --config <path> or DATAPIPE_CONFIG',
    ));
  });

  it('skips hidden folders, node_modules, deeper folders and unreadable YAML', async () => {
    await config('.git', ['VENTAS']);
    await config('node_modules', ['VENTAS']);
    await config('deep/er', ['VENTAS']);
    await mkdir(join(cwd, 'broken'));
    await writeFile(join(cwd, 'broken', 'config.yaml'), 'tables: [ { name: VENTAS\n');
    await mkdir(join(cwd, 'folder-named-config', 'config.yaml'), { recursive: true });
    await expect(locateConfig(undefined, 'VENTAS', cwd)).rejects.toThrow(new TerminalError(
      `table VENTAS is not listed in any config under ${cwd} (looked in broken/config.yaml) — pass --config <path> or set DATAPIPE_CONFIG`,
    ));
  });

  describe('without a table', () => {
    it('takes the only config there is', async () => {
      const erp = await config('erp', ['VENTAS']);
      expect(await locateConfig(undefined, undefined, cwd)).toBe(erp);
    });

    it('refuses to guess between several configs', async () => {
      await config('erp', ['VENTAS']);
      await config('crm', ['CLIENTES']);
      await expect(locateConfig(undefined, undefined, cwd)).rejects.toThrow(new TerminalError(
        `no --config given and 2 configs found under ${cwd} — pass --config <path> or set DATAPIPE_CONFIG`,
      ));
    });

    it('says when there is none', async () => {
      await expect(locateConfig(undefined, undefined, cwd)).rejects.toThrow(new TerminalError(
        `no --config given and no config.yaml found under ${cwd} — pass --config <path> or set DATAPIPE_CONFIG`,
      ));
    });
  });
});
