/**
 * What BigQuery can do as DataPipe's `gcp` warehouse (../capabilities.ts). Loads are load jobs
 * reading `gs://` URIs; AVRO with logical types (useAvroLogicalTypes), deflate and snappy blocks
 * (https://cloud.google.com/bigquery/docs/loading-data-cloud-storage-avro); multi-statement
 * transactions (https://cloud.google.com/bigquery/docs/transactions). No SDK is loaded here.
 */
import type { WarehouseCapabilities } from '../capabilities.js';
import { BIGQUERY_DIALECT } from './bigquery-dialect.js';
import { BIGQUERY_VERIFY } from './bigquery-verify.js';
import { bigQueryDdlFile } from './bigquery-ddl.js';
import { bigQuerySchema } from './bigquery-schema.js';

export const BIGQUERY_CAPABILITIES: WarehouseCapabilities = {
  name: 'BigQuery',
  dialect: BIGQUERY_DIALECT,
  verify: BIGQUERY_VERIFY,
  reads: { from: 'uri', schemes: ['gs'] },
  codecs: ['null', 'deflate', 'snappy'],
  encoding: 'standard',
  // BIGNUMERIC holds 76 digits (38 after the point); wider decimals load as STRING (bigquery-schema.ts).
  maxDecimalPrecision: 76,
  transactions: true,
  schemaFiles: (model, spec, destination) => [
    { extension: 'json', text: `${JSON.stringify(bigQuerySchema(model), null, 2)}\n` },
    { extension: 'sql', text: bigQueryDdlFile(model, spec, destination) },
  ],
};
