import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PartUpload } from '../../../shared/avro/part-upload.js';
import type { DestinationConfig } from '../../../shared/config/config-schema.js';
import { PreconditionFailedError } from '../../../shared/errors.js';
import { StagingLayout } from '../../../shared/pipeline/staging-layout.js';
import { commitState, readState } from '../../../shared/pipeline/state.js';
import { openStaging } from '../../../shared/stores/registry.js';
import { skipWithoutFakeGcsServer } from '../../support/fake-gcs-server.js';
import { useFakeGcsBucket } from './fake-gcs-bucket.js';
import { rawBody, rawMetadata, rawNames, sha256 } from './raw-gcs.js';

const ROOT = resolve(import.meta.dirname, '../../..');

function gcpDestination(bucket: string): DestinationConfig {
  return { cloud: 'gcp', gcp: { project_id: 'datapipe-test', dataset: 'raw_ventas', bucket, prefix: 'landing/erp', location: 'US' } };
}

describe.skipIf(skipWithoutFakeGcsServer('gcs integration'))('the gcp staging target (registry, STORAGE_EMULATOR_HOST, run protocol) on fake-gcs-server', () => {
  const gcs = useFakeGcsBucket('staging');
  const saved = process.env.STORAGE_EMULATOR_HOST;

  afterEach(() => {
    if (saved === undefined) delete process.env.STORAGE_EMULATOR_HOST;
    else process.env.STORAGE_EMULATOR_HOST = saved;
  });

  it.each([
    ['http://127.0.0.1:<port>', (port: number) => `http://127.0.0.1:${port}`],
    ['http://127.0.0.1:<port>/storage/v1/', (port: number) => `http://127.0.0.1:${port}/storage/v1/`],
    ['127.0.0.1:<port>', (port: number) => `127.0.0.1:${port}`],
  ])('STORAGE_EMULATOR_HOST=%s: keys land under <prefix>/<project>/<table>/ and the state protocol works unchanged', async (_form, value) => {
    process.env.STORAGE_EMULATOR_HOST = value(gcs.server.port);
    const { store, prefix } = await openStaging(gcpDestination(gcs.bucket));
    expect(prefix).toBe('landing/erp');
    const layout = new StagingLayout(prefix, 'migracion-ventas', 'VENTAS_CABECERA');

    const state = { version: 1 as const, table: 'VENTAS_CABECERA', watermark: '2024-01-31T00:00:00', runId: 'r1', rows: 3, committedAt: '2024-02-01T02:00:00Z' };
    expect(await readState(store, layout)).toBeNull();
    await commitState(store, layout, state, null);
    const committed = await readState(store, layout);
    const key = 'landing/erp/migracion-ventas/ventas_cabecera/_state.json';
    expect(committed).toEqual({ state, version: (await rawMetadata(gcs.server.endpoint, gcs.bucket, key))!.generation });
    await expect(commitState(store, layout, { ...state, runId: 'r2' }, null)).rejects.toThrow(new PreconditionFailedError(
      `${key} was advanced by another loader while run r2 was loading — its merge is committed and idempotent; re-run the loader (it reconciles the state with the warehouse's record)`,
    ));
    await commitState(store, layout, { ...state, runId: 'r2' }, committed!.version);
    expect((await readState(store, layout))?.state.runId).toBe('r2');

    await store.putIfVersion(layout.windowKey('r3'), '{"runId":"r3"}', null);
    await store.put(layout.manifestKey('r3', { index: 1, count: 2 }), '{}');
    await store.put(layout.manifestKey('r3', { index: 0, count: 2 }), '{}');
    expect(await store.list(layout.runPrefix('r3'))).toEqual([
      'landing/erp/migracion-ventas/ventas_cabecera/run=r3/_manifest-0000.json',
      'landing/erp/migracion-ventas/ventas_cabecera/run=r3/_manifest-0001.json',
      'landing/erp/migracion-ventas/ventas_cabecera/run=r3/_window.json',
    ]);
    expect(store.uri(layout.stateKey)).toBe(`gs://${gcs.bucket}/${key}`);
    expect(await rawNames(gcs.server.endpoint, gcs.bucket)).toEqual([
      key,
      'landing/erp/migracion-ventas/ventas_cabecera/run=r3/_manifest-0000.json',
      'landing/erp/migracion-ventas/ventas_cabecera/run=r3/_manifest-0001.json',
      'landing/erp/migracion-ventas/ventas_cabecera/run=r3/_window.json',
    ].sort());
  });

  it('publishes an AVRO part written by PartUpload, byte for byte as the writer hashed it', async () => {
    process.env.STORAGE_EMULATOR_HOST = gcs.server.endpoint;
    const { store, prefix } = await openStaging(gcpDestination(gcs.bucket));
    const key = new StagingLayout(prefix, 'migracion-ventas', 'VENTAS_CABECERA').partKey('r1', 0, '0a1b2c3d', 1);
    const schema = JSON.stringify({ type: 'record', name: 'ventas_cabecera', fields: [{ name: 'id', type: 'long' }] });
    const part = new PartUpload(store, key, schema, 'null', 64 * 1024);
    // Each record is one zig-zag long: 2 → 1, so a block of n records is n bytes of 0x02.
    for (let block = 0; block < 40; block++) await part.writeBlock(50_000, Buffer.alloc(50_000, 0x02));
    const info = await part.finish();
    const stored = (await rawBody(gcs.server.endpoint, gcs.bucket, key))!;
    expect(info).toEqual({ key: 'landing/erp/migracion-ventas/ventas_cabecera/run=r1/part-0000-0a1b2c3d-000001.avro', rows: 2_000_000, bytes: stored.length, sha256: sha256(stored) });
    expect(stored.subarray(0, 4)).toEqual(Buffer.from('Obj\x01', 'latin1'));
  });

  it('works from a child process given only STORAGE_EMULATOR_HOST: no credentials anywhere', async () => {
    const home = await mkdtemp(join(tmpdir(), 'datapipe-no-adc-'));
    try {
      const script = `
        const { openStaging } = await import(${JSON.stringify(join(ROOT, 'dist/shared/stores/registry.js'))});
        const { store, prefix } = await openStaging(${JSON.stringify(gcpDestination(gcs.bucket))});
        await store.put(prefix + '/child/_manifest.json', '{"rows":1}');
        const listed = await store.list(prefix + '/');
        const read = (await store.getVersioned(prefix + '/child/_manifest.json')).body.toString();
        console.log(JSON.stringify({ listed, read }));`;
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, STORAGE_EMULATOR_HOST: gcs.server.endpoint };
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8', timeout: 60_000 });
      expect(child.stderr).toBe('');
      expect(JSON.parse(child.stdout)).toEqual({ listed: ['landing/erp/child/_manifest.json'], read: '{"rows":1}' });
      expect(child.status).toBe(0);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
