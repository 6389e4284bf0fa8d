/**
 * What the Redshift warehouse tests share: a table of every canonical kind, real AVRO parts in the
 * `redshift-text` encoding (docs/encodings.md: decimals, dates, datetimes, timestamps as text,
 * bytes as lowercase hex; the other kinds in their AVRO types) written by shared/avro's PartWriter
 * into a local folder laid out as `<root>/<bucket>/<key>` — what the Redshift fake's
 * folderObjectReader reads as `s3://<bucket>/<key>` — load requests, and a log that can be read back.
 */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { AvscRecordSchema } from '../../../shared/avro/avsc-schema.js';
import { PartWriter } from '../../../shared/avro/part-writer.js';
import type { AwsDestination } from '../../../shared/config/config-schema.js';
import type { CanonicalType, Column, Row, TableModel } from '../../../shared/model/column.js';
import { LocalStore } from '../../../shared/stores/local/local-store.js';
import type { LoadMode, LoadRequest, StagedPart } from '../../../shared/warehouses/warehouse.js';
import { previousRun } from '../duckdb/load-fixtures.js';
import { column, tableModel } from '../../support/model-fixtures.js';

export const BUCKET = 'staging';
export const SCHEMA = 'raw';
export const IAM_ROLE = 'arn:aws:iam::123456789012:role/datapipe-loader';

/** The fake's default serverless workgroup and database (test/support/redshift-data-fake.ts). */
export const DESTINATION: AwsDestination = {
  region: 'us-east-1', bucket: BUCKET, redshift: { workgroup_name: 'datapipe', database: 'dev', schema: SCHEMA, iam_role: IAM_ROLE },
};

/** Every canonical kind, keyed by id, partitioned on `updated`. */
export const ALL_TYPES: TableModel = tableModel('APP.ALL_TYPES', [
  column('id', { kind: 'int64' }, false),
  column('updated', { kind: 'datetime' }),
  column('amount', { kind: 'decimal', precision: 38, scale: 9 }),
  column('wide', { kind: 'decimal', precision: 40, scale: 2 }),
  column('ratio', { kind: 'float64' }),
  column('small', { kind: 'float32' }),
  column('note', { kind: 'string' }),
  column('doc', { kind: 'json' }),
  column('span', { kind: 'interval' }),
  column('raw', { kind: 'bytes' }),
  column('day', { kind: 'date' }),
  column('at', { kind: 'timestamp' }),
  column('flag', { kind: 'boolean' }),
], ['id']);

export const MAX_38_9 = '99999999999999999999999999999.999999999';

/**
 * Rows of ALL_TYPES in the redshift-text encoding with the fidelity edges: int64 limits, years 1
 * and 9999 to the microsecond, 38-digit decimals, a decimal wider than Redshift's, -0.0, NaN,
 * ±Infinity and the float extremes, empty string and empty bytes beside NULL, non-Latin text.
 */
export const ALL_TYPES_ROWS: Row[] = [
  { id: -(2n ** 63n), updated: '0001-01-01 00:00:00.000000', amount: `-${MAX_38_9}`, wide: '-12345678901234567890123456789012345678.12', ratio: -0, small: -0,
    note: '', doc: '{}', span: 'P0D', raw: '', day: '0001-01-01', at: '0001-01-01 00:00:00.000000+00', flag: false },
  { id: 2n ** 63n - 1n, updated: '9999-12-31 23:59:59.999999', amount: MAX_38_9, wide: '0.01', ratio: Number.NaN, small: 3.4028234663852886e38,
    note: 'Ñandú ✓ 日本 🎉 "quoted" it\'s\nline', doc: '{"a":[1,2.5,null]}', span: 'P1Y2M3DT4H5M6.789S', raw: '00ff10deadbeef',
    day: '9999-12-31', at: '9999-12-31 23:59:59.999999+00', flag: true },
  { id: 0n, updated: '1970-01-01 00:00:00.000001', amount: '0.000000001', wide: null, ratio: Number.POSITIVE_INFINITY, small: Math.fround(0.1),
    note: null, doc: null, span: null, raw: null, day: null, at: '2024-05-01 10:00:00.000001+00', flag: null },
  { id: 1n, updated: null, amount: '-0.500000000', wide: null, ratio: Number.NEGATIVE_INFINITY, small: null, note: ' ', doc: null, span: null, raw: '00', day: '1970-01-01', at: null, flag: null },
  { id: 2n, updated: null, amount: null, wide: null, ratio: 1.7976931348623157e308, small: null, note: null, doc: null, span: null, raw: null, day: null, at: null, flag: null },
  { id: 3n, updated: null, amount: null, wide: null, ratio: 2.2250738585072014e-308, small: null, note: null, doc: null, span: null, raw: null, day: null, at: null, flag: null },
];

