/**
 * Runs one tool as its own process, the way every tool in the peers benchmark is measured: wall time
 * from start to exit and the kernel's peak RSS of that process (ru_maxrss from wait4), both taken by
 * measure_process.py, the same for Node, Python and psql.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface ToolCommand {
  argv: string[];
  cwd: string;
  env?: Record<string, string>;
}

export interface ProcessMeasurement {
  seconds: number;
  peakRssMb: number;
  stdout: string;
}

const WRAPPER = resolve(import.meta.dirname, 'measure_process.py');

/** Runs `command` under the wrapper (`python` is any Python 3); a non-zero exit throws with its stderr's tail. */
export function runMeasured(python: string, command: ToolCommand): ProcessMeasurement {
  const dir = mkdtempSync(join(tmpdir(), 'datapipe-bench-measure-'));
  try {
    const resultPath = join(dir, 'result.json');
    const child = spawnSync(python, [WRAPPER, resultPath, ...command.argv], {
      cwd: command.cwd, env: { ...process.env, ...command.env }, encoding: 'utf8', maxBuffer: 64 << 20,
    });
    if (child.error) throw child.error;
    const result = JSON.parse(readFileSync(resultPath, 'utf8')) as { exit: number; seconds: number; peakRssKb: number };
    if (result.exit !== 0) {
      throw new Error(`${command.argv.slice(0, 3).join(' ')} … exited ${result.exit}: ${child.stderr.trim().split('\n').slice(-8).join('\n')}`);
    }
    return { seconds: result.seconds, peakRssMb: Math.round(result.peakRssKb / 1024), stdout: child.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs an untimed step (a tool's first load before its incremental run); a non-zero exit throws. */
export function runUntimed(command: ToolCommand): string {
  const [file, ...args] = command.argv;
  const child = spawnSync(file!, args, { cwd: command.cwd, env: { ...process.env, ...command.env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (child.error) throw child.error;
  if (child.status !== 0) throw new Error(`${command.argv.slice(0, 3).join(' ')} … exited ${child.status}: ${child.stderr.trim().split('\n').slice(-8).join('\n')}`);
  return child.stdout;
}
