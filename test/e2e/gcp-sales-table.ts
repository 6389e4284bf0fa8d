/**
 * The sales table the `gcp` end-to-end suites (emulated and live) extract from PostgreSQL: a key,
 * decimals at both ends of their range, a DATETIME watermark, a date, an instant, text and bytes.
 */
export function salesTableSql(table: string) {
  return {
    create: `
CREATE TABLE "${table}" (
  "ID_VENTA"    bigint PRIMARY KEY,
  "MONTO"       numeric(38,10),
  "PRECIO"      numeric(18,2) NOT NULL,
  "FECHA_VENTA" timestamp(6) NOT NULL,
  "ENTREGA"     date,
  "INSTANTE"    timestamptz,
  "CLIENTE"     text,
  "DOCUMENTO"   bytea
)`,
    /** Two edge rows: the widest decimal, 9999-12-31, 0001-01-01, UTF-8 beyond the BMP, NULLs, empty text and bytes. */
    edge: `
INSERT INTO "${table}" VALUES
 (1, 9999999999999999999999999999.9999999999, -0.05, '2025-12-01 00:00:00.000001', '9999-12-31', '0001-01-01 00:00:00+00', 'Ñandú — 東京 😀', '\\x00ff00'),
 (2, NULL, 0.00, '2025-12-01 00:00:00.000002', '0001-01-01', NULL, '', '\\x')`,
    /** Rows `from`..`to`, the watermark `stamp` + g minutes + g microseconds. */
    rows: (from: number, to: number, stamp: string) => `
INSERT INTO "${table}"
SELECT g, g * 1.0000000001, round(g * 0.37, 2), TIMESTAMP '${stamp}' + g * interval '1 minute' + g * interval '1 microsecond',
       DATE '2026-01-01' + (g % 365), TIMESTAMPTZ '2026-01-01 00:00:00+00' + g * interval '1 second',
       'cliente ' || g || ' café', decode(lpad(to_hex(g), 8, '0'), 'hex')
FROM generate_series(${from}, ${to}) g`,
  };
}
