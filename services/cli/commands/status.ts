/**
 * `datapipe status [TABLE] [--config <p>|--all] [--json] [--offline]`: where each table of the
 * config stands (shared/pipeline/table-status.ts), printed for a person or as one JSON document.
 * Exit 0, or 3 when a run has waited extracted and not loaded longer than `stale_after` (README
 * "Exit codes"): a scheduler or a person can alert on it.
 */
import { relative } from 'node:path';
import { staleAfterMs } from '../../../shared/config/stale-after.js';
import { findTable, loadConfig, loadDotEnv, type LoadedConfig } from '../../../shared/config/load-config.js';
import { ContractError, TerminalError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/log.js';
import { findColumn, isWatermarkKind, targetName } from '../../../shared/model/column.js';
import { readRunIndex } from '../../../shared/pipeline/run-finder.js';
import { StagingLayout } from '../../../shared/pipeline/staging-layout.js';
import { readState } from '../../../shared/pipeline/state.js';
import { committedRun, lagOf, stagedRuns } from '../../../shared/pipeline/table-status.js';
import { openSource } from '../../../shared/sources/registry.js';
import type { Source } from '../../../shared/sources/source.js';
import { openStaging } from '../../../shared/stores/registry.js';
import { openWarehouse } from '../../../shared/warehouses/registry.js';
import type { TableSpec } from '../../../shared/config/config-schema.js';
import type { ObjectStore } from '../../../shared/stores/object-store.js';
import type { Warehouse } from '../../../shared/warehouses/warehouse.js';
import { configCandidates, locateConfig } from '../../runtime/locate-config.js';
import { renderStatus, stuckMessage, type TableReport } from './status-report.js';

export interface StatusArgs {
  table?: string;
  config?: string;
  all: boolean;
  json: boolean;
  offline: boolean;
  log: Logger;
  now?: Date;
}

export async function statusCommand(args: StatusArgs): Promise<void> {
  loadDotEnv(process.cwd());
  const now = args.now ?? new Date();
  const reports: TableReport[] = [];
  for (const path of await configPaths(args)) {
    const loaded = await loadConfig(path);
    const tables = args.table ? [findTable(loaded, args.table)] : loaded.config.tables;
    reports.push(...await configStatus(loaded, tables, args, now));
  }
  process.stdout.write(args.json ? `${JSON.stringify({ checkedAt: now.toISOString(), tables: reports }, null, 2)}\n` : renderStatus(reports, now));
  const stuck = reports.flatMap((r) => r.staged.filter((s) => s.stuck).map((s) => ({ report: r, run: s })));
  if (stuck.length > 0) throw new ContractError(stuckMessage(stuck, now));
}

/** `--all`: every config here and in the immediate subfolders; else the one `--config`, DATAPIPE_CONFIG or discovery names. */
async function configPaths(args: StatusArgs): Promise<string[]> {
  if (!args.all) return [await locateConfig(args.config, args.table)];
  const found = await configCandidates(process.cwd());
  if (found.length === 0) throw new TerminalError(`status --all: no config.yaml found in ${process.cwd()} or its immediate subfolders — run it from the workspace root, or pass --config <path>`);
  return found;
}

/** The staging bucket, the warehouse (read-only) and, unless --offline, the source of one config. */
async function configStatus(loaded: LoadedConfig, tables: TableSpec[], args: StatusArgs, now: Date): Promise<TableReport[]> {
  const { config } = loaded;
  const staleMs = staleAfterMs(config);
  const { store, prefix } = await openStaging(config.destination, args.log);
  const warehouse = await openWarehouse(config.destination, args.log, { readOnly: true });
  let source: Source | null = null;
  try {
    source = args.offline ? null : await openSource(config.source, args.log);
    const reports: TableReport[] = [];
    for (const spec of tables) {
      const layout = new StagingLayout(prefix, config.project.name, spec.name);
      reports.push(await tableReport({ loaded, spec, store, layout, warehouse, source, staleMs, now, offline: args.offline }));
    }
    return reports;
  } finally {
    await source?.close().catch(() => undefined);
    await warehouse.close();
  }
}

interface TableInputs {
  loaded: LoadedConfig;
  spec: TableSpec;
  store: ObjectStore;
  layout: StagingLayout;
  warehouse: Warehouse;
  source: Source | null;
  staleMs: number;
  now: Date;
  offline: boolean;
}

async function tableReport(inputs: TableInputs): Promise<TableReport> {
  const { loaded, spec, store, layout, warehouse, source, staleMs, now } = inputs;
  const state = (await readState(store, layout))?.state ?? null;
  const committed = committedRun(state, await warehouse.recordedLoad(targetName(spec.name)));
  const staged = stagedRuns(await readRunIndex(store, layout), committed?.runId ?? null, now, staleMs);
  const report: TableReport = {
    table: spec.name, config: relative(process.cwd(), loaded.path) || loaded.path, cloud: loaded.config.destination.cloud,
    mode: spec.load_mode, partitionColumn: spec.partition_column ?? null, staleAfterMs: staleMs, committed, staged,
    lag: null, lagNote: spec.load_mode === 'full' || !spec.partition_column ? 'full loads have no watermark' : 'not checked (--offline)',
  };
  if (source && report.lagNote !== 'full loads have no watermark' && spec.partition_column && source.newestValue) {
    const model = await source.describe(spec.name, { profile: false, overrides: spec.columns });
    const column = findColumn(model, spec.partition_column);
    if (column && isWatermarkKind(column.type.kind)) {
      report.lag = lagOf(column.type.kind, committed?.watermark ?? null, await source.newestValue(model, column.name));
      report.lagNote = null;
    }
  }
  return report;
}
