import type { Cloud } from '../../../shared/config/config-schema.js';
import { loadConfig, loadDotEnv } from '../../../shared/config/load-config.js';
import { TerminalError } from '../../../shared/errors.js';
import type { Logger } from '../../../shared/log.js';
import { newRunId } from '../../../shared/pipeline/run-id.js';
import { prepareRun, runExtractor, runLoader } from '../../runtime/pipeline-run.js';
import type { LiveLine } from '../terminal/live-line.js';
import { failureLine, summaryLine } from '../terminal/run-summary.js';
import { resolve } from 'node:path';

export interface RunTablesArgs {
  table?: string;
  all: boolean;
  config: string;
  cloud?: Cloud;
  log: Logger;
  /** At a terminal: the live line, and a summary line per table instead of the plain result line. */
  live?: LiveLine | null;
}

/** `datapipe run <TABLE>|--all`: extract then load, in one process, one new run per table. */
export async function runTablesCommand(args: RunTablesArgs): Promise<void> {
  if (!args.all && !args.table) throw new TerminalError('run: name a table or pass --all');
  loadDotEnv(process.cwd());
  const names = args.all ? (await loadConfig(resolve(args.config))).config.tables.map((t) => t.name) : [args.table!];
  const live = args.live ?? null;
  for (const table of names) {
    const started = performance.now();
    const runArgs = { table, config: args.config, cloud: args.cloud, runId: newRunId() };
    try {
      const prepared = await prepareRun(runArgs);
      const manifest = await runExtractor(prepared, runArgs, args.log, undefined, live ?? undefined);
      const loaded = await runLoader(prepared, runArgs, args.log, live ?? undefined);
      if (live) {
        live.stop();
        process.stdout.write(`${summaryLine(table, manifest, loaded, performance.now() - started)}\n`);
      } else {
        process.stdout.write(`${table}: run ${manifest.runId} extracted ${manifest.rows} rows, target holds ${loaded?.targetRows ?? 0} rows, watermark ${loaded?.watermark ?? '-'}\n`);
      }
    } catch (error) {
      if (live) {
        live.stop();
        process.stdout.write(`${failureLine(table, error, performance.now() - started)}\n`);
      }
      throw error;
    }
  }
}
