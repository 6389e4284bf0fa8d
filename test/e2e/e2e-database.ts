import pg from 'pg';
import { expect } from 'vitest';
import { startPostgres, type PostgresHandle } from '../support/postgres-server.js';

/**
 * A PostgreSQL database of the suite's own: on a shared server (DATAPIPE_PG_URL, or one started
 * from the binaries) a fresh database, so suites running side by side never collide; PGlite is
 * private to the process already.
 */
export async function startOwnDatabase(label: string): Promise<PostgresHandle> {
  const db = await startPostgres();
  if (db.kind !== 'server') return db;
  const admin = new pg.Client(db.config);
  await admin.connect();
  const name = `datapipe_${label}_${process.pid}_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return { ...db, config: { ...db.config, database: name } };
}

/** The one line a failing command prints on stderr — never a stack trace. */
export function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0]!;
}
