import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startFakeGcsServer, type FakeGcsServer } from '../../support/fake-gcs-server.js';

/** The emulator of a describe block and the bucket of its current test. */
export interface FakeGcsBucket {
  readonly server: FakeGcsServer;
  readonly bucket: string;
}

/**
 * One fake-gcs-server for the enclosing describe block, and a fresh empty bucket
 * (`<prefix>-1`, `<prefix>-2`, …) before each of its tests, so no test sees another's objects.
 * Registers the hooks where it is called; read `server` and `bucket` in tests and later hooks.
 */
export function useFakeGcsBucket(prefix: string): FakeGcsBucket {
  let server: FakeGcsServer | undefined;
  let bucket: string | undefined;
  let buckets = 0;

  beforeAll(async () => {
    server = await startFakeGcsServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(async () => {
    bucket = `${prefix}-${++buckets}`;
    await started().createBucket(bucket);
  });

  function started(): FakeGcsServer {
    if (!server) throw new Error('fake-gcs-server is not running: read it inside a test or a hook');
    return server;
  }
  return {
    get server() {
      return started();
    },
    get bucket() {
      if (bucket === undefined) throw new Error('no bucket yet: read it inside a test or a hook');
      return bucket;
    },
  };
}
