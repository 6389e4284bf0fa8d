import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import avro from 'avsc';
import { afterAll, describe, expect, test } from 'vitest';
import { modelToAvsc } from '../../../shared/avro/avsc-schema.js';
import type { AvroCodec } from '../../../shared/avro/codecs.js';
import { decimalBytesToText } from '../../../shared/avro/decimal.js';
import { PartWriter } from '../../../shared/avro/part-writer.js';
import type { AvroValue, Column, Row } from '../../../shared/model/column.js';
import { daysToDateText, microsToDatetimeText, microsToTimestampText } from '../../../shared/model/temporal.js';
import { encodedBatches } from './encoded-batches.js';
import { edgeRows, everyKindModel } from './fixtures.js';
import { MemoryStore } from '../../support/memory-store.js';

/**
 * A second implementation reads what PartWriter wrote: fastavro (Python) decodes every part, checks
 * the header's logical types and dumps the values, which must equal the rows we encoded.
 */

// CI points DATAPIPE_PYTHON at a virtualenv that has fastavro; locally python3 is tried.
const PYTHON = process.env.DATAPIPE_PYTHON ?? 'python3';
const SCRIPT = resolve(import.meta.dirname, '../../tools/verify_avro.py');
// fastavro reads snappy blocks through cramjam (or python-snappy); without one it cannot check them.
const PROBE = 'import fastavro\ntry:\n    import cramjam\nexcept ImportError:\n    import snappy';
const probe = spawnSync(PYTHON, ['-c', PROBE], { encoding: 'utf8' });
const fastavroMissing = probe.status !== 0
  ? `${PYTHON} cannot import fastavro with a snappy library (${(probe.error?.message ?? probe.stderr.trim().split('\n').pop()) || `exit ${probe.status}`}); install them with pip install fastavro cramjam`
  : null;
if (fastavroMissing) console.warn(`SKIPPING the fastavro cross-check: ${fastavroMissing}`);

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

async function freshFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'datapipe-fastavro-'));
  folders.push(folder);
  return folder;
}

/**
 * Writes rows through PartWriter — as rows, or (`encoded`) as batches of records already encoded,
 * the way a transcoding source hands them over — and saves the parts as files; returns the folder.
 */
async function writeParts(codec: AvroCodec, rows: Row[], partSizeBytes: number, input: 'rows' | 'encoded' = 'rows'): Promise<{ folder: string; parts: number }> {
  const store = new MemoryStore();
  const writer = new PartWriter({
    store, schema: modelToAvsc(everyKindModel), codec, partSizeBytes, blockSizeBytes: 2048,
    keyFor: (seq) => `run=r1/part-0000-${String(seq).padStart(6, '0')}.avro`,
  });
  if (input === 'rows') await writer.write(rows);
  else for (const batch of encodedBatches(rows, 7)) await writer.writeEncoded(batch);
  const parts = await writer.close();
  const folder = await freshFolder();
  for (const part of parts) await writeFile(join(folder, basename(part.key)), store.objects.get(part.key)!);
  return { folder, parts: parts.length };
}

function verify(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** What the script's dump shows for a value we encoded (see verify_avro.py --dump). */
function dumped(column: Column, value: AvroValue): unknown {
  if (value === null) return null;
  switch (column.type.kind) {
    case 'int64': return String(value);
    case 'decimal': return decimalBytesToText(value as Buffer, column.type.scale);
    case 'bytes': return (value as Buffer).toString('hex');
    case 'date': return daysToDateText(value as number);
    case 'datetime': return microsToDatetimeText(value as number | bigint);
    case 'timestamp': return microsToTimestampText(value as number | bigint);
    default: return value;
  }
}

/** Varied rows beyond the edge cases, enough to fill several parts. */
function bulkRows(count: number): Row[] {
  const [template] = edgeRows();
  return Array.from({ length: count }, (_, i) => ({
    ...template!, id: 1000 + i, name: `fila ${i} — ü`, counter: i % 2 === 0 ? BigInt(i) * 2n ** 50n : -i,
    day: -719162 + i * 997, at: BigInt(i) * 8_000_000_000_000n - 62_135_596_800_000_000n,
  }));
}

describe.skipIf(fastavroMissing !== null)('fastavro reads what PartWriter writes', () => {
  const inputs: [AvroCodec, 'rows' | 'encoded'][] = [['deflate', 'rows'], ['snappy', 'rows'], ['deflate', 'encoded'], ['snappy', 'encoded']];
  test.each(inputs)('%s from %s: schema, logical types and every value', async (codec, input) => {
    const rows = [...edgeRows(), ...bulkRows(400)];
    const { folder, parts } = await writeParts(codec, rows, 8_000, input);
    expect(parts).toBeGreaterThan(2);
    const dump = join(folder, 'dump.jsonl');
    const run = verify([folder, '--expect-rows', String(rows.length), '--dump', dump]);
    expect(run.stderr).toBe('');
    expect(run.status, run.stdout).toBe(0);
    const okLines = run.stdout.split('\n').filter((line) => line.startsWith('OK '));
    expect(okLines).toHaveLength(parts);
    for (const line of okLines) expect(line).toMatch(new RegExp(`: \\d+ records, codec ${codec}, 14 fields$`));
    expect(run.stdout).toContain(`${parts} files, ${rows.length} records, 0 failures`);

    const records = (await readFile(dump, 'utf8')).trim().split('\n').map((line) => (JSON.parse(line) as { record: Record<string, unknown> }).record);
    const expected = rows.map((row) => Object.fromEntries(everyKindModel.columns.map((c) => [c.name, dumped(c, row[c.name] ?? null)])));
    expect(records).toEqual(expected);
  });

  test('the script fails a part whose header lost its logical types, and a wrong row count', async () => {
    const folder = await freshFolder();
    const schema = modelToAvsc(everyKindModel);
    // What writing through a parsed avsc Type would produce: logicalType dropped from the header.
    const stripped = { ...schema, fields: schema.fields.map((f) => (f.name === 'at' ? { ...f, type: ['null', 'long'] } : f)) };
    const bytes = await new Promise<Buffer>((done, fail) => {
      const chunks: Buffer[] = [];
      const encoder = new avro.streams.BlockEncoder(stripped as avro.Schema);
      encoder.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => done(Buffer.concat(chunks))).on('error', fail);
      encoder.end({ id: 1 });
    });
    await writeFile(join(folder, 'part-0000-000000.avro'), bytes);
    const broken = verify([folder]);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain('FAIL');
    expect(broken.stdout).toContain('field at: kind datetime needs {type: long, logicalType: local-timestamp-micros}, got "long"');

    const { folder: good } = await writeParts('snappy', edgeRows(), 1 << 20);
    const miscount = verify([good, '--expect-rows', '4']);
    expect(miscount.status).toBe(1);
    expect(miscount.stdout).toContain('FAIL expected 4 records in total, found 5');
  });
});
