#!/usr/bin/env node
/**
 * Container entrypoint: `loader --table <T> [--cloud <c>] [--config <p>] [--run-id <id>]`.
 * The SIGTERM handler comes first; everything slow to load (yargs, pino, DuckDB, the cloud SDKs)
 * is imported after it, so a SIGTERM while the process starts exits 1 with one line.
 */
import { installShutdown } from '../runtime/run-command.js';
import type { Cloud } from '../../shared/config/config-schema.js';

// The merge and the state write are each atomic: stopping between or inside them loses nothing,
// so a SIGTERM ends the loader at once (no grace period).
const shutdown = installShutdown(0);

const [{ default: yargs }, { hideBin }, { createLogger }, { runArgsOptions }, { prepareRun, runLoader }, { runCommand }, { usageFailure }] = await Promise.all([
  import('yargs'), import('yargs/helpers'), import('../../shared/log.js'), import('../runtime/cli-options.js'),
  import('../runtime/pipeline-run.js'), import('../runtime/run-command.js'), import('../runtime/usage.js'),
]);

const argv = await yargs(hideBin(process.argv))
  .scriptName('loader')
  .usage('$0 --table <TABLE> [--cloud <cloud>] [--config <path>] [--run-id <id>]')
  .options(runArgsOptions)
  .strict()
  .fail(usageFailure('loader'))
  .parse();

const log = createLogger();
shutdown.attach(log);
await runCommand(log, async () => {
  const args = { table: argv.table, cloud: argv.cloud as Cloud | undefined, config: argv.config, runId: argv['run-id'] };
  await runLoader(await prepareRun(args), args, log);
});

// Everything the run opened is closed by now. A driver socket stuck on a dead peer (a stalled
// Oracle session is dropped without waiting for its close) must not keep the container running.
setTimeout(() => process.exit(), 5_000).unref();
