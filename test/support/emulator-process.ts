/**
 * Starting an emulator (fake-gcs-server, moto, Azurite) for a test suite: on a free loopback port
 * (tried again if another process takes the port first), its output kept for the error message,
 * ready once it answers HTTP, stopped with SIGTERM (SIGKILL after 5 s), and killed if the test
 * process exits without its teardown.
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import { freePort } from './free-port.js';

/** A started emulator process. */
export interface EmulatorProcess {
  pid: number | undefined;
  stop(): Promise<void>;
}

export interface EmulatorLaunch {
  /** The emulator's name, for messages. */
  name: string;
  command: string;
  args: string[];
  options?: Omit<SpawnOptions, 'stdio'>;
  /** Resolves true once the emulator answers (an HTTP request that does not throw, usually). */
  ready(): Promise<boolean>;
  timeoutMs?: number;
}

/** Runs `launch` on a free port, up to three times (a port can be taken between probing and binding). */
export async function onFreePort<T>(launch: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(await freePort());
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

/** Spawns the emulator and waits until it is ready; a failure stops it and says why, with its output. */
export async function startEmulator(launch: EmulatorLaunch): Promise<EmulatorProcess> {
  const child = spawn(launch.command, launch.args, { ...launch.options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((done) => child.once('exit', () => ((exited = true), done())));
  const killNow = () => child.kill('SIGKILL');
  process.once('exit', killNow);
  const stop = async () => {
    process.removeListener('exit', killNow);
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(killNow, 5000);
      await exit;
      clearTimeout(timer);
    }
  };
  const timeoutMs = launch.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (exited) throw new Error(`${launch.name} exited with code ${child.exitCode} before answering: ${output.trim()}`);
      if (await launch.ready().catch(() => false)) break;
      if (Date.now() > deadline) throw new Error(`${launch.name} did not answer within ${timeoutMs / 1000} s: ${output.trim()}`);
      await new Promise((ok) => setTimeout(ok, 50));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: child.pid, stop };
}
