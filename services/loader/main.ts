#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { createLogger } from '../../shared/log.js';
import type { Cloud } from '../../shared/config/config-schema.js';
import { runArgsOptions } from '../runtime/cli-options.js';
import { prepareRun, runLoader } from '../runtime/pipeline-run.js';
import { runCommand, shutdownSignal } from '../runtime/run-command.js';
import { usageFailure } from '../runtime/usage.js';

/** Container entrypoint: `loader --table <T> [--cloud <c>] [--config <p>] [--run-id <id>]`. */
const argv = await yargs(hideBin(process.argv))
  .scriptName('loader')
  .usage('$0 --table <TABLE> [--cloud <cloud>] [--config <path>] [--run-id <id>]')
  .options(runArgsOptions)
  .strict()
  .fail(usageFailure('loader'))
  .parse();

const log = createLogger();
// The merge and the state write are each atomic: stopping between or inside them loses nothing.
shutdownSignal(log, 0);
await runCommand(log, async () => {
  const args = { table: argv.table, cloud: argv.cloud as Cloud | undefined, config: argv.config, runId: argv['run-id'] };
  await runLoader(await prepareRun(args), args, log);
});
