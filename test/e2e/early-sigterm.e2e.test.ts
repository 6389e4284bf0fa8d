import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAvsc, modelToAvsc } from '../../shared/avro/avsc-schema.js';
import { start, workspace } from '../support/cli.js';
import { ventas } from '../support/model-fixtures.js';
import { oneLine } from './e2e-database.js';

/**
 * A SIGTERM while an entrypoint starts up (Kubernetes deleting a pod that just started) exits 1
 * with one line, as during a run — not 143 with nothing said. The entrypoints install their
 * handler before loading anything slow, so from the moment node runs the first line of an ES
 * module the signal is theirs. Before that moment (node's own start-up, some 50 ms here) no
 * JavaScript runs and node dies of the signal, whatever the program: that is measured here as
 * `ready`, and the signals are sent at 2× and 3× it, long before the entrypoints' modules
 * (yargs, pino, the drivers) have loaded. So that no run can finish before its signal, the
 * workspace's source, bucket and warehouse all point at a server that accepts connections and
 * never answers.
 */

/** Milliseconds from spawn until an ES module's first line can handle SIGTERM: the slowest of three starts. */
async function esmReadyMs(dir: string): Promise<number> {
  const probe = join(dir, 'probe.mjs');
  await writeFile(probe, "process.on('SIGTERM', () => process.exit(0));\nprocess.stdout.write('ready');\nsetTimeout(() => {}, 10_000);\n");
  let slowest = 0;
  for (let i = 0; i < 3; i++) {
    const begun = performance.now();
    const child = spawn(process.execPath, [probe], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise<void>((ready) => child.stdout.once('data', () => ready()));
    slowest = Math.max(slowest, performance.now() - begun);
    child.kill('SIGTERM');
    await new Promise((closed) => child.once('close', closed));
  }
  return slowest;
}

let cwd: string;
let ready: number;
let silent: Server;
const sockets: Socket[] = [];
let env: Record<string, string>;

beforeAll(async () => {
  cwd = await workspace('early-sigterm');
  silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((listening) => silent.listen(0, '127.0.0.1', () => listening()));
  const port = (silent.address() as { port: number }).port;
  env = { STORAGE_EMULATOR_HOST: `http://127.0.0.1:${port}`, BIGQUERY_EMULATOR_HOST: `http://127.0.0.1:${port}` };
  await writeFile(join(cwd, 'config.yaml'), [
    'project: { name: early }',
    `source: { type: postgres, connection: { host: 127.0.0.1, port: ${port}, database: d, user: u, password: "" }, schema: public }`,
    'destination: { cloud: gcp, gcp: { project_id: early-project, dataset: raw, bucket: early-bucket, location: US } }',
    'tables: [{ name: VENTAS_CABECERA, load_mode: full, primary_keys: [ID_VENTA] }]',
    '',
  ].join('\n'));
  await mkdir(join(cwd, 'schemas'));
  await writeFile(join(cwd, 'schemas', 'ventas_cabecera.avsc'), formatAvsc(modelToAvsc(ventas)));
  ready = await esmReadyMs(cwd);
  console.log(`[early SIGTERM] an ES module's first line runs ${ready.toFixed(0)} ms after spawn here`);
});

describe('SIGTERM while an entrypoint starts: exit 1 and one line, not 143', () => {
  const cases = [
    { bin: 'extractor' as const, line: 'datapipe: stopped by SIGTERM before the run finished; nothing was published — re-run it' },
    { bin: 'loader' as const, line: 'datapipe: stopped by SIGTERM before the run finished — nothing partial is left visible; re-running it is safe' },
  ];
  for (const { bin, line } of cases) {
    for (const factor of [2, 3]) {
      it(`${bin}: SIGTERM ${factor}× the start-up time after spawn`, async () => {
        const { child, done } = start(bin, ['--table', 'VENTAS_CABECERA', '--run-id', 'early'], { cwd, env });
        const begun = performance.now();
        await new Promise((later) => setTimeout(later, Math.max(0, factor * ready - (performance.now() - begun))));
        child.kill('SIGTERM');
        const outcome = await done;
        expect({ code: outcome.code, signal: outcome.signal }).toEqual({ code: 1, signal: null });
        expect(oneLine(outcome.stderr)).toBe(line);
      });
    }
  }
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((closed) => silent?.close(closed));
});
