import { resolve } from 'node:path';
import { loadConfig, loadDotEnv, findTable } from '../../../shared/config/load-config.js';
import { TerminalError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/log.js';
import { checkSchemas, generateSchemas } from './generate-schema.js';

export interface GenerateArgs {
  table?: string;
  all: boolean;
  config: string;
  out?: string;
  sampleRows: number;
  log: Logger;
  /** Compare the committed DDL with what the committed .avsc generates, offline (the pipeline's drift check). */
  check?: boolean;
}

/** `datapipe generate schema <TABLE>|--all --config <path> [--check]`. */
export async function generateCommand(args: GenerateArgs): Promise<void> {
  loadDotEnv(process.cwd());
  const loaded = await loadConfig(resolve(args.config));
  if (!args.all && !args.table) throw new TerminalError('generate schema: name a table or pass --all');
  const tables = args.all ? loaded.config.tables : [findTable(loaded, args.table!)];
  if (args.check) {
    await checkSchemas({ loaded, tables, out: resolve(args.out ?? process.cwd()), shownConfig: args.config });
    return;
  }
  const written = await generateSchemas({ loaded, tables, out: resolve(args.out ?? process.cwd()), sampleRows: args.sampleRows, log: args.log });
  for (const file of written) process.stdout.write(`wrote ${file}\n`);
}
