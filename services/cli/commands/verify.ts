import { resolve } from 'node:path';
import type { Cloud } from '../../../shared/config/config-schema.js';
import { loadConfig, loadDotEnv } from '../../../shared/config/load-config.js';
import { TerminalError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/log.js';
import { verifyTables } from '../../runtime/verify-tables.js';

export interface VerifyCommandArgs {
  table?: string;
  all: boolean;
  config: string;
  cloud?: Cloud;
  level: 1 | 2;
  show: number;
  json: boolean;
  log: Logger;
}

/** `datapipe verify <TABLE>|--all`: see docs/verify.md. */
export async function verifyCommand(args: VerifyCommandArgs): Promise<void> {
  if (!args.all && !args.table) throw new TerminalError('verify: name a table or pass --all');
  if (!Number.isInteger(args.show) || args.show < 0) throw new TerminalError(`--show ${args.show}: not a whole number of rows — e.g. --show 20`);
  loadDotEnv(process.cwd());
  const tables = args.all ? (await loadConfig(resolve(args.config))).config.tables.map((t) => t.name) : [args.table!];
  await verifyTables({ ...args, tables, config: resolve(args.config) });
}
