import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  db: PGlite;
  host: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * PostgreSQL compiled to WebAssembly (PGlite), served over the real wire protocol on a free
 * loopback port, so the demo's source is the same `pg` driver path a production database gets.
 */
export async function startEmbeddedPostgres(maxConnections = 4): Promise<EmbeddedPostgres> {
  const db = await PGlite.create();
  // Connections beyond one are multiplexed onto PGlite's single backend, a query at a time.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
  await server.start();
  const [host, port] = server.getServerConn().split(':');
  return {
    db,
    host: host ?? '127.0.0.1',
    port: Number(port),
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
