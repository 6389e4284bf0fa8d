/**
 * The peers benchmark's table, generated server-side: the 10-column sales table of issue 15 (bigint
 * key, int, smallint, timestamp(6), numeric(18,2), numeric(5,2), char(3), varchar(20), text with
 * NULLs, timestamptz), and the UPDATE that changes rows for the incremental job.
 */
import type pg from 'pg';

export const PEERS_TABLE = 'bench_peers_ventas';
export const PEERS_PRIMARY_KEY = 'id_venta';
/** The last-modified stamp every incremental tool reads from (DataPipe's partition_column, dlt's cursor). */
export const PEERS_CURSOR = 'actualizado_en';

export async function createPeersTable(client: pg.Client, rows: number): Promise<void> {
  // The cursor column is indexed, as a last-modified column read incrementally is: each tool's
  // incremental query (and the reference's COPY of the changed rows) can then skip the rest.
  await client.query(`
DROP TABLE IF EXISTS ${PEERS_TABLE};
CREATE UNLOGGED TABLE ${PEERS_TABLE} (
  id_venta       bigint PRIMARY KEY,
  id_cliente     integer NOT NULL,
  cantidad       smallint NOT NULL,
  fecha_venta    timestamp(6) NOT NULL,
  total          numeric(18,2) NOT NULL,
  descuento      numeric(5,2) NOT NULL,
  moneda         char(3) NOT NULL,
  producto       varchar(20) NOT NULL,
  nota           text,
  actualizado_en timestamptz NOT NULL
);
INSERT INTO ${PEERS_TABLE}
SELECT g, g % 50000, 1 + g % 500,
       TIMESTAMP '2025-01-01' + g * interval '1 second' + (g % 1000000) * interval '1 microsecond',
       (g % 10000000) / 100.0 * 1.21, (g % 10000) / 100.0, (ARRAY['EUR','USD','CLP'])[1 + g % 3],
       'Producto ' || (g % 5000), CASE WHEN g % 4 = 0 THEN 'entrega urgente — café' END,
       TIMESTAMPTZ '2025-01-01 00:00:00+00' + g * interval '1 second'
FROM generate_series(1, ${rows}) g;
CREATE INDEX ${PEERS_TABLE}_${PEERS_CURSOR} ON ${PEERS_TABLE} (${PEERS_CURSOR});`);
  // Outside the script's implicit transaction (VACUUM refuses one): the visibility map set, statistics taken.
  await client.query(`VACUUM ANALYZE ${PEERS_TABLE}`);
}

export interface RowChange {
  rows: number;
  /** Just before the oldest stamp the change wrote: the changed rows are exactly those stamped at or after it. */
  since: string;
}

/**
 * Changes `changed` rows spread evenly over the table (ids 1 + q·step + offset for q < changed;
 * `offset` moves with each change, so repeated changes touch other rows) and stamps row q at
 * now() − q µs: the newest stamp is held by one row, so a tool whose cursor reads `>= last value`
 * re-reads one row, not the whole previous change; and every stamp is within `changed` µs (0.1 s
 * for 100,000) of the transaction's start, after the start of the tool's first load, so no window
 * misses one. The table is then vacuumed, so every measurement reads a table of the same shape.
 */
export async function changeRows(client: pg.Client, tableRows: number, changed: number, offset: number): Promise<RowChange> {
  const step = Math.max(1, Math.floor(tableRows / changed));
  await client.query('BEGIN');
  const { rows: [clock] } = await client.query<{ now: string }>('SELECT now()::text AS now');
  const result = await client.query(
    `UPDATE ${PEERS_TABLE} SET total = total + 1, ${PEERS_CURSOR} = now() - ((id_venta - 1) / $1::bigint) * interval '1 microsecond'
     WHERE (id_venta - 1) % $1::bigint = $2::bigint AND (id_venta - 1) / $1::bigint < $3::bigint`,
    [step, offset % step, changed],
  );
  await client.query('COMMIT');
  await client.query(`VACUUM ANALYZE ${PEERS_TABLE}`);
  const { rows: [since] } = await client.query<{ since: string }>(
    `SELECT ($1::timestamptz - $2::bigint * interval '1 microsecond')::text AS since`, [clock!.now, changed],
  );
  return { rows: result.rowCount ?? 0, since: since!.since };
}
