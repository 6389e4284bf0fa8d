import { pipeline, type Readable } from 'node:stream';
import avro from 'avsc';
import type { Schema } from 'avsc';
import type { AvroValue } from '../model/column.js';
import { decoderCodecs } from './codecs.js';
import { avroTypeFor } from './long-type.js';

/**
 * Reads AVRO object container files — DataPipe's parts or any other — with the same BigInt-safe
 * long and codecs the writer uses. Values come back as their underlying AVRO values, exactly as
 * rows carried them (`AvroValue`): decimal as Buffer, date as int days, datetime and timestamp as
 * number|bigint microseconds. Used by tests, the loader's checks and `datapipe` diagnostics.
 */

export interface AvroHeader {
  /** The writer schema as the header holds it (for DataPipe files, the full `.avsc` JSON). */
  schema: unknown;
  codec: string;
}

/** avsc's header record, as its BlockDecoder emits it with `metadata`. */
interface DecodedHeader {
  meta: Record<string, Buffer>;
}

function decoderFor(noDecode: boolean): InstanceType<typeof avro.streams.BlockDecoder> {
  return new avro.streams.BlockDecoder({
    codecs: decoderCodecs(),
    noDecode,
    parseHook: (schema: Schema) => avroTypeFor(schema),
  });
}

/**
 * The bytes are not an AVRO file DataPipe can read: a damaged or foreign file (a bad header, sync
 * marker or block, a codec that fails). What the reader read from was fine.
 */
export class AvroDecodeError extends Error {}

/**
 * Every record of the file, in order. The stream is consumed and closed. A failure of `stream`
 * itself is thrown as it is; a failure to decode what it delivered is an AvroDecodeError.
 */
export async function* readAvroRecords(stream: Readable): AsyncIterable<Record<string, AvroValue>> {
  const read = decoding(stream, () => undefined);
  try {
    for await (const record of read.decoder) {
      yield { ...(record as Record<string, AvroValue>) };
    }
  } catch (error) {
    throw read.failure(error);
  }
}

/**
 * Calls `visit` with every record of the file, in order, synchronously as the decoder emits them:
 * no promise or copy per record (the loader stages millions through here; an async iterator costs
 * a microtask and an object per record). The record is the decoder's own object: `visit` must not
 * keep it. A throw from `visit` stops the read and is the rejection as it is; a stream failure
 * rejects as it is; a decoding failure rejects as an AvroDecodeError.
 */
export function forEachAvroRecord(stream: Readable, visit: (record: Record<string, AvroValue>) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let visitFailed: { error: unknown } | undefined;
    const read = decoding(stream, (error) => {
      if (visitFailed) reject(visitFailed.error);
      else if (error) reject(read.failure(error));
      else resolve();
    });
    read.decoder.on('data', (record: Record<string, AvroValue>) => {
      if (visitFailed) return;
      try {
        visit(record);
      } catch (error) {
        visitFailed = { error };
        read.decoder.destroy(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

/**
 * `stream` piped into a decoder; `done` is called when the pipeline ends. pipeline() destroys each
 * stream with the other's error, so whichever failed first is the cause: `failure` returns a
 * failure of `stream` as it is and any other as an AvroDecodeError.
 */
function decoding(stream: Readable, done: (error: Error | null | undefined) => void): {
  decoder: InstanceType<typeof avro.streams.BlockDecoder>;
  failure: (error: unknown) => unknown;
} {
  const decoder = decoderFor(false);
  let sourceFailed = false;
  let decoderFailed = false;
  stream.once('error', () => { if (!decoderFailed) sourceFailed = true; });
  decoder.once('error', () => { if (!sourceFailed) decoderFailed = true; });
  pipeline(stream, decoder, done);
  return {
    decoder,
    failure: (error) => {
      if (sourceFailed) return error;
      const cause = withCause(error);
      return new AvroDecodeError(cause instanceof Error ? cause.message : String(cause), { cause: error });
    },
  };
}

/** avsc reports codec failures as `snappy codec decompression error` with the reason in `cause`. */
function withCause(error: unknown): unknown {
  if (error instanceof Error && error.cause instanceof Error) {
    return new Error(`${error.message}: ${error.cause.message}`, { cause: error.cause });
  }
  return error;
}

/** The header's schema and codec; reads only as far as the header, then closes the stream. */
export function readAvroHeader(stream: Readable): Promise<AvroHeader> {
  const decoder = decoderFor(true);
  return new Promise<AvroHeader>((resolve, reject) => {
    const fail = (error: unknown): void => {
      reject(error instanceof Error ? error : new Error(String(error)));
      stream.destroy();
      decoder.destroy();
    };
    decoder.once('metadata', (_type: unknown, codec: string, header: DecodedHeader) => {
      try {
        const schema = header.meta['avro.schema'];
        if (schema === undefined) throw new Error('the AVRO header has no avro.schema');
        resolve({ schema: JSON.parse(schema.toString('utf8')) as unknown, codec });
      } catch (error) {
        fail(error);
        return;
      }
      stream.destroy();
      decoder.destroy();
    });
    decoder.once('error', fail);
    stream.once('error', fail);
    decoder.once('finish', () => fail(new Error('not an AVRO file: the data ended before the header was complete')));
    stream.pipe(decoder);
  });
}
