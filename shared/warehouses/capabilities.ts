/**
 * What a warehouse can do, declared in one place per warehouse (`<name>-capabilities.ts`), so the
 * protocol, the extractor's encoding and `generate schema` ask instead of testing the cloud's name.
 * A capabilities module never loads the warehouse's driver or SDK: the CLI and the extractor read
 * it cheaply. See docs/warehouses.md.
 */
import type { AvroCodec } from '../avro/codecs.js';
import type { AvroEncoding } from '../avro/avro-encoding.js';
import type { DestinationConfig, TableSpec } from '../config/config-schema.js';
import type { TableModel } from '../model/column.js';
import type { VerifyDialect } from '../verify/verify-dialect.js';
import type { SqlDialect } from './sql/sql-dialect.js';

/** A file `generate schema` writes beside `schemas/<table>.avsc`. */
export interface SchemaFile {
  /** `json` → `schemas/<table>.json`, `sql` → `schemas/<table>.sql`. */
  extension: 'json' | 'sql';
  text: string;
}

export interface WarehouseCapabilities {
  /** The engine's name, for messages and the README. */
  readonly name: string;
  readonly dialect: SqlDialect;
  /** How `datapipe verify` computes canonical text and row hashes in this engine (docs/verify.md). */
  readonly verify: VerifyDialect;
  /**
   * Where loads read the staged parts: the warehouse itself reads URIs of these schemes (load jobs,
   * COPY, read_files), or the client streams the parts' bytes in (`stream`).
   */
  readonly reads: { from: 'uri'; schemes: readonly string[] } | { from: 'stream' };
  /** The AVRO block codecs the warehouse's reader accepts. */
  readonly codecs: readonly AvroCodec[];
  /** How parts must be encoded; the committed .avsc records it and the extractor follows it. */
  readonly encoding: AvroEncoding;
  /** The widest DECIMAL the warehouse holds exactly; wider decimals take its documented fallback. */
  readonly maxDecimalPrecision: number;
  /**
   * Whether several statements commit as one (the continuity check, the merge and the loads
   * record). Without it each statement commits alone, in that order (docs/run-protocol.md).
   */
  readonly transactions: boolean;
  /** The files `generate schema` writes for a table on this warehouse (DDL, a schema file). */
  schemaFiles(model: TableModel, spec: TableSpec, destination: DestinationConfig): SchemaFile[];
}
