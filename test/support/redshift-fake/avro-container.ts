/**
 * Reads an AVRO object container file the way Redshift's COPY does, with its documented limits
 * (https://docs.aws.amazon.com/redshift/latest/dg/copy-parameters-data-format.html#copy-avro):
 * the schema type must be `record`; codecs `null`, `deflate` and `snappy` only; the header
 * (schema and metadata) at most 1 MB; one data block at most 4 MB ("If the maximum size of a
 * single Avro data block is exceeded … the COPY command fails"). Logical types are ignored — the
 * COPY documentation never mentions them — so a decimal is its bytes and a timestamp-micros its
 * long (avsc without a logical-type registry does exactly that).
 */
import type { Type } from 'avsc';
import { decoderCodecs, isAvroCodec } from '../../../shared/avro/codecs.js';
import { avroTypeFor } from '../../../shared/avro/long-type.js';

export const MAX_HEADER_BYTES = 1024 * 1024;
export const MAX_BLOCK_BYTES = 4 * 1024 * 1024;
const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]);

/** A COPY-level failure reading a file: the statement fails with this text. */
export class AvroFileError extends Error {}

export interface AvroFile {
  /** The writer schema JSON from the header. */
  schema: { type: string; fields?: { name: string; type: unknown }[] };
  type: Type;
  /** The record types of the first-level fields, by field name. */
  fieldTypes: Map<string, Type>;
  records: Record<string, unknown>[];
}

/** Zig-zag varint `long` at `offset` (container framing only: counts and sizes stay below 2^53). */
function readLong(buf: Buffer, offset: number): { value: number; offset: number } {
  let result = 0;
  let shift = 1;
  let pos = offset;
  for (;;) {
    if (pos >= buf.length) throw new AvroFileError('unexpected end of AVRO file');
    const byte = buf[pos++]!;
    result += (byte & 0x7f) * shift;
    if ((byte & 0x80) === 0) break;
    shift *= 128;
  }
  const value = result % 2 === 0 ? result / 2 : -(result + 1) / 2;
  return { value, offset: pos };
}

function readBytes(buf: Buffer, offset: number): { value: Buffer; offset: number } {
  const length = readLong(buf, offset);
  const end = length.offset + length.value;
  if (length.value < 0 || end > buf.length) throw new AvroFileError('unexpected end of AVRO file');
  return { value: buf.subarray(length.offset, end), offset: end };
}

function decompress(codec: string, block: Buffer): Promise<Buffer> {
  const fn = decoderCodecs()[codec as 'null' | 'deflate' | 'snappy'];
  return new Promise((resolve, reject) => fn(block, (error, result) => (error ? reject(error) : resolve(result ?? Buffer.alloc(0)))));
}

/** Decodes a whole file; `name` is the `s3://` URL used in error texts. */
export async function readAvroFile(data: Buffer, name: string): Promise<AvroFile> {
  if (data.length < 4 || !data.subarray(0, 4).equals(MAGIC)) throw new AvroFileError(`Invalid AVRO file found. Not an AVRO file: ${name}`);
  const meta = new Map<string, Buffer>();
  let offset = 4;
  for (;;) {
    let count = readLong(data, offset);
    offset = count.offset;
    if (count.value === 0) break;
    if (count.value < 0) {
      offset = readLong(data, offset).offset;
      count = { value: -count.value, offset };
    }
    for (let i = 0; i < count.value; i++) {
      const key = readBytes(data, offset);
      const value = readBytes(data, key.offset);
      meta.set(key.value.toString('utf8'), value.value);
      offset = value.offset;
    }
  }
  const sync = data.subarray(offset, offset + 16);
  offset += 16;
  if (offset > MAX_HEADER_BYTES) {
    throw new AvroFileError(`Avro header size ${offset} bytes exceeds the maximum of 1 MB in file ${name}`);
  }
  const codec = meta.get('avro.codec')?.toString('utf8') ?? 'null';
  if (!isAvroCodec(codec)) throw new AvroFileError(`Unsupported Avro codec '${codec}' in file ${name}: COPY reads null, deflate and snappy`);
  const schemaText = meta.get('avro.schema')?.toString('utf8');
  if (schemaText === undefined) throw new AvroFileError(`Invalid AVRO file found: no schema in file ${name}`);
  const schema = JSON.parse(schemaText) as AvroFile['schema'];
  if (schema.type !== 'record') throw new AvroFileError(`Avro schema must be of type record, found '${schema.type}' in file ${name}`);
  const type = avroTypeFor(schema);
  const fieldTypes = new Map((type as unknown as { fields: { name: string; type: Type }[] }).fields.map((f) => [f.name, f.type]));
  const records: Record<string, unknown>[] = [];
  while (offset < data.length) {
    const count = readLong(data, offset);
    const size = readLong(data, count.offset);
    if (size.value > MAX_BLOCK_BYTES) {
      throw new AvroFileError(`Avro data block of ${size.value} bytes exceeds the maximum block size of 4 MB in file ${name}`);
    }
    const start = size.offset;
    const end = start + size.value;
    if (end + 16 > data.length) throw new AvroFileError(`unexpected end of AVRO file ${name}`);
    if (!data.subarray(end, end + 16).equals(sync)) throw new AvroFileError(`Invalid AVRO file found: sync marker mismatch in file ${name}`);
    const block = await decompress(codec, data.subarray(start, end));
    let pos = 0;
    for (let i = 0; i < count.value; i++) {
      const decoded = type.decode(block, pos);
      if (decoded.offset < 0) throw new AvroFileError(`Invalid AVRO file found: truncated record in file ${name}`);
      records.push(decoded.value as Record<string, unknown>);
      pos = decoded.offset;
    }
    offset = end + 16;
  }
  return { schema, type, fieldTypes, records };
}
