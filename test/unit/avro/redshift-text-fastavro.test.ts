import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import avro from 'avsc';
import { afterAll, describe, expect, test } from 'vitest';
import type { AvroEncoding } from '../../../shared/avro/avro-encoding.js';
import { modelToAvsc, schemaFingerprint, type AvscRecordSchema } from '../../../shared/avro/avsc-schema.js';
import { decimalBytesToText } from '../../../shared/avro/decimal.js';
import { PartWriter, type PartInfo } from '../../../shared/avro/part-writer.js';
import type { AvroValue, Column, Row } from '../../../shared/model/column.js';
import type { Manifest } from '../../../shared/pipeline/manifest.js';
import { daysToDateText, microsToDatetimeText, microsToTimestampText } from '../../../shared/model/temporal.js';
import { workspace } from '../../support/cli.js';
import { MemoryStore } from '../../support/memory-store.js';
import { edgeRows, everyKindModel } from './fixtures.js';
import { manyRows } from './part-files.js';

/**
 * fastavro (Python) reads redshift-text parts: test/tools/verify_avro.py checks each text value
 * against its form's exact pattern and parses it with Python's datetime / decimal, so the same
 * rows written under both encodings must dump identically — the text forms agree with fastavro's
 * own decoding of the logical types. The manifest written here lands under
 * DATAPIPE_TEST_ARTIFACTS in CI, whose final `verify_avro.py --manifests` pass reads it again.
 */

const PYTHON = process.env.DATAPIPE_PYTHON ?? 'python3';
const SCRIPT = resolve(import.meta.dirname, '../../tools/verify_avro.py');
const PROBE = 'import fastavro\ntry:\n    import cramjam\nexcept ImportError:\n    import snappy';
const probe = spawnSync(PYTHON, ['-c', PROBE], { encoding: 'utf8' });
const fastavroMissing = probe.status !== 0
  ? `${PYTHON} cannot import fastavro with a snappy library (${(probe.error?.message ?? probe.stderr.trim().split('\n').pop()) || `exit ${probe.status}`}); install them with pip install fastavro cramjam`
  : null;
if (fastavroMissing) console.warn(`SKIPPING the fastavro check of redshift-text parts: ${fastavroMissing}`);

const folders: string[] = [];
afterAll(async () => {
  // Under DATAPIPE_TEST_ARTIFACTS the folders stay for CI's final verification pass.
  if (process.env.DATAPIPE_TEST_ARTIFACTS === undefined) await Promise.all(folders.map((f) => rm(f, { recursive: true, force: true })));
});

async function folder(name: string): Promise<string> {
  const path = await workspace(name);
  folders.push(path);
  return path;
}

/** Writes the rows through PartWriter under `encoding` into `dir` as files; returns the schema and parts. */
async function writeParts(dir: string, encoding: AvroEncoding, rows: Row[]): Promise<{ schema: AvscRecordSchema; parts: PartInfo[] }> {
  const store = new MemoryStore();
  const schema = modelToAvsc(everyKindModel, { encoding });
  const writer = new PartWriter({
    store, schema, codec: 'snappy', partSizeBytes: 20_000, blockSizeBytes: 2048,
    keyFor: (seq) => `run=r1/part-0000-${String(seq).padStart(6, '0')}.avro`,
  });
  for (let i = 0; i < rows.length; i += 300) await writer.write(rows.slice(i, i + 300));
  const parts = await writer.close();
  await mkdir(dir, { recursive: true });
  for (const part of parts) await writeFile(join(dir, basename(part.key)), store.objects.get(part.key)!);
  return { schema, parts };
}

function verify(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

async function dumpOf(dir: string, rows: number): Promise<Record<string, unknown>[]> {
  const dump = join(dir, 'dump.jsonl');
  const run = verify([dir, '--expect-rows', String(rows), '--dump', dump]);
  expect(run.stderr).toBe('');
  expect(run.status, run.stdout).toBe(0);
  return (await readFile(dump, 'utf8')).trim().split('\n').map((line) => (JSON.parse(line) as { record: Record<string, unknown> }).record);
}

/** What the script's dump shows for a row value (verify_avro.py --dump). */
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

/** A part of the text schema with one field's values forced, written by avsc directly (no PartWriter checks). */
async function forcedPart(dir: string, schema: unknown, records: Record<string, unknown>[]): Promise<void> {
  const bytes = await new Promise<Buffer>((done, fail) => {
    const chunks: Buffer[] = [];
    const encoder = new avro.streams.BlockEncoder(schema as avro.Schema);
    encoder.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => done(Buffer.concat(chunks))).on('error', fail);
    for (const record of records) encoder.write(record);
    encoder.end();
  });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'part-0000-000000.avro'), bytes);
}

