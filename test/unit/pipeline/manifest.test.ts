import { describe, expect, it } from 'vitest';
import { ContractError } from '../../../shared/errors.js';
import {
  manifestSchema, parseStored, stateSchema, storedJson, windowSchema,
  type Manifest, type RunWindow, type TableState,
} from '../../../shared/pipeline/manifest.js';

const STATE_KEY = 'datapipe/erp/ventas/_state.json';

const state: TableState = {
  version: 1, table: 'VENTAS', watermark: '2026-11-25T23:59:59.999999', runId: 'r1', rows: 1200, committedAt: '2026-11-26T02:05:00.000Z',
};

const manifest: Manifest = {
  version: 1,
  table: 'VENTAS',
  target: 'ventas',
  runId: 'r2',
  mode: 'incremental',
  chunk: { index: 1, count: 4 },
  schemaFingerprint: 'ab'.repeat(32),
  files: [{ key: 'datapipe/erp/ventas/run=r2/part-0001-000000.avro', rows: 10, bytes: 2048, sha256: 'cd'.repeat(32) }],
  rows: 10,
  window: {
    column: 'FECHA', low: '2026-11-24T00:00:00.000000', high: null, includeNulls: false,
    baseState: { runId: 'r1', watermark: '2026-11-25T00:00:00.000000' }, maxSeen: '2026-11-26T01:00:00.000000',
  },
  source: { type: 'postgres', clock: '2026-11-26T02:00:00.000000Z' },
  startedAt: '2026-11-26T02:00:00.000Z',
  finishedAt: '2026-11-26T02:00:05.000Z',
  timings: { totalMs: 5000, rowsPerSecond: 2 },
};

const window: RunWindow = {
  runId: 'r2', column: null, low: null, high: null, includeNulls: true, baseState: null, createdAt: '2026-11-26T02:00:00.000Z',
};

describe('storedJson', () => {
  it('writes 2-space indented JSON with a trailing newline', () => {
    expect(storedJson({ a: 1, b: [true, null], c: { d: 'x' } })).toBe('{\n  "a": 1,\n  "b": [\n    true,\n    null\n  ],\n  "c": {\n    "d": "x"\n  }\n}\n');
    expect(storedJson([])).toBe('[]\n');
  });
});

describe('parseStored', () => {
  it('reads back what storedJson wrote, from a Buffer or a string', () => {
    expect(parseStored(stateSchema, Buffer.from(storedJson(state)), STATE_KEY)).toEqual(state);
    expect(parseStored(manifestSchema, storedJson(manifest), 'm.json')).toEqual(manifest);
    expect(parseStored(windowSchema, storedJson(window), 'w.json')).toEqual(window);
  });

  it('drops keys the schema does not know', () => {
    expect(parseStored(stateSchema, JSON.stringify({ ...state, extra: 1 }), STATE_KEY)).toEqual(state);
  });

  it.each([
    ['not json at all'],
    [''],
    ['{"version": 1,'],
  ])('rejects invalid JSON %j as a broken contract naming the key', (body) => {
    expect(() => parseStored(stateSchema, body, STATE_KEY)).toThrow(
      new ContractError(`${STATE_KEY} is not valid JSON — it was damaged or written by something else; remove it and re-run the extractor`),
    );
  });

  it.each([
    ['null', 'root: Invalid input: expected object, received null'],
    ['[]', 'root: Invalid input: expected object, received array'],
    [JSON.stringify({ ...state, version: 2 }), 'version: Invalid input: expected 1'],
    [JSON.stringify({ ...state, watermark: 5 }), 'watermark: Invalid input: expected string, received number'],
    [JSON.stringify({ ...state, rows: 1.5 }), 'rows: Invalid input: expected int, received number'],
    [JSON.stringify({ version: 1 }), 'table: Invalid input: expected string, received undefined'],
  ])('rejects a wrong shape %s as a broken contract naming the key and the first issue', (body, issue) => {
    expect(() => parseStored(stateSchema, body, STATE_KEY)).toThrow(
      new ContractError(`${STATE_KEY} is not a DataPipe file (${issue}) — remove it and re-run the extractor`),
    );
  });

  it('names the nested path of the first issue', () => {
    const body = JSON.stringify({ ...manifest, chunk: { index: 0, count: 0 } });
    expect(() => parseStored(manifestSchema, body, 'run=r2/_manifest-0000.json')).toThrow(
      new ContractError('run=r2/_manifest-0000.json is not a DataPipe file (chunk.count: Too small: expected number to be >0) — remove it and re-run the extractor'),
    );
    const files = JSON.stringify({ ...manifest, files: [{ key: 'k', rows: 1, bytes: 1 }] });
    expect(() => parseStored(manifestSchema, files, 'm.json')).toThrow(
      new ContractError('m.json is not a DataPipe file (files.0.sha256: Invalid input: expected string, received undefined) — remove it and re-run the extractor'),
    );
    const mode = JSON.stringify({ ...manifest, mode: 'append' });
    expect(() => parseStored(manifestSchema, mode, 'm.json')).toThrow(
      new ContractError('m.json is not a DataPipe file (mode: Invalid option: expected one of "incremental"|"full") — remove it and re-run the extractor'),
    );
  });
});
