import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTable, loadConfig, loadDotEnv } from '../../../shared/config/load-config.js';
import { TerminalError } from '../../../shared/errors.js';
import { blockConfig, writeConfig } from './config-files.js';

describe('findTable', () => {
  it('finds a table case-insensitively and lists the configured ones otherwise', async () => {
    const path = await writeConfig(blockConfig('  - { name: VENTAS_CABECERA, partition_column: FECHA }\n  - { name: Clientes, load_mode: full }'));
    const loaded = await loadConfig(path, { PGPASSWORD: '' });
    expect(findTable(loaded, 'ventas_cabecera')).toBe(loaded.config.tables[0]);
    expect(findTable(loaded, 'CLIENTES')).toBe(loaded.config.tables[1]);
    expect(() => findTable(loaded, 'PEDIDOS')).toThrow(new TerminalError(`table PEDIDOS is not in ${path} — use one of: VENTAS_CABECERA, Clientes`));
  });
});

describe('loadDotEnv', () => {
  it('sets variables from <cwd>/.env without overriding ones already set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'datapipe-dotenv-'));
    await writeFile(join(dir, '.env'), '# local secrets\nORACLE_USER=etl\nORACLE_PASSWORD="p#ss word"\nALREADY=from-file\nEMPTY_SET=from-file\n');
    const env: Record<string, string | undefined> = { ALREADY: 'exported', EMPTY_SET: '' };
    expect(loadDotEnv(dir, env)).toEqual(['ORACLE_PASSWORD', 'ORACLE_USER']);
    expect(env).toEqual({ ALREADY: 'exported', EMPTY_SET: '', ORACLE_USER: 'etl', ORACLE_PASSWORD: 'p#ss word' });
  });

  it('does nothing without a .env', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'datapipe-dotenv-'));
    const env: Record<string, string | undefined> = {};
    expect(loadDotEnv(dir, env)).toEqual([]);
    expect(env).toEqual({});
  });
});
