/**
 * What the `local` warehouse (an embedded DuckDB file) can do (../capabilities.ts). No native
 * module is loaded here: the CLI reads this to write `schemas/<table>.sql`.
 */
import type { WarehouseCapabilities } from '../capabilities.js';
import { DUCKDB_DIALECT } from './duckdb-dialect.js';
import { DUCKDB_VERIFY } from './duckdb-verify.js';
import { createTableSql } from './duckdb-sql.js';
import { DUCKDB_MAX_DECIMAL_PRECISION } from './duckdb-types.js';

export const DUCKDB_CAPABILITIES: WarehouseCapabilities = {
  name: 'DuckDB',
  dialect: DUCKDB_DIALECT,
  verify: DUCKDB_VERIFY,
  // Parts are read by DataPipe's own AVRO reader and appended through the client.
  reads: { from: 'stream' },
  codecs: ['null', 'deflate', 'snappy'],
  encoding: 'standard',
  maxDecimalPrecision: DUCKDB_MAX_DECIMAL_PRECISION,
  transactions: true,
  schemaFiles: (model) => [{ extension: 'sql', text: `${createTableSql(model)};\n` }],
};
