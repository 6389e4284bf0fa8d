/** The benchmark's 10-column sales table, generated server-side. */
export const SALES_TABLE = 'bench_ventas';

export function createSalesSql(rows: number): string {
  return `
DROP TABLE IF EXISTS ${SALES_TABLE};
CREATE UNLOGGED TABLE ${SALES_TABLE} (
  id_venta       bigint PRIMARY KEY,
  fecha_venta    timestamp(6) NOT NULL,
  id_cliente     integer NOT NULL,
  producto       varchar(40) NOT NULL,
  cantidad       numeric(12,3) NOT NULL,
  precio         numeric(18,2) NOT NULL,
  total          numeric(20,2) NOT NULL,
  estado         char(1) NOT NULL,
  actualizado_en timestamptz NOT NULL,
  nota           text
);
INSERT INTO ${SALES_TABLE}
SELECT g, TIMESTAMP '2025-01-01' + g * interval '1 second' + (g % 1000000) * interval '1 microsecond',
       g % 50000, 'Producto número ' || (g % 5000), (g % 100000) / 1000.0, (g % 10000000) / 100.0,
       (g % 10000000) / 100.0 * 1.21, (ARRAY['A','P','C'])[1 + g % 3],
       TIMESTAMPTZ '2025-01-01 00:00:00+00' + g * interval '1 second',
       CASE WHEN g % 4 = 0 THEN 'entrega urgente — café' END
FROM generate_series(1, ${rows}) g;
ANALYZE ${SALES_TABLE};`;
}

export const SALES_COLUMNS = 'id_venta, fecha_venta, id_cliente, producto, cantidad, precio, total, estado, actualizado_en, nota';