/** The orders of the dedup and protocol tests: the shape of EXACT_TIES (model-fixtures.ts). */
export const ORDERS: TableModel = tableModel('APP.ORDERS', [
  column('id', { kind: 'int64' }, false),
  column('updated', { kind: 'datetime' }),
  column('amount', { kind: 'decimal', precision: 38, scale: 9 }),
  column('ratio', { kind: 'float64' }),
  column('note', { kind: 'string' }),
], ['id']);

/** The AVRO type of a kind under redshift-text. */
function textEncodedType(type: CanonicalType): string {
  switch (type.kind) {
    case 'boolean': return 'boolean';
    case 'int64': return 'long';
    case 'float32': return 'float';
    case 'float64': return 'double';
    default: return 'string';
  }
}

/** The redshift-text record schema of `model`, field types overridable (a part that breaks its contract). */
export function textSchema(model: TableModel, override: Record<string, string> = {}): AvscRecordSchema {
  const field = (c: Column) => {
    const type = override[c.name] ?? textEncodedType(c.type);
    return { name: c.name, type: c.nullable ? ['null', type] : type, ...(c.nullable ? { default: null } : {}) };
  };
  return { type: 'record', name: model.name, namespace: 'datapipe', fields: model.columns.map(field) } as unknown as AvscRecordSchema;
}

/** Writes each array of rows as one real AVRO part under `datapipe/<table>/run=<R>/`. */
export async function writeParts(root: string, model: TableModel, runId: string, parts: Row[][], schema = textSchema(model)): Promise<StagedPart[]> {
  const store = new LocalStore(`${root}/${BUCKET}`);
  const staged: StagedPart[] = [];
  for (const [index, rows] of parts.entries()) {
    const key = `datapipe/${model.name}/run=${runId}/part-0000-a-${String(index).padStart(6, '0')}.avro`;
    const writer = new PartWriter({ store, schema, codec: index % 2 === 0 ? 'deflate' : 'snappy', partSizeBytes: 1 << 30, keyFor: () => key });
    await writer.write(rows);
    const [info] = await writer.close();
    if (!info) throw new Error('the part writer returned no part');
    staged.push({ key, uri: `s3://${BUCKET}/${key}`, rows: info.rows, bytes: info.bytes });
  }
  return staged;
}

/** The staging store's `put`, as the registry hands it to the warehouse. */
export function putObject(root: string): (key: string, body: string) => Promise<void> {
  const store = new LocalStore(`${root}/${BUCKET}`);
  return (key, body) => store.put(key, body);
}

export interface RequestOptions {
  mode?: LoadMode;
  baseRunId?: string | null;
  partitionColumn?: string | null;
  expectedRows?: number;
  watermark?: string | null;
}

export function loadRequest(model: TableModel, runId: string, parts: StagedPart[], options: RequestOptions = {}): LoadRequest {
  return {
    model, mode: options.mode ?? 'incremental', runId,
    baseRunId: options.baseRunId !== undefined ? options.baseRunId : previousRun(runId),
    partitionColumn: options.partitionColumn === undefined ? 'updated' : options.partitionColumn,
    parts, expectedRows: options.expectedRows ?? parts.reduce((sum, p) => sum + p.rows, 0),
    watermark: options.watermark === undefined ? null : options.watermark,
    openPart: () => Promise.reject(new Error('Redshift loads read parts with COPY, never through the client')),
  };
}

/** A pino logger whose records the test reads back. */
export function capturedLog(level = 'info'): { log: Logger; records: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(...chunk.toString('utf8').split('\n').filter((l) => l !== '')); done(); } });
  return { log: pino({ level }, sink), records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}
