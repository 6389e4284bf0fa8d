#!/usr/bin/env node
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { createLogger } from '../../shared/log.js';
import { TerminalError } from '../../shared/errors.js';
import { runCommand } from '../runtime/run-command.js';
import { usageFailure } from '../runtime/usage.js';
import { CLOUDS } from '../../shared/config/config-schema.js';
import { configSchemaCommand } from './commands/config-schema.js';
import { demoCommand } from './commands/demo.js';
import { devOracleCommand, exitWhenFlushed } from './commands/dev-oracle.js';
import { DEFAULT_ORACLE_IMAGE } from './commands/dev-oracle-engine.js';
import { generateCommand } from './commands/generate.js';
import { generateDagCommand } from './commands/generate-dag.js';
import { generateCiCommand } from './commands/generate-ci.js';
import { CI_PROVIDER_NAMES } from './ci/ci-providers.js';
import { initCommand } from './commands/init.js';
import { runTablesCommand } from './commands/run.js';
import { statusCommand } from './commands/status.js';
import { LOG_FORMATS, runOutput } from './terminal/output-mode.js';
import { validateCommand } from './commands/validate.js';
import { verifyCommand } from './commands/verify.js';

/** `datapipe`: the CLI that sets a workspace up, generates what the containers need, and runs tables locally. */
const log = createLogger();
const parser = yargs(hideBin(process.argv))
  .scriptName('datapipe')
  .usage('$0 <command> [options]')
  .command('init <name>', 'create <name>/config.yaml, a commented template', (y) => y
    .positional('name', { type: 'string', demandOption: true, describe: 'folder (and project name) to create' })
    .option('cloud', { choices: CLOUDS, demandOption: true, describe: 'destination cloud' })
    .option('force', { type: 'boolean', default: false, describe: 'overwrite an existing config.yaml' }),
  (argv) => runCommand(log, () => initCommand(argv.name, argv.cloud, argv.force)))
  .command('validate', 'check a config.yaml (syntax, fields, environment variables)', (y) => y
    .option('config', { type: 'string', demandOption: true }),
  (argv) => runCommand(log, () => validateCommand(argv.config)))
  .command('generate <what> [table]', 'generate schemas/<table>.avsc + .json (+ DDL) from the source, dags/dag_<cloud>_<table>.py, or the CI pipeline (ci)', (y) => y
    .positional('what', { choices: ['schema', 'dag', 'ci'] as const, demandOption: true })
    .positional('table', { type: 'string', describe: 'a table listed in the config' })
    .option('all', { type: 'boolean', default: false, describe: 'every table in the config (ci: every config of the workspace)' })
    .option('config', { type: 'string', describe: 'the config.yaml (required for schema and dag)' })
    .option('out', { type: 'string', describe: 'workspace root to write schemas/, dags/ or the pipeline under (default: current directory)' })
    .option('sample-rows', { type: 'number', default: 0, describe: 'schema: rows sampled to profile unconstrained NUMBER columns (0 = all)' })
    .option('check', { type: 'boolean', default: false, describe: 'compare the committed files with what the config generates; exit 2 on drift' })
    .option('image-tag', { type: 'string', describe: 'dag: the image tag the DAGs run, from deploy.registry (what the pipeline pushed)' })
    .option('dags-dir', { type: 'string', describe: 'dag: write the DAG files here instead of <out>/dags' })
    .option('provider', { choices: CI_PROVIDER_NAMES, default: 'github' as const, describe: 'ci: the CI system' }),
  (argv) => runCommand(log, () => {
    if (argv.what === 'ci') return generateCiCommand({ provider: argv.provider, config: argv.config, all: argv.all, out: argv.out, check: argv.check });
    if (argv.config === undefined) throw new TerminalError(`generate ${argv.what}: --config <path> is required`);
    return argv.what === 'dag'
      ? generateDagCommand({ table: argv.table, all: argv.all, config: argv.config, out: argv.out, check: argv.check, imageTag: argv['image-tag'], dagsDir: argv['dags-dir'] })
      : generateCommand({ table: argv.table, all: argv.all, config: argv.config, out: argv.out, sampleRows: argv['sample-rows'], log, check: argv.check });
  }))
  .command('run [table]', 'extract and load a table in one process (a new run)', (y) => y
    .positional('table', { type: 'string' })
    .option('all', { type: 'boolean', default: false, describe: 'every table in the config, one after another' })
    .option('config', { type: 'string', demandOption: true })
    .option('cloud', { choices: CLOUDS })
    .option('log-format', { choices: LOG_FORMATS, default: 'auto' as const, describe: 'auto: a live line and a summary at a terminal, JSON lines elsewhere; pretty: pino-pretty records; json: JSON lines' })
    .option('json', { type: 'boolean', default: false, describe: 'same as --log-format json' }),
  (argv) => {
    const output = runOutput(argv.json ? 'json' : argv['log-format']);
    return runCommand(output.failureLog, () => runTablesCommand({ table: argv.table, all: argv.all, config: argv.config, cloud: argv.cloud, log: output.log, live: output.live }));
  })
  .command('verify [table]', 'prove the warehouse equals the source: profiles and row hashes computed inside both engines; exit 3 when they differ', (y) => y
    .positional('table', { type: 'string', describe: 'a table listed in the config' })
    .option('all', { type: 'boolean', default: false, describe: 'every table in the config' })
    .option('config', { type: 'string', demandOption: true })
    .option('cloud', { choices: CLOUDS })
    .option('level', { choices: [1, 2] as const, default: 2 as const, describe: '1: profiles (counts, min, max, sums); 2: profiles and row hashes down to the differing keys' })
    .option('show', { type: 'number', default: 10, describe: 'differing rows shown per table, at most' })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON document on stdout instead of the table' }),
  // stdout carries the report (or its JSON) alone; the log records go to stderr.
  (argv) => runCommand(log, () => verifyCommand({
    table: argv.table, all: argv.all, config: argv.config, cloud: argv.cloud, level: argv.level, show: argv.show, json: argv.json,
    log: createLogger({ destination: process.stderr }),
  })))
  .command('status [table]', 'where each table stands: committed watermark and run, runs staged but not loaded, lag behind the source; exit 3 when a run is stuck', (y) => y
    .positional('table', { type: 'string', describe: 'one table of the config (default: all of them)' })
    .option('config', { type: 'string', describe: 'config.yaml (default: DATAPIPE_CONFIG, else the one config.yaml here or in a subfolder)' })
    .option('all', { type: 'boolean', describe: 'every config.yaml here and in the immediate subfolders' })
    .option('json', { type: 'boolean', default: false, describe: 'one JSON document on stdout' })
    .option('offline', { type: 'boolean', default: false, describe: 'do not connect to the source (no lag)' })
    .conflicts('all', 'config'),
  // stdout carries the report (or its JSON) alone: logs, failures included, are silent unless DATAPIPE_LOG_LEVEL asks.
  (argv) => {
    const quiet = createLogger({ level: 'silent', destination: process.stderr });
    return runCommand(quiet, () => statusCommand({ table: argv.table, config: argv.config, all: argv.all === true, json: argv.json, offline: argv.offline, log: quiet }));
  })
  .command('demo', 'an embedded end-to-end migration: PostgreSQL (PGlite) → AVRO → DuckDB, no setup', (y) => y
    .option('dir', { type: 'string', default: '.datapipe/demo', describe: 'workspace the demo writes to' })
    .option('rows', { type: 'number', default: 100_000, describe: 'rows in VENTAS_CABECERA' }),
  // The demo narrates in plain lines; its logs show warnings only unless DATAPIPE_LOG_LEVEL says otherwise.
  (argv) => runCommand(log, () => demoCommand({ dir: argv.dir, rows: argv.rows, log: createLogger({ level: 'warn' }) })))
  .command('dev <service>', 'a local service for development: `dev oracle` runs Oracle Database Free with the VENTAS sample (needs Docker)', (y) => y
    .positional('service', { choices: ['oracle'] as const, demandOption: true })
    .option('port', { type: 'number', default: 1521, describe: 'host port for Oracle (0: any free port)' })
    .option('image', { type: 'string', default: DEFAULT_ORACLE_IMAGE, describe: 'the gvenzl/oracle-free image to run' })
    .option('keep', { type: 'boolean', default: false, describe: 'leave Oracle running and return, instead of waiting for Ctrl-C' }),
  // The container client may keep sockets open after the command is done: exit once output is flushed.
  (argv) => runCommand(log, () => devOracleCommand({ port: argv.port, image: argv.image, keep: argv.keep })).then(exitWhenFlushed))
  .command('config-schema', 'print the JSON Schema of config.yaml (for editor autocomplete)', (y) => y
    .option('out', { type: 'string', describe: 'write to a file instead of stdout' }),
  (argv) => runCommand(log, () => configSchemaCommand(argv.out)))
  .demandCommand(1, 'name a command')
  .strict()
  .fail(usageFailure('datapipe'))
  .help();

await parser.parseAsync();
