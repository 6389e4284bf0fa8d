/**
 * What VENTAS_CABECERA and VENTAS_DETALLE hold, row by row, as the Oracle suite changes them:
 * the seeded rows (expectedSale / expectedLine) and each change written twice, once as the SQL
 * the owner runs and once as its effect on the expected rows.
 */
import type { Canonical, SampleTable, SeedStatement } from '../../../services/cli/commands/dev-oracle-sample.js';
import {
  expectedLine, expectedSale, saleCents, scaledText, VENTAS_CABECERA, VENTAS_DETALLE,
} from '../../../services/cli/commands/dev-oracle-sales.js';

type Row = Record<string, Canonical>;

/** `YYYY-MM-DDTHH:MM:SS.ffffff` moved by `ms` milliseconds (the microseconds kept). */
export function shiftDatetime(text: string, ms: number): string {
  const moved = Date.parse(`${text.slice(0, 19)}Z`) + ms;
  return `${new Date(moved).toISOString().slice(0, 19)}${text.slice(19)}`;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
const DATE_BIND = `'YYYY-MM-DD"T"HH24:MI:SS'`;
const TIMESTAMP_BIND = `'YYYY-MM-DD"T"HH24:MI:SS.FF6'`;

export class SalesState {
  private readonly cabecera = new Map<number, Row>();
  private readonly detalle = new Map<string, Row>();

  constructor(readonly sales: number) {
    for (let g = 1; g <= sales; g++) {
      this.cabecera.set(g, expectedSale(g));
      this.detalle.set(`${g}/1`, expectedLine(g, 1));
      this.detalle.set(`${g}/2`, expectedLine(g, 2));
    }
  }

  /** Rows of a table in primary-key order. */
  rows(table: SampleTable): Row[] {
    const rows = table === VENTAS_CABECERA ? [...this.cabecera.values()] : [...this.detalle.values()];
    const key = (row: Row) => table.primaryKey.map((k) => Number(row[k]));
    return rows.sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      return (x[0]! - y[0]!) || ((x[1] ?? 0) - (y[1] ?? 0));
    });
  }

  /** The largest value of a datetime column (canonical text sorts chronologically). */
  max(table: SampleTable, column: string): string {
    return this.rows(table).map((r) => String(r[column])).sort().at(-1)!;
  }

  /** Rows whose datetime `column` is at or after `low`: what an incremental window reads. */
  countFrom(table: SampleTable, column: string, low: string): number {
    return this.rows(table).filter((r) => String(r[column]) >= low).length;
  }

  /**
   * The changes between the initial load and the first incremental run, stamped around the
   * watermarks W (cabecera) and Wd (detalle): two sales updated an hour past W, one corrected
   * late (12 hours before W, inside the 1-day lookback), ten new sales from W on (the first exactly
   * at W), a line each for them, and one line updated an hour past Wd.
   */
  lateChanges(): SeedStatement[] {
    const w = this.max(VENTAS_CABECERA, 'FECHA_VENTA');
    const wd = this.max(VENTAS_DETALLE, 'FECHA_MODIFICACION');
    const base = this.sales;
    for (const g of [100, 200]) {
      Object.assign(this.cabecera.get(g)!, { MONTO: scaledText(saleCents(g) + 1n, 2), ESTADO: 'C', FECHA_VENTA: shiftDatetime(w, HOUR_MS) });
    }
    Object.assign(this.cabecera.get(300)!, { OBSERVACIONES: 'corregida tarde — revisión', FECHA_VENTA: shiftDatetime(w, -12 * HOUR_MS) });
    for (let k = 1; k <= 10; k++) {
      const fecha = shiftDatetime(w, (k - 1) * 60_000);
      this.cabecera.set(base + k, {
        ID_VENTA: String(base + k), NUMERO_FACTURA: `F-N${k}`, CLIENTE: `Cliente nuevo ñ #${k}`, FECHA_VENTA: fecha, FECHA_ENTREGA: null,
        MONTO: '9999999999999999.99', IMPUESTO: '99999999999999.9999', ESTADO: 'A', OBSERVACIONES: null,
        ACTUALIZADO_EN: '2025-01-05T00:00:00.000001Z',
      });
      this.detalle.set(`${base + k}/1`, {
        ID_VENTA: String(base + k), LINEA: '1', PRODUCTO: 'Producto nuevo', CANTIDAD: '1.000', PRECIO_UNITARIO: '0.000001',
        DESCUENTO: null, FECHA_MODIFICACION: shiftDatetime(fecha, 1000),
      });
    }
    Object.assign(this.detalle.get('100/1')!, {
      CANTIDAD: scaledText(BigInt((100 * 31 + 1) % 100_000) + 1500n, 3), FECHA_MODIFICACION: shiftDatetime(wd, HOUR_MS),
    });
    const wBind = w.slice(0, 19);
    return [
      {
        sql: `UPDATE VENTAS_CABECERA SET MONTO = MONTO + 0.01, ESTADO = 'C', FECHA_VENTA = TO_DATE(:w, ${DATE_BIND}) + INTERVAL '1' HOUR WHERE ID_VENTA IN (100, 200)`,
        binds: { w: wBind },
      },
      {
        sql: `UPDATE VENTAS_CABECERA SET OBSERVACIONES = 'corregida tarde — revisión', FECHA_VENTA = TO_DATE(:w, ${DATE_BIND}) - INTERVAL '12' HOUR WHERE ID_VENTA = 300`,
        binds: { w: wBind },
      },
      {
        sql: `INSERT INTO VENTAS_CABECERA (ID_VENTA, NUMERO_FACTURA, CLIENTE, FECHA_VENTA, FECHA_ENTREGA, MONTO, IMPUESTO, ESTADO, OBSERVACIONES, ACTUALIZADO_EN)
SELECT :base + LEVEL, 'F-N' || TO_CHAR(LEVEL), 'Cliente nuevo ñ #' || TO_CHAR(LEVEL), TO_DATE(:w, ${DATE_BIND}) + NUMTODSINTERVAL(LEVEL - 1, 'MINUTE'),
       NULL, 9999999999999999.99, 99999999999999.9999, 'A', NULL, TIMESTAMP '2025-01-05 00:00:00.000001 +00:00'
  FROM DUAL CONNECT BY LEVEL <= 10`,
        binds: { base, w: wBind },
      },
      {
        sql: `INSERT INTO VENTAS_DETALLE (ID_VENTA, LINEA, PRODUCTO, CANTIDAD, PRECIO_UNITARIO, DESCUENTO, FECHA_MODIFICACION)
SELECT ID_VENTA, 1, 'Producto nuevo', 1, 0.000001, NULL, CAST(FECHA_VENTA AS TIMESTAMP(6)) + INTERVAL '1' SECOND FROM VENTAS_CABECERA WHERE ID_VENTA > :base`,
        binds: { base },
      },
      {
        sql: `UPDATE VENTAS_DETALLE SET CANTIDAD = CANTIDAD + 1.5, FECHA_MODIFICACION = TO_TIMESTAMP(:wd, ${TIMESTAMP_BIND}) + INTERVAL '1' HOUR WHERE ID_VENTA = 100 AND LINEA = 1`,
        binds: { wd },
      },
    ];
  }
}
