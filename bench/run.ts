/**
 * `npm run bench`: the benchmarks in turn, each in its own process (so one's memory is not the
 * next one's). `npm run bench -- --peers [options]` runs only the comparison with the peers
 * (bench/peers-bench.ts), passing it the options that follow.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const args = process.argv.slice(2);
const BENCHMARKS: [script: string, ...args: string[]][] = args.includes('--peers')
  ? [['peers-bench.ts', ...args.filter((a) => a !== '--peers')]]
  : [
      ['extract-bench.ts'],
      ['oracle-convert-bench.ts'],
      ['oracle-bench.ts'],
      ['history-bench.ts'],
      ['verify-bench.ts', '--rows', '1000000'],
    ];

for (const [script, ...scriptArgs] of BENCHMARKS) {
  const child = spawnSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, script), ...scriptArgs], { stdio: 'inherit' });
  if (child.status !== 0) process.exit(child.status ?? 1);
}
