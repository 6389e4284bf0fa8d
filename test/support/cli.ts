import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = {
  datapipe: join(ROOT, 'dist/services/cli/main.js'),
  extractor: join(ROOT, 'dist/services/extractor/main.js'),
  loader: join(ROOT, 'dist/services/loader/main.js'),
} as const;

export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts a compiled entrypoint as a user would (`node dist/…`), in `cwd`, with `env` added. */
export function start(bin: keyof typeof BIN, args: string[], options: { cwd: string; env?: Record<string, string> }): { child: ChildProcess; done: Promise<Outcome> } {
  const child = spawn(process.execPath, [BIN[bin], ...args], {
    cwd: options.cwd,
    env: { ...process.env, DATAPIPE_LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<Outcome>((ok) => child.on('close', (code, signal) => ok({ code, signal, stdout, stderr })));
  return { child, done };
}

export function run(bin: keyof typeof BIN, args: string[], options: { cwd: string; env?: Record<string, string> }): Promise<Outcome> {
  return start(bin, args, options).done;
}

/**
 * A fresh folder for a test's workspace: under DATAPIPE_TEST_ARTIFACTS when CI sets it (so the
 * AVRO files the tests write are read back by fastavro afterwards), else under the OS temp dir.
 */
export function workspace(name: string): Promise<string> {
  const base = process.env.DATAPIPE_TEST_ARTIFACTS ?? tmpdir();
  return mkdtemp(join(base, `${name}-`));
}
