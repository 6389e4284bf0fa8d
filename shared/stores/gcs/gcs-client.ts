/**
 * The slice of @google-cloud/storage GcsStore uses (docs/style.md §4) and the one place a real client is
 * made. Credentials are Application Default Credentials only — `gcloud auth application-default
 * login` on a laptop, Workload Identity in the cluster — so nothing here takes a key or a token.
 */
import type { Readable, Writable } from 'node:stream';
import { TerminalError } from '../../errors.js';
import { gcsRetryOptions, type GcsRetryPolicy } from './gcs-retry.js';

/** Object metadata as the JSON API returns it (generation and size are decimal strings). */
export interface GcsObjectMetadata {
  generation?: string | number;
  size?: string | number;
}

/** Upload options GcsStore passes: resumable or not, chunking, integrity, preconditions. */
export interface GcsWriteOptions {
  resumable: boolean;
  chunkSize?: number;
  validation: 'md5' | false;
  metadata?: { md5Hash?: string; contentType?: string };
  preconditionOpts?: { ifGenerationMatch: string | number };
}

export interface GcsFile {
  /** Set by the client after an upload or getMetadata. */
  metadata?: GcsObjectMetadata;
  createWriteStream(options: GcsWriteOptions): Writable;
  save(data: Buffer, options: GcsWriteOptions): Promise<void>;
  download(options?: { validation?: 'md5' }): Promise<[Buffer]>;
  createReadStream(options?: { validation?: 'md5' }): Readable;
  getMetadata(): Promise<[GcsObjectMetadata, ...unknown[]]>;
  delete(): Promise<unknown>;
}

/** One page of `objects.list`: the query for the next page is null after the last. */
export interface GcsListQuery {
  prefix?: string;
  autoPaginate: false;
  maxResults: number;
  pageToken?: string;
}

export interface GcsBucket {
  file(name: string, options?: { generation?: string | number }): GcsFile;
  getFiles(query: GcsListQuery): Promise<[{ name: string }[], { pageToken?: string } | null, ...unknown[]]>;
}

export interface GcsClient {
  bucket(name: string): GcsBucket;
}

export interface GcsClientOptions {
  /** The project requests are attributed to (destination.gcp.project_id). */
  projectId: string;
  /** An emulator's base URL; else STORAGE_EMULATOR_HOST; else Google's endpoint with ADC. */
  apiEndpoint?: string;
  retry: GcsRetryPolicy;
}

/**
 * A Storage client for the options. The SDK is imported on first use, so commands that never touch
 * GCS (local runs, `datapipe validate`) do not pay its ~0.3 s load time.
 *
 * With an emulator endpoint the client sends no credentials at all (7.19.0 skips authentication
 * for a custom endpoint unless `useAuthWithCustomEndpoint` is set), so none need to exist.
 */
export async function createGcsClient(options: GcsClientOptions): Promise<GcsClient> {
  const endpoint = emulatorEndpoint(options.apiEndpoint ?? process.env.STORAGE_EMULATOR_HOST);
  const { IdempotencyStrategy, Storage } = await import('@google-cloud/storage');
  const settings = {
    projectId: options.projectId,
    retryOptions: gcsRetryOptions(options.retry, IdempotencyStrategy),
    ...(endpoint === undefined ? {} : { apiEndpoint: endpoint }),
  };
  // The 7.19.0 constructor uses STORAGE_EMULATOR_HOST verbatim as the JSON API base, so the common
  // `http://host:port` form (what the Go and Python clients expect) loses the /storage/v1 path,
  // while uploads use its origin. Hidden while constructing, the normalised endpoint serves both.
  const saved = process.env.STORAGE_EMULATOR_HOST;
  delete process.env.STORAGE_EMULATOR_HOST;
  try {
    return new Storage(settings);
  } finally {
    if (saved !== undefined) process.env.STORAGE_EMULATOR_HOST = saved;
  }
}

/**
 * An emulator's base URL from `http://host:port`, `http://host:port/storage/v1` or bare
 * `host:port` (http, as emulators serve it); undefined when unset.
 */
export function emulatorEndpoint(value: string | undefined): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw new TerminalError(`STORAGE_EMULATOR_HOST=${text} is not a URL — write http://<host>:<port>, or unset it to use Google Cloud Storage`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TerminalError(`STORAGE_EMULATOR_HOST=${text} is not an http(s) URL — write http://<host>:<port>, or unset it to use Google Cloud Storage`);
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/storage\/v1$/, '');
  return `${url.protocol}//${url.host}${path}`;
}
