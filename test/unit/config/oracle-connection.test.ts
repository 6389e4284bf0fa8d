/** `source.connection` for Oracle: a connect_string names a database, never credentials. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config/config-error.js';
import { loadConfig } from '../../../shared/config/load-config.js';
import { SEED_ENV, SEED_YAML, writeConfig } from './config-files.js';

/** The seed config with its Easy Connect parts replaced by `connect_string: "${ORACLE_CONNECT}"` (line 4). */
const CONNECT_YAML = SEED_YAML.replace(
  'connection: { host: "${ORACLE_HOST_PROD}", port: 1521, service_name: ERP_PROD,',
  'connection: { connect_string: "${ORACLE_CONNECT}",',
);

async function loadWith(connectString: string): Promise<{ result: unknown; file: string }> {
  const file = await writeConfig(CONNECT_YAML);
  const result = await loadConfig(file, { ...SEED_ENV, ORACLE_CONNECT: connectString }).catch((e: unknown) => e);
  return { result, file };
}

describe('source.connection.connect_string (Oracle)', () => {
  it('refuses a user/password@ or user@ prefix with one line naming the field and the fix, never the password', async () => {
    for (const connectString of ['scott/S3cret@db:1521/ERP', 'scott@db:1521/ERP', 'scott/p@ss?w0rd@db:1521/ERP', 'scott/S3cret@(DESCRIPTION=(ADDRESS=(HOST=db)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=ERP)))']) {
      const { result, file } = await loadWith(connectString);
      expect(result, connectString).toBeInstanceOf(ConfigError);
      const error = result as ConfigError;
      expect(error.issues, connectString).toEqual([
        `${file}:4: source.connection.connect_string: must not carry credentials — put the user in source.connection.user and the password in source.connection.password`,
      ]);
      expect(error.message, connectString).not.toMatch(/S3cret|p@ss|w0rd/);
      expect(error.exitCode).toBe(2);
    }
  });

  it('accepts Easy Connect, URL-style and descriptor connect strings, an @ inside ?options or a descriptor included', async () => {
    for (const connectString of [
      'db:1521/ERP',
      'tcps://db.example:2484/ERP?ssl_server_cert_dn="CN=ops@example.com"&wallet_location=/opt/wallet',
      '(DESCRIPTION=(ADDRESS=(PROTOCOL=TCPS)(HOST=db)(PORT=2484))(CONNECT_DATA=(SERVICE_NAME=ERP))(SECURITY=(SSL_SERVER_CERT_DN="EMAIL=ops@example.com")))',
      'ERP_PROD',
    ]) {
      const { result } = await loadWith(connectString);
      expect(result, connectString).not.toBeInstanceOf(Error);
      expect((result as Awaited<ReturnType<typeof loadConfig>>).config.source.connection, connectString).toMatchObject({ connect_string: connectString });
    }
  });
});
