import { createServer } from 'node:net';

/**
 * A loopback port nobody listens on right now: the OS picks it for a probe that closes at once.
 * Another process can take it before the caller binds, so a server started on it should retry
 * with a fresh port when binding fails.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
