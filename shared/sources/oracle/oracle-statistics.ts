/**
 * What `datapipe run` and `datapipe status` ask Oracle beyond the rows (docs/style.md §6): the
 * optimizer statistics' row count for the live line's percentage, and the newest value of the
 * partition column for the lag. `ALL_TABLES.NUM_ROWS` is NULL until statistics are gathered
 * (DBMS_STATS.GATHER_TABLE_STATS, or the automatic maintenance task) — then no estimate is shown.
 */
import { TerminalError } from '../../errors.js';
import type { Column, TableModel } from '../../model/column.js';
import { oracleFamily } from '../../model/oracle-types.js';
import { qualifiedName, quoteIdent } from './oracle-identifier.js';
import { BOUND_DATE_FORMAT, BOUND_TIMESTAMP_FORMAT } from './oracle-sql.js';

/** The table's row count as of its last statistics gathering (binds :owner, :table_name). */
export const NUM_ROWS_SQL = 'SELECT TO_CHAR(NUM_ROWS) AS NUM_ROWS FROM ALL_TABLES WHERE OWNER = :owner AND TABLE_NAME = :table_name';

/** `MAX(column)` as canonical watermark text (NEWEST), NULL for an empty table. */
export function newestValueSql(model: TableModel, column: Column): string {
  const max = `MAX(${quoteIdent(column.sourceName)})`;
  const from = ` AS NEWEST FROM ${qualifiedName(model.sourceSchema, model.sourceName)}`;
  switch (column.type.kind) {
    case 'int64': return `SELECT TO_CHAR(${max})${from}`;
    case 'datetime': {
      const format = oracleFamily(column.sourceType) === 'date' ? BOUND_DATE_FORMAT : BOUND_TIMESTAMP_FORMAT;
      return `SELECT TO_CHAR(${max}, '${format}')${from}`;
    }
    case 'timestamp': return `SELECT TO_CHAR(SYS_EXTRACT_UTC(${max}), '${BOUND_TIMESTAMP_FORMAT}') || 'Z'${from}`;
    default:
      throw new TerminalError(`${model.sourceName}.${column.sourceName} is ${column.type.kind}; a watermark is an integer, datetime or timestamp column`);
  }
}
