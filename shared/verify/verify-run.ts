/**
 * Verifying a loaded table, and finding the keys deleted at the source, between a Source and a
 * Warehouse (docs/verify.md): the committed watermark comes from the warehouse's own record of
 * its loads, the source side reads at one snapshot, and nothing but aggregates and the differing
 * keys' rows leaves either engine.
 */
import type { TableSpec } from '../config/config-schema.js';
import { TerminalError } from '../errors.js';
import { findColumn, isWatermarkKind, type TableModel } from '../model/column.js';
import type { Source } from '../sources/source.js';
import type { RecordedLoad, Warehouse } from '../warehouses/warehouse.js';
import { canonicalWatermark } from './canonical-text.js';
import { compareHashes, type CompareOptions } from './compare.js';
import { verifyTable, type TableVerification } from './verify-table.js';
import type { WatermarkFilter } from './verify-sql.js';
import type { VerifySide } from './verify-side.js';

export interface VerifyRequest {
  model: TableModel;
  spec: TableSpec;
  source: Source;
  warehouse: Warehouse;
  level: 1 | 2;
  show: number;
  compare?: CompareOptions;
}

export async function verifyLoadedTable(request: VerifyRequest): Promise<TableVerification> {
  const { model, spec, warehouse } = request;
  const latest = await latestLoadOf(warehouse, model, spec);
  const filter = watermarkFilter(model, spec, latest);
  return bothSides(request.source, warehouse, model, (source, target) => verifyTable(source, target, { source: filter, target: filter }, latest.watermark, {
    level: request.level, show: request.show, deletes: spec.deletes, compare: request.compare,
  }));
}

/** Keys in the warehouse that the source no longer has (all rows, whatever the watermark). */
export async function findDeletedKeys(source: Source, warehouse: Warehouse, model: TableModel, compare?: CompareOptions): Promise<{ keys: string[]; partial: boolean }> {
  const found = await bothSides(source, warehouse, model, (s, t) => compareHashes(s, t, 'keys', { source: null, target: null }, compare));
  return { keys: found.keys.filter((k) => k.on === 'target').map((k) => k.key), partial: found.partial };
}

function bothSides<T>(source: Source, warehouse: Warehouse, model: TableModel, work: (source: VerifySide, target: VerifySide) => Promise<T>): Promise<T> {
  if (!source.verifySession) throw new TerminalError(`${model.sourceName}: this source cannot be verified in place (it has no consistent-snapshot reader)`);
  return source.verifySession(model, (s) => warehouse.verifySession(model, (t) => work(s, t)));
}

async function latestLoadOf(warehouse: Warehouse, model: TableModel, spec: TableSpec): Promise<RecordedLoad> {
  // recordedLoad: null when nothing was ever loaded (no `_datapipe_loads`); other failures are thrown as they are.
  const latest = await warehouse.recordedLoad(model.name);
  if (!latest) {
    throw new TerminalError(`${spec.name}: the warehouse has no load of ${model.name} on record — load it first (datapipe run ${spec.name}, or the loader), then verify`);
  }
  return latest;
}

/** Rows up to the committed watermark, for an incremental table that has one; else every row. */
export function watermarkFilter(model: TableModel, spec: TableSpec, latest: RecordedLoad): WatermarkFilter | null {
  if (!spec.partition_column || latest.watermark === null) return null;
  const column = findColumn(model, spec.partition_column);
  if (!column || !isWatermarkKind(column.type.kind)) return null;
  return { column, value: canonicalWatermark(column.type.kind, latest.watermark), includeNulls: spec.null_watermark === 'include' };
}
