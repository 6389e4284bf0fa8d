#!/usr/bin/env node
/**
 * Container entrypoint: `loader --table <T> [--cloud <c>] [--config <p>] [--run-id <id>]`, or
 * `loader verify --table <T> [--level 1|2] [--show N]` to verify the table against its source
 * (docs/verify.md): a DAG's verify task runs this image in that mode.
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

const [first, ...rest] = hideBin(process.argv);
const verify = first === 'verify';
const argv = await yargs(verify ? rest : hideBin(process.argv))
  .scriptName('loader')
  .usage('$0 --table <TABLE> [--cloud <cloud>] [--config <path>] [--run-id <id>]\n$0 verify --table <TABLE> [--level 1|2] [--show N]')
  .options(runArgsOptions)
  .option('level', { choices: [1, 2] as const, default: 2 as const, describe: 'verify: 1 profiles only, 2 profiles and row hashes' })
  .option('show', { type: 'number', default: 10, describe: 'verify: differing rows shown, at most' })
  .strict()
  .fail(usageFailure('loader'))
  .parse();

const log = createLogger();
shutdown.attach(log);
await runCommand(log, async () => {
  const args = { table: argv.table, cloud: argv.cloud as Cloud | undefined, config: argv.config, runId: argv['run-id'] };
  if (verify) {
    const { verifyTables } = await import('../runtime/verify-tables.js');
    await verifyTables({ tables: [argv.table], config: argv.config, cloud: args.cloud, level: argv.level, show: argv.show, json: false, log });
    return;
  }
  await runLoader(await prepareRun(args), args, log);
});

// Everything the run opened is closed by now. A driver socket stuck on a dead peer (a stalled
// Oracle session is dropped without waiting for its close) must not keep the container running.
setTimeout(() => process.exit(), 5_000).unref();
