import { describe, expect, it } from 'vitest';
import { destinationSchema } from '../../../shared/config/destination-schema.js';
import { TerminalError } from '../../../shared/errors.js';
import { abfssUri, azureAccount } from '../../../shared/stores/azure/azure-account.js';
import { createAzureContainer } from '../../../shared/stores/azure/azure-client.js';
import { openAzureStore } from '../../../shared/stores/azure/azure-store.js';
import { azuriteConnectionString } from '../../support/azurite.js';

describe('the account behind destination.azure.account_url', () => {
  it('derives the Blob endpoint and the dfs host Databricks reads abfss:// URIs from', () => {
    expect(azureAccount('https://acmestaging.blob.core.windows.net')).toEqual({
      name: 'acmestaging', blobUrl: 'https://acmestaging.blob.core.windows.net', dfsHost: 'acmestaging.dfs.core.windows.net', emulator: false,
    });
    expect(azureAccount('https://acmestaging.blob.core.windows.net/')).toMatchObject({ blobUrl: 'https://acmestaging.blob.core.windows.net' });
    // The dfs URL is the same account: the Blob endpoint serves hierarchical-namespace accounts too.
    expect(azureAccount('https://acmestaging.dfs.core.windows.net')).toMatchObject({ blobUrl: 'https://acmestaging.blob.core.windows.net', dfsHost: 'acmestaging.dfs.core.windows.net' });
    expect(azureAccount('https://acme.blob.core.chinacloudapi.cn')).toMatchObject({ dfsHost: 'acme.dfs.core.chinacloudapi.cn' });
    expect(azureAccount('http://127.0.0.1:10000/devstoreaccount1')).toEqual({
      name: 'devstoreaccount1', blobUrl: 'http://127.0.0.1:10000/devstoreaccount1', dfsHost: 'devstoreaccount1.dfs.core.windows.net', emulator: true,
    });
    const account = azureAccount('https://acmestaging.blob.core.windows.net');
    expect(abfssUri(account, 'staging', 'raw/erp/ventas_cabecera/run=R1/part-0000-000001.avro')).toBe(
      'abfss://staging@acmestaging.dfs.core.windows.net/raw/erp/ventas_cabecera/run=R1/part-0000-000001.avro',
    );
  });

  it('refuses what names no account, without echoing a query string (a pasted SAS token)', () => {
    const fix = 'write https://<account>.blob.core.windows.net (or http://127.0.0.1:<port>/<account> for Azurite)';
    expect(() => azureAccount('https://files.acme.example')).toThrow(new TerminalError(`destination.azure.account_url https://files.acme.example/ is not a storage account URL — ${fix}`));
    expect(() => azureAccount('http://acme.blob.core.windows.net')).toThrow(new TerminalError(`destination.azure.account_url http://acme.blob.core.windows.net/ is not a storage account URL — ${fix}`));
    expect(() => azureAccount('https://acme.blob.core.windows.net/staging')).toThrow(TerminalError);
    expect(() => azureAccount('acme')).toThrow(new TerminalError(`destination.azure.account_url is not a URL — ${fix}`));
    expect(() => azureAccount('http://127.0.0.1:10000')).toThrow(new TerminalError(
      'destination.azure.account_url http://127.0.0.1:10000/: an Azurite URL ends with the account name (http://127.0.0.1:<port>/devstoreaccount1)',
    ));
    const sas = 'https://acme.blob.core.windows.net/?sv=2025-11-05&sig=SECRETSIG';
    expect(() => azureAccount(sas)).toThrow(new TerminalError(
      `destination.azure.account_url https://acme.blob.core.windows.net/ is not a storage account URL (remove the query string: credentials never go in config.yaml) — ${fix}`,
    ));
  });

  it('is accepted by config.yaml validation in both forms, and nothing else over plain HTTP', () => {
    const azure = (account_url: string) => destinationSchema.safeParse({
      cloud: 'azure',
      azure: { account_url, container: 'staging', databricks: { host: 'adb-1.azuredatabricks.net', http_path: '/sql/1.0/warehouses/1', token: 't', catalog: 'main', schema: 'raw' } },
    });
    expect(azure('https://acme.blob.core.windows.net').success).toBe(true);
    expect(azure('http://127.0.0.1:10000/devstoreaccount1').success).toBe(true);
    expect(azure('http://localhost:10000/devstoreaccount1/').success).toBe(true);
    const refused = azure('http://acme.blob.core.windows.net');
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toBe('is not a storage account URL — write https://<account>.blob.core.windows.net (Azurite: http://127.0.0.1:10000/devstoreaccount1)');
  });
});

