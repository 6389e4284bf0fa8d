import { afterAll, beforeAll, beforeEach } from 'vitest';
import { MOTO_CREDENTIALS, startMotoServer, type MotoServer } from '../../support/moto-server.js';

/** The emulator of a describe block and the bucket of its current test. */
export interface MotoBucket {
  readonly server: MotoServer;
  readonly bucket: string;
}

/** Variables the SDK's default credential chain reads, set for the suite and restored after it. */
const SUITE_ENVIRONMENT: Record<string, string> = {
  ...MOTO_CREDENTIALS,
  // Nothing from the machine's own AWS setup, and never a probe of an instance-metadata endpoint.
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_EC2_METADATA_DISABLED: 'true',
};
const CLEARED = [
  'AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3',
];

/**
 * One moto server for the enclosing describe block, the default credential chain pointed at moto's
 * test credentials, and a fresh empty bucket (`<prefix>-1`, `<prefix>-2`, …) before each test.
 * Registers the hooks where it is called; read `server` and `bucket` in tests and later hooks.
 */
export function useMotoBucket(prefix: string): MotoBucket {
  let server: MotoServer | undefined;
  let bucket: string | undefined;
  let buckets = 0;
  const saved = new Map<string, string | undefined>();

  beforeAll(async () => {
    for (const name of [...Object.keys(SUITE_ENVIRONMENT), ...CLEARED]) saved.set(name, process.env[name]);
    for (const name of CLEARED) delete process.env[name];
    Object.assign(process.env, SUITE_ENVIRONMENT);
    server = await startMotoServer();
  });
  afterAll(async () => {
    await server?.stop();
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  beforeEach(async () => {
    bucket = `${prefix}-${++buckets}`;
    await started().createBucket(bucket);
  });

  function started(): MotoServer {
    if (!server) throw new Error('moto is not running: read it inside a test or a hook');
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
