/**
 * How the Databricks warehouse signs in (shared/warehouses/databricks/databricks-auth.ts): the
 * OAuth M2M token request as the workspace's /oidc/v1/token documents it
 * (https://learn.microsoft.com/azure/databricks/dev-tools/auth/oauth-m2m), tokens cached until
 * shortly before they expire, one request for concurrent callers, Entra ID's scope; and the
 * configuration of the three modes. No secret ever appears in an error.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config/config-error.js';
import { loadConfig } from '../../../shared/config/load-config.js';
import { TerminalError, TransientError } from '../../../shared/errors.js';
import {
  AZURE_DATABRICKS_SCOPE, EntraTokenSource, OAuthM2MTokenSource, oauthTokenRequest, patTokenSource, type FetchLike,
} from '../../../shared/warehouses/databricks/databricks-auth.js';
import { tokenSourceFor } from '../../../shared/warehouses/databricks/databricks-warehouse.js';
import { writeConfig } from '../config/config-files.js';

const SECRET = 'dose-SECRET-value';

function scriptedFetch(answers: { status: number; body: unknown }[]) {
  const calls: { url: string; init: Parameters<FetchLike>[1] }[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, init });
    const answer = answers.shift();
    if (!answer) throw new Error('no more answers');
    return { status: answer.status, text: async () => JSON.stringify(answer.body) };
  };
  return { fetch, calls };
}

describe('OAuth machine-to-machine tokens', () => {
  it('asks /oidc/v1/token with client credentials in HTTP Basic and scope all-apis', () => {
    expect(oauthTokenRequest('https://adb-1.2.azuredatabricks.net', 'app-id', 's3cr:t')).toEqual({
      url: 'https://adb-1.2.azuredatabricks.net/oidc/v1/token',
      init: {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from('app-id:s3cr%3At').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&scope=all-apis',
      },
    });
  });

  it('caches the token until five minutes before it expires, with one request for concurrent callers', async () => {
    const { fetch, calls } = scriptedFetch([
      { status: 200, body: { access_token: 'tok-1', token_type: 'Bearer', expires_in: 3600 } },
      { status: 200, body: { access_token: 'tok-2', token_type: 'Bearer', expires_in: 3600 } },
    ]);
    let now = 1_000_000;
    const source = new OAuthM2MTokenSource('https://adb-1.2.azuredatabricks.net', 'app-id', SECRET, fetch, () => now);
    expect(await Promise.all([source.token(), source.token(), source.token()])).toEqual(['tok-1', 'tok-1', 'tok-1']);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.init.signal).toBeInstanceOf(AbortSignal);
    now += 54 * 60_000;
    expect(await source.token()).toBe('tok-1');
    now += 60_001;
    expect(await source.token()).toBe('tok-2');
    expect(calls).toHaveLength(2);
  });

  it('a refused client is exit 2 naming the settings (never the secret); a busy endpoint exit 1; the next call asks again', async () => {
    const { fetch, calls } = scriptedFetch([
      { status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed' } },
      { status: 503, body: {} },
      { status: 200, body: { access_token: 'tok', expires_in: 3600 } },
    ]);
    const source = new OAuthM2MTokenSource('https://adb-1.2.azuredatabricks.net', 'app-id', SECRET, fetch);
    const refused = await source.token().then(() => null, (e: unknown) => e as Error);
    expect(refused).toEqual(new TerminalError(
      'getting an OAuth token from https://adb-1.2.azuredatabricks.net/oidc/v1/token: the workspace refused the service principal (invalid_client: Client authentication failed) — ' +
        'check destination.azure.databricks.client_id and client_secret: an OAuth secret of a service principal of this workspace, not expired',
    ));
    expect(refused?.message).not.toContain(SECRET);
    await expect(source.token()).rejects.toBeInstanceOf(TransientError);
    expect(await source.token()).toBe('tok');
    expect(calls).toHaveLength(3);
  });
});

describe('Microsoft Entra ID tokens', () => {
  it('asks for the Azure Databricks resource and caches until shortly before expiry', async () => {
    const scopes: string[] = [];
    let now = 0;
    const source = new EntraTokenSource({ getToken: async (scope) => {
      scopes.push(scope);
      return { token: `entra-${scopes.length}`, expiresOnTimestamp: now + 3_600_000 };
    } }, () => now);
    expect(await source.token()).toBe('entra-1');
    expect(await source.token()).toBe('entra-1');
    now += 3_400_000;
    expect(await source.token()).toBe('entra-2');
    expect(scopes).toEqual([AZURE_DATABRICKS_SCOPE, AZURE_DATABRICKS_SCOPE]);
    expect(AZURE_DATABRICKS_SCOPE).toBe('2ff814a6-3304-4ab8-85cb-cd0e6f879c1d/.default');
  });

  it('no identity in the environment is exit 2 with what to check', async () => {
    const source = new EntraTokenSource({ getToken: () => Promise.reject(new Error('DefaultAzureCredential failed to retrieve a token from the included credentials.\nAttempted credentials: …')) });
    await expect(source.token()).rejects.toEqual(new TerminalError(
      'Microsoft Entra ID sign-in for Databricks failed (DefaultAzureCredential failed to retrieve a token from the included credentials.) — ' +
        'check the loader\'s Microsoft Entra identity (AKS workload identity, managed identity or az login): it must be a user or service principal added to this workspace, allowed to use the SQL warehouse',
    ));
  });
});

describe('destination.azure.databricks auth', () => {
  const azure = (databricks: string) => [
    'project: { name: ventas }',
    'source: { type: postgres, connection: { host: 127.0.0.1, database: erp, user: etl, password: x } }',
    'destination:',
    '  cloud: azure',
    '  azure:',
    '    account_url: https://acme.blob.core.windows.net',
    '    container: staging',
    `    databricks: { host: adb-1.2.azuredatabricks.net, http_path: /sql/1.0/warehouses/abc, catalog: main, schema: raw${databricks} }`,
    'tables: [{ name: T, load_mode: full }]',
    '',
  ].join('\n');
  const env = { DATABRICKS_TOKEN: 'dapi-1', DATABRICKS_CLIENT_ID: 'app-id', DATABRICKS_CLIENT_SECRET: SECRET };
  const issues = async (databricks: string) => {
    const file = await writeConfig(azure(databricks));
    const error = await loadConfig(file, env).then(() => null, (e: unknown) => e);
    return error instanceof ConfigError ? error.issues.map((i) => i.replace(`${file}:8: `, '')) : error;
  };

  it('takes a token (pat, the default), a service principal\'s client id and secret (oauth-m2m), or nothing (entra-id)', async () => {
    for (const [databricks, mode] of [
      [', token: "${DATABRICKS_TOKEN}"', 'pat'],
      [', auth: oauth-m2m, client_id: "${DATABRICKS_CLIENT_ID}", client_secret: "${DATABRICKS_CLIENT_SECRET}"', 'oauth-m2m'],
      [', auth: entra-id', 'entra-id'],
    ] as const) {
      const { config } = await loadConfig(await writeConfig(azure(databricks)), env);
      const source = tokenSourceFor(config.destination.azure!.databricks, 'https://adb-1.2.azuredatabricks.net');
      expect(source.mode).toBe(mode);
    }
    expect(await patTokenSource('dapi-1').token()).toBe('dapi-1');
  });

  it('refuses a mode without its settings, or with another mode\'s, in one line each', async () => {
    expect(await issues('')).toEqual(['destination.azure.databricks.token: missing (auth pat) — add token: "${DATABRICKS_TOKEN}", or choose auth: oauth-m2m or entra-id']);
    expect(await issues(', auth: oauth-m2m, client_id: "${DATABRICKS_CLIENT_ID}"')).toEqual(['destination.azure.databricks.client_secret: missing (auth oauth-m2m) — add client_secret: "${DATABRICKS_CLIENT_SECRET}"']);
    expect(await issues(', auth: entra-id, token: "${DATABRICKS_TOKEN}"')).toEqual(['destination.azure.databricks.token: is not used with auth entra-id — remove it']);
    expect(await issues(', token: "${DATABRICKS_TOKEN}", client_secret: "${DATABRICKS_CLIENT_SECRET}"')).toEqual(['destination.azure.databricks.client_secret: is not used with auth pat — remove it, or set auth: oauth-m2m']);
    const cluster = await writeConfig(azure(', token: x').replace('/sql/1.0/warehouses/abc', '/sql/protocolv1/o/1/0123-456-abc'));
    const refused = await loadConfig(cluster, env).then(() => null, (e: unknown) => e as ConfigError);
    expect(refused?.issues).toEqual([
      `${cluster}:8: destination.azure.databricks.http_path: is not a SQL warehouse HTTP path — copy it from the SQL warehouse's connection details (/sql/1.0/warehouses/<id>); clusters are not supported`,
    ]);
  });
});