describe.skipIf(fastavroMissing !== null)('fastavro reads redshift-text parts', () => {
  test('every text value has its exact form and stands for the value the standard encoding carries', async () => {
    const rows = [...edgeRows(), ...manyRows(1500)];
    const base = await folder('redshift-text-fastavro');
    await writeParts(join(base, 'standard'), 'standard', rows);
    const text = await writeParts(join(base, 'redshift-text'), 'redshift-text', rows);
    expect(text.parts.length).toBeGreaterThan(2);
    const standardDump = await dumpOf(join(base, 'standard'), rows.length);
    const textDump = await dumpOf(join(base, 'redshift-text'), rows.length);
    expect(textDump).toEqual(standardDump);
    expect(textDump).toEqual(rows.map((row) => Object.fromEntries(everyKindModel.columns.map((c) => [c.name, dumped(c, row[c.name] ?? null)]))));
  });

  test('--manifests checks the text parts against their manifest', async () => {
    const dir = join(await folder('redshift-text-manifest'), 'datapipe', 'edge_cases', 'run=r1');
    const rows = manyRows(900);
    const { schema, parts } = await writeParts(dir, 'redshift-text', rows);
    const manifest: Manifest = {
      version: 1, table: everyKindModel.sourceName, target: everyKindModel.name, runId: 'r1', mode: 'full',
      chunk: { index: 0, count: 1 }, schemaFingerprint: schemaFingerprint(schema), files: parts, rows: rows.length,
      window: { column: null, low: null, high: null, includeNulls: false, baseState: null, maxSeen: null },
      source: { type: 'postgres', clock: null }, startedAt: '2024-01-31T00:00:00.000Z', finishedAt: '2024-01-31T00:00:01.000Z',
      timings: { totalMs: 1000, rowsPerSecond: rows.length },
    };
    await writeFile(join(dir, '_manifest.json'), JSON.stringify(manifest));
    const run = verify(['--manifests', dir]);
    expect(run.stderr).toBe('');
    expect(run.status, run.stdout).toBe(0);
    expect(run.stdout).toContain(`1 manifests, ${parts.length} files, ${rows.length} records, 0 failures`);
  });

  const text = modelToAvsc(everyKindModel, { encoding: 'redshift-text' });
  const nulls = Object.fromEntries(everyKindModel.columns.map((c) => [c.name, null]));
  test.each<[string, string, string, string]>([
    ['a datetime in ISO form', 'at', '2024-01-31T10:11:12.000000', "field at: '2024-01-31T10:11:12.000000' is not datetime-text (expected YYYY-MM-DD HH:MM:SS.ffffff)"],
    ['a datetime with 3 fraction digits', 'at', '2024-01-31 10:11:12.000', "field at: '2024-01-31 10:11:12.000' is not datetime-text (expected YYYY-MM-DD HH:MM:SS.ffffff)"],
    ['a timestamp with Z', 'instant', '2024-01-31 10:11:12.000000Z', "field instant: '2024-01-31 10:11:12.000000Z' is not timestamp-text (expected YYYY-MM-DD HH:MM:SS.ffffff+00)"],
    ['a date that does not exist', 'day', '2023-02-29', "field day: '2023-02-29' is not date-text (day is out of range for month)"],
    ['a year with 5 digits', 'day', '10000-01-01', "field day: '10000-01-01' is not date-text (expected YYYY-MM-DD)"],
    ['a decimal with too few fraction digits', 'amount', '12.3', "field amount: '12.3' is not decimal-text (expected plain digits with exactly 2 fraction digits)"],
    ['a decimal with an exponent', 'amount', '1E+2', "field amount: '1E+2' is not decimal-text (expected plain digits with exactly 2 fraction digits)"],
    ['a decimal without its leading zero', 'amount', '-.05', "field amount: '-.05' is not decimal-text (expected plain digits with exactly 2 fraction digits)"],
    ['negative zero', 'amount', '-0.00', "field amount: '-0.00' is not decimal-text (negative zero)"],
    ['a decimal wider than its precision', 'amount', '12345678901234567.00', "field amount: '12345678901234567.00' is not decimal-text (19 digits, more than precision 18)"],
    ['uppercase hex', 'blob', 'ABCD', "field blob: 'ABCD' is not hex (expected lowercase hex digits in pairs)"],
    ['a string longer than a VARCHAR', 'name', 'x'.repeat(65_536), 'field name: a text of 65536 UTF-8 bytes does not fit a Redshift VARCHAR'],
  ])('fails %s', async (_what, name, value, message) => {
    const dir = await folder('redshift-text-forced');
    await forcedPart(dir, text, [{ ...nulls, id: 1, [name]: value }]);
    const run = verify([dir]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`FAIL ${join(dir, 'part-0000-000000.avro')}: ${message}`);
  });

  test('fails a text schema whose record lost its encoding, and one with a field left standard', async () => {
    const lost = await folder('redshift-text-lost');
    const { 'datapipe.encoding': _dropped, ...standardRecord } = text;
    await forcedPart(lost, standardRecord, [{ ...nulls, id: 1 }]);
    expect(verify([lost]).stdout).toContain("field amount: kind decimal under the standard encoding needs datapipe.encoding None, got 'decimal-text'");
    const mixed = await folder('redshift-text-mixed');
    const standardDay = modelToAvsc(everyKindModel).fields.find((f) => f.name === 'day')!;
    await forcedPart(mixed, { ...text, fields: text.fields.map((f) => (f.name === 'day' ? standardDay : f)) }, [{ ...nulls, id: 1 }]);
    expect(verify([mixed]).stdout).toContain("field day: kind date under the redshift-text encoding needs datapipe.encoding 'date-text', got None");
  });
});
