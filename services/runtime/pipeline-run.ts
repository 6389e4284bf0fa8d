import { extract } from '../extractor/extract.js';
import { load, type LoadSummary } from '../loader/load.js';
import type { Cloud, DestinationConfig } from '../../shared/config/config-schema.js';
import { findTable, loadConfig, loadDotEnv, type LoadedConfig } from '../../shared/config/load-config.js';
import { TerminalError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { Manifest } from '../../shared/pipeline/manifest.js';
import type { RunObserver } from '../../shared/pipeline/run-observer.js';
import { newRunId, normalizeRunId, parseChunk } from '../../shared/pipeline/run-id.js';
import { readCommittedSchema, schemasDir } from '../../shared/pipeline/table-contract.js';
import { openSource } from '../../shared/sources/registry.js';
import { openStaging } from '../../shared/stores/registry.js';
import { openWarehouse, warehouseCapabilities } from '../../shared/warehouses/registry.js';
import { locateConfig } from './locate-config.js';

/** What the extractor, the loader and `datapipe run` are told on their command lines. */
export interface RunArgs {
  table: string;
  cloud?: Cloud;
  config?: string;
  runId?: string;
  chunk?: string;
  /** Folder of committed schemas (default: DATAPIPE_SCHEMAS, else ./schemas). */
  schemas?: string;
}

export interface PreparedRun {
  loaded: LoadedConfig;
  table: ReturnType<typeof findTable>;
  destination: DestinationConfig;
}

/** Loads `.env`, finds and validates the config, resolves the table and the cloud. */
export async function prepareRun(args: RunArgs): Promise<PreparedRun> {
  loadDotEnv(process.cwd());
  const loaded = await loadConfig(await locateConfig(args.config, args.table));
  const table = findTable(loaded, args.table);
  return { loaded, table, destination: selectCloud(loaded.config.destination, args.cloud, loaded.path) };
}

/** `--cloud` picks the destination block; it must be configured. */
function selectCloud(destination: DestinationConfig, cloud: Cloud | undefined, path: string): DestinationConfig {
  if (!cloud || cloud === destination.cloud) return destination;
  if (!destination[cloud]) {
    throw new TerminalError(`--cloud ${cloud}: ${path} has no destination.${cloud} block (it is configured for ${destination.cloud}) — add the block or drop --cloud`);
  }
  return { ...destination, cloud };
}

/** The extractor's run: connect, extract, close. `observer` draws a terminal's live line (`datapipe run`). */
export async function runExtractor(prepared: PreparedRun, args: RunArgs, log: Logger, signal?: AbortSignal, observer?: RunObserver): Promise<Manifest> {
  const runId = args.runId ? normalizeRunId(args.runId) : newRunId();
  const chunk = args.chunk ? parseChunk(args.chunk) : undefined;
  const { store, prefix } = await openStaging(prepared.destination, log);
  const warehouse = await warehouseCapabilities(prepared.destination.cloud);
  // Connecting may hang on a dead network: a stop request must not wait for it.
  const source = await untilAborted(openSource(prepared.loaded.config.source, log), signal);
  try {
    return await extract({
      config: prepared.loaded.config, configPath: prepared.loaded.path, table: prepared.table,
      source, store, prefix, schemasDir: schemasDir(args.schemas), runId, chunk, log, signal,
      encoding: { name: warehouse.encoding, warehouse: warehouse.name }, observer,
    });
  } finally {
    await source.close();
  }
}

/**
 * The loader's run: open the warehouse, load, then — for a table with `deletes: detect|propagate`
 * — compare the key sets with the source (services/loader/deletes.ts); close. `observer` draws a
 * terminal's live line (`datapipe run`).
 */
export async function runLoader(prepared: PreparedRun, args: RunArgs, log: Logger, observer?: RunObserver): Promise<LoadSummary | null> {
  const { store, prefix } = await openStaging(prepared.destination, log);
  const warehouse = await openWarehouse(prepared.destination, log);
  try {
    const dir = schemasDir(args.schemas);
    const summary = await load({
      config: prepared.loaded.config, configPath: prepared.loaded.path, table: prepared.table,
      store, prefix, warehouse, schemasDir: dir,
      runId: args.runId ? normalizeRunId(args.runId) : undefined, log, observer,
    });
    if (summary && prepared.table.deletes !== 'ignore') {
      const { model } = await readCommittedSchema(dir, prepared.table.name, prepared.loaded.path);
      const source = await openSource(prepared.loaded.config.source, log);
      try {
        const { handleDeletes } = await import('../loader/deletes.js');
        const outcome = await handleDeletes({ table: prepared.table, model, source, warehouse, targetRows: summary.targetRows, log });
        return { ...summary, targetRows: summary.targetRows - outcome.deleted, deletes: outcome };
      } finally {
        await source.close();
      }
    }
    return summary;
  } finally {
    await warehouse.close();
  }
}

/**
 * `work`, or the signal's reason as soon as it is aborted (a SIGTERM): what `work` was waiting on
 * is abandoned, and the process exits after reporting the stop.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}
