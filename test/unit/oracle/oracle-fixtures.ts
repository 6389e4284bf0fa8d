/** Shared recordings for the Oracle source tests: a config, VENTAS.VENTAS_CABECERA's catalog rows, a logger that keeps records. */
import { Writable } from 'node:stream';
import type { OracleConnection } from '../../../shared/config/source-schema.js';
import { createLogger, silentLogger, type Logger } from '../../../shared/log.js';
import type { CanonicalType, Column, TableModel } from '../../../shared/model/column.js';
import { connectOracle, type OracleSource } from '../../../shared/sources/oracle/oracle-source.js';
import { COLUMNS_SQL, PRIMARY_KEY_SQL } from '../../../shared/sources/oracle/oracle-sql.js';
import { FakeOracleDriver, type FakeColumn } from './fake-oracledb.js';

export const PASSWORD = 's3cret-pw';

export const CONFIG: OracleConnection = {
  host: 'db.example', port: 1521, service_name: 'ERP_PROD', user: 'etl', password: PASSWORD,
  fetch_array_size: 1000, prefetch_rows: 500, call_timeout_ms: 60_000,
};

/** ALL_TAB_COLUMNS' select list as the driver describes it. */
export const CATALOG_COLUMNS: FakeColumn[] = [
  { name: 'COLUMN_NAME', dbTypeName: 'VARCHAR2' }, { name: 'DATA_TYPE', dbTypeName: 'VARCHAR2' },
  { name: 'DATA_LENGTH', dbTypeName: 'NUMBER' }, { name: 'DATA_PRECISION', dbTypeName: 'NUMBER' },
  { name: 'DATA_SCALE', dbTypeName: 'NUMBER' }, { name: 'CHAR_LENGTH', dbTypeName: 'NUMBER' },
  { name: 'CHAR_USED', dbTypeName: 'VARCHAR2' }, { name: 'NULLABLE', dbTypeName: 'VARCHAR2' },
];

/** VENTAS.VENTAS_CABECERA in ALL_TAB_COLUMNS, NUMBER columns as the wire's text. */
export const CATALOG_ROWS: unknown[][] = [
  ['ID_VENTA', 'NUMBER', '22', '12', '0', '0', null, 'N'],
  ['FECHA_VENTA', 'DATE', '7', null, null, '0', null, 'Y'],
  ['CLIENTE', 'VARCHAR2', '400', null, null, '100', 'C', 'Y'],
  ['MONTO', 'NUMBER', '22', null, null, '0', null, 'Y'],
  ['TOTAL', 'NUMBER', '22', '18', '2', '0', null, 'Y'],
];

/** A driver scripted with the catalog of VENTAS.VENTAS_CABECERA. */
export function catalogDriver(): FakeOracleDriver {
  return new FakeOracleDriver()
    .on((sql) => sql === COLUMNS_SQL, { columns: CATALOG_COLUMNS, rows: CATALOG_ROWS })
    .on((sql) => sql === PRIMARY_KEY_SQL, { columns: [{ name: 'COLUMN_NAME', dbTypeName: 'VARCHAR2' }], rows: [['ID_VENTA']] });
}

/** Retries without waiting: no sleep, and full jitter's random draw pinned to 0. */
export const RETRY_AT_ONCE = { sleep: async () => undefined, random: () => 0 };

/** Connects the source to a fake driver, retrying at once. */
export function connectFake(driver: FakeOracleDriver, options: { schema?: string; log?: Logger; config?: OracleConnection } = {}): Promise<OracleSource> {
  return connectOracle(options.config ?? CONFIG, 'schema' in options ? options.schema : 'VENTAS', options.log ?? silentLogger, { driver, retry: RETRY_AT_ONCE });
}

/** A column as a committed .avsc describes it. */
export const col = (sourceName: string, sourceType: string, type: CanonicalType, nullable = true): Column =>
  ({ name: sourceName.toLowerCase(), sourceName, sourceType, type, nullable });

/** The table as `generate schema` committed it (MONTO profiled to decimal(12,2)). */
export const MODEL: TableModel = {
  sourceSchema: 'VENTAS', sourceName: 'VENTAS_CABECERA', name: 'ventas_cabecera', primaryKeys: ['id_venta'],
  columns: [
    col('ID_VENTA', 'NUMBER(12)', { kind: 'int64' }, false),
    col('FECHA_VENTA', 'DATE', { kind: 'datetime' }),
    col('CLIENTE', 'VARCHAR2(100 CHAR)', { kind: 'string' }),
    col('MONTO', 'NUMBER', { kind: 'decimal', precision: 12, scale: 2 }),
  ],
};

/** MODEL's select list as the driver describes it (DATE rendered by TO_CHAR). */
export const MODEL_COLUMNS: FakeColumn[] = [
  { name: 'ID_VENTA', dbTypeName: 'NUMBER' }, { name: 'FECHA_VENTA', dbTypeName: 'VARCHAR2' },
  { name: 'CLIENTE', dbTypeName: 'VARCHAR2' }, { name: 'MONTO', dbTypeName: 'NUMBER' },
];

/** MODEL's SELECT without a filter. */
export const MODEL_SELECT = 'SELECT t."ID_VENTA", TO_CHAR(t."FECHA_VENTA", \'SYYYY-MM-DD"T"HH24:MI:SS\') AS "FECHA_VENTA", t."CLIENTE", t."MONTO" FROM "VENTAS"."VENTAS_CABECERA" t';

/** A pino logger at debug level whose JSON records land in `records`. */
export function capturingLogger(): { log: Logger; records: Record<string, unknown>[]; text: () => string } {
  const records: Record<string, unknown>[] = [];
  let raw = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw += chunk.toString();
      for (const line of chunk.toString().trim().split('\n')) if (line) records.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ destination: stream, pretty: false, level: 'debug' }), records, text: () => raw };
}
