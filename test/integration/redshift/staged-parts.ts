/**
 * Real DataPipe AVRO parts for the fake's COPY: written by shared/avro/part-writer.ts into a local
 * folder laid out as `<root>/<bucket>/<key>` (what folderObjectReader reads as s3://bucket/key),
 * with a Redshift COPY manifest beside them.
 */
import { LocalStore } from '../../../shared/stores/local/local-store.js';
import type { AvscRecordSchema } from '../../../shared/avro/avsc-schema.js';
import type { AvroCodec } from '../../../shared/avro/codecs.js';
import { PartWriter } from '../../../shared/avro/part-writer.js';
import type { Row } from '../../../shared/model/column.js';

export const BUCKET = 'staging';

export interface StagedRun {
  /** `s3://staging/<prefix>/_manifest.json` */
  manifestUrl: string;
  partUrls: string[];
}

/**
 * Writes each array of rows as one part under `<prefix>/part-<n>.avro` and a manifest listing them
 * (https://docs.aws.amazon.com/redshift/latest/dg/loading-data-files-using-manifest.html).
 */
export async function stageParts(root: string, prefix: string, schema: AvscRecordSchema, parts: Row[][], options: { codec?: AvroCodec; blockSizeBytes?: number; extraEntries?: { url: string; mandatory: boolean }[] } = {}): Promise<StagedRun> {
  const store = new LocalStore(`${root}/${BUCKET}`);
  const entries: { url: string; mandatory: boolean; meta: { content_length: number } }[] = [];
  for (const [index, rows] of parts.entries()) {
    const key = `${prefix}/part-${index}.avro`;
    const writer = new PartWriter({ store, schema, codec: options.codec ?? 'deflate', partSizeBytes: 1 << 30, keyFor: () => key, blockSizeBytes: options.blockSizeBytes });
    await writer.write(rows);
    const [info] = await writer.close();
    entries.push({ url: `s3://${BUCKET}/${key}`, mandatory: true, meta: { content_length: info!.bytes } });
  }
  const manifest = { entries: [...entries, ...(options.extraEntries ?? []).map((e) => ({ ...e, meta: { content_length: 1 } }))] };
  await store.put(`${prefix}/_manifest.json`, JSON.stringify(manifest));
  return { manifestUrl: `s3://${BUCKET}/${prefix}/_manifest.json`, partUrls: entries.map((e) => e.url) };
}

/** A schema of plain fields (no logical types), e.g. strings carrying decimals and timestamps as text. */
export function plainSchema(name: string, fields: { name: string; type: unknown }[]): AvscRecordSchema {
  return {
    type: 'record', name, namespace: 'datapipe', 'datapipe.sourceSchema': 'TEST', 'datapipe.sourceName': name.toUpperCase(), 'datapipe.primaryKeys': [],
    fields: fields.map((f) => ({ ...f, 'datapipe.sourceName': f.name.toUpperCase(), 'datapipe.sourceType': 'X', 'datapipe.kind': 'string' })),
  } as unknown as AvscRecordSchema;
}
