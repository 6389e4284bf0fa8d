import { DataPipeError, TerminalError, TransientError } from '../../../shared/errors.js';
import { containerEngineProblem, loadContainerModules, noEngineMessage, startOracleContainer, type StartedOracle } from './dev-oracle-engine.js';
import { SAMPLE_SALES } from './dev-oracle-sales.js';
import { loadOracleDriver, newPassword, SAMPLE_OWNER, SAMPLE_READER, seedSample, type OracleTarget } from './dev-oracle-seed.js';
import { TIPOS_ORACLE, TIPOS_ORACLE_ROWS } from './dev-oracle-types.js';

export interface DevOracleArgs {
  /** Host port for Oracle's 1521 (0: any free port). */
  port: number;
  image: string;
  /** Leave the container running and return at once. */
  keep: boolean;
}

/**
 * `datapipe dev oracle`: Oracle Database Free in a container with the VENTAS sample, for trying
 * the Oracle source on a laptop. Prints the environment and a config.yaml to use it, then keeps
 * the database up until Ctrl-C (which removes the container) — or, with --keep, returns and
 * leaves it running. The password is new on every run and printed once, never logged: the
 * database is a throwaway.
 */
export async function devOracleCommand(args: DevOracleArgs): Promise<void> {
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65_535) {
    throw new TerminalError(`--port ${args.port} is not a TCP port — use 1 to 65535, or 0 for any free port`);
  }
  const modules = await loadContainerModules();
  const problem = await containerEngineProblem(modules);
  if (problem !== null) throw new TerminalError(noEngineMessage(problem));

  const say = (line = ''): void => { process.stdout.write(`${line}\n`); };
  const password = newPassword();
  say(`starting ${args.image} (the first run pulls about 1 GB; Oracle then needs a minute or two to open)…`);
  const started = Date.now();
  // The pull and the first open can take minutes with nothing to show: say it is still going.
  const ticker = setInterval(() => say(`still starting Oracle (${Math.round((Date.now() - started) / 1000)} s)…`), 30_000);
  let oracle: StartedOracle;
  try {
    oracle = await startOracleContainer(modules, { image: args.image, port: args.port, password, keep: args.keep });
  } finally {
    clearInterval(ticker);
  }
  let leaveRunning = false;
  try {
    say(`Oracle is open at ${oracle.host}:${oracle.port}/${oracle.service}; creating the VENTAS sample…`);
    await seedSample(loadOracleDriver(), { target: oracle, admin: { user: 'SYS', password }, password }).catch((error: unknown) => {
      throw seedFailure(error, args.image);
    });
    say(`sample ready in schema ${SAMPLE_OWNER}: VENTAS_CABECERA (${SAMPLE_SALES} sales), VENTAS_DETALLE (${SAMPLE_SALES * 2} lines), `
      + `${TIPOS_ORACLE.name} (${TIPOS_ORACLE_ROWS.length} rows, a column per Oracle type), TIPOS_ORACLE_LONG, TIPOS_ORACLE_LONG_RAW`);
    say();
    for (const line of sampleEnvLines(oracle, password)) say(line);
    say();
    say('# config.yaml for the sample — then: datapipe generate schema --all --config config.yaml; datapipe run VENTAS_CABECERA --config config.yaml');
    process.stdout.write(sampleConfigYaml());
    say();
    if (args.keep) {
      leaveRunning = true;
      say(`Oracle stays up after this command (--keep); remove it with: docker rm -f ${oracle.id.slice(0, 12)}`);
      return;
    }
    say('Oracle runs until Ctrl-C, which stops and removes the container.');
    await untilStopSignal();
    say('stopping Oracle…');
  } finally {
    if (!leaveRunning) await stopQuietly(oracle);
  }
}

/** The environment to export, one `export NAME=value` line each, with the accounts explained. */
export function sampleEnvLines(target: OracleTarget, password: string): string[] {
  return [
    `# the extractor's account: CREATE SESSION; SELECT and FLASHBACK on the ${SAMPLE_OWNER} tables; EXECUTE on DBMS_FLASHBACK`,
    `export ORACLE_HOST=${target.host}`,
    `export ORACLE_PORT=${target.port}`,
    `export ORACLE_SERVICE=${target.service}`,
    `export ORACLE_USER=${SAMPLE_READER}`,
    `export ORACLE_PASSWORD=${password}`,
    `# the same password logs in as ${SAMPLE_OWNER} (the tables' owner), SYSTEM and SYS; the Oracle test suite and bench take this URL:`,
    `export DATAPIPE_ORACLE_URL=oracle://sys:${password}@${target.host}:${target.port}/${target.service}`,
  ];
}

/** A config.yaml reading the sample through the variables sampleEnvLines prints, into a local DuckDB. */
export function sampleConfigYaml(): string {
  return `project: { name: ventas-oracle, environment: development }
source:
  type: oracle
  connection:
    host: "\${ORACLE_HOST}"
    port: "\${ORACLE_PORT}"
    service_name: "\${ORACLE_SERVICE}"
    user: "\${ORACLE_USER}"
    password: "\${ORACLE_PASSWORD}"
  schema: ${SAMPLE_OWNER}
destination:
  cloud: local
  local: { path: .datapipe/staging, warehouse: .datapipe/warehouse.duckdb }
tables:
  - { name: VENTAS_CABECERA, load_mode: incremental, partition_column: FECHA_VENTA, primary_keys: [ID_VENTA], lookback: 1d }
  - { name: VENTAS_DETALLE, load_mode: incremental, partition_column: FECHA_MODIFICACION, primary_keys: [ID_VENTA, LINEA], lookback: 1d }
  - { name: TIPOS_ORACLE, load_mode: full }
  - { name: TIPOS_ORACLE_LONG, load_mode: full }
  - { name: TIPOS_ORACLE_LONG_RAW, load_mode: full }
`;
}

/**
 * Ends the process once stdout has drained: the container client may hold sockets open, and a
 * command that has finished should not wait for them.
 */
export function exitWhenFlushed(): Promise<never> {
  return new Promise<never>(() => {
    process.stdout.write('', () => process.exit());
  });
}

/** The first SIGINT or SIGTERM; a second one gets Node's default (exit), the reaper then removes the container. */
function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop).on('SIGTERM', stop);
  });
}

async function stopQuietly(oracle: StartedOracle): Promise<void> {
  try {
    await oracle.stop();
  } catch (error) {
    process.stderr.write(`datapipe: could not remove the Oracle container (${(error as Error).message.split('\n')[0]}) — remove it with: docker rm -f ${oracle.id.slice(0, 12)}\n`);
  }
}

/** A seeding failure in one line: an Oracle too old for the sample's types is a usage error. */
function seedFailure(error: unknown, image: string): Error {
  if (error instanceof DataPipeError) return error;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  if (/^ORA-00902\b/.test(message)) {
    return new TerminalError(`--image ${image}: creating the sample failed (${message}) — the sample needs Oracle Database 23ai (BOOLEAN and JSON columns): use a gvenzl/oracle-free:23 image`, { cause: error });
  }
  return new TransientError(`creating the VENTAS sample failed: ${message}`, { cause: error });
}
