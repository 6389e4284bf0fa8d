/**
 * The sample's ERP tables, VENTAS_CABECERA (one row per sale, FECHA_VENTA a DATE watermark) and
 * VENTAS_DETALLE (two lines per sale, FECHA_MODIFICACION a TIMESTAMP(6) watermark), generated in
 * the database (`CONNECT BY LEVEL` rows from DUAL) so seeding takes one round trip per table.
 * Sale g is stamped 2025-01-01 00:00 plus g minutes, so every value is a pure function of g;
 * expectedSale / expectedLine write those functions out in canonical text (dev-oracle-sample.ts).
 * DATE + INTERVAL is a DATE and NUMTODSINTERVAL takes fractional seconds (Oracle SQL Language
 * Reference 23, "Datetime/Interval Arithmetic", NUMTODSINTERVAL); America/Bogota has kept UTC−5
 * without daylight saving since 1993.
 */
import { column, type Canonical, type SampleTable, type SeedStatement } from './dev-oracle-sample.js';

/** Sales `datapipe dev oracle` seeds (lines: twice as many). */
export const SAMPLE_SALES = 5000;

export const VENTAS_CABECERA: SampleTable = {
  name: 'VENTAS_CABECERA',
  primaryKey: ['ID_VENTA'],
  columns: [
    column('ID_VENTA', 'NUMBER(12)', 'NUMBER(12)', 'int64', { nullable: false }),
    column('NUMERO_FACTURA', 'VARCHAR2(20 CHAR)', 'VARCHAR2(20 CHAR)', 'string', { nullable: false }),
    column('CLIENTE', 'NVARCHAR2(120)', 'NVARCHAR2(120)', 'string', { nullable: false }),
    column('FECHA_VENTA', 'DATE', 'DATE', 'datetime', { nullable: false }),
    column('FECHA_ENTREGA', 'DATE', 'DATE', 'datetime'),
    column('MONTO', 'NUMBER(18,2)', 'NUMBER(18,2)', 'decimal(18,2)', { nullable: false }),
    column('IMPUESTO', 'NUMBER(18,4)', 'NUMBER(18,4)', 'decimal(18,4)', { nullable: false }),
    column('ESTADO', 'CHAR(1)', 'CHAR(1)', 'string', { nullable: false }),
    column('OBSERVACIONES', 'VARCHAR2(400 CHAR)', 'VARCHAR2(400 CHAR)', 'string'),
    column('ACTUALIZADO_EN', 'TIMESTAMP(6) WITH TIME ZONE', 'TIMESTAMP(6) WITH TIME ZONE', 'timestamp', {
      nullable: false,
      decision: 'TIMESTAMP(6) WITH TIME ZONE is read as its UTC instant (SYS_EXTRACT_UTC); the original zone is not kept, and digits past the sixth fraction digit are truncated',
    }),
  ],
};

export const VENTAS_DETALLE: SampleTable = {
  name: 'VENTAS_DETALLE',
  primaryKey: ['ID_VENTA', 'LINEA'],
  columns: [
    column('ID_VENTA', 'NUMBER(12)', 'NUMBER(12)', 'int64', { nullable: false }),
    column('LINEA', 'NUMBER(3)', 'NUMBER(3)', 'int64', { nullable: false }),
    column('PRODUCTO', 'VARCHAR2(80 CHAR)', 'VARCHAR2(80 CHAR)', 'string', { nullable: false }),
    column('CANTIDAD', 'NUMBER(12,3)', 'NUMBER(12,3)', 'decimal(12,3)', { nullable: false }),
    column('PRECIO_UNITARIO', 'NUMBER(18,6)', 'NUMBER(18,6)', 'decimal(18,6)', { nullable: false }),
    column('DESCUENTO', 'NUMBER(5,4)', 'NUMBER(5,4)', 'decimal(5,4)'),
    column('FECHA_MODIFICACION', 'TIMESTAMP(6)', 'TIMESTAMP(6)', 'datetime', { nullable: false }),
  ],
};

/** Customers, by g mod 10: accents, ligatures, CJK and an emoji, as ERPs hold them. */
export const CLIENTES = [
  'José Núñez', 'Zoë Ångström', 'François Müller', 'Łukasz Żółć', 'Ñandú Comercial S.A.',
  '東京商事株式会社', 'Åsa Öberg', 'Renée Dupré', 'Ægir Þórsson', 'Grüße GmbH 😀',
] as const;

