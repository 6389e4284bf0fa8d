import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths redacted wherever they appear in a log record. Secrets never reach the logger on purpose;
 * this is the net under that rule.
 */
const REDACT = [
  'password', '*.password', '*.*.password', 'token', '*.token', '*.*.token',
  'secret', '*.secret', 'connectionString', '*.connectionString', 'config.source.connection',
];

export interface LogOptions {
  /** pino level; `DATAPIPE_LOG_LEVEL` overrides it. */
  level?: string;
  /** Pretty, human output; defaults to whether stdout is a terminal. */
  pretty?: boolean;
  /** Where records go; stdout by default (what Kubernetes and Airflow collect). */
  destination?: NodeJS.WritableStream;
}

/** The options every DataPipe logger shares: the level (`DATAPIPE_LOG_LEVEL` first) and the redaction. */
export function loggerBase(level = 'info') {
  return { level: process.env.DATAPIPE_LOG_LEVEL || level, redact: { paths: REDACT, censor: '[redacted]' }, base: { app: 'datapipe' } };
}

/** The process logger: JSON lines on stdout, pretty on a TTY, secrets redacted by path. */
export function createLogger(options: LogOptions = {}): Logger {
  const pretty = options.pretty ?? (process.stdout.isTTY === true && !options.destination);
  const base = loggerBase(options.level);
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname,app' } } });
  }
  return options.destination ? pino(base, options.destination) : pino(base);
}

/** A logger that drops everything, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
