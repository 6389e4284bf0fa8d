/** The Oracle source's SQL, held exactly: quoted identifiers, bound values, window, chunks, snapshot. */
import { describe, expect, it } from 'vitest';
import { TerminalError } from '../../../shared/errors.js';
import type { CanonicalType, Column, TableModel } from '../../../shared/model/column.js';
import { quoteIdent } from '../../../shared/sources/oracle/oracle-identifier.js';
import {
  CLOCK_SQL, COLUMNS_SQL, countNullsSql, CURRENT_SCN_SQL, DATABASE_SCN_SQL, hashChunkPredicate, PRIMARY_KEY_SQL, profileSql,
  selectSql, windowHighSql, windowPredicate,
} from '../../../shared/sources/oracle/oracle-sql.js';

const col = (sourceName: string, sourceType: string, type: CanonicalType): Column =>
  ({ name: sourceName.toLowerCase(), sourceName, sourceType, type, nullable: true });

const MODEL: TableModel = {
  sourceSchema: 'VENTAS', sourceName: 'VENTAS_CABECERA', name: 'ventas_cabecera', primaryKeys: ['id_venta'],
  columns: [
    col('ID_VENTA', 'NUMBER(12)', { kind: 'int64' }),
    col('FECHA_VENTA', 'DATE', { kind: 'datetime' }),
    col('MODIFICADO', 'TIMESTAMP(6)', { kind: 'datetime' }),
    col('CREADO_UTC', 'TIMESTAMP(6) WITH TIME ZONE', { kind: 'timestamp' }),
    col('MONTO', 'NUMBER(18,2)', { kind: 'decimal', precision: 18, scale: 2 }),
  ],
};
const TABLE = '"VENTAS"."VENTAS_CABECERA"';
const LIST = 't."ID_VENTA", TO_CHAR(t."FECHA_VENTA", \'SYYYY-MM-DD"T"HH24:MI:SS\') AS "FECHA_VENTA", '
  + 'TO_CHAR(t."MODIFICADO", \'SYYYY-MM-DD"T"HH24:MI:SS.FF9\') AS "MODIFICADO", '
  + 'TO_CHAR(SYS_EXTRACT_UTC(t."CREADO_UTC"), \'SYYYY-MM-DD"T"HH24:MI:SS.FF9\') AS "CREADO_UTC", t."MONTO"';

describe('identifiers', () => {
  it('quotes names exactly and refuses what could close the quote', () => {
    expect(quoteIdent('Monto$#')).toBe('"Monto$#"');
    expect(() => quoteIdent('A"; DROP TABLE X --')).toThrow(new TerminalError('"A\\"; DROP TABLE X --" is not a valid Oracle identifier — names must be 1 to 128 bytes without double quotes'));
    expect(() => quoteIdent('')).toThrow(TerminalError);
    expect(() => quoteIdent('x'.repeat(129))).toThrow(TerminalError);
  });
});

describe('catalog queries', () => {
  it('reads ALL_TAB_COLUMNS in COLUMN_ID order and the primary key in position order, all bound', () => {
    expect(COLUMNS_SQL).toBe('SELECT COLUMN_NAME, DATA_TYPE, DATA_LENGTH, DATA_PRECISION, DATA_SCALE, CHAR_LENGTH, CHAR_USED, NULLABLE FROM ALL_TAB_COLUMNS WHERE OWNER = :owner AND TABLE_NAME = :table_name ORDER BY COLUMN_ID');
    expect(PRIMARY_KEY_SQL).toBe("SELECT cc.COLUMN_NAME FROM ALL_CONSTRAINTS c JOIN ALL_CONS_COLUMNS cc ON cc.OWNER = c.OWNER AND cc.CONSTRAINT_NAME = c.CONSTRAINT_NAME AND cc.TABLE_NAME = c.TABLE_NAME WHERE c.OWNER = :owner AND c.TABLE_NAME = :table_name AND c.CONSTRAINT_TYPE = 'P' ORDER BY cc.POSITION");
  });

  it('reads the clock and the SCN as exact text', () => {
    expect(CLOCK_SQL).toBe(`SELECT TO_CHAR(SYSDATE, 'YYYY-MM-DD"T"HH24:MI:SS') AS SYS_DATE, TO_CHAR(CAST(SYSTIMESTAMP AS TIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS.FF6') AS SYS_TIMESTAMP, TO_CHAR(SYS_EXTRACT_UTC(SYSTIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS.FF6') || 'Z' AS UTC_TIMESTAMP FROM DUAL`);
    expect(CURRENT_SCN_SQL).toBe('SELECT TO_CHAR(DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER) AS CURRENT_SCN FROM DUAL');
    expect(DATABASE_SCN_SQL).toBe('SELECT TO_CHAR(CURRENT_SCN) AS CURRENT_SCN FROM V$DATABASE');
  });
});

