/**
 * One measured run of the real extract() (committed schema, window, parts, manifest) to a local
 * staging folder, as both extraction benchmarks run it: the config is written to a temp folder,
 * the schema generated from the live source, the extraction timed and its RSS sampled every 100 ms.
 * Run it in a child process, so the peak RSS is the extractor's own.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from '../services/extractor/extract.js';
import { formatAvsc, modelToAvsc } from '../shared/avro/avsc-schema.js';
import { findTable, loadConfig } from '../shared/config/load-config.js';
import { silentLogger } from '../shared/log.js';
import { applyTableSpec } from '../shared/pipeline/table-contract.js';
import { openSource } from '../shared/sources/registry.js';
import { LocalStore } from '../shared/stores/local/local-store.js';

export interface ExtractMeasurement {
  rows: number;
  seconds: number;
  files: number;
  avroBytes: number;
  /** The process's peak RSS (sampled, and the OS's maxRSS). */
  peakRssMb: number;
  /** The largest RSS sample of the run's second half: flat memory means it stays near the peak. */
  secondHalfRssMb: number | null;
}

/** Extracts `table` as `configYaml` (staging: local `staging/`) describes it; the temp folder is removed after. */
export async function measureExtract(configYaml: string, table: string): Promise<ExtractMeasurement> {
  const dir = await mkdtemp(join(tmpdir(), 'datapipe-bench-'));
  try {
    await writeFile(join(dir, 'config.yaml'), configYaml);
    const loaded = await loadConfig(join(dir, 'config.yaml'));
    const spec = findTable(loaded, table);
    const source = await openSource(loaded.config.source, silentLogger);
    try {
      await mkdir(join(dir, 'schemas'));
      const model = applyTableSpec(await source.describe(table, { profile: false }), spec);
      await writeFile(join(dir, 'schemas', `${model.name}.avsc`), formatAvsc(modelToAvsc(model)));
      const samples: number[] = [];
      const sampler = setInterval(() => samples.push(process.memoryUsage.rss()), 100);
      const started = performance.now();
      const manifest = await extract({
        config: loaded.config, configPath: loaded.path, table: spec, source, store: new LocalStore(join(dir, 'staging')),
        prefix: undefined, schemasDir: join(dir, 'schemas'), runId: 'bench', log: silentLogger,
      });
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      const mb = (bytes: number) => Math.round(bytes / 1048576);
      const secondHalf = samples.slice(Math.floor(samples.length / 2));
      return {
        rows: manifest.rows, seconds, files: manifest.files.length,
        avroBytes: manifest.files.reduce((sum, f) => sum + f.bytes, 0),
        peakRssMb: mb(Math.max(...samples, process.resourceUsage().maxRSS * 1024)),
        secondHalfRssMb: secondHalf.length > 0 ? mb(Math.max(...secondHalf)) : null,
      };
    } finally {
      await source.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
