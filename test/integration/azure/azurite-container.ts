import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startAzurite, type Azurite } from '../../support/azurite.js';

/** The emulator of a describe block and the container of its current test. */
export interface AzuriteContainer {
  readonly server: Azurite;
  readonly container: string;
}

/**
 * One Azurite for the enclosing describe block, and a fresh empty container (`<prefix>-1`,
 * `<prefix>-2`, …) before each of its tests, so no test sees another's blobs. If Azurite does not
 * start, the block fails under CI=true and otherwise skips each test, saying why.
 */
export function useAzuriteContainer(prefix: string): AzuriteContainer {
  let server: Azurite | undefined;
  let container: string | undefined;
  let containers = 0;
  let failedToStart: string | undefined;

  beforeAll(async () => {
    try {
      server = await startAzurite();
    } catch (error) {
      if (process.env.CI === 'true') throw error;
      failedToStart = `Azurite did not start: ${error instanceof Error ? error.message : String(error)}`;
      console.warn(`[azure integration] SKIPPING: ${failedToStart}`);
    }
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(async (context) => {
    if (failedToStart !== undefined) {
      context.skip(failedToStart);
      return;
    }
    container = `${prefix}-${++containers}`;
    await started().createContainer(container);
  });

  function started(): Azurite {
    if (!server) throw new Error('Azurite is not running: read it inside a test or a hook');
    return server;
  }
  return {
    get server() {
      return started();
    },
    get container() {
      if (container === undefined) throw new Error('no container yet: read it inside a test or a hook');
      return container;
    },
  };
}
