/**
 * S3Store upload and download throughput against moto (the S3 emulator), one process on loopback:
 * wall time, the client's CPU time, the client's peak RSS above its idle RSS, and moto's CPU time.
 * Needs moto (bash test/tools/moto-server.sh). Run: npx tsx bench/s3-upload-bench.ts [--mib 128]
 * [--part-mib 8] [--concurrency 4]. Numbers are the emulator's, not S3's: they bound the client's
 * own cost (checksums, signing, copies), not the network's.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { openS3Store } from '../shared/stores/s3/s3-store.js';
import { MOTO_CREDENTIALS, motoServerMissing, startMotoServer } from '../test/support/moto-server.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : fallback;
};
const MIB = 1024 * 1024;
const total = option('mib', 128) * MIB;
const partBytes = option('part-mib', 8) * MIB;
const concurrency = option('concurrency', 4);

const missing = motoServerMissing();
if (missing !== null) {
  console.error(`bench: needs moto — ${missing}`);
  process.exit(2);
}
Object.assign(process.env, MOTO_CREDENTIALS, { AWS_EC2_METADATA_DISABLED: 'true' });

/** CPU seconds a process has used so far (utime + stime from /proc). */
function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs `work`, sampling RSS every 10 ms. */
async function measure(work: () => Promise<void>, serverPid: number | undefined) {
  global.gc?.();
  const idleRss = process.memoryUsage().rss;
  let peakRss = idleRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 10);
  const cpu = process.cpuUsage();
  const serverCpu = processCpuSeconds(serverPid);
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const used = process.cpuUsage(cpu);
  return {
    seconds: seconds.toFixed(2),
    'MiB/s': (total / MIB / seconds).toFixed(0),
    'client CPU s': ((used.user + used.system) / 1e6).toFixed(2),
    'client peak RSS +MiB': ((peakRss - idleRss) / MIB).toFixed(0),
    'moto CPU s': (processCpuSeconds(serverPid) - serverCpu).toFixed(2),
  };
}

const server = await startMotoServer();
try {
  await server.createBucket('bench');
  const store = openS3Store({ bucket: 'bench', region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, partBytes, uploadConcurrency: concurrency });
  const chunk = randomBytes(MIB);
  // Warm up: loads the SDK and opens connections, outside the measurement.
  await store.put('warm-up', 'x');
  const body = () => Readable.from((function* () {
    for (let sent = 0; sent < total; sent += MIB) yield chunk;
  })());
  const upload = await measure(() => store.upload('bench/part.avro', body()), server.pid);
  const download = await measure(async () => {
    let bytes = 0;
    for await (const piece of await store.openRead('bench/part.avro')) bytes += (piece as Buffer).length;
    if (bytes !== total) throw new Error(`read ${bytes} bytes, expected ${total}`);
  }, server.pid);
  console.log(`S3Store ↔ moto, ${total / MIB} MiB, ${partBytes / MIB} MiB parts, ${concurrency} in flight`);
  console.table({ upload, 'download (openRead)': download });
} finally {
  await server.stop();
}
