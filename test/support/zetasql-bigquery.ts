/**
 * How ZetaSQL (zetasql.ts) reads SQL as BigQuery does. ZetaSQL is BigQuery's front end, but which
 * of its language features BigQuery turns on is not published as a list, so this profile starts
 * from none and enables only what DataPipe's BigQuery SQL uses, each a feature BigQuery documents
 * (the link beside it). Anything else a statement needs is refused, so the profile is at least as
 * strict as BigQuery for the SQL DataPipe writes.
 */
import type { ZetaSqlLanguage } from './zetasql.js';

const SQL = 'https://cloud.google.com/bigquery/docs/reference/standard-sql';

/** Each enabled ZetaSQL LanguageFeature, and the BigQuery documentation of what it allows. */
export const BIGQUERY_FEATURES: Record<string, string> = {
  // ROW_NUMBER() OVER (PARTITION BY … ORDER BY …): the dedup.
  FEATURE_ANALYTIC_FUNCTIONS: `${SQL}/window-function-calls`,
  // QUALIFY ROW_NUMBER() … = 1: the dedup keeps one row per key.
  FEATURE_V_1_3_QUALIFY: `${SQL}/query-syntax#qualify_clause`,
  // NUMERIC and BIGNUMERIC columns: decimals (bigquery-schema.ts bigQueryType).
  FEATURE_NUMERIC_TYPE: `${SQL}/data-types#decimal_types`,
  FEATURE_BIGNUMERIC_TYPE: `${SQL}/data-types#decimal_types`,
  // DATETIME columns: datetime (and the DATETIME_TRUNC partitioning).
  FEATURE_V_1_2_CIVIL_TIME: `${SQL}/data-types#datetime_type`,
  // NUMERIC(P, S) / BIGNUMERIC(P, S) in the DDL: ZetaSQL then checks P and S against BigQuery's bounds.
  FEATURE_PARAMETERIZED_TYPES: `${SQL}/data-types#parameterized_data_types`,
  // CREATE TABLE … (c T NOT NULL), PARTITION BY, CLUSTER BY: the target DDL and _datapipe_loads.
  FEATURE_CREATE_TABLE_NOT_NULL: `${SQL}/data-definition-language#column_name_and_column_schema`,
  FEATURE_CREATE_TABLE_PARTITION_BY: `${SQL}/data-definition-language#partition_expression`,
  FEATURE_CREATE_TABLE_CLUSTER_BY: `${SQL}/data-definition-language#clustering_column_list`,
};

export const BIGQUERY_LANGUAGE: ZetaSqlLanguage = {
  // BigQuery is ZetaSQL's external product mode: FLOAT64 rather than DOUBLE, no INT32, UINT64 or FLOAT.
  productMode: 'PRODUCT_EXTERNAL',
  languageFeatures: Object.keys(BIGQUERY_FEATURES),
  // What the warehouse sends: queries, DML, DDL, and the transaction around the commit
  // (https://cloud.google.com/bigquery/docs/transactions).
  statementKinds: [
    'RESOLVED_QUERY_STMT', 'RESOLVED_INSERT_STMT', 'RESOLVED_DELETE_STMT', 'RESOLVED_MERGE_STMT',
    'RESOLVED_CREATE_TABLE_STMT', 'RESOLVED_BEGIN_STMT', 'RESOLVED_COMMIT_STMT',
  ],
  // QUALIFY stays unreserved, the stricter reading: ZetaSQL then wants a WHERE, GROUP BY or HAVING
  // beside it, as BigQuery's QUALIFY documentation once did (BigQuery has since been seen to accept
  // QUALIFY alone: github.com/google/zetasql/issues/115). The builders write WHERE TRUE either way.
  reservedKeywords: [],
};
