/**
 * How `datapipe run` talks (README "Logging", "At a terminal"): at a terminal a live line on
 * stderr and a closing summary; everywhere else — a container, a pipe, CI, `--log-format json` —
 * exactly the log records it always wrote (JSON lines, or pino-pretty when stdout is a terminal),
 * which Kubernetes and Airflow collect. `--log-format pretty` keeps the pretty records at a terminal.
 */
import { createLogger, type Logger } from '../../../shared/log.js';
import { LiveLine } from './live-line.js';
import { lineLogger } from './terminal-logger.js';

export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Whether `CI` says this is a CI job (any value but empty, 0 or false), where nobody watches a live line. */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
}

/** The live line is drawn only when stderr is a terminal, the format is left to DataPipe and CI is not set. */
export function wantsLiveLine(format: LogFormat, env: NodeJS.ProcessEnv, stderrIsTerminal: boolean): boolean {
  return format === 'auto' && stderrIsTerminal && !isCi(env);
}

export interface RunOutput {
  /** The run's logger. */
  log: Logger;
  /** The logger a failure's record goes to (runCommand). */
  failureLog: Logger;
  /** The live line, at a terminal; null elsewhere. */
  live: LiveLine | null;
}

/**
 * The output of one `datapipe run`. At a terminal only warnings and errors are logged, pretty and
 * above the live line (DATAPIPE_LOG_LEVEL still rules); a failure is the summary's line and the
 * `datapipe:` line, not a third copy as a record.
 */
export function runOutput(format: LogFormat, env: NodeJS.ProcessEnv = process.env, stderr: { isTTY?: boolean } = process.stderr): RunOutput {
  if (wantsLiveLine(format, env, stderr.isTTY === true)) {
    const live = new LiveLine(process.stderr);
    const lines = (text: string) => live.log(text);
    return { log: lineLogger('warn', lines), failureLog: lineLogger('silent', lines), live };
  }
  const log = format === 'auto' ? createLogger() : createLogger({ pretty: format === 'pretty' });
  return { log, failureLog: log, live: null };
}
