/**
 * A logger for a terminal with a live line: each record rendered by pino-pretty and handed over
 * synchronously, so the live line can print it above itself instead of being torn by it. Same
 * level rules and redaction as every DataPipe logger (shared/log.ts).
 */
import { pino, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { loggerBase } from '../../../shared/log.js';

export function lineLogger(level: string, lines: (text: string) => void): Logger {
  // One line per record; DataPipe's messages already carry their error's text (the full error:
  // --log-format pretty or json).
  const prettify = prettyFactory({ colorize: true, singleLine: true, ignore: 'pid,hostname,app,err' });
  return pino(loggerBase(level), { write: (record: string) => lines(prettify(record)) });
}
