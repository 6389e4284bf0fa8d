import type { Cloud } from '../../shared/config/config-schema.js';
import { ContractError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { readCommittedSchema, schemasDir } from '../../shared/pipeline/table-contract.js';
import { openSource } from '../../shared/sources/registry.js';
import { verifyLoadedTable } from '../../shared/verify/verify-run.js';
import { formatReport, jsonReport } from '../../shared/verify/verify-report.js';
import type { TableVerification } from '../../shared/verify/verify-table.js';
import { openWarehouse } from '../../shared/warehouses/registry.js';
import { prepareRun } from './pipeline-run.js';

export interface VerifyArgs {
  tables: string[];
  config?: string;
  cloud?: Cloud;
  schemas?: string;
  level: 1 | 2;
  show: number;
  json: boolean;
  log: Logger;
}

/**
 * `datapipe verify` and the loader image's `verify` mode: each table verified in turn, the report
 * on stdout, and exit 3 (a ContractError naming the tables) when any differs (docs/verify.md).
 */
export async function verifyTables(args: VerifyArgs): Promise<TableVerification[]> {
  const results: TableVerification[] = [];
  for (const name of args.tables) {
    const prepared = await prepareRun({ table: name, config: args.config, cloud: args.cloud });
    const { model } = await readCommittedSchema(schemasDir(args.schemas), prepared.table.name, prepared.loaded.path);
    const source = await openSource(prepared.loaded.config.source, args.log);
    try {
      const warehouse = await openWarehouse(prepared.destination, args.log, { scanOnly: true });
      try {
        const result = await verifyLoadedTable({ model, spec: prepared.table, source, warehouse, level: args.level, show: args.show });
        args.log.info({ table: name, phase: 'verify', equal: result.equal, differences: result.differences, source_rows: result.sourceRows, target_rows: result.targetRows, seconds: result.seconds }, 'verified');
        results.push(result);
      } finally {
        await warehouse.close();
      }
    } finally {
      await source.close();
    }
  }
  process.stdout.write(args.json ? jsonReport(results) : formatReport(results));
  const differing = results.filter((r) => !r.equal);
  if (differing.length > 0) {
    const which = differing.map((r) => `${r.table} (${r.partial ? 'at least ' : ''}${r.differences} ${r.level === 1 ? 'profile differences' : 'rows'})`).join(', ');
    throw new ContractError(`verify: ${differing.length} of ${results.length} tables differ from the source: ${which} — the report above names the rows; re-extract and load them, or run a full load`);
  }
  return results;
}
