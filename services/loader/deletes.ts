/**
 * Rows deleted at the source, after a load (docs/verify.md, "Deletes"): the keys in the warehouse
 * that the source no longer has are found by comparing the two key sets bucket by bucket inside
 * both engines (only differing buckets' keys travel). `detect` reports them; `propagate` deletes
 * them, unless they are more than `max_delete_fraction` of the target (exit 3, nothing deleted).
 */
import type { TableSpec } from '../../shared/config/config-schema.js';
import { ContractError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import type { TableModel } from '../../shared/model/column.js';
import type { Source } from '../../shared/sources/source.js';
import { findDeletedKeys } from '../../shared/verify/verify-run.js';
import type { Warehouse } from '../../shared/warehouses/warehouse.js';

export interface DeletesContext {
  table: TableSpec;
  model: TableModel;
  source: Source;
  warehouse: Warehouse;
  /** Rows in the target after the load. */
  targetRows: number;
  log: Logger;
}

export interface DeletesOutcome {
  /** Warehouse rows whose key is gone from the source. */
  found: number;
  /** Of those, rows deleted now (`propagate`). */
  deleted: number;
}

/** Keys shown in a log line, at most. */
const SAMPLE = 5;

export async function handleDeletes(ctx: DeletesContext): Promise<DeletesOutcome> {
  const { table, model, log } = ctx;
  const started = performance.now();
  const { keys, partial } = await findDeletedKeys(ctx.source, ctx.warehouse, model);
  const seconds = Math.round(performance.now() - started) / 1000;
  if (partial && table.deletes === 'propagate') {
    throw new ContractError(
      `${table.name}: the source and the warehouse differ in more keys than one delete check lists — nothing was deleted; ` +
        'run a full load (load_mode: full) to bring the table back in line',
    );
  }
  // A partial check (more keys differ than one check lists) found at least these: enough to warn.
  const fields = { table: table.name, phase: 'deletes', deletes: table.deletes, found: keys.length, at_least: partial, sample: keys.slice(0, SAMPLE), seconds };
  if (keys.length === 0 || table.deletes === 'detect') {
    if (keys.length > 0) log.warn(fields, 'rows deleted at the source are still in the warehouse (deletes: detect) — set deletes: propagate to delete them, or run a full load');
    else log.info(fields, 'no rows deleted at the source');
    return { found: keys.length, deleted: 0 };
  }
  const fraction = ctx.targetRows > 0 ? keys.length / ctx.targetRows : 1;
  if (fraction > table.max_delete_fraction) {
    throw new ContractError(
      `${table.name}: ${keys.length} of ${ctx.targetRows} warehouse rows (${(fraction * 100).toFixed(1)}%) are gone from the source, more than ` +
        `max_delete_fraction ${table.max_delete_fraction} — nothing was deleted; check the source (a truncated or half-loaded table?), ` +
        'then raise max_delete_fraction or run a full load',
    );
  }
  await ctx.warehouse.deleteKeys(model, keys);
  log.info({ ...fields, deleted: keys.length }, 'deleted the rows deleted at the source (deletes: propagate)');
  return { found: keys.length, deleted: keys.length };
}