const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** Inserts `rows` sales (ids 1..rows) and their two lines each. */
export function salesSeed(rows: number): SeedStatement[] {
  const clientes = CLIENTES.map((name, i) => `WHEN ${i} THEN ${quote(name)}`).join(' ');
  return [
    {
      sql: `INSERT INTO VENTAS_CABECERA (ID_VENTA, NUMERO_FACTURA, CLIENTE, FECHA_VENTA, FECHA_ENTREGA, MONTO, IMPUESTO, ESTADO, OBSERVACIONES, ACTUALIZADO_EN)
SELECT g, 'F-' || LPAD(TO_CHAR(g), 9, '0'),
       CASE MOD(g, 10) ${clientes} END || ' #' || TO_CHAR(g),
       f,
       CASE WHEN MOD(g, 7) = 0 THEN NULL ELSE TRUNC(f) + MOD(g, 15) END,
       m, m * 0.21,
       SUBSTR('APC', MOD(g, 3) + 1, 1),
       CASE WHEN MOD(g, 11) = 0 THEN NULL WHEN MOD(g, 5) = 0 THEN 'Entrega en almacén nº ' || TO_CHAR(g) END,
       FROM_TZ(CAST(f AS TIMESTAMP(6)), 'America/Bogota') + NUMTODSINTERVAL(MOD(g * 7919, 1000000) / 1000000, 'SECOND')
  FROM (SELECT LEVEL AS g,
               DATE '2025-01-01' + NUMTODSINTERVAL(LEVEL, 'MINUTE') AS f,
               CASE WHEN MOD(LEVEL, 97) = 0 THEN -1 ELSE 1 END * MOD(LEVEL * 7919, 100000000) / 100 AS m
          FROM DUAL CONNECT BY LEVEL <= :sales)`,
      // ROWS is an Oracle reserved word, so it cannot name a bind variable (ORA-01745).
      binds: { sales: rows },
    },
    {
      sql: `INSERT INTO VENTAS_DETALLE (ID_VENTA, LINEA, PRODUCTO, CANTIDAD, PRECIO_UNITARIO, DESCUENTO, FECHA_MODIFICACION)
SELECT c.ID_VENTA, l.LINEA,
       'Producto ' || TO_CHAR(MOD(c.ID_VENTA * l.LINEA, 500)) || CASE WHEN l.LINEA = 2 THEN ' — café' END,
       MOD(c.ID_VENTA * 31 + l.LINEA, 100000) / 1000,
       MOD(c.ID_VENTA * 7 + l.LINEA * 13, 100000000) / 1000000 + 1,
       CASE WHEN MOD(c.ID_VENTA, 4) = 0 THEN NULL ELSE MOD(c.ID_VENTA + l.LINEA, 5000) / 10000 END,
       CAST(c.FECHA_VENTA AS TIMESTAMP(6)) + NUMTODSINTERVAL(l.LINEA, 'SECOND')
         + NUMTODSINTERVAL(MOD(c.ID_VENTA * l.LINEA * 7919, 1000000) / 1000000, 'SECOND')
  FROM VENTAS_CABECERA c CROSS JOIN (SELECT LEVEL AS LINEA FROM DUAL CONNECT BY LEVEL <= 2) l`,
    },
  ];
}

const MINUTE_MS = 60_000;
const BASE_MS = Date.UTC(2025, 0, 1);

/** `YYYY-MM-DDTHH:MM:SS.ffffff` of a UTC millisecond count (whole seconds here) plus microseconds. */
export function datetimeText(ms: number, micros = 0): string {
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}`;
}

/** An unscaled integer as decimal text at `scale` (`-5`, 2 → `-0.05`). */
export function scaledText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const body = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return `${negative ? '-' : ''}${body}`;
}

/** FECHA_VENTA of sale g as epoch milliseconds (2025-01-01 00:00 + g minutes). */
export function saleMs(g: number): number {
  return BASE_MS + g * MINUTE_MS;
}

/** MONTO of sale g in cents. */
export function saleCents(g: number): bigint {
  return BigInt((g % 97 === 0 ? -1 : 1) * ((g * 7919) % 100_000_000));
}

/** VENTAS_CABECERA row g as the warehouse must hold it. */
export function expectedSale(g: number): Record<string, Canonical> {
  const ms = saleMs(g);
  const day = ms - (ms % 86_400_000);
  const cents = saleCents(g);
  return {
    ID_VENTA: String(g),
    NUMERO_FACTURA: `F-${String(g).padStart(9, '0')}`,
    CLIENTE: `${CLIENTES[g % 10]} #${g}`,
    FECHA_VENTA: datetimeText(ms),
    FECHA_ENTREGA: g % 7 === 0 ? null : datetimeText(day + (g % 15) * 86_400_000),
    MONTO: scaledText(cents, 2),
    IMPUESTO: scaledText(cents * 21n, 4),
    ESTADO: 'APC'.charAt(g % 3),
    OBSERVACIONES: g % 11 === 0 ? null : g % 5 === 0 ? `Entrega en almacén nº ${g}` : null,
    // America/Bogota is UTC−5: the UTC instant is five hours later.
    ACTUALIZADO_EN: `${datetimeText(ms + 5 * 3_600_000, (g * 7919) % 1_000_000)}Z`,
  };
}

/** VENTAS_DETALLE line l (1 or 2) of sale g as the warehouse must hold it. */
export function expectedLine(g: number, l: number): Record<string, Canonical> {
  return {
    ID_VENTA: String(g),
    LINEA: String(l),
    PRODUCTO: `Producto ${(g * l) % 500}${l === 2 ? ' — café' : ''}`,
    CANTIDAD: scaledText(BigInt((g * 31 + l) % 100_000), 3),
    PRECIO_UNITARIO: scaledText(BigInt(((g * 7 + l * 13) % 100_000_000) + 1_000_000), 6),
    DESCUENTO: g % 4 === 0 ? null : scaledText(BigInt((g + l) % 5000), 4),
    FECHA_MODIFICACION: datetimeText(saleMs(g) + l * 1000, (g * l * 7919) % 1_000_000),
  };
}
