/**
 * What Azure Databricks can do as DataPipe's `azure` warehouse (../capabilities.ts): its SQL
 * warehouse reads the staged AVRO straight from ADLS Gen2 (`read_files` over `abfss://`) with the
 * standard logical types and the null, deflate and snappy codecs
 * (https://learn.microsoft.com/azure/databricks/query/formats/avro); DECIMAL holds 38 digits; there
 * is no multi-statement transaction without preview features, so the protocol's statements each
 * commit alone, in order (docs/run-protocol.md). No HTTP client is loaded here.
 */
import type { WarehouseCapabilities } from '../capabilities.js';
import { DATABRICKS_DIALECT } from './databricks-dialect.js';
import { DATABRICKS_VERIFY } from './databricks-verify.js';
import { databricksDdlFile } from './databricks-ddl.js';
import { DATABRICKS_MAX_DECIMAL_PRECISION } from './databricks-types.js';

export const DATABRICKS_CAPABILITIES: WarehouseCapabilities = {
  name: 'Databricks',
  dialect: DATABRICKS_DIALECT,
  verify: DATABRICKS_VERIFY,
  reads: { from: 'uri', schemes: ['abfss'] },
  codecs: ['null', 'deflate', 'snappy'],
  encoding: 'standard',
  maxDecimalPrecision: DATABRICKS_MAX_DECIMAL_PRECISION,
  transactions: false,
  schemaFiles: (model, _spec, destination) => [{ extension: 'sql', text: databricksDdlFile(model, destination) }],
};