describe('selectSql', () => {
  it('reads every column with its expression and no filter for a full read', () => {
    expect(selectSql({ model: MODEL, batchSize: 1000 })).toEqual({ sql: `SELECT ${LIST} FROM ${TABLE} t`, binds: {} });
  });

  it('binds a DATE window as DATE (fraction dropped) and includes NULLs on request', () => {
    const window = { column: 'fecha_venta', low: '2024-01-01T00:00:00.500000', high: '2024-01-31T10:11:12.999999', includeNulls: true };
    expect(selectSql({ model: MODEL, batchSize: 1000, window }, { scn: '123456789012' })).toEqual({
      sql: `SELECT ${LIST} FROM ${TABLE} AS OF SCN TO_NUMBER(:scn) t WHERE (t."FECHA_VENTA" >= TO_DATE(:low, 'YYYY-MM-DD"T"HH24:MI:SS') AND t."FECHA_VENTA" <= TO_DATE(:high, 'YYYY-MM-DD"T"HH24:MI:SS') OR t."FECHA_VENTA" IS NULL)`,
      binds: { low: '2024-01-01T00:00:00', high: '2024-01-31T10:11:12', scn: '123456789012' },
    });
  });

  it('binds TIMESTAMP, TIMESTAMP WITH TIME ZONE and integer bounds in their own types', () => {
    expect(windowPredicate(MODEL, { column: 'MODIFICADO', low: '2024-01-01T00:00:00', high: null, includeNulls: false })).toEqual({
      sql: `t."MODIFICADO" >= TO_TIMESTAMP(:low, 'YYYY-MM-DD"T"HH24:MI:SS.FF6')`, binds: { low: '2024-01-01T00:00:00.000000' },
    });
    expect(windowPredicate(MODEL, { column: 'creado_utc', low: null, high: '2024-01-31T10:11:12.5+02:00', includeNulls: false })).toEqual({
      sql: `t."CREADO_UTC" <= FROM_TZ(TO_TIMESTAMP(:high, 'YYYY-MM-DD"T"HH24:MI:SS.FF6'), '+00:00')`, binds: { high: '2024-01-31T08:11:12.500000' },
    });
    expect(windowPredicate(MODEL, { column: 'id_venta', low: '10', high: '20', includeNulls: false })).toEqual({
      sql: 't."ID_VENTA" >= TO_NUMBER(:low) AND t."ID_VENTA" <= TO_NUMBER(:high)', binds: { low: '10', high: '20' },
    });
    expect(() => windowPredicate(MODEL, { column: 'MONTO', low: '1', high: null, includeNulls: false })).toThrow(
      new TerminalError('MONTO is decimal; a window needs an integer, datetime or timestamp column'));
  });

  it('chunks by a half-open ROWID range when given one (open at the ends), else by ORA_HASH of the ROWID at the SCN', () => {
    const chunk = { index: 2, count: 4 };
    expect(selectSql({ model: MODEL, batchSize: 1, chunk }, { scn: '42', rowidRange: { low: 'AAAR1AAAEAAAACXAAA', high: 'AAAR1AAAEAAAACfAAA' } })).toEqual({
      sql: `SELECT ${LIST} FROM ${TABLE} AS OF SCN TO_NUMBER(:scn) t WHERE t.ROWID >= CHARTOROWID(:rowid_low) AND t.ROWID < CHARTOROWID(:rowid_high)`,
      binds: { rowid_low: 'AAAR1AAAEAAAACXAAA', rowid_high: 'AAAR1AAAEAAAACfAAA', scn: '42' },
    });
    expect(selectSql({ model: MODEL, batchSize: 1, chunk: { index: 0, count: 4 } }, { rowidRange: { low: null, high: 'AAAR1AAAEAAAACXAAA' } }).sql)
      .toBe(`SELECT ${LIST} FROM ${TABLE} t WHERE t.ROWID < CHARTOROWID(:rowid_high)`);
    expect(selectSql({ model: MODEL, batchSize: 1, chunk: { index: 3, count: 4 } }, { rowidRange: { low: 'AAAR1AAAEAAAACfAAA', high: null } }).sql)
      .toBe(`SELECT ${LIST} FROM ${TABLE} t WHERE t.ROWID >= CHARTOROWID(:rowid_low)`);
    expect(() => selectSql({ model: MODEL, batchSize: 1, chunk }, { rowidRange: { low: "A' OR 1=1 --", high: null } }))
      .toThrow(new TerminalError('"A\' OR 1=1 --" is not a ROWID — start a new run (a new --run-id) so the chunk boundaries are read again'));
    // The primary key is not hashed: a configured key may be nullable (ORA_HASH(NULL) is NULL — no
    // chunk would read the row) or a LOB; the ROWID read AS OF one SCN is neither.
    expect(selectSql({ model: MODEL, batchSize: 1, chunk }, { scn: '42' })).toEqual({
      sql: `SELECT ${LIST} FROM ${TABLE} AS OF SCN TO_NUMBER(:scn) t WHERE ORA_HASH(t.ROWID, :chunk_max) = :chunk_index`,
      binds: { chunk_max: 3, chunk_index: 2, scn: '42' },
    });
  });

  it('refuses ORA_HASH chunks without the run’s SCN rather than bucket data that changes between chunks', () => {
    expect(() => selectSql({ model: MODEL, batchSize: 1, chunk: { index: 2, count: 4 } })).toThrow(new TerminalError(
      '--chunk 3/4: VENTAS_CABECERA has no snapshot SCN for its chunks to share — start a new run (a new --run-id) with --chunk on every chunk'));
    // One chunk is the whole table: one query, read-consistent on its own.
    expect(selectSql({ model: MODEL, batchSize: 1, chunk: { index: 0, count: 1 } }).sql).toBe(`SELECT ${LIST} FROM ${TABLE} t`);
  });

  it('hashes a named key (an index-organized table’s, a view’s) joined by CHR(31) with NULL in bucket 0, and refuses LOB keys, bad chunks and SCNs', () => {
    expect(hashChunkPredicate(MODEL, { index: 1, count: 2 })).toEqual({ sql: 'ORA_HASH(t.ROWID, :chunk_max) = :chunk_index', binds: { chunk_max: 1, chunk_index: 1 } });
    expect(hashChunkPredicate(MODEL, { index: 0, count: 2 }, ['ID_VENTA', 'FECHA_VENTA']).sql)
      .toBe('NVL(ORA_HASH(t."ID_VENTA" || CHR(31) || t."FECHA_VENTA", :chunk_max), 0) = :chunk_index');
    expect(selectSql({ model: MODEL, batchSize: 1, chunk: { index: 1, count: 2 } }, { scn: '7', hashKey: ['ID_VENTA'] })).toEqual({
      sql: `SELECT ${LIST} FROM ${TABLE} AS OF SCN TO_NUMBER(:scn) t WHERE NVL(ORA_HASH(t."ID_VENTA", :chunk_max), 0) = :chunk_index`,
      binds: { chunk_max: 1, chunk_index: 1, scn: '7' },
    });
    const withLob = { ...MODEL, columns: [...MODEL.columns, col('NOTAS', 'CLOB', { kind: 'string' })] };
    expect(() => hashChunkPredicate(withLob, { index: 0, count: 2 }, ['NOTAS'])).toThrow(new TerminalError(
      'VENTAS_CABECERA.NOTAS is CLOB, which ORA_HASH cannot hash to split --chunk buckets — set primary_keys to columns of other types, or run the table without --chunk'));
    expect(() => hashChunkPredicate(MODEL, { index: 0, count: 2 }, ['A"B'])).toThrow(TerminalError);
    expect(() => hashChunkPredicate(MODEL, { index: 4, count: 4 })).toThrow(new TerminalError('--chunk 5/4 is not a chunk — use i/n with 1 ≤ i ≤ n'));
    expect(() => selectSql({ model: MODEL, batchSize: 1 }, { scn: '1 OR 1=1' })).toThrow(new TerminalError('SCN "1 OR 1=1" is not a system change number'));
  });
});

