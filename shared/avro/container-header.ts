import avro from 'avsc';
import type { AvroCodec } from './codecs.js';

/**
 * The Avro object container header, written by DataPipe itself (the blocks too: part-upload.ts)
 * rather than by avsc's BlockEncoder. Records are encoded with a parsed Type (the only way to get
 * the BigInt-safe long), and a Type serialises its schema without `logicalType`, `precision`,
 * `scale` on primitives and without custom attributes (avsc's Type.toJSON), so this
 * header carries the plain schema JSON instead, byte for byte as given.
 */

/** `Obj` followed by the format version 1 (Avro 1.12 specification, "Object Container Files"). */
export const AVRO_MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]);

export const SYNC_MARKER_BYTES = 16;

/** The header record as the specification defines it. */
const HEADER_TYPE = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: SYNC_MARKER_BYTES } },
  ],
});

/** Header bytes for a file whose blocks are separated by `syncMarker`. */
export function containerHeader(schemaJson: string, codec: AvroCodec, syncMarker: Buffer): Buffer {
  if (syncMarker.length !== SYNC_MARKER_BYTES) throw new Error(`an Avro sync marker has ${SYNC_MARKER_BYTES} bytes, not ${syncMarker.length}`);
  return HEADER_TYPE.toBuffer({
    magic: AVRO_MAGIC,
    meta: { 'avro.schema': Buffer.from(schemaJson, 'utf8'), 'avro.codec': Buffer.from(codec, 'utf8') },
    sync: syncMarker,
  });
}
