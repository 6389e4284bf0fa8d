/**
 * The demo's sample ERP tables, generated inside the embedded database with generate_series so
 * seeding 100k+ rows takes seconds. Identifiers are upper case, as Oracle spells them.
 * Values cover what migrations get wrong: money decimals (negative credit notes too), dates with
 * a time of day and microseconds, the 9999-12-31 sentinel, time zones, NULLs and empty strings,
 * accented and non-Latin text, bytes with 0x00.
 */

const CLIENTES = [
  'José Núñez', 'Zoë Ångström', 'François Müller', 'Łukasz Żółć', 'Ñandú Comercial S.A.',
  '東京商事株式会社', 'Åsa Öberg', 'Renée Dupré', 'Ægir Þórsson', 'Grüße GmbH 😀',
];

export const DEMO_TABLES = ['VENTAS_CABECERA', 'VENTAS_DETALLE'] as const;

export function seedSql(rows: number): string {
  const clientes = `ARRAY[${CLIENTES.map((c) => `'${c}'`).join(', ')}]`;
  return `
CREATE TABLE "VENTAS_CABECERA" (
  "ID_VENTA"       bigint PRIMARY KEY,
  "NUMERO_FACTURA" varchar(20) NOT NULL,
  "CLIENTE"        varchar(120) NOT NULL,
  "FECHA_VENTA"    timestamp(6) NOT NULL,
  "FECHA_ENTREGA"  date,
  "MONTO_NETO"     numeric(18,2) NOT NULL,
  "IMPUESTO"       numeric(18,4) NOT NULL,
  "TOTAL"          numeric(20,2) NOT NULL,
  "ESTADO"         char(1) NOT NULL,
  "OBSERVACIONES"  text,
  "VIGENTE_HASTA"  timestamp(6),
  "ACTUALIZADO_EN" timestamptz NOT NULL,
  "COMPROBANTE"    bytea
);
CREATE TABLE "VENTAS_DETALLE" (
  "ID_VENTA"           bigint NOT NULL,
  "LINEA"              integer NOT NULL,
  "PRODUCTO"           varchar(80) NOT NULL,
  "CANTIDAD"           numeric(12,3) NOT NULL,
  "PRECIO_UNITARIO"    numeric(18,6) NOT NULL,
  "DESCUENTO"          numeric(5,4),
  "FECHA_MODIFICACION" timestamptz NOT NULL,
  PRIMARY KEY ("ID_VENTA", "LINEA")
);
INSERT INTO "VENTAS_CABECERA"
SELECT g,
       'F-' || lpad(g::text, 9, '0'),
       (${clientes})[1 + g % 10] || ' #' || g,
       f.fecha,
       CASE WHEN g % 7 = 0 THEN NULL ELSE f.fecha::date + (g % 15) END,
       m.neto,
       round(m.neto * 0.21, 4),
       round(m.neto * 1.21, 2),
       (ARRAY['A', 'P', 'C'])[1 + g % 3],
       CASE WHEN g % 11 = 0 THEN '' WHEN g % 5 = 0 THEN 'Entrega en almacén nº ' || g END,
       CASE WHEN g % 10 = 0 THEN TIMESTAMP '9999-12-31 23:59:59.999999' WHEN g % 10 = 1 THEN NULL ELSE f.fecha + interval '365 days' END,
       (f.fecha AT TIME ZONE 'UTC') + interval '3 hours',
       CASE WHEN g % 50 = 0 THEN decode(lpad(to_hex(g), 8, '0') || '00ff', 'hex') END
FROM generate_series(1, ${rows}) AS g,
     LATERAL (SELECT date_trunc('day', localtimestamp) - interval '90 days' + g * interval '1 minute' + (g * 7919 % 1000000) * interval '1 microsecond' AS fecha) f,
     LATERAL (SELECT (CASE WHEN g % 97 = 0 THEN -1 ELSE 1 END) * ((g::numeric * 7919) % 100000000) / 100 AS neto) m;
INSERT INTO "VENTAS_DETALLE"
SELECT c."ID_VENTA", l,
       'Producto ' || (c."ID_VENTA" * l % 500) || CASE WHEN l = 2 THEN ' — café' ELSE '' END,
       ((c."ID_VENTA" * 31 + l) % 100000) / 1000.0,
       ((c."ID_VENTA" * 7 + l * 13) % 100000000) / 1000000.0 + 1,
       CASE WHEN c."ID_VENTA" % 4 = 0 THEN NULL ELSE ((c."ID_VENTA" + l) % 5000) / 10000.0 END,
       c."ACTUALIZADO_EN"
FROM "VENTAS_CABECERA" c, generate_series(1, 2) AS l;
`;
}