describe('window high, null count and profile', () => {
  it('reads the clock matching the column, or MAX for integers', () => {
    const [id, fecha, modificado, creado] = MODEL.columns as [Column, Column, Column, Column];
    expect(windowHighSql(MODEL, fecha)).toBe(`SELECT TO_CHAR(SYSDATE, 'YYYY-MM-DD"T"HH24:MI:SS') AS HIGH FROM DUAL`);
    expect(windowHighSql(MODEL, modificado)).toBe(`SELECT TO_CHAR(CAST(SYSTIMESTAMP AS TIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS.FF6') AS HIGH FROM DUAL`);
    expect(windowHighSql(MODEL, creado)).toBe(`SELECT TO_CHAR(SYS_EXTRACT_UTC(SYSTIMESTAMP), 'YYYY-MM-DD"T"HH24:MI:SS.FF6') || 'Z' AS HIGH FROM DUAL`);
    expect(windowHighSql(MODEL, id)).toBe(`SELECT TO_CHAR(MAX("ID_VENTA")) AS HIGH FROM ${TABLE}`);
    expect(countNullsSql(MODEL, fecha)).toBe(`SELECT COUNT(*) AS NULL_ROWS FROM ${TABLE} WHERE "FECHA_VENTA" IS NULL`);
  });

  it('profiles integer digits, scale and infinities from TM9 text, sampling with FETCH FIRST', () => {
    const v = 'V0';
    const wide = `INSTR(${v}, 'E') > 0 OR INSTR(${v}, '~') > 0`;
    expect(profileSql(MODEL, ['MONTO'], 5000)).toEqual({
      sql: 'SELECT COUNT(*) AS PROFILED_ROWS, COUNT(V0) AS P0_VALUES, '
        + "SUM(CASE WHEN INSTR(V0, '~') > 0 THEN 1 ELSE 0 END) AS P0_SPECIAL, "
        + `MAX(CASE WHEN ${wide} THEN 127 WHEN INSTR(V0, '.') = 0 THEN LENGTH(V0) ELSE INSTR(V0, '.') - 1 END) AS P0_INT_DIGITS, `
        + `MAX(CASE WHEN ${wide} THEN 127 WHEN INSTR(V0, '.') = 0 THEN 0 ELSE LENGTH(V0) - INSTR(V0, '.') END) AS P0_SCALE `
        + `FROM (SELECT TO_CHAR(ABS("MONTO"), 'TM9', 'NLS_NUMERIC_CHARACTERS=''.,''') AS V0 FROM ${TABLE} FETCH FIRST :sample_rows ROWS ONLY)`,
      binds: { sample_rows: 5000 },
    });
    expect(profileSql(MODEL, ['MONTO', 'ID_VENTA'], 0).binds).toEqual({});
    expect(profileSql(MODEL, ['MONTO', 'ID_VENTA'], 0).sql).toContain(`AS V1 FROM ${TABLE})`);
  });
});
