#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { createLogger } from '../../shared/log.js';
import type { Cloud } from '../../shared/config/config-schema.js';
import { runArgsOptions } from '../runtime/cli-options.js';
import { prepareRun, runExtractor } from '../runtime/pipeline-run.js';
import { runCommand, shutdownSignal } from '../runtime/run-command.js';
import { usageFailure } from '../runtime/usage.js';

/** Container entrypoint: `extractor --table <T> [--cloud <c>] [--config <p>] [--run-id <id>] [--chunk <i>/<n>]`. */
const argv = await yargs(hideBin(process.argv))
  .scriptName('extractor')
  .usage('$0 --table <TABLE> [--cloud <cloud>] [--config <path>] [--run-id <id>] [--chunk <i>/<n>]')
  .options(runArgsOptions)
  .option('chunk', { type: 'string', describe: 'read one of n slices of the table, e.g. 2/8' })
  .strict()
  .fail(usageFailure('extractor'))
  .parse();

const log = createLogger();
const signal = shutdownSignal(log);
await runCommand(log, async () => {
  const args = { table: argv.table, cloud: argv.cloud as Cloud | undefined, config: argv.config, runId: argv['run-id'], chunk: argv.chunk };
  await runExtractor(await prepareRun(args), args, log, signal);
});
