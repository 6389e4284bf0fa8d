import type { Readable } from 'node:stream';

/** An object read together with the version a conditional write must match. */
export interface VersionedObject {
  body: Buffer;
  /** Opaque: a GCS generation, an S3/Azure ETag, a local content hash. */
  version: string;
}

/**
 * The staging bucket. Keys are `/`-separated and relative to the store's root; implementations:
 * stores/local (a folder), later gcs, s3, azure.
 */
export interface ObjectStore {
  /** The address a warehouse loads from: a file path, `gs://…`, `s3://…`, `abfss://…`. */
  uri(key: string): string;

  /**
   * Streams `body` to `key`; resolves once the object is complete and visible under its name
   * (never half-visible: written to a temporary name or as one upload, then published).
   */
  upload(key: string, body: Readable): Promise<void>;

  /** Writes a small object in one request. */
  put(key: string, body: Buffer | string): Promise<void>;

  /** Reads a small object; null when it does not exist. */
  get(key: string): Promise<Buffer | null>;

  /** Streams an object's bytes. */
  openRead(key: string): Promise<Readable>;

  /** Keys under a prefix, sorted. */
  list(prefix: string): Promise<string[]>;

  /** Deletes keys; missing keys are not an error. */
  delete(keys: string[]): Promise<void>;

  /** Reads an object with its version; null when it does not exist. */
  getVersioned(key: string): Promise<VersionedObject | null>;

  /**
   * Writes `body` only if the object is still at `expected` (null: only if it does not exist yet);
   * otherwise throws PreconditionFailedError. Two writers can never both succeed.
   */
  putIfVersion(key: string, body: Buffer | string, expected: string | null): Promise<void>;
}
