#!/usr/bin/env node
/**
 * Container entrypoint: `extractor --table <T> [--cloud <c>] [--config <p>] [--run-id <id>] [--chunk <i>/<n>]`.
 * The SIGTERM handler comes first; everything slow to load (yargs, pino, the drivers) is imported
 * after it, so a SIGTERM while the process starts exits 1 with one line, like one during the run.
 */
import { installShutdown } from '../runtime/run-command.js';
import type { Cloud } from '../../shared/config/config-schema.js';

const shutdown = installShutdown();

const [{ default: yargs }, { hideBin }, { createLogger }, { runArgsOptions }, { prepareRun, runExtractor }, { runCommand }, { usageFailure }] = await Promise.all([
  import('yargs'), import('yargs/helpers'), import('../../shared/log.js'), import('../runtime/cli-options.js'),
  import('../runtime/pipeline-run.js'), import('../runtime/run-command.js'), import('../runtime/usage.js'),
]);

const argv = await yargs(hideBin(process.argv))
  .scriptName('extractor')
  .usage('$0 --table <TABLE> [--cloud <cloud>] [--config <path>] [--run-id <id>] [--chunk <i>/<n>]')
  .options(runArgsOptions)
  .option('chunk', { type: 'string', describe: 'read one of n slices of the table, e.g. 2/8' })
  .strict()
  .fail(usageFailure('extractor'))
  .parse();

const log = createLogger();
shutdown.attach(log);
const { signal } = shutdown;
await runCommand(log, async () => {
  // A signal that came while the modules loaded: nothing has started, nothing is published.
  signal.throwIfAborted();
  const args = { table: argv.table, cloud: argv.cloud as Cloud | undefined, config: argv.config, runId: argv['run-id'], chunk: argv.chunk };
  await runExtractor(await prepareRun(args), args, log, signal);
});

// Everything the run opened is closed by now. A driver socket stuck on a dead peer (a stalled
// Oracle session is dropped without waiting for its close) must not keep the container running.
setTimeout(() => process.exit(), 5_000).unref();