describe('the client: credentials only from the environment', () => {
  const azurite = azureAccount('http://127.0.0.1:10000/devstoreaccount1');

  it('refuses a connection string for another account than account_url names (Databricks would read the other one)', async () => {
    await expect(createAzureContainer({ account: azureAccount('https://acme.blob.core.windows.net'), container: 'staging', connectionString: azuriteConnectionString('http://127.0.0.1:10000') }))
      .rejects.toThrow(new TerminalError('AZURE_STORAGE_CONNECTION_STRING is for account devstoreaccount1, but destination.azure.account_url names acme — make them the same account'));
  });

  it('refuses a malformed connection string, saying which part, never echoing it', async () => {
    const error = (await createAzureContainer({ account: azurite, container: 'staging', connectionString: 'DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=SECRETKEY' }).catch((e: unknown) => e)) as TerminalError;
    expect(error).toBeInstanceOf(TerminalError);
    expect(error.message).toMatch(/^AZURE_STORAGE_CONNECTION_STRING is not a usable connection string \(Invalid .+\) — copy it from the storage account's Access keys, or unset it to sign in with DefaultAzureCredential$/);
    expect(error.message).not.toContain('SECRETKEY');
  });

  it('refuses Azurite\'s http address without a connection string: Entra ID tokens only go over HTTPS', async () => {
    await expect(createAzureContainer({ account: azurite, container: 'staging', connectionString: '' })).rejects.toThrow(new TerminalError(
      'destination.azure.account_url http://127.0.0.1:10000/devstoreaccount1 is an Azurite address: set AZURE_STORAGE_CONNECTION_STRING to Azurite\'s connection string (Microsoft Entra ID tokens are only sent over HTTPS)',
    ));
  });

  it('reads AZURE_STORAGE_CONNECTION_STRING when no connection string is passed', async () => {
    const saved = process.env.AZURE_STORAGE_CONNECTION_STRING;
    process.env.AZURE_STORAGE_CONNECTION_STRING = azuriteConnectionString('http://127.0.0.1:10000');
    try {
      const container = (await createAzureContainer({ account: azurite, container: 'staging' })) as unknown as { url: string };
      expect(container.url).toBe('http://127.0.0.1:10000/devstoreaccount1/staging');
    } finally {
      if (saved === undefined) delete process.env.AZURE_STORAGE_CONNECTION_STRING;
      else process.env.AZURE_STORAGE_CONNECTION_STRING = saved;
    }
  });

  it('signs in with DefaultAzureCredential at the account\'s Blob endpoint otherwise', async () => {
    const container = (await createAzureContainer({ account: azureAccount('https://acme.dfs.core.windows.net'), container: 'staging', connectionString: '' })) as unknown as {
      url: string; credential: { constructor: { name: string } };
    };
    expect(container.url).toBe('https://acme.blob.core.windows.net/staging');
    expect(container.credential.constructor.name).toBe('DefaultAzureCredential');
  });

  it('opens a store without reading credentials until the first request; refuses a bad block size at once', () => {
    const store = openAzureStore({ accountUrl: 'https://acme.blob.core.windows.net', container: 'staging', connectionString: 'not even parsed yet' });
    expect(store.uri('t/x.avro')).toBe('abfss://staging@acme.dfs.core.windows.net/t/x.avro');
    expect(() => openAzureStore({ accountUrl: 'https://acme.blob.core.windows.net', container: 'staging', blockBytes: 0 })).toThrow(new TerminalError(
      'Azure block size 0 must be a whole number of bytes between 1 and 4194304000 (4000 MiB)',
    ));
  });
});