/**
 * The changes between the demo's two runs: updates, rows arriving late inside the lookback window,
 * inserts at exactly the committed watermark, and new rows.
 */
export function changesSql(rows: number): string {
  return `
CREATE TEMP TABLE w AS SELECT (SELECT max("FECHA_VENTA") FROM "VENTAS_CABECERA") AS fv, (SELECT max("FECHA_MODIFICACION") FROM "VENTAS_DETALLE") AS fm;
-- updates: amounts and state change, the modification stamps move to now
UPDATE "VENTAS_CABECERA" SET "MONTO_NETO" = "MONTO_NETO" + 0.01, "TOTAL" = "TOTAL" + 0.01, "ESTADO" = 'C',
       "FECHA_VENTA" = localtimestamp - interval '1 minute', "ACTUALIZADO_EN" = now() - interval '1 minute'
 WHERE "ID_VENTA" % 5000 = 0;
UPDATE "VENTAS_DETALLE" SET "CANTIDAD" = "CANTIDAD" + 1.5, "FECHA_MODIFICACION" = now() - interval '1 minute'
 WHERE "ID_VENTA" % 5000 = 0;
-- late rows: committed now, stamped a day before the committed watermark (inside the 2-day lookback)
UPDATE "VENTAS_CABECERA" SET "OBSERVACIONES" = 'corregida tarde — revisión', "FECHA_VENTA" = (SELECT fv FROM w) - interval '1 day'
 WHERE "ID_VENTA" BETWEEN 10 AND 19;
UPDATE "VENTAS_DETALLE" SET "DESCUENTO" = 0.1234, "FECHA_MODIFICACION" = (SELECT fm FROM w) - interval '12 hours'
 WHERE "ID_VENTA" BETWEEN 10 AND 19;
-- inserts stamped exactly at the committed watermark, and new sales after it
INSERT INTO "VENTAS_CABECERA"
SELECT ${rows} + g, 'F-' || lpad((${rows} + g)::text, 9, '0'), 'Cliente nuevo ñ #' || g,
       CASE WHEN g <= 5 THEN (SELECT fv FROM w) ELSE (SELECT fv FROM w) + g * interval '1 second' END,
       NULL, 1234567890123456.78, 25925925692592.5938, 1493827147049382.70, 'A', NULL, NULL,
       CASE WHEN g <= 5 THEN (SELECT fm FROM w) ELSE (SELECT fm FROM w) + g * interval '1 second' END, '\\x00'::bytea
FROM generate_series(1, 500) AS g;
INSERT INTO "VENTAS_DETALLE"
SELECT c."ID_VENTA", 1, 'Producto nuevo', 1.000, 0.000001, NULL, c."ACTUALIZADO_EN"
FROM "VENTAS_CABECERA" c WHERE c."ID_VENTA" > ${rows};
`;
}

/** The demo workspace's config.yaml: the embedded database as a postgres source, DuckDB as the target. */
export function demoConfigYaml(): string {
  return `# Written by \`datapipe demo\`: an embedded PostgreSQL (PGlite) as the source, a folder + DuckDB as the target.
project: { name: demo-ventas, environment: demo }
source:
  type: postgres
  connection:
    host: 127.0.0.1
    port: \${DATAPIPE_DEMO_PORT}
    database: postgres
    user: postgres
    password: \${DATAPIPE_DEMO_PASSWORD:-postgres}
  schema: public
destination:
  cloud: local
  local: { path: staging, warehouse: warehouse.duckdb }
staging: { codec: deflate, part_size_mb: 16 }
tables:
  - name: VENTAS_CABECERA
    load_mode: incremental
    partition_column: FECHA_VENTA
    primary_keys: [ID_VENTA]
    lookback: 2d
  - name: VENTAS_DETALLE
    load_mode: incremental
    partition_column: FECHA_MODIFICACION
    primary_keys: [ID_VENTA, LINEA]
    lookback: 1d
`;
}
