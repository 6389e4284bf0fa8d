/**
 * Runs a compiled entrypoint under a pseudo-terminal, as a person at a terminal would, with
 * util-linux `script` (`script -qfec <command> /dev/null`: the child's stdin, stdout and stderr are
 * the pty; everything it draws arrives on script's stdout, escape codes included).
 */
import { spawn, spawnSync } from 'node:child_process';
import { BIN } from './cli.js';

/** Why the terminal tests cannot run here, or null when they can. */
export function terminalUnavailable(): string | null {
  const probe = spawnSync('script', ['-qfec', 'true', '/dev/null'], { encoding: 'utf8' });
  return probe.error || probe.status !== 0 ? `util-linux \`script\` is not usable here (${probe.error?.message ?? `exit ${probe.status}`}) — apt-get install util-linux` : null;
}

export interface TerminalOutcome {
  code: number | null;
  /** Everything written to the terminal, escape codes and carriage returns included. */
  raw: string;
}

/**
 * `bin args…` under a pty in `cwd`. The environment is this process's without CI and
 * DATAPIPE_LOG_LEVEL (a person's terminal), plus `env`.
 */
export function runInTerminal(bin: keyof typeof BIN, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<TerminalOutcome> {
  const command = [process.execPath, BIN[bin], ...args].map(shellQuote).join(' ');
  const { CI: _ci, DATAPIPE_LOG_LEVEL: _level, ...inherited } = process.env;
  const child = spawn('script', ['-qfec', command, '/dev/null'], {
    cwd: options.cwd, env: { ...inherited, TERM: 'xterm', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let raw = '';
  child.stdout.on('data', (d: Buffer) => { raw += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { raw += d.toString(); });
  return new Promise((ok) => child.on('close', (code) => ok({ code, raw })));
}

/** Every state the terminal showed, one per line: escape sequences and carriage returns split it. */
export function screens(raw: string): string[] {
  /* eslint-disable no-control-regex -- escape sequences are what is parsed here */
  return raw
    .replace(/\x1b\[[0-9;]*m/g, '') // colours: not a new state
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '\n') // cursor moves and clears: the line is redrawn
    .split(/[\r\n]+/).map((l) => l.trimEnd()).filter((l) => l.length > 0);
  /* eslint-enable no-control-regex */
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
