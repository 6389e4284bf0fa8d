/**
 * Upload throughput of the Azure staging store against Azurite: one 128 MiB part per run, streamed
 * in 64 KiB chunks the way the part writer sends them, for a few block sizes. Each upload runs in a
 * child process, which reports its own CPU time and peak RSS above its warmed-up baseline (SDK
 * loaded, one small write done), so the numbers are the store's alone. Azurite is a separate
 * process; its CPU is reported too. Usage: npx tsx bench/azure-upload-bench.ts [--mib 128] [--blocks 4,8,16] [--concurrency 4]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { startAzurite } from '../test/support/azurite.js';

const MIB = 1024 * 1024;
const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};

interface ChildResult { seconds: number; cpuSeconds: number; peakAddedMiB: number; peakBuffersMiB: number }

if (args[0] === '--child') {
  const [, connectionString, accountUrl, container, mib, blockMiB, concurrency] = args as [string, string, string, string, string, string, string];
  const { openAzureStore } = await import('../shared/stores/azure/azure-store.js');
  const store = openAzureStore({ accountUrl, container, connectionString, blockBytes: Number(blockMiB) * MIB, blockConcurrency: Number(concurrency) });
  await store.put('warm-up', 'x');
  // One random MiB, sent again and again as fresh 64 KiB chunks (copies, as a writer's would be).
  const pattern = Buffer.from(Array.from({ length: MIB }, (_, i) => (i * 2654435761) >>> 24));
  const total = Number(mib) * MIB;
  let sent = 0;
  const body = new Readable({
    highWaterMark: 1 << 20,
    read() {
      if (sent >= total) return void this.push(null);
      const chunk = Buffer.from(pattern.subarray(sent % MIB, (sent % MIB) + 64 * 1024));
      sent += chunk.length;
      this.push(chunk);
    },
  });
  global.gc?.();
  const baseline = process.memoryUsage();
  let peak = baseline.rss;
  let buffers = baseline.arrayBuffers;
  const sample = () => {
    const now = process.memoryUsage();
    peak = Math.max(peak, now.rss);
    buffers = Math.max(buffers, now.arrayBuffers);
  };
  const sampler = setInterval(sample, 5);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await store.upload('part-0000-000000.avro', body);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  sample();
  const result: ChildResult = {
    seconds, cpuSeconds: (used.user + used.system) / 1e6,
    peakAddedMiB: (peak - baseline.rss) / MIB, peakBuffersMiB: (buffers - baseline.arrayBuffers) / MIB,
  };
  console.log(JSON.stringify(result));
  process.exit(0);
}

/** User + system CPU seconds a process has used so far (Linux /proc). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const mib = Number(option('mib', '128'));
const blockSizes = option('blocks', '4,8,16').split(',').map(Number);
const concurrency = Number(option('concurrency', '4'));
const azurite = await startAzurite({ containers: ['bench'] });
const azuritePid = azurite.pid;
try {
  console.log(`Azure upload of a ${mib} MiB part to Azurite 3.35 (in memory, loopback), ${concurrency} blocks in flight`);
  console.log('block MiB | seconds | MiB/s | client CPU s | client CPU s per GiB | client peak RSS added MiB | peak Buffer memory added MiB | Azurite CPU s');
  for (const block of blockSizes) {
    const before = cpuSecondsOf(azuritePid);
    const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--child',
      azurite.connectionString(), azurite.accountUrl, 'bench', String(mib), String(block), String(concurrency)], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`the upload child failed: ${child.stderr}`);
    const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ChildResult;
    const server = cpuSecondsOf(azuritePid) - before;
    console.log([block, r.seconds.toFixed(2), (mib / r.seconds).toFixed(0), r.cpuSeconds.toFixed(2), ((r.cpuSeconds * 1024) / mib).toFixed(2), r.peakAddedMiB.toFixed(0), r.peakBuffersMiB.toFixed(0), server.toFixed(2)].join(' | '));
  }
} finally {
  await azurite.stop();
}
