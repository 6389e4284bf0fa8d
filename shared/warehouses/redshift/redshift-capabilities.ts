/**
 * What Redshift can do as DataPipe's `aws` warehouse (../capabilities.ts). Loads are COPY
 * statements reading `s3://` objects; `FORMAT AS AVRO` reads the null, deflate and snappy codecs
 * and ignores AVRO logical types, hence the `redshift-text` encoding (docs/encodings.md;
 * https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-format.html#copy-avro).
 * A Data API batch runs as one transaction
 * (https://docs.aws.amazon.com/redshift-data/latest/APIReference/API_BatchExecuteStatement.html).
 * No SDK is loaded here.
 */
import type { WarehouseCapabilities } from '../capabilities.js';
import { redshiftDdlFile } from './redshift-ddl.js';
import { REDSHIFT_DIALECT } from './redshift-dialect.js';
import { REDSHIFT_VERIFY } from './redshift-verify.js';
import { REDSHIFT_MAX_DECIMAL_PRECISION } from './redshift-types.js';

export const REDSHIFT_CAPABILITIES: WarehouseCapabilities = {
  name: 'Redshift',
  dialect: REDSHIFT_DIALECT,
  verify: REDSHIFT_VERIFY,
  reads: { from: 'uri', schemes: ['s3'] },
  codecs: ['null', 'deflate', 'snappy'],
  encoding: 'redshift-text',
  // Wider decimals keep their exact text in a VARCHAR (redshift-types.ts).
  maxDecimalPrecision: REDSHIFT_MAX_DECIMAL_PRECISION,
  transactions: true,
  schemaFiles: (model, spec, destination) => [{ extension: 'sql', text: redshiftDdlFile(model, spec, destination) }],
};
